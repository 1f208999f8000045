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
#include <bit>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace inzage {

struct Pseudonym {
  std::array<std::uint8_t, 16> bytes{};
  // Byte order (as memcmp), computed on two 64-bit words: the defaulted operators called memcmp
  // for every comparison, the largest single cost of deciding and aggregating an event (each
  // event looks subjects up in several maps and sorted sets; bench/README.md, fourth session).
  friend bool operator==(const Pseudonym& a, const Pseudonym& b) {
    return ((a.Word(0) ^ b.Word(0)) | (a.Word(1) ^ b.Word(1))) == 0;
  }
  friend std::strong_ordering operator<=>(const Pseudonym& a, const Pseudonym& b) {
    const std::uint64_t a0 = a.BigEndianWord(0), b0 = b.BigEndianWord(0);
    if (a0 != b0) return a0 <=> b0;
    return a.BigEndianWord(1) <=> b.BigEndianWord(1);
  }
  [[nodiscard]] std::string Hex() const;
  // A short form for explanations and logs: the first 6 bytes in hex ("ps:1a2b3c4d5e6f").
  [[nodiscard]] std::string Short() const;

 private:
  [[nodiscard]] std::uint64_t Word(size_t i) const {
    std::uint64_t w;
    __builtin_memcpy(&w, bytes.data() + 8 * i, sizeof w);
    return w;
  }
  // Word i read as a big-endian number: comparing these orders like comparing the bytes.
  [[nodiscard]] std::uint64_t BigEndianWord(size_t i) const {
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(Word(i));
    return Word(i);
  }
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
  // A key for another purpose ("cursor"), derived from this one (HMAC with a label), so that
  // every instance that shares the pseudonym key derives the same key without another secret.
  [[nodiscard]] Sha256Digest DeriveKey(std::string_view purpose) const {
    return mac_.Mac("inzage-derived-key:" + std::string(purpose));
  }

 private:
  // HMAC-SHA256 with the key's blocks hashed once: each pseudonym then costs two compressions
  // instead of four, which keeps it cheap enough for the parse path.
  KeyedSha256 mac_;
  std::string key_id_;
};

}  // namespace inzage
