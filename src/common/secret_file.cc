#include "common/secret_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace inzage {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The whole file, after checking that only its owner can read it.
Result<std::string> ReadOwnerOnlyFile(const std::string& path, const std::string& name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError(name + ": " + std::error_code(errno, std::generic_category()).message());
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::FailedPrecondition(name + ": readable by group or others; chmod 600 it");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Status::IoError(name + ": cannot read");
  return text.str();
}

}  // namespace

Result<std::string> ReadTextSecretFile(const std::string& path, std::string_view what) {
  const std::string name = std::string(what) + " " + path;
  auto text = ReadOwnerOnlyFile(path, name);
  if (!text.ok()) return text.status();
  std::string secret = std::move(text).value();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                             secret.back() == ' ' || secret.back() == '\t')) {
    secret.pop_back();
  }
  if (secret.empty()) return Status::InvalidArgument(name + ": empty");
  return secret;
}

Result<std::string> ReadHexSecretFile(const std::string& path, std::string_view what,
                                      size_t min_bytes) {
  const std::string name = std::string(what) + " " + path;
  auto text = ReadOwnerOnlyFile(path, name);
  if (!text.ok()) return text.status();
  std::string hex = std::move(text).value();
  std::string key;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    const int v = HexValue(c);
    if (v < 0) {
      OPENSSL_cleanse(hex.data(), hex.size());
      OPENSSL_cleanse(key.data(), key.size());
      return Status::InvalidArgument(name + ": not hex text");
    }
    if (high < 0) {
      high = v;
    } else {
      key.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  OPENSSL_cleanse(hex.data(), hex.size());
  if (high >= 0 || key.size() < min_bytes) {
    OPENSSL_cleanse(key.data(), key.size());
    return Status::InvalidArgument(name + ": needs at least " + std::to_string(min_bytes) +
                                   " bytes (" + std::to_string(2 * min_bytes) + " hex digits)");
  }
  return key;
}

Status WriteRandomHexSecretFile(const std::string& path, size_t bytes) {
  std::vector<unsigned char> key(bytes);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return Status::Internal("no randomness available for a new key");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * bytes + 1);
  for (unsigned char b : key) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 15]);
  }
  hex.push_back('\n');
  OPENSSL_cleanse(key.data(), key.size());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(hex.data(), hex.size());
    return Status::IoError("cannot create key file " + path + ": " +
                           std::error_code(errno, std::generic_category()).message());
  }
  const ssize_t written = ::write(fd, hex.data(), hex.size());
  OPENSSL_cleanse(hex.data(), hex.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(hex.size()) || !synced) {
    return Status::IoError("cannot write key file " + path);
  }
  return Status::Ok();
}

}  // namespace inzage
