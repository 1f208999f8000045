#include "common/pseudonym.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace inzage {
namespace {

TEST(PseudonymTest, EqualsTruncatedHmacSha256) {
  const std::string key = "0123456789abcdef0123456789abcdef-test-key";
  Pseudonymizer p(key);
  for (const char* bsn : {"999993653", "999990482", "012345672"}) {
    const std::string message = std::string("bsn:") + bsn;
    unsigned char expected[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), expected, &len);
    ASSERT_EQ(len, 32u);
    const Pseudonym got = p.Pseudonymise(bsn);
    EXPECT_EQ(std::memcmp(got.bytes.data(), expected, 16), 0) << bsn;
  }
}

TEST(PseudonymTest, DifferentKeysGiveDifferentPseudonymsAndIds) {
  Pseudonymizer a("key-a-key-a-key-a-key-a-key-a-key-a");
  Pseudonymizer b("key-b-key-b-key-b-key-b-key-b-key-b");
  EXPECT_NE(a.Pseudonymise("999993653"), b.Pseudonymise("999993653"));
  EXPECT_NE(a.key_id(), b.key_id());
  EXPECT_EQ(a.key_id().size(), 16u);
}

TEST(PseudonymTest, KeygenWritesA0600FileThatLoads) {
  const testing::TempDir dir;
  const std::string path = dir.sub("key");
  ASSERT_OK(Pseudonymizer::GenerateKeyFile(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = Pseudonymizer::FromKeyFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_FALSE(Pseudonymizer::GenerateKeyFile(path).ok()) << "must not overwrite a key";
  ::chmod(path.c_str(), 0644);
  auto refused = Pseudonymizer::FromKeyFile(path);
  EXPECT_FALSE(refused.ok());
}

TEST(PseudonymTest, RejectsShortOrNonHexKeys) {
  const testing::TempDir dir;
  const std::string path = dir.sub("key");
  {
    std::ofstream out(path);
    out << "abcd\n";
  }
  ::chmod(path.c_str(), 0600);
  EXPECT_FALSE(Pseudonymizer::FromKeyFile(path).ok());
  {
    std::ofstream out(path);
    out << std::string(64, 'z') << "\n";
  }
  EXPECT_FALSE(Pseudonymizer::FromKeyFile(path).ok());
}

}  // namespace
}  // namespace inzage

namespace inzage {
namespace {
// Sorted sets and keys rely on pseudonyms ordering exactly like their bytes (memcmp); the
// operators compare 64-bit words, so check them against memcmp, including pairs that differ
// only in the last byte, only in the second word, and in bytes whose sign bit differs.
TEST(PseudonymTest, OrderingAndEqualityFollowTheBytes) {
  std::vector<Pseudonym> all;
  const Pseudonymizer p(std::string(32, 'k'));
  for (int i = 0; i < 64; ++i) all.push_back(p.Pseudonymise(std::to_string(100000000 + i)));
  Pseudonym base = all.front();
  for (size_t byte : {size_t{0}, size_t{7}, size_t{8}, size_t{15}}) {
    for (std::uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      Pseudonym q = base;
      q.bytes[byte] = v;
      all.push_back(q);
    }
  }
  for (const Pseudonym& a : all) {
    for (const Pseudonym& b : all) {
      const int bytes = std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size());
      EXPECT_EQ(a == b, bytes == 0);
      EXPECT_EQ(a < b, bytes < 0);
      EXPECT_EQ(a > b, bytes > 0);
    }
  }
}

}  // namespace
}  // namespace inzage
