// The web pages under /ui/: their files (static_files.h), the console's sign-in settings
// (/ui/console/config.json) and, in the demo, one-time sign-in links (/ui/demo-login).
#include <string>

#include "api/api_context.h"
#include "common/json_writer.h"

namespace inzage::api {
namespace {

HttpResponse ConsoleConfig(ApiContext* c) {
  HttpResponse res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("oidc");
  if (c->config.oidc.issuer.empty()) {
    w.Null();
  } else {
    w.BeginObject()
        .Member("issuer", c->config.oidc.issuer)
        .Member("client_id", c->config.oidc.client_id)
        .Member("scope", c->config.oidc.scope)
        .EndObject();
  }
  w.Member("demo", c->config.demo_login).EndObject();
  c->ui->AddSecurityHeaders(&res);
  return res;
}

// The demo prints links with a one-time code; following one signs the browser in.
HttpResponse DemoLogin(ApiContext* c, const HttpRequest& req) {
  auto text = [c](int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    c->ui->AddSecurityHeaders(&r);
    return r;
  };
  if (!c->config.demo_login) return text(404, "Geen demo-aanmelding op deze server.\n");
  const auto code = req.Query("code");
  const auto to = req.Query("to");
  if (!code || !to || (*to != "citizen" && *to != "console")) {
    return text(400, "Deze aanmeldlink is niet compleet.\n");
  }
  const TimeMicros now = WallNow();
  auto token = c->sessions.TakeCode(*code, now);
  ApiError error{};
  auto caller = token ? c->auth.FromToken(*token, &error) : std::nullopt;
  if (!caller) {
    return text(400,
                "Deze aanmeldlink is al gebruikt of verlopen. Start de demo opnieuw voor een "
                "nieuwe link.\n");
  }
  const std::string id = c->sessions.Create(*caller, now);
  HttpResponse r = text(303, "");
  r.SetHeader("Location", *to == "citizen" ? "/ui/citizen/" : "/ui/console/");
  r.SetHeader("Set-Cookie",
              SessionSetCookie(id, std::min(caller->expires, now + SessionStore::kMaxSessionLife),
                               now, !c->config.tls_certificate_file.empty()));
  return r;
}

}  // namespace

void AddUiRoutes(Router* router, ApiContext* c) {
  router->Add(HttpMethod::kGet, "/ui/console/config.json",
              [c](const HttpRequest&) { return ConsoleConfig(c); });
  router->Add(HttpMethod::kGet, "/ui/demo-login",
              [c](const HttpRequest& req) { return DemoLogin(c, req); });
  router->Add(HttpMethod::kGet, "/ui/{path...}",
              [c](const HttpRequest& req) { return c->ui->Serve(req.params.at(0), req.target); });
}

}  // namespace inzage::api
