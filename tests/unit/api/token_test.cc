// Bearer-token verification: every rejection the API promises (missing parts, alg none,
// algorithm confusion, bad signature, expired, not yet valid, wrong audience, bad claims) and
// the accepted forms, for HS256, EdDSA and RS256.
#include "api/token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "common/base64.h"
#include "support/status_matchers.h"

namespace inzage::api {
namespace {

constexpr TimeMicros kNow = 1'795'000'000LL * kMicrosPerSecond;
const std::string kSecret(40, 'k');

std::pair<std::string, std::string> NewKeyPair(const char* type, int rsa_bits = 0) {
  EVP_PKEY* key = rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits))
                               : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, &EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub.get(), key);
  auto text = [](BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<size_t>(n));
  };
  return {text(priv.get()), text(pub.get())};
}

struct Verified {
  bool ok;
  TokenError why;
  TokenClaims claims;
};

Verified Check(const TokenVerifier& v, const std::string& token, TimeMicros now = kNow) {
  Verified r{};
  r.ok = v.Verify(token, now, &r.claims, &r.why);
  return r;
}

class Hs256Test : public ::testing::Test {
 protected:
  TokenVerifier verifier_ =
      TokenVerifier::FromKey(TokenAlgorithm::kHs256, kSecret, "inzage").value();
  TokenSigner signer_ = TokenSigner::FromKey(TokenAlgorithm::kHs256, kSecret).value();

  std::string Raw(const std::string& header, const std::string& payload) {
    return signer_.SignRaw(header, payload).value();
  }
  static std::string Payload(const std::string& extra = "") {
    return R"({"sub":"999993653","role":"citizen","aud":"inzage","exp":)" +
           std::to_string(kNow / kMicrosPerSecond + 60) + extra + "}";
  }
};

TEST_F(Hs256Test, AcceptsAValidTokenAndReturnsItsClaims) {
  auto token =
      signer_.Sign("999993653", TokenRole::kCitizen, "inzage", kNow, 3600 * kMicrosPerSecond);
  ASSERT_OK(token);
  const Verified r = Check(verifier_, *token);
  ASSERT_TRUE(r.ok) << TokenErrorText(r.why);
  EXPECT_EQ(r.claims.subject, "999993653");
  EXPECT_EQ(r.claims.role, TokenRole::kCitizen);
}

TEST_F(Hs256Test, AcceptsEveryRoleAndAnAudienceList) {
  for (const char* role : {"citizen", "privacy-officer", "ciso", "peer"}) {
    const std::string payload = R"({"sub":"emp-1","role":")" + std::string(role) +
                                R"(","aud":["other","inzage"],"exp":)" +
                                std::to_string(kNow / kMicrosPerSecond + 60) + "}";
    EXPECT_TRUE(Check(verifier_, Raw(R"({"alg":"HS256","typ":"JWT"})", payload)).ok) << role;
  }
}

TEST_F(Hs256Test, RejectsMalformedTokens) {
  const std::string good = Raw(R"({"alg":"HS256"})", Payload());
  for (const std::string& bad :
       {std::string(), std::string("abc"), std::string("a.b"), good + ".x", good + "=",
        std::string("!!.??.**"), std::string(TokenVerifier::kMaxTokenBytes + 1, 'a'),
        Raw("not json", Payload()), Raw(R"(["HS256"])", Payload()),
        Raw(R"({"alg":"HS256"})", "not json")}) {
    const Verified r = Check(verifier_, bad);
    EXPECT_FALSE(r.ok) << bad;
  }
  EXPECT_EQ(Check(verifier_, "a.b").why, TokenError::kMalformed);
}

TEST_F(Hs256Test, RejectsAlgNoneEvenWithoutSignature) {
  const std::string header = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = Base64UrlEncode(Payload());
  for (const std::string& token :
       {header + "." + payload + ".", header + "." + payload + ".AAAA"}) {
    const Verified r = Check(verifier_, token);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.why, TokenError::kAlgorithm);
  }
}

TEST_F(Hs256Test, RejectsOtherAlgorithmsAndCriticalExtensions) {
  EXPECT_EQ(Check(verifier_, Raw(R"({"alg":"HS512"})", Payload())).why, TokenError::kAlgorithm);
  EXPECT_EQ(Check(verifier_, Raw(R"({"alg":"hs256"})", Payload())).why, TokenError::kAlgorithm);
  EXPECT_EQ(Check(verifier_, Raw(R"({"alg":"HS256","crit":["exp"]})", Payload())).why,
            TokenError::kAlgorithm);
}

