// Secret files: written 0600 with fresh random bytes, read back only when nobody else can read
// them, and never partly.
#include "common/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace inzage {
namespace {

using testing::TempDir;

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

TEST(SecretFile, WritesRandomHexWithModeSixHundredAndReadsItBack) {
  TempDir dir;
  const std::string path = dir.sub("key");
  ASSERT_OK(WriteRandomHexSecretFile(path, 32));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = ReadHexSecretFile(path, "test key", 32);
  ASSERT_OK(key);
  EXPECT_EQ(key->size(), 32u);
  // A second key is another key, and an existing file is never overwritten.
  const std::string other = dir.sub("other");
  ASSERT_OK(WriteRandomHexSecretFile(other, 32));
  EXPECT_NE(*ReadHexSecretFile(other, "test key", 32), *key);
  EXPECT_FALSE(WriteRandomHexSecretFile(path, 32).ok());
  EXPECT_EQ(*ReadHexSecretFile(path, "test key", 32), *key);
}

TEST(SecretFile, IgnoresWhitespaceBetweenHexDigits) {
  TempDir dir;
  const std::string path = dir.sub("key");
  WriteFile(path, "00112233 44556677\n8899aabb CCDDEEFF\n", 0600);
  auto key = ReadHexSecretFile(path, "test key", 16);
  ASSERT_OK(key);
  EXPECT_EQ(*key,
            std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16));
}

TEST(SecretFile, RefusesFilesOthersCanReadBadHexShortKeysAndMissingFiles) {
  TempDir dir;
  const std::string hex64(64, 'a');
  const std::string open = dir.sub("open");
  WriteFile(open, hex64, 0640);
  auto r = ReadHexSecretFile(open, "pseudonym key file", 32);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("pseudonym key file"), std::string::npos)
      << r.status().message();

  const std::string bad = dir.sub("bad");
  WriteFile(bad, std::string(62, 'a') + "zz", 0600);
  EXPECT_FALSE(ReadHexSecretFile(bad, "test key", 32).ok());

  const std::string odd = dir.sub("odd");
  WriteFile(odd, std::string(63, 'a'), 0600);
  EXPECT_FALSE(ReadHexSecretFile(odd, "test key", 31).ok());

  const std::string shorter = dir.sub("short");
  WriteFile(shorter, std::string(62, 'a'), 0600);
  EXPECT_FALSE(ReadHexSecretFile(shorter, "test key", 32).ok());

  EXPECT_FALSE(ReadHexSecretFile(dir.sub("absent"), "test key", 32).ok());
}

}  // namespace
}  // namespace inzage
