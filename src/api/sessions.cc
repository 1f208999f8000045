#include "api/sessions.h"

#include <openssl/rand.h>

#include <array>

#include "common/base64.h"

namespace inzage::api {
namespace {

std::string RandomId() {
  std::array<unsigned char, 32> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

void SessionStore::DropExpired(TimeMicros now) {
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
  std::erase_if(codes_, [now](const auto& kv) { return kv.second.expires <= now; });
}

std::string SessionStore::Create(const Caller& caller, TimeMicros now) {
  Caller c = caller;
  c.by_session = true;
  c.expires = std::min(c.expires, now + kMaxSessionLife);
  std::string id = RandomId();
  MutexLock lock(&mu_);
  if (sessions_.size() >= kMaxSessions) DropExpired(now);
  if (sessions_.size() >= kMaxSessions) {
    // Full of live sessions: the oldest-expiring one makes room (a page signs in again).
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires < oldest->second.expires) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_.emplace(id, c);
  return id;
}

std::optional<Caller> SessionStore::Find(std::string_view id, TimeMicros now) {
  if (id.empty()) return std::nullopt;
  MutexLock lock(&mu_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::Remove(std::string_view id) {
  MutexLock lock(&mu_);
  sessions_.erase(std::string(id));
}

std::string SessionStore::CreateCode(std::string token, TimeMicros now) {
  std::string code = RandomId();
  MutexLock lock(&mu_);
  if (codes_.size() >= kMaxCodes) DropExpired(now);
  if (codes_.size() >= kMaxCodes) return {};
  codes_.emplace(code, Code{std::move(token), now + kMaxSessionLife});
  return code;
}

std::optional<std::string> SessionStore::TakeCode(std::string_view code, TimeMicros now) {
  MutexLock lock(&mu_);
  auto it = codes_.find(std::string(code));
  if (it == codes_.end()) return std::nullopt;
  std::optional<std::string> token;
  if (it->second.expires > now) token = std::move(it->second.token);
  codes_.erase(it);
  return token;
}

std::string SessionCookieOf(const std::string* cookie_header) {
  if (cookie_header == nullptr) return {};
  std::string_view rest = *cookie_header;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookie) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return {};
}

std::string SessionSetCookie(std::string_view id, TimeMicros expires, TimeMicros now, bool secure) {
  const TimeMicros seconds = std::max<TimeMicros>(0, (expires - now) / kMicrosPerSecond);
  std::string c = std::string(kSessionCookie) + "=" + std::string(id) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(seconds);
  if (secure) c += "; Secure";
  return c;
}

std::string SessionClearCookie(bool secure) {
  std::string c = std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (secure) c += "; Secure";
  return c;
}

}  // namespace inzage::api
