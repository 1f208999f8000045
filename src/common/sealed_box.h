// SealedBox: authenticated encryption (AES-256-GCM) of short values that a client holds and
// hands back, such as page cursors and references to history entries. The client can neither
// read what is inside (an event id, a time) nor make one up, and a value sealed for one
// purpose ("the citizen's query of this period") does not open for another: the purpose is
// the associated data.
//
// Text form: base64url without padding of nonce (12 random bytes) | ciphertext | tag (16).
//
// Ownership: holds its 32-byte key (wiped on destruction). Thread safety: Seal and Open are
// const and may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inzage {

class SealedBox {
 public:
  explicit SealedBox(const std::array<std::uint8_t, 32>& key) : key_(key) {}
  ~SealedBox();
  SealedBox(const SealedBox&) = default;
  SealedBox& operator=(const SealedBox&) = default;

  [[nodiscard]] std::string Seal(std::string_view plaintext, std::string_view purpose) const;
  // nullopt when the text is not one this box sealed for this purpose.
  [[nodiscard]] std::optional<std::string> Open(std::string_view sealed,
                                                std::string_view purpose) const;

 private:
  std::array<std::uint8_t, 32> key_;
};

}  // namespace inzage
