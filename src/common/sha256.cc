// The only file that uses OpenSSL's low-level SHA-256 functions; sha256.h says why.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace inzage {
namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "SHA256_CTX does not fit the hasher's state");

SHA256_CTX* Ctx(std::array<std::uint8_t, 112>& state) {
  return reinterpret_cast<SHA256_CTX*>(state.data());
}

}  // namespace

Sha256Hasher::Sha256Hasher() { SHA256_Init(Ctx(state_)); }

Sha256Hasher& Sha256Hasher::Update(std::string_view bytes) {
  SHA256_Update(Ctx(state_), bytes.data(), bytes.size());
  return *this;
}

Sha256Hasher& Sha256Hasher::Update(const void* bytes, size_t size) {
  SHA256_Update(Ctx(state_), bytes, size);
  return *this;
}

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out;
  SHA256_Final(out.data(), Ctx(state_));
  SHA256_Init(Ctx(state_));
  return out;
}

Sha256Digest Sha256(std::string_view bytes) {
  // Not OpenSSL's one-shot SHA256(): in OpenSSL 3 it looks the algorithm up by name on every
  // call (~340 ns for a short input against ~55 ns here).
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, bytes.data(), bytes.size());
  Sha256Digest out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

KeyedSha256::KeyedSha256(std::string_view key) {
  std::array<std::uint8_t, SHA256_CBLOCK> block{};
  if (key.size() > SHA256_CBLOCK) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block.data());
  } else {
    std::memcpy(block.data(), key.data(), key.size());
  }
  std::array<std::uint8_t, SHA256_CBLOCK> pad{};
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(Ctx(inner_));
  SHA256_Update(Ctx(inner_), pad.data(), pad.size());
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(Ctx(outer_));
  SHA256_Update(Ctx(outer_), pad.data(), pad.size());
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
}

Sha256Digest KeyedSha256::Mac(std::string_view message) const {
  // Copies of the key's midstates: after one block each, the message's block and the inner
  // digest's block are all that is left to compress.
  std::array<std::uint8_t, 112> ctx = inner_;
  SHA256_Update(Ctx(ctx), message.data(), message.size());
  Sha256Digest inner_digest;
  SHA256_Final(inner_digest.data(), Ctx(ctx));
  ctx = outer_;
  SHA256_Update(Ctx(ctx), inner_digest.data(), inner_digest.size());
  Sha256Digest digest;
  SHA256_Final(digest.data(), Ctx(ctx));
  return digest;
}

}  // namespace inzage
