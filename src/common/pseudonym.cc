#include "common/pseudonym.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common/hex.h"
#include "common/secret_file.h"

namespace inzage {
std::string Pseudonym::Hex() const { return HexOf(bytes.data(), bytes.size()); }
std::string Pseudonym::Short() const { return "ps:" + HexOf(bytes.data(), 6); }

Pseudonymizer::Pseudonymizer(std::string_view key) : mac_(key) {
  std::string label = "inzage-pseudonym-key-id:";
  label.append(key);
  const Sha256Digest id = Sha256(label);
  key_id_ = HexOf(id.data(), 8);
  OPENSSL_cleanse(label.data(), label.size());
}

Pseudonym Pseudonymizer::Pseudonymise(std::string_view bsn9) const {
  static constexpr char kLabel[] = "bsn:";
  char message[sizeof kLabel - 1 + 9];
  std::memcpy(message, kLabel, sizeof kLabel - 1);
  std::memcpy(message + sizeof kLabel - 1, bsn9.data(), bsn9.size() < 9 ? bsn9.size() : 9);
  const Sha256Digest digest = mac_.Mac(std::string_view(message, sizeof message));
  Pseudonym p;
  std::memcpy(p.bytes.data(), digest.data(), p.bytes.size());
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
