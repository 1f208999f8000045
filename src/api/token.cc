#include "api/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/json_writer.h"
#include "common/secret_file.h"
#include "common/sha256.h"
#include "policy/decision.h"

namespace inzage::api {
namespace {

// RFC 7519 §4: a JWT whose claim set holds a member twice must be rejected (or the last one
// used); rejecting leaves no room for two parsers to read one token differently.
bool HasDuplicateMembers(simdjson::dom::object object) {
  std::vector<std::string_view> keys;
  for (auto field : object) {
    if (std::find(keys.begin(), keys.end(), field.key) != keys.end()) return true;
    keys.push_back(field.key);
  }
  return false;
}

constexpr size_t kMinSecretBytes = 32;
constexpr size_t kMaxSubjectBytes = 128;

std::shared_ptr<EVP_PKEY> OwnKey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, [](EVP_PKEY* k) { EVP_PKEY_free(k); });
}

Result<std::shared_ptr<EVP_PKEY>> ParsePem(TokenAlgorithm alg, std::string_view pem,
                                           bool private_key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return Status::Internal("out of memory reading a PEM key");
  EVP_PKEY* key = private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                              : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Status::InvalidArgument(std::string("not a PEM ") +
                                   (private_key ? "private" : "public") + " key");
  }
  auto owned = OwnKey(key);
  const int type = EVP_PKEY_get_base_id(key);
  if (alg == TokenAlgorithm::kEdDsa && type != EVP_PKEY_ED25519) {
    return Status::InvalidArgument("EdDSA needs an Ed25519 key");
  }
  if (alg == TokenAlgorithm::kRs256 && (type != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 2048)) {
    return Status::InvalidArgument("RS256 needs an RSA key of at least 2048 bits");
  }
  return owned;
}

