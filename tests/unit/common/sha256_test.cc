// The SHA-256 wrapper against OpenSSL's EVP and HMAC results (known answers too).
#include "common/sha256.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "common/hex.h"

namespace inzage {
namespace {

std::string Hex(const Sha256Digest& d) { return HexOf(d.data(), d.size()); }

TEST(Sha256, KnownAnswersAndIncrementalEqualsOneShot) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256Hasher h;
  h.Update("a").Update(std::string_view("bc"));
  EXPECT_EQ(h.Finish(), Sha256("abc"));
  // Finish starts over.
  h.Update("abc");
  EXPECT_EQ(h.Finish(), Sha256("abc"));
}

TEST(KeyedSha256, EqualsOpenSslHmacForShortAndLongKeysAndMessages) {
  for (const std::string& key :
       {std::string(32, 'k'), std::string(64, 'q'), std::string(100, 'z')}) {
    const KeyedSha256 mac(key);
    for (const std::string& message : {std::string("bsn:999993653"), std::string(200, 'm')}) {
      unsigned char expected[32];
      unsigned int len = 0;
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), expected, &len);
      ASSERT_EQ(len, 32u);
      EXPECT_EQ(Hex(mac.Mac(message)), HexOf(expected, 32)) << key.size() << "/" << message.size();
    }
  }
}

TEST(Hex, RoundTripsAndRejectsWhatIsNotHex) {
  EXPECT_EQ(HexOf(std::string_view("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(BytesOfHex("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(BytesOfHex("abc").has_value());
  EXPECT_FALSE(BytesOfHex("zz").has_value());
}

}  // namespace
}  // namespace inzage
