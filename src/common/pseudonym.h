// Pseudonyms: the only form in which a BSN exists inside inzage after parsing.
//
// A pseudonym is HMAC-SHA256(key, "bsn:" + the 9-digit normalised BSN) truncated to 16 bytes.
// The key is a secret file (systemd credential in production, `inzage keygen` creates one);
// without it a pseudonym cannot be linked back to a BSN by enumerating the 10^9 numbers.
// The key id (first 8 bytes of SHA-256 over a label and the key) is stored in the store's meta
// so that a store is never opened with another key.
//
// Thread safety: a Pseudonymizer is immutable after construction; Pseudonymise() is const and
// may be called from any thread. It does not allocate.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace inzage {

struct Pseudonym {
  std::array<std::uint8_t, 16> bytes{};
  friend bool operator==(const Pseudonym&, const Pseudonym&) = default;
  friend auto operator<=>(const Pseudonym&, const Pseudonym&) = default;
  [[nodiscard]] std::string Hex() const;
  // A short form for explanations and logs: the first 6 bytes in hex ("ps:1a2b3c4d5e6f").
  [[nodiscard]] std::string Short() const;
};

struct PseudonymHash {
  size_t operator()(const Pseudonym& p) const noexcept {
    size_t h;
    static_assert(sizeof h <= sizeof p.bytes);
    __builtin_memcpy(&h, p.bytes.data(), sizeof h);  // already uniformly distributed
    return h;
  }
};

class Pseudonymizer {
 public:
  static constexpr size_t kMinKeyBytes = 32;

  // key: at least 32 random bytes.
  explicit Pseudonymizer(std::string_view key);
  // Reads a key file: hex text (64+ hex digits, whitespace ignored). Refuses files readable by
  // group or others.
  static Result<Pseudonymizer> FromKeyFile(const std::string& path);
  // Writes a new random 32-byte key as hex to path with mode 0600; fails if path exists.
  static Status GenerateKeyFile(const std::string& path);

  // bsn9: exactly 9 digits (already normalised and checked).
  [[nodiscard]] Pseudonym Pseudonymise(std::string_view bsn9) const;
  [[nodiscard]] const std::string& key_id() const { return key_id_; }

 private:
  // SHA-256 midstates after absorbing key^ipad and key^opad: each pseudonym then costs two
  // compressions instead of four, which keeps it cheap enough for the parse path.
  struct Sha256State {
    std::array<std::uint32_t, 8> h{};
  };
  Sha256State inner_;
  Sha256State outer_;
  std::string key_id_;
};

}  // namespace inzage
