// SHA-256 and keyed SHA-256 (HMAC), the one place inzage calls OpenSSL's digests: the store's
// integrity chain, the policy revision, alert ids and pseudonyms all hash through here.
//
// Sha256Hasher hashes incrementally without allocating; KeyedSha256 is HMAC-SHA256 with the
// key's inner and outer blocks hashed once, so that hashing a short message (a BSN) costs two
// compressions. Both use OpenSSL's SHA256_* functions, which OpenSSL 3 marks deprecated in
// favour of EVP: with a fetched EVP_MD and a reused context a 120-byte digest costs 178 ns
// against 116 ns, and EVP can reuse a keyed midstate only by copying a context (95 ns per
// block), which would add ~80 ns to every subject's pseudonym (measured here, OpenSSL 3.0.15).
// The deprecation is therefore silenced in sha256.cc only.
//
// Thread safety: a hasher per thread; KeyedSha256 is immutable after construction and may be
// used from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace inzage {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256Hasher {
 public:
  Sha256Hasher();
  Sha256Hasher& Update(std::string_view bytes);
  Sha256Hasher& Update(const void* bytes, size_t size);
  // The digest of everything given so far; the hasher starts over afterwards.
  Sha256Digest Finish();

 private:
  // OpenSSL's SHA256_CTX, held as bytes so that this header needs no OpenSSL include.
  alignas(8) std::array<std::uint8_t, 112> state_;
};

Sha256Digest Sha256(std::string_view bytes);

// HMAC-SHA256 with a fixed key.
class KeyedSha256 {
 public:
  explicit KeyedSha256(std::string_view key);
  // HMAC-SHA256(key, message); messages up to 55 bytes take the fast path of one block each.
  [[nodiscard]] Sha256Digest Mac(std::string_view message) const;

 private:
  alignas(8) std::array<std::uint8_t, 112> inner_;  // SHA256_CTX after the inner key block
  alignas(8) std::array<std::uint8_t, 112> outer_;  // after the outer key block
};

}  // namespace inzage
