// SessionStore and the session cookie: ids are random and unguessable, sessions end with their
// token (and after at most 12 hours), sign-in codes work once, and the cookie carries the
// attributes that keep it from scripts and other sites.
#include "api/sessions.h"

#include <gtest/gtest.h>

#include <set>

namespace inzage::api {
namespace {

constexpr TimeMicros kNow = TimeMicros{1'800'000'000} * kMicrosPerSecond;

Caller Officer(TimeMicros expires) {
  Caller c;
  c.role = TokenRole::kPrivacyOfficer;
  c.actor = "medewerker-1";
  c.expires = expires;
  return c;
}

TEST(SessionStoreTest, FindsALiveSessionAndForgetsAnExpiredOne) {
  SessionStore store;
  const std::string id = store.Create(Officer(kNow + 60 * kMicrosPerSecond), kNow);
  EXPECT_GE(id.size(), 40u) << "32 random bytes, base64url";
  auto found = store.Find(id, kNow + 1);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->actor, "medewerker-1");
  EXPECT_TRUE(found->by_session);
  EXPECT_FALSE(store.Find(id, kNow + 60 * kMicrosPerSecond).has_value()) << "expired";
  EXPECT_FALSE(store.Find(id, kNow + 1).has_value()) << "and removed";
  EXPECT_FALSE(store.Find("", kNow).has_value());
  EXPECT_FALSE(store.Find("made-up", kNow).has_value());
}

TEST(SessionStoreTest, ASessionLivesAtMostTwelveHoursAndEndsOnSignOut) {
  SessionStore store;
  const std::string id = store.Create(Officer(kNow + 48 * 3600 * kMicrosPerSecond), kNow);
  EXPECT_EQ(store.Find(id, kNow)->expires, kNow + SessionStore::kMaxSessionLife);
  store.Remove(id);
  EXPECT_FALSE(store.Find(id, kNow).has_value());
}

TEST(SessionStoreTest, IdsDoNotRepeat) {
  SessionStore store;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(store.Create(Officer(kNow + kMicrosPerSecond), kNow));
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(SessionStoreTest, SignInCodesWorkOnceAndExpire) {
  SessionStore store;
  const std::string code = store.CreateCode("the-token", kNow);
  EXPECT_EQ(store.TakeCode(code, kNow), "the-token");
  EXPECT_FALSE(store.TakeCode(code, kNow).has_value()) << "second use";
  const std::string late = store.CreateCode("t", kNow);
  EXPECT_FALSE(store.TakeCode(late, kNow + SessionStore::kMaxSessionLife).has_value());
}

TEST(SessionStoreTest, TheCodeTableIsBounded) {
  SessionStore store;
  for (size_t i = 0; i < SessionStore::kMaxCodes; ++i) {
    ASSERT_FALSE(store.CreateCode("t", kNow).empty());
  }
  EXPECT_TRUE(store.CreateCode("t", kNow).empty()) << "full of live codes: refused";
  EXPECT_FALSE(store.CreateCode("t", kNow + SessionStore::kMaxSessionLife).empty())
      << "expired codes make room";
}

TEST(SessionCookieTest, ParsesTheCookieAmongOthers) {
  const std::string header = "theme=dark; inzage_session=abc-DEF_1; other=x";
  EXPECT_EQ(SessionCookieOf(&header), "abc-DEF_1");
  const std::string none = "inzage_sessionx=1; xinzage_session=2";
  EXPECT_EQ(SessionCookieOf(&none), "");
  EXPECT_EQ(SessionCookieOf(nullptr), "");
}

TEST(SessionCookieTest, SetCookieKeepsTheIdFromScriptsAndOtherSites) {
  const std::string c = SessionSetCookie("id1", kNow + 90 * kMicrosPerSecond, kNow, true);
  EXPECT_EQ(c, "inzage_session=id1; Path=/; HttpOnly; SameSite=Strict; Max-Age=90; Secure");
  EXPECT_EQ(SessionSetCookie("id1", kNow - 5, kNow, false),
            "inzage_session=id1; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_NE(SessionClearCookie(false).find("Max-Age=0"), std::string::npos);
}

}  // namespace
}  // namespace inzage::api
