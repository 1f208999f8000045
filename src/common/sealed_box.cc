#include "common/sealed_box.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "common/base64.h"

namespace inzage {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxSealedText = 4096;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

SealedBox::~SealedBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string SealedBox::Seal(std::string_view plaintext, std::string_view purpose) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(bytes, kNonceBytes) != 1) return {};
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(purpose.data()),
                        static_cast<int>(purpose.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + kNonceBytes, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          bytes + kNonceBytes + plaintext.size()) != 1) {
    return {};
  }
  return Base64UrlEncode(out);
}

std::optional<std::string> SealedBox::Open(std::string_view sealed,
                                           std::string_view purpose) const {
  if (sealed.empty() || sealed.size() > kMaxSealedText) return std::nullopt;
  std::string raw;
  if (!Base64UrlDecode(sealed, &raw) || raw.size() < kNonceBytes + kTagBytes) {
    return std::nullopt;
  }
  const size_t n = raw.size() - kNonceBytes - kTagBytes;
  auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
  std::string plain(n, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(purpose.data()),
                        static_cast<int>(purpose.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes + kNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, bytes + kNonceBytes + n) !=
          1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
          1) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace inzage
