// Operations: liveness (/healthz), readiness (/readyz) and metrics (/metrics), without a token.
// The first two are answered on the I/O thread, so they answer while every worker is busy.
#include <string>

#include "api/api_context.h"
#include "common/json_writer.h"

namespace inzage::api {

void AddOperationsRoutes(Router* router, ApiContext* c) {
  router->Add(
      HttpMethod::kGet, "/healthz",
      [](const HttpRequest&) {
        HttpResponse r;
        r.body = R"({"status":"ok"})";
        return r;
      },
      /*inline_on_io_thread=*/true);
  router->Add(
      HttpMethod::kGet, "/readyz",
      [c](const HttpRequest&) {
        HttpResponse r;
        std::string reason;
        if (c->listening.load() && c->backend->Ready(&reason)) {
          r.body = R"({"status":"ready"})";
          return r;
        }
        if (reason.empty()) reason = "the HTTP listener is starting";
        r.status = 503;
        JsonWriter(&r.body)
            .BeginObject()
            .Member("status", "not_ready")
            .Member("reason", reason)
            .EndObject();
        return r;
      },
      /*inline_on_io_thread=*/true);
  router->Add(HttpMethod::kGet, "/metrics", [c](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = c->metrics_text ? c->metrics_text() : std::string();
    return r;
  });
}

}  // namespace inzage::api
