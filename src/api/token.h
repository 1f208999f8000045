// Bearer tokens of the HTTP API: compact JWS (JWT) verification and signing on OpenSSL.
//
// The portal of the municipality signs a token after DigiD login (role `citizen`, `sub` = the
// BSN); staff tokens carry role `privacy-officer` or `ciso` and `sub` = their account id; daemons
// of one deployment call each other with role `peer` (scatter-gather).
//
// Why not a JWT library: the one in Debian 12 (libjwt 1.10) lets the token's header choose the
// algorithm for the key it is given, which is the classic algorithm-confusion hole (an RS256
// public key accepted as an HS256 secret). Here the algorithm is pinned by configuration, one
// key per verifier; a token whose header names any other algorithm (`none` included) is
// rejected before any cryptography runs. Signatures are checked with OpenSSL (HMAC with a
// constant-time compare; EVP_DigestVerify for EdDSA and RS256).
//
// Checked for every token: exactly three base64url parts, at most kMaxTokenBytes; header `alg`
// equal to the configured one and no `crit`; the signature; `exp` (required) and `nbf` (if
// present) with a small leeway; `aud` (string or array) containing the configured audience;
// `sub` (1-128 printable ASCII) and `role` (one of the four). Errors say which check failed,
// never the token or the subject.
//
// Thread safety: TokenVerifier and TokenSigner are immutable after creation; Verify and Sign are
// const and may run on any thread concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT(modernize-use-using): OpenSSL's own spelling

namespace inzage::api {

enum class TokenAlgorithm { kHs256, kEdDsa, kRs256 };
// kLogbook: another organisation's Logboek Dataverwerkingen following a trace across
// organisations through the LDV read API (ldv_routes.cc), with a token of this deployment's
// identity provider; it may use that route only.
enum class TokenRole { kCitizen, kPrivacyOfficer, kCiso, kPeer, kLogbook };

std::string_view TokenAlgorithmName(TokenAlgorithm alg);  // "HS256", "EdDSA", "RS256"
Result<TokenAlgorithm> ParseTokenAlgorithm(std::string_view name);
// "citizen", "privacy-officer", "ciso", "peer", "logbook"
std::string_view TokenRoleName(TokenRole role);

struct TokenClaims {
  std::string subject;  // for a citizen the BSN: pseudonymise at once, never log
  TokenRole role = TokenRole::kCitizen;
  TimeMicros expires = 0;
};

// Why a token was refused; the HTTP layer maps every kind to 401 with a JSON error.
enum class TokenError {
  kMalformed,
  kAlgorithm,
  kSignature,
  kExpired,
  kNotYetValid,
  kAudience,
  kClaims
};
std::string_view TokenErrorText(TokenError e);

class TokenVerifier {
 public:
  static constexpr size_t kMaxTokenBytes = 4096;
  static constexpr TimeMicros kLeeway = 30 * kMicrosPerSecond;  // clock skew between hosts

  // HS256: the file holds the shared secret (at least 32 bytes; surrounding whitespace is
  // ignored). EdDSA (Ed25519) and RS256: a PEM public key. Refuses key files readable by group
  // or others when they hold a secret.
  static Result<TokenVerifier> FromKeyFile(TokenAlgorithm alg, const std::string& path,
                                           std::string audience);
  static Result<TokenVerifier> FromKey(TokenAlgorithm alg, std::string_view key,
                                       std::string audience);

  // now: wall-clock microseconds (tests inject a time). On failure *why says which check.
  [[nodiscard]] bool Verify(std::string_view token, TimeMicros now, TokenClaims* claims,
                            TokenError* why) const;

  [[nodiscard]] TokenAlgorithm algorithm() const { return alg_; }
  [[nodiscard]] const std::string& audience() const { return audience_; }

 private:
  TokenVerifier() = default;
  TokenAlgorithm alg_ = TokenAlgorithm::kHs256;
  std::string secret_;                    // HS256
  std::shared_ptr<EVP_PKEY> public_key_;  // EdDSA, RS256
  std::string audience_;
};

// Signs tokens: the demo's ready-made tokens, `inzage token`, the peer calls and the tests.
class TokenSigner {
 public:
  // HS256: the shared secret file; EdDSA/RS256: a PEM private key.
  static Result<TokenSigner> FromKeyFile(TokenAlgorithm alg, const std::string& path);
  static Result<TokenSigner> FromKey(TokenAlgorithm alg, std::string_view key);

  // A token for subject and role, valid from now - 1 s until now + ttl, with audience aud.
  [[nodiscard]] Result<std::string> Sign(std::string_view subject, TokenRole role,
                                         std::string_view audience, TimeMicros now,
                                         TimeMicros ttl) const;
  // Signs an arbitrary header and payload (tests build malformed and hostile tokens with it).
  [[nodiscard]] Result<std::string> SignRaw(std::string_view header_json,
                                            std::string_view payload_json) const;

 private:
  TokenSigner() = default;
  TokenAlgorithm alg_ = TokenAlgorithm::kHs256;
  std::string secret_;
  std::shared_ptr<EVP_PKEY> private_key_;
};

// Writes a new random HS256 secret (32 bytes, hex) with mode 0600; fails if path exists.
Status GenerateTokenSecretFile(const std::string& path);

}  // namespace inzage::api