// Two members of one name leave it to the parser which counts: a correctly signed token with
// two roles (or two algorithms) is refused.
TEST_F(Hs256Test, RejectsDuplicateMembers) {
  const std::int64_t exp = kNow / kMicrosPerSecond + 600;
  const std::string two_roles = R"({"sub":"emp-1","role":"privacy-officer","aud":"inzage","exp":)" +
                                std::to_string(exp) + R"(,"role":"ciso"})";
  EXPECT_EQ(Check(verifier_, Raw(R"({"alg":"HS256"})", two_roles)).why, TokenError::kMalformed);
  EXPECT_EQ(Check(verifier_, Raw(R"({"alg":"HS256","alg":"HS256"})", Payload())).why,
            TokenError::kMalformed);
  EXPECT_TRUE(Check(verifier_, Raw(R"({"alg":"HS256"})", Payload())).ok);
}

TEST_F(Hs256Test, RejectsABadSignature) {
  std::string token = Raw(R"({"alg":"HS256"})", Payload());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Check(verifier_, token).why, TokenError::kSignature);
  auto other = TokenSigner::FromKey(TokenAlgorithm::kHs256, std::string(40, 'x')).value();
  EXPECT_EQ(Check(verifier_, other.SignRaw(R"({"alg":"HS256"})", Payload()).value()).why,
            TokenError::kSignature);
  // A changed payload under the old signature.
  const std::string original = Raw(R"({"alg":"HS256"})", Payload());
  const size_t dot1 = original.find('.');
  const size_t dot2 = original.rfind('.');
  const std::string forged =
      original.substr(0, dot1 + 1) +
      Base64UrlEncode(R"({"sub":"999990482","role":"ciso","aud":"inzage","exp":9999999999})") +
      original.substr(dot2);
  EXPECT_EQ(Check(verifier_, forged).why, TokenError::kSignature);
}

TEST_F(Hs256Test, ChecksExpiryAndNotBeforeWithLeeway) {
  const std::int64_t now_s = kNow / kMicrosPerSecond;
  auto token = [&](std::int64_t exp, std::string nbf) {
    return Raw(R"({"alg":"HS256"})", R"({"sub":"emp-1","role":"ciso","aud":"inzage","exp":)" +
                                         std::to_string(exp) + nbf + "}");
  };
  EXPECT_EQ(Check(verifier_, token(now_s - 31, "")).why, TokenError::kExpired);
  EXPECT_TRUE(Check(verifier_, token(now_s - 29, "")).ok);  // within the 30 s leeway
  EXPECT_EQ(Check(verifier_, token(now_s + 600, ",\"nbf\":" + std::to_string(now_s + 31))).why,
            TokenError::kNotYetValid);
  EXPECT_TRUE(Check(verifier_, token(now_s + 600, ",\"nbf\":" + std::to_string(now_s + 29))).ok);
  EXPECT_EQ(Check(verifier_, token(now_s + 600, ",\"nbf\":\"soon\"")).why, TokenError::kClaims);
  // Out-of-range times are refused, not wrapped around (exp * 1e6 would overflow).
  EXPECT_EQ(Check(verifier_, token(-13835058055282, "")).why, TokenError::kClaims);
  EXPECT_EQ(Check(verifier_, token(now_s + 600, ",\"nbf\":-13835058055282")).why,
            TokenError::kClaims);
  // exp is required and numeric.
  EXPECT_EQ(
      Check(verifier_, Raw(R"({"alg":"HS256"})", R"({"sub":"emp-1","role":"ciso","aud":"inzage"})"))
          .why,
      TokenError::kClaims);
  EXPECT_EQ(Check(verifier_, Raw(R"({"alg":"HS256"})",
                                 R"({"sub":"emp-1","role":"ciso","aud":"inzage","exp":"x"})"))
                .why,
            TokenError::kClaims);
}

TEST_F(Hs256Test, ChecksTheAudience) {
  const std::string exp = std::to_string(kNow / kMicrosPerSecond + 60);
  for (const std::string& aud : {std::string(R"("aud":"other")"), std::string(R"("aud":["a","b"])"),
                                 std::string(R"("aud":7)"), std::string(R"("x":1)")}) {
    const Verified r =
        Check(verifier_, Raw(R"({"alg":"HS256"})",
                             R"({"sub":"emp-1","role":"ciso",)" + aud + R"(,"exp":)" + exp + "}"));
    EXPECT_EQ(r.why, TokenError::kAudience) << aud;
  }
}

