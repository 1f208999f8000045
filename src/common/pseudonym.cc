#define OPENSSL_SUPPRESS_DEPRECATED  // the low-level SHA-256 API exposes the midstate we reuse
#include "common/pseudonym.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

#include "common/secret_file.h"

namespace inzage {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string ToHex(const std::uint8_t* data, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHexDigits[data[i] >> 4]);
    out.push_back(kHexDigits[data[i] & 15]);
  }
  return out;
}

}  // namespace

std::string Pseudonym::Hex() const { return ToHex(bytes.data(), bytes.size()); }
std::string Pseudonym::Short() const { return "ps:" + ToHex(bytes.data(), 6); }

Pseudonymizer::Pseudonymizer(std::string_view key) {
  std::array<std::uint8_t, SHA256_CBLOCK> block{};
  if (key.size() > SHA256_CBLOCK) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block.data());
  } else {
    std::memcpy(block.data(), key.data(), key.size());
  }
  std::array<std::uint8_t, SHA256_CBLOCK> pad{};
  SHA256_CTX ctx;
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, pad.data(), pad.size());
  std::memcpy(inner_.h.data(), ctx.h, sizeof ctx.h);
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, pad.data(), pad.size());
  std::memcpy(outer_.h.data(), ctx.h, sizeof ctx.h);

  std::string label = "inzage-pseudonym-key-id:";
  label.append(key);
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> id{};
  SHA256(reinterpret_cast<const unsigned char*>(label.data()), label.size(), id.data());
  key_id_ = ToHex(id.data(), 8);
  OPENSSL_cleanse(label.data(), label.size());
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
}

Pseudonym Pseudonymizer::Pseudonymise(std::string_view bsn9) const {
  static constexpr char kLabel[] = "bsn:";
  std::uint8_t message[sizeof kLabel - 1 + 9];
  std::memcpy(message, kLabel, sizeof kLabel - 1);
  std::memcpy(message + sizeof kLabel - 1, bsn9.data(), bsn9.size() < 9 ? bsn9.size() : 9);

  SHA256_CTX ctx;
  std::memset(&ctx, 0, sizeof ctx);
  std::memcpy(ctx.h, inner_.h.data(), sizeof ctx.h);
  ctx.Nl = SHA256_CBLOCK * 8;  // bits already absorbed (one block)
  ctx.md_len = SHA256_DIGEST_LENGTH;
  SHA256_Update(&ctx, message, sizeof message);
  std::uint8_t inner_digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(inner_digest, &ctx);

  std::memset(&ctx, 0, sizeof ctx);
  std::memcpy(ctx.h, outer_.h.data(), sizeof ctx.h);
  ctx.Nl = SHA256_CBLOCK * 8;
  ctx.md_len = SHA256_DIGEST_LENGTH;
  SHA256_Update(&ctx, inner_digest, sizeof inner_digest);
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &ctx);

  Pseudonym p;
  std::memcpy(p.bytes.data(), digest, p.bytes.size());
  return p;
}

Result<Pseudonymizer> Pseudonymizer::FromKeyFile(const std::string& path) {
  auto key = ReadHexSecretFile(path, "pseudonym key file", kMinKeyBytes);
  if (!key.ok()) return key.status();
  Pseudonymizer p(*key);
  OPENSSL_cleanse(key->data(), key->size());
  return p;
}

Status Pseudonymizer::GenerateKeyFile(const std::string& path) {
  return WriteRandomHexSecretFile(path, 32);
}

}  // namespace inzage
