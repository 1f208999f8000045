#include "api/auth.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "event/bsn.h"

namespace inzage::api {
namespace {

constexpr std::string_view kBearer = "Bearer ";

bool IsBearer(const std::string& header) {
  return header.size() > kBearer.size() &&
         std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

bool RoleAllowed(TokenRole role, std::initializer_list<TokenRole> roles) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::nullopt_t Refuse(ApiError* error, ErrorCode code, std::string message) {
  *error = ApiError{code, std::move(message)};
  return std::nullopt;
}

}  // namespace

std::optional<TokenClaims> Authenticate(const HttpRequest& request, const TokenVerifier& verifier,
                                        std::initializer_list<TokenRole> roles, ApiError* error) {
  const std::string* header = request.Header("authorization");
  if (header == nullptr || header->empty()) {
    return Refuse(error, ErrorCode::kUnauthorized, "a bearer token is required");
  }
  if (!IsBearer(*header)) {
    return Refuse(error, ErrorCode::kUnauthorized,
                  "the Authorization header is not a bearer token");
  }
  TokenClaims claims;
  TokenError why{};
  if (!verifier.Verify(std::string_view(*header).substr(kBearer.size()), WallNow(), &claims,
                       &why)) {
    return Refuse(error, ErrorCode::kUnauthorized, std::string(TokenErrorText(why)));
  }
  if (!RoleAllowed(claims.role, roles)) {
    return Refuse(error, ErrorCode::kForbidden,
                  "role " + std::string(TokenRoleName(claims.role)) + " may not use this route");
  }
  return claims;
}

std::optional<Caller> Authenticator::FromToken(std::string_view token, ApiError* error) const {
  TokenClaims claims;
  TokenError why{};
  bool ok = primary_.Verify(token, WallNow(), &claims, &why);
  if (!ok && staff_) {
    TokenError staff_why{};
    ok = staff_->Verify(token, WallNow(), &claims, &staff_why) &&
         (claims.role == TokenRole::kPrivacyOfficer || claims.role == TokenRole::kCiso);
    if (!ok && why == TokenError::kAlgorithm) why = staff_why;
  }
  if (!ok) return Refuse(error, ErrorCode::kUnauthorized, std::string(TokenErrorText(why)));
  Caller caller;
  caller.role = claims.role;
  caller.expires = claims.expires;
  if (claims.role == TokenRole::kCitizen) {
    NormalisedBsn bsn;
    if (CheckBsn(claims.subject, &bsn) != nullptr) {
      return Refuse(error, ErrorCode::kUnauthorized, "token claims missing or invalid");
    }
    caller.citizen = pseudonymizer_->Pseudonymise(std::string_view(bsn.data(), bsn.size()));
    claims.subject.assign(claims.subject.size(), '0');  // the BSN is not kept around
  } else {
    caller.actor = std::move(claims.subject);
  }
  return caller;
}

std::optional<Caller> Authenticator::Identify(const HttpRequest& request,
                                              std::initializer_list<TokenRole> roles,
                                              ApiError* error) const {
  std::optional<Caller> caller;
  const std::string* header = request.Header("authorization");
  if (header != nullptr && !header->empty()) {
    if (!IsBearer(*header)) {
      return Refuse(error, ErrorCode::kUnauthorized,
                    "the Authorization header is not a bearer token");
    }
    caller = FromToken(std::string_view(*header).substr(kBearer.size()), error);
    if (!caller) return std::nullopt;
  } else {
    const std::string id = SessionCookieOf(request.Header("cookie"));
    if (id.empty()) return Refuse(error, ErrorCode::kUnauthorized, "a bearer token is required");
    caller = sessions_->Find(id, WallNow());
    if (!caller) {
      return Refuse(error, ErrorCode::kUnauthorized, "the session has expired; sign in again");
    }
    // A change made with a cookie must say so in a header a cross-site form cannot send.
    const std::string* marker = request.Header("x-inzage-request");
    if (request.method != HttpMethod::kGet && request.method != HttpMethod::kHead &&
        (marker == nullptr || *marker != "1")) {
      return Refuse(error, ErrorCode::kForbidden, "missing X-Inzage-Request header");
    }
  }
  if (caller->role == TokenRole::kPeer || !RoleAllowed(caller->role, roles)) {
    return Refuse(error, ErrorCode::kForbidden,
                  "role " + std::string(TokenRoleName(caller->role)) + " may not use this route");
  }
  return caller;
}

}  // namespace inzage::api
