#include "api/auth.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace inzage::api {

TimeMicros WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<TokenClaims> Authenticate(const HttpRequest& request, const TokenVerifier& verifier,
                                        std::initializer_list<TokenRole> roles, ApiError* error) {
  auto refuse = [&](ErrorCode code, std::string message) -> std::optional<TokenClaims> {
    *error = ApiError{code, std::move(message)};
    return std::nullopt;
  };
  const std::string* header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header == nullptr || header->empty()) {
    return refuse(ErrorCode::kUnauthorized, "a bearer token is required");
  }
  if (header->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header->begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      })) {
    return refuse(ErrorCode::kUnauthorized, "the Authorization header is not a bearer token");
  }
  TokenClaims claims;
  TokenError why{};
  if (!verifier.Verify(std::string_view(*header).substr(kBearer.size()), WallNow(), &claims,
                       &why)) {
    return refuse(ErrorCode::kUnauthorized, std::string(TokenErrorText(why)));
  }
  if (std::find(roles.begin(), roles.end(), claims.role) == roles.end()) {
    return refuse(ErrorCode::kForbidden,
                  "role " + std::string(TokenRoleName(claims.role)) + " may not use this route");
  }
  return claims;
}

}  // namespace inzage::api
