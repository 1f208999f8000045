// Sessions of the web pages (/ui/). A page does not keep a token: it hands the token it got
// (from the municipality's portal, or the organisation's identity provider) to POST /v1/session
// once, and from then on the browser holds only an opaque random session id in an HttpOnly,
// SameSite=Strict cookie. The token stays out of URLs, browser storage and logs; for a citizen
// the server keeps only the pseudonym, never the BSN.
//
// A request made with the cookie that changes something (POST, DELETE) must also carry the
// header `X-Inzage-Request: 1`: a cross-site form cannot set it (CSRF defence beside
// SameSite). Demo sign-in links use one-time codes (the demo prints them).
//
// Sessions live in this instance's memory (bounded, expiring with their token): behind a load
// balancer, route a browser to one instance (docs/ui.md).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/token.h"
#include "common/mutex.h"
#include "common/pseudonym.h"
#include "common/time.h"

namespace inzage::api {

inline constexpr std::string_view kSessionCookie = "inzage_session";

// Who is asking, however they proved it (a bearer token or a session).
struct Caller {
  TokenRole role = TokenRole::kCitizen;
  std::string actor;  // staff: their account id; citizen: empty
  Pseudonym citizen;  // citizen: their pseudonym
  TimeMicros expires = 0;
  bool by_session = false;
};

class SessionStore {
 public:
  static constexpr size_t kMaxSessions = 100'000;
  static constexpr size_t kMaxCodes = 1'000;
  static constexpr TimeMicros kMaxSessionLife = TimeMicros{12} * 3600 * kMicrosPerSecond;

  // A new session for the caller; its id (the cookie's value).
  [[nodiscard]] std::string Create(const Caller& caller, TimeMicros now) EXCLUDES(mu_);
  [[nodiscard]] std::optional<Caller> Find(std::string_view id, TimeMicros now) EXCLUDES(mu_);
  void Remove(std::string_view id) EXCLUDES(mu_);

  // One-time sign-in codes for the demo's links: the code stands for a token until used once.
  [[nodiscard]] std::string CreateCode(std::string token, TimeMicros now) EXCLUDES(mu_);
  [[nodiscard]] std::optional<std::string> TakeCode(std::string_view code, TimeMicros now)
      EXCLUDES(mu_);

 private:
  void DropExpired(TimeMicros now) REQUIRES(mu_);

  Mutex mu_;
  std::unordered_map<std::string, Caller> sessions_ GUARDED_BY(mu_);
  struct Code {
    std::string token;
    TimeMicros expires;
  };
  std::unordered_map<std::string, Code> codes_ GUARDED_BY(mu_);
};

// The value of the session cookie in a Cookie header; empty when there is none.
std::string SessionCookieOf(const std::string* cookie_header);
// Set-Cookie for a session id (expiring at `expires`), or one that removes the cookie.
std::string SessionSetCookie(std::string_view id, TimeMicros expires, TimeMicros now, bool secure);
std::string SessionClearCookie(bool secure);

}  // namespace inzage::api
