// The web pages' sign-in: POST /v1/session exchanges a token for a session cookie, GET says who
// is signed in, DELETE signs out (sessions.h); and GET /v1/me/context, what the citizen's page
// shows besides the history: whom to contact and how to object.
#include <string>

#include "api/api_context.h"
#include "api/request_parsing.h"
#include "common/json_writer.h"

namespace inzage::api {
namespace {

// What a page may know of its caller: the role and a label (never a BSN or a pseudonym).
std::string SessionJson(const Caller& caller) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Member("role", TokenRoleName(caller.role))
      .Member("label", caller.role == TokenRole::kCitizen ? std::string("u") : caller.actor)
      .Member("expires_at", FormatRfc3339(caller.expires))
      .EndObject();
  return out;
}

bool Secure(const ApiContext& c) { return !c.config.tls_certificate_file.empty(); }

HttpResponse CreateSession(ApiContext* c, const HttpRequest& req) {
  const std::string* marker = req.Header("x-inzage-request");
  if (marker == nullptr || *marker != "1") {
    return ErrorResponse(ErrorCode::kForbidden, "missing X-Inzage-Request header");
  }
  JsonBody body;
  if (auto err = JsonBody::Parse(req.body, {"token"}, &body)) return ErrorResponse(*err);
  bool bad = false;
  const auto token = body.String("token", &bad);
  if (bad || !token || token->empty()) {
    return ErrorResponse(ErrorCode::kBadRequest, "token (a string) is required");
  }
  ApiError error{};
  auto caller = c->auth.FromToken(*token, &error);
  if (!caller) return ErrorResponse(error);
  if (caller->role == TokenRole::kPeer) {
    return ErrorResponse(ErrorCode::kForbidden, "role peer may not use this route");
  }
  const TimeMicros now = WallNow();
  const std::string id = c->sessions.Create(*caller, now);
  caller->expires = std::min(caller->expires, now + SessionStore::kMaxSessionLife);
  HttpResponse res;
  res.body = SessionJson(*caller);
  res.SetHeader("Set-Cookie", SessionSetCookie(id, caller->expires, now, Secure(*c)));
  return res;
}

HttpResponse CurrentSession(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(
      req, {TokenRole::kCitizen, TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  HttpResponse res;
  res.body = SessionJson(*caller);
  return res;
}

HttpResponse EndSession(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  auto caller = c->auth.Identify(
      req, {TokenRole::kCitizen, TokenRole::kPrivacyOfficer, TokenRole::kCiso}, &error);
  if (!caller) return ErrorResponse(error);
  c->sessions.Remove(SessionCookieOf(req.Header("cookie")));
  HttpResponse res;
  res.status = 204;
  res.content_type.clear();
  res.SetHeader("Set-Cookie", SessionClearCookie(Secure(*c)));
  return res;
}

HttpResponse CitizenContext(ApiContext* c, const HttpRequest& req) {
  ApiError error{};
  if (!c->auth.Identify(req, {TokenRole::kCitizen}, &error)) return ErrorResponse(error);
  const auto policy = c->backend->policy();
  const PrivacyContact& contact = c->config.privacy_contact;
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject().Member("organisation", policy->organisation_name());
  w.Key("privacy_contact")
      .BeginObject()
      .Member("name", contact.name)
      .Member("email", contact.email)
      .Member("phone", contact.phone)
      .Member("url", contact.url)
      .EndObject();
  w.Member("objection",
           "Bent u het niet eens met hoe de gemeente uw gegevens heeft gebruikt? Neem contact "
           "op met de privacyfunctionaris. U kunt bezwaar maken tegen het gebruik van uw "
           "gegevens (artikel 21 AVG) en een klacht indienen bij de Autoriteit "
           "Persoonsgegevens.");
  // Bijlage 3 c: without saying whether any exists.
  w.Member("delayed_notice",
           "Sommige verwerkingen, bijvoorbeeld tijdens een lopend onderzoek, ziet u hier pas "
           "later, als daar geen zwaarwegende reden meer voor is.");
  // The same two texts for the page's English version (it falls back to the Dutch ones).
  w.Member("objection_en",
           "Do you disagree with how the municipality used your data? Contact the privacy "
           "officer. You can object to the use of your data (article 21 GDPR) and lodge a "
           "complaint with the Dutch Data Protection Authority (Autoriteit Persoonsgegevens).");
  w.Member("delayed_notice_en",
           "Some processing, for example during an ongoing investigation, is shown here only "
           "later, once there is no compelling reason to withhold it.");
  w.EndObject();
  return res;
}

}  // namespace

void AddSessionRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kPost, "/v1/session",
              [c](const HttpRequest& req) { return CreateSession(c, req); });
  router->Add(HttpMethod::kGet, "/v1/session",
              [c](const HttpRequest& req) { return CurrentSession(c, req); });
  router->Add(HttpMethod::kDelete, "/v1/session",
              [c](const HttpRequest& req) { return EndSession(c, req); });
  router->Add(HttpMethod::kGet, "/v1/me/context",
              [c](const HttpRequest& req) { return CitizenContext(c, req); });
}

}  // namespace inzage::api
