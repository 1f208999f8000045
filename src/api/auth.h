// Who is asking. A request proves it with a bearer token (api/token.h) or, from the web pages,
// with a session cookie (sessions.h); either way it becomes a Caller, and the route's roles
// decide: a missing or invalid proof is 401, a valid one of another role 403.
//
// Tokens come from two kinds of issuer: the primary key (api.token_*) signs any role (the
// municipality's portal for citizens; in small set-ups also staff), and an optional staff key
// (api.staff_tokens, the organisation's identity provider) signs privacy officers and the CISO
// only. Each key's algorithm is pinned by configuration, never taken from the token.
//
// Thread safety: Identify from any thread.
#pragma once

#include <initializer_list>
#include <optional>

#include "api/api_errors.h"
#include "api/http_message.h"
#include "api/sessions.h"
#include "api/token.h"
#include "common/pseudonym.h"

namespace inzage::api {

class Authenticator {
 public:
  Authenticator(TokenVerifier primary, std::optional<TokenVerifier> staff,
                const Pseudonymizer* pseudonymizer, SessionStore* sessions)
      : primary_(std::move(primary)),
        staff_(std::move(staff)),
        pseudonymizer_(pseudonymizer),
        sessions_(sessions) {}

  // The caller of a request, or nullopt with *error the answer to give.
  [[nodiscard]] std::optional<Caller> Identify(const HttpRequest& request,
                                               std::initializer_list<TokenRole> roles,
                                               ApiError* error) const;
  // The caller a bearer token stands for (POST /v1/session, demo sign-in links).
  [[nodiscard]] std::optional<Caller> FromToken(std::string_view token, ApiError* error) const;

 private:
  TokenVerifier primary_;
  std::optional<TokenVerifier> staff_;
  const Pseudonymizer* pseudonymizer_;
  SessionStore* sessions_;
};

// The claims of the request's bearer token verified by `verifier` alone (the peer route);
// nullopt with *error the answer to give.
std::optional<TokenClaims> Authenticate(const HttpRequest& request, const TokenVerifier& verifier,
                                        std::initializer_list<TokenRole> roles, ApiError* error);

}  // namespace inzage::api