TEST_F(Hs256Test, ChecksSubjectAndRole) {
  const std::string exp = std::to_string(kNow / kMicrosPerSecond + 60);
  for (const std::string& claims :
       {std::string(R"("role":"ciso")"), std::string(R"("sub":"","role":"ciso")"),
        std::string(R"("sub":"a b","role":"ciso")"),
        std::string(R"("sub":")") + std::string(129, 'a') + R"(","role":"ciso")",
        std::string(R"("sub":"emp-1")"), std::string(R"("sub":"emp-1","role":"admin")"),
        std::string(R"("sub":1,"role":"ciso")")}) {
    const Verified r =
        Check(verifier_,
              Raw(R"({"alg":"HS256"})", "{" + claims + R"(,"aud":"inzage","exp":)" + exp + "}"));
    EXPECT_EQ(r.why, TokenError::kClaims) << claims;
  }
}

TEST(TokenKeys, RefusesShortSecretsAndEmptyAudience) {
  EXPECT_FALSE(TokenVerifier::FromKey(TokenAlgorithm::kHs256, "short", "inzage").ok());
  EXPECT_FALSE(TokenVerifier::FromKey(TokenAlgorithm::kHs256, kSecret, "").ok());
  EXPECT_FALSE(TokenSigner::FromKey(TokenAlgorithm::kHs256, "short").ok());
}

TEST(TokenEdDsa, SignsAndVerifies) {
  const auto [priv, pub] = NewKeyPair("ED25519");
  auto signer = TokenSigner::FromKey(TokenAlgorithm::kEdDsa, priv);
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  auto verifier = TokenVerifier::FromKey(TokenAlgorithm::kEdDsa, pub, "inzage");
  ASSERT_TRUE(verifier.ok()) << verifier.status().message();
  auto token = signer->Sign("emp-1", TokenRole::kCiso, "inzage", kNow, 60 * kMicrosPerSecond);
  ASSERT_OK(token);
  EXPECT_TRUE(Check(*verifier, *token).ok);
  std::string tampered = *token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Check(*verifier, tampered).why, TokenError::kSignature);
  // A key of the wrong type is refused at load time.
  const auto [rsa_priv, rsa_pub] = NewKeyPair("RSA", 2048);
  EXPECT_FALSE(TokenVerifier::FromKey(TokenAlgorithm::kEdDsa, rsa_pub, "inzage").ok());
}

TEST(TokenRs256, SignsVerifiesAndResistsAlgorithmConfusion) {
  const auto [priv, pub] = NewKeyPair("RSA", 2048);
  auto signer = TokenSigner::FromKey(TokenAlgorithm::kRs256, priv).value();
  auto verifier = TokenVerifier::FromKey(TokenAlgorithm::kRs256, pub, "inzage").value();
  auto token =
      signer.Sign("emp-1", TokenRole::kPrivacyOfficer, "inzage", kNow, 60 * kMicrosPerSecond);
  ASSERT_OK(token);
  const Verified r = Check(verifier, *token);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.claims.role, TokenRole::kPrivacyOfficer);
  // The classic attack: HS256 with the (public) RSA key as the HMAC secret.
  auto forger = TokenSigner::FromKey(TokenAlgorithm::kHs256, pub).value();
  const std::string forged =
      forger
          .SignRaw(R"({"alg":"HS256"})",
                   R"({"sub":"x","role":"ciso","aud":"inzage","exp":9999999999})")
          .value();
  EXPECT_EQ(Check(verifier, forged).why, TokenError::kAlgorithm);
  // Too small an RSA key is refused.
  const auto [small_priv, small_pub] = NewKeyPair("RSA", 1024);
  EXPECT_FALSE(TokenVerifier::FromKey(TokenAlgorithm::kRs256, small_pub, "inzage").ok());
}

TEST(Base64Url, RoundTripsAndIsStrict) {
  for (const std::string& s :
       {std::string(), std::string("f"), std::string("fo"), std::string("foo"), std::string("foob"),
        std::string("\xff\xfe\x00", 3)}) {
    std::string back;
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(s), &back));
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("Zg==", &out));  // padding
  EXPECT_FALSE(Base64UrlDecode("Zh", &out));    // non-canonical trailing bits
  EXPECT_FALSE(Base64UrlDecode("Z", &out));     // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zm+v", &out));  // standard, not url-safe, alphabet
}

}  // namespace
}  // namespace inzage::api