Result<std::string> ReadKeyText(TokenAlgorithm alg, const std::string& path, bool private_key) {
  if (alg == TokenAlgorithm::kHs256) {
    return ReadHexSecretFile(path, "token key file", kMinSecretBytes);
  }
  if (private_key) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      return Status::FailedPrecondition("token signing key " + path +
                                        ": readable by group or others; chmod 600 it");
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("token key file " + path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const EVP_MD* DigestOf(TokenAlgorithm alg) {
  return alg == TokenAlgorithm::kRs256 ? EVP_sha256() : nullptr;  // Ed25519 hashes itself
}

}  // namespace

std::string_view TokenAlgorithmName(TokenAlgorithm alg) {
  switch (alg) {
    case TokenAlgorithm::kHs256:
      return "HS256";
    case TokenAlgorithm::kEdDsa:
      return "EdDSA";
    case TokenAlgorithm::kRs256:
      return "RS256";
  }
  return "";
}

Result<TokenAlgorithm> ParseTokenAlgorithm(std::string_view name) {
  for (TokenAlgorithm a :
       {TokenAlgorithm::kHs256, TokenAlgorithm::kEdDsa, TokenAlgorithm::kRs256}) {
    if (name == TokenAlgorithmName(a)) return a;
  }
  return Status::InvalidArgument("unknown token algorithm '" + std::string(name) +
                                 "' (HS256, EdDSA or RS256)");
}

std::string_view TokenRoleName(TokenRole role) {
  switch (role) {
    case TokenRole::kCitizen:
      return "citizen";
    case TokenRole::kPrivacyOfficer:
      return "privacy-officer";
    case TokenRole::kCiso:
      return "ciso";
    case TokenRole::kPeer:
      return "peer";
    case TokenRole::kLogbook:
      return "logbook";
  }
  return "";
}

std::string_view TokenErrorText(TokenError e) {
  switch (e) {
    case TokenError::kMalformed:
      return "malformed token";
    case TokenError::kAlgorithm:
      return "token algorithm not accepted";
    case TokenError::kSignature:
      return "bad token signature";
    case TokenError::kExpired:
      return "token expired";
    case TokenError::kNotYetValid:
      return "token not yet valid";
    case TokenError::kAudience:
      return "token audience not accepted";
    case TokenError::kClaims:
      return "token claims missing or invalid";
  }
  return "invalid token";
}

Result<TokenVerifier> TokenVerifier::FromKeyFile(TokenAlgorithm alg, const std::string& path,
                                                 std::string audience) {
  auto text = ReadKeyText(alg, path, false);
  if (!text.ok()) return text.status();
  auto v = FromKey(alg, *text, std::move(audience));
  OPENSSL_cleanse(text->data(), text->size());
  if (!v.ok()) {
    return Status::InvalidArgument("token key file " + path + ": " + v.status().message());
  }
  return v;
}

Result<TokenVerifier> TokenVerifier::FromKey(TokenAlgorithm alg, std::string_view key,
                                             std::string audience) {
  if (audience.empty()) return Status::InvalidArgument("the token audience must not be empty");
  TokenVerifier v;
  v.alg_ = alg;
  v.audience_ = std::move(audience);
  if (alg == TokenAlgorithm::kHs256) {
    if (key.size() < kMinSecretBytes) {
      return Status::InvalidArgument("an HS256 secret needs at least 32 bytes");
    }
    v.secret_ = std::string(key);
    return v;
  }
  auto pem = ParsePem(alg, key, false);
  if (!pem.ok()) return pem.status();
  v.public_key_ = std::move(pem).value();
  return v;
}

bool TokenVerifier::Verify(std::string_view token, TimeMicros now, TokenClaims* claims,
                           TokenError* why) const {
  auto fail = [why](TokenError e) {
    *why = e;
    return false;
  };
  if (token.empty() || token.size() > kMaxTokenBytes) return fail(TokenError::kMalformed);
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(TokenError::kMalformed);
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenError::kMalformed);
  }
  std::string header, payload, signature;
  if (!Base64UrlDecode(token.substr(0, dot1), &header) ||
      !Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1), &payload) ||
      !Base64UrlDecode(token.substr(dot2 + 1), &signature)) {
    return fail(TokenError::kMalformed);
  }

  // The header first: only the configured algorithm gets as far as a signature check.
  simdjson::dom::parser parser;
  {
    simdjson::dom::element h;
    if (parser.parse(header).get(h) != simdjson::SUCCESS || !h.is_object() ||
        HasDuplicateMembers(h.get_object().value_unsafe())) {
      return fail(TokenError::kMalformed);
    }
    std::string_view alg;
    if (h["alg"].get_string().get(alg) != simdjson::SUCCESS) return fail(TokenError::kMalformed);
    if (alg != TokenAlgorithmName(alg_)) return fail(TokenError::kAlgorithm);
    // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
    if (h["crit"].error() != simdjson::NO_SUCH_FIELD) return fail(TokenError::kAlgorithm);
  }

  const std::string_view signed_part = token.substr(0, dot2);
  if (alg_ == TokenAlgorithm::kHs256) {
    const Sha256Digest mac = KeyedSha256(secret_).Mac(signed_part);
    if (signature.size() != mac.size() ||
        CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) != 0) {
      return fail(TokenError::kSignature);
    }
  } else {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, DigestOf(alg_), nullptr, public_key_.get()) != 1 ||
        EVP_DigestVerify(
            ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
            reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) != 1) {
      return fail(TokenError::kSignature);
    }
  }

  simdjson::dom::element p;
  // Two "role" (or "sub") members would leave it to the parser which one counts: refused.
  if (parser.parse(payload).get(p) != simdjson::SUCCESS || !p.is_object() ||
      HasDuplicateMembers(p.get_object().value_unsafe())) {
    return fail(TokenError::kMalformed);
  }
  auto seconds = [&p](const char* name, std::int64_t* out) -> simdjson::error_code {
    simdjson::dom::element e;
    if (auto err = p[name].get(e); err) return err;
    if (e.is_int64()) return e.get_int64().get(*out);
    double d = 0;
    if (auto err = e.get_double().get(d); err) return err;
    if (!(d > -1e12 && d < 1e12)) return simdjson::NUMBER_OUT_OF_RANGE;
    *out = static_cast<std::int64_t>(d);
    return simdjson::SUCCESS;
  };
  std::int64_t exp = 0;
  // Bounded, so that the conversion to microseconds cannot overflow.
  if (seconds("exp", &exp) != simdjson::SUCCESS || exp < 0 || exp > 1'000'000'000'000) {
    return fail(TokenError::kClaims);
  }
  if (now > exp * kMicrosPerSecond + kLeeway) return fail(TokenError::kExpired);
  std::int64_t nbf = 0;
  if (const auto err = seconds("nbf", &nbf); err != simdjson::NO_SUCH_FIELD) {
    if (err != simdjson::SUCCESS || nbf < 0 || nbf > 1'000'000'000'000) {
      return fail(TokenError::kClaims);
    }
    if (now + kLeeway < nbf * kMicrosPerSecond) return fail(TokenError::kNotYetValid);
  }
  bool audience_ok = false;
  simdjson::dom::element aud;
  if (p["aud"].get(aud) == simdjson::SUCCESS) {
    std::string_view one;
    simdjson::dom::array many;
    if (aud.get_string().get(one) == simdjson::SUCCESS) {
      audience_ok = one == audience_;
    } else if (aud.get_array().get(many) == simdjson::SUCCESS) {
      for (simdjson::dom::element a : many) {
        if (a.get_string().get(one) == simdjson::SUCCESS && one == audience_) audience_ok = true;
      }
    }
  }
  if (!audience_ok) return fail(TokenError::kAudience);
  std::string_view sub, role;
  if (p["sub"].get_string().get(sub) != simdjson::SUCCESS || sub.empty() ||
      sub.size() > kMaxSubjectBytes || p["role"].get_string().get(role) != simdjson::SUCCESS) {
    return fail(TokenError::kClaims);
  }
  for (char c : sub) {
    if (c < 0x21 || c > 0x7e) return fail(TokenError::kClaims);
  }
  bool role_known = false;
  for (TokenRole r : {TokenRole::kCitizen, TokenRole::kPrivacyOfficer, TokenRole::kCiso,
                      TokenRole::kPeer, TokenRole::kLogbook}) {
    if (role == TokenRoleName(r)) {
      claims->role = r;
      role_known = true;
    }
  }
  if (!role_known) return fail(TokenError::kClaims);
  claims->subject = std::string(sub);
  claims->expires = exp * kMicrosPerSecond;
  return true;
}

