// Who is asking: the bearer token of a request, verified (api/token.h) and holding one of the
// roles a route allows. A missing or invalid token is 401, a valid token of another role 403.
// Thread safety: free functions over thread-safe verifiers.
#pragma once

#include <initializer_list>
#include <optional>

#include "api/api_errors.h"
#include "api/http_message.h"
#include "api/token.h"
#include "common/status.h"

namespace inzage::api {

// The claims of the request's bearer token; nullopt with *error the answer to give.
std::optional<TokenClaims> Authenticate(const HttpRequest& request, const TokenVerifier& verifier,
                                        std::initializer_list<TokenRole> roles, ApiError* error);

// Wall-clock microseconds, for token checks and the times of recorded reads.
TimeMicros WallNow();

}  // namespace inzage::api
