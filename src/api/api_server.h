// ApiServer: inzaged's one HTTP listener. Citizens see who viewed their data; the privacy
// officer and the CISO work the alert queue and investigate; instances of one deployment answer
// each other's citizen queries; operations get /metrics, /healthz and /readyz.
// schemas/openapi.yaml describes every route; docs/api.md says how to use them.
//
// This file keeps start, stop and the route table. The routes are grouped by audience
// (citizen_routes.cc, investigation_routes.cc, alert_routes.cc, operations_routes.cc) over
// the state they share (api_context.h); the transport that holds under hostile use is
// http_server.h.
//
// Rules every route keeps:
// - A bearer token (api/token.h) on every /v1 route; the role decides the routes. A citizen's
//   token subject is the BSN: it is pseudonymised at once and only that pseudonym is queried.
// - Every read of the audit store is itself an access event, recorded before the answer is
//   sent; if it cannot be recorded the answer is 503 and nothing is shown.
// - No BSN in a URL, a log line, a metric label or a response.
// - Citizens do not see employee ids (unless configured) nor entries of confidential
//   activities (until the register lifts the confidentiality).
// - Cursors are sealed and bound to their query (page_cursor.h).
//
// Thread safety: handlers run on the transport's worker threads concurrently. Start and Stop
// from one owning thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/api_config.h"
#include "api/http_server.h"
#include "api/router.h"
#include "api/token.h"
#include "common/mutex.h"
#include "common/pseudonym.h"
#include "common/status.h"
#include "store/store.h"

namespace prometheus {
class Registry;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace inzage::api {

struct ApiContext;

class ApiServer {
 public:
  // All pointers are borrowed and must outlive the server. metrics_text renders /metrics.
  ApiServer(ApiConfig config, const Store* store, const Pseudonymizer* pseudonymizer,
            TokenVerifier verifier, ApiBackend* backend,
            std::shared_ptr<prometheus::Registry> registry,
            std::function<std::string()> metrics_text);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Where the other instances are, besides api.peers (the membership topic). Before Start.
  void set_peer_directory(std::function<std::vector<std::string>()> directory) {
    peer_directory_ = std::move(directory);
  }
  // Binds the listener (errors name the address) and starts serving on threads of its own.
  [[nodiscard]] Status Start();
  void Stop();
  [[nodiscard]] int port() const;
  [[nodiscard]] std::string base_url() const;
  // The transport's counters (connections, timeouts, refusals), for the metrics.
  [[nodiscard]] const HttpServerStats* transport_stats() const;
  // The demo's sign-in links: a one-time code that stands for `token` (api.demo_login only;
  // empty otherwise). After Start.
  [[nodiscard]] std::string CreateDemoLogin(std::string token);

 private:
  // Counts an answer under its route's pattern, never the concrete path (no ids in labels).
  void Count(const std::string& route, int status) EXCLUDES(counters_mu_);

  // Held until Start, which loads the rest of the keys and builds the context.
  ApiConfig config_;
  const Store* store_;
  const Pseudonymizer* pseudonymizer_;
  std::optional<TokenVerifier> verifier_;
  ApiBackend* backend_;
  std::function<std::string()> metrics_text_;
  std::function<std::vector<std::string>()> peer_directory_;
  std::unique_ptr<ApiContext> context_;
  Router router_;
  std::unique_ptr<HttpServer> http_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  Mutex counters_mu_;
  std::map<std::pair<std::string, int>, prometheus::Counter*> counters_ GUARDED_BY(counters_mu_);
};

}  // namespace inzage::api