Result<TokenSigner> TokenSigner::FromKeyFile(TokenAlgorithm alg, const std::string& path) {
  auto text = ReadKeyText(alg, path, true);
  if (!text.ok()) return text.status();
  auto s = FromKey(alg, *text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!s.ok()) {
    return Status::InvalidArgument("token key file " + path + ": " + s.status().message());
  }
  return s;
}

Result<TokenSigner> TokenSigner::FromKey(TokenAlgorithm alg, std::string_view key) {
  TokenSigner s;
  s.alg_ = alg;
  if (alg == TokenAlgorithm::kHs256) {
    if (key.size() < kMinSecretBytes) {
      return Status::InvalidArgument("an HS256 secret needs at least 32 bytes");
    }
    s.secret_ = std::string(key);
    return s;
  }
  auto pem = ParsePem(alg, key, true);
  if (!pem.ok()) return pem.status();
  s.private_key_ = std::move(pem).value();
  return s;
}

Result<std::string> TokenSigner::Sign(std::string_view subject, TokenRole role,
                                      std::string_view audience, TimeMicros now,
                                      TimeMicros ttl) const {
  const std::int64_t iat = now / kMicrosPerSecond;
  std::string payload;
  JsonWriter(&payload)
      .BeginObject()
      .Key("sub")
      .String(subject)
      .Key("role")
      .String(TokenRoleName(role))
      .Key("aud")
      .String(audience)
      .Key("iat")
      .Int(iat)
      .Key("nbf")
      .Int(iat - 1)
      .Key("exp")
      .Int((now + ttl) / kMicrosPerSecond)
      .EndObject();
  std::string header;
  JsonWriter(&header)
      .BeginObject()
      .Key("alg")
      .String(TokenAlgorithmName(alg_))
      .Key("typ")
      .String("JWT")
      .EndObject();
  return SignRaw(header, payload);
}

Result<std::string> TokenSigner::SignRaw(std::string_view header_json,
                                         std::string_view payload_json) const {
  std::string token = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  if (alg_ == TokenAlgorithm::kHs256) {
    const Sha256Digest mac = KeyedSha256(secret_).Mac(token);
    token += "." + Base64UrlEncode(
                       std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    return token;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(token.data());
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, DigestOf(alg_), nullptr, private_key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, token.size()) != 1) {
    return Status::Internal("signing failed");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, data,
                     token.size()) != 1) {
    return Status::Internal("signing failed");
  }
  signature.resize(len);
  token += "." + Base64UrlEncode(signature);
  return token;
}

Status GenerateTokenSecretFile(const std::string& path) {
  return WriteRandomHexSecretFile(path, 32);
}

}  // namespace inzage::api
