// ApiServer: inzaged's one HTTP listener (brief: HTTP API). Citizens see who viewed their data
// (GET /v1/me/accesses, .csv); the privacy officer and the CISO work the alert queue and
// investigate (GET /v1/alerts, GET /v1/alerts/{id}, POST /v1/alerts/{id}/status,
// GET /v1/actors/{id}/accesses, POST /v1/subjects/accesses with the BSN in the body); daemons of
// one deployment answer each other's citizen queries (POST /v1/internal/subject-accesses);
// operations get /metrics, /healthz and /readyz. schemas/openapi.yaml describes every route.
//
// Privacy and security rules this file enforces:
// - A bearer token (api/token.h) on every /v1 route; the role decides the routes. A citizen's
//   token subject is the BSN: it is pseudonymised at once and only that pseudonym is queried.
// - Every read of the audit store is itself an access event (activity inzage-verzoek for a
//   citizen, privacy-onderzoek for an officer), recorded through the pipeline before the answer
//   is sent; if it cannot be recorded the answer is 503 and nothing is shown.
// - No BSN in a URL, a log line, a metric label or a response other than to the citizen
//   themself (who sees no BSN either: entries carry no subject).
// - Citizens do not see employee ids (unless configured) nor entries of confidential
//   activities (until the register lifts the confidentiality: decided at read time).
// - Bounded input: request line and headers (8 KiB each, cpp-httplib), bodies (max_body_bytes),
//   time per request (read/write timeouts), worker threads and queued connections (beyond
//   those the acceptor waits and connections queue in the kernel's listen backlog). Every
//   error is JSON: {"error": {"code", "message"}}.
//
// Scale-out: with peers configured a citizen query fans out to every peer (scatter-gather), and
// the answers are merged newest first and de-duplicated by event id. The cursor is the position
// (time, event id) of the last entry returned, which means the same thing in every store, so
// paging is stable across shards; a peer that does not answer in time makes the answer
// `partial` and is named in `unavailable_peers`.
//
// Thread safety: handlers run on the server's worker threads concurrently; they share only
// immutable state, the thread-safe Store, the backend and prometheus-cpp metrics. Start and Stop
// from one owning thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/token.h"
#include "common/pseudonym.h"
#include "common/status.h"
#include "detect/alert.h"
#include "event/owned_event.h"
#include "policy/policy.h"
#include "store/store.h"

namespace httplib {
class Server;
}
namespace prometheus {
class Registry;
}

namespace inzage::api {

struct ApiConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one (tests)
  int threads = 8;                        // worker threads serving requests
  int max_queued_connections = 256;       // accepted connections waiting for a worker
  int max_body_bytes = 64 * 1024;
  int request_timeout_ms = 5000;  // reading a request and writing a response, each
  std::string token_algorithm = "HS256";
  std::string token_key_file = "/run/credentials/inzaged.service/token.key";
  std::string audience = "inzage";
  bool show_employee_ids = false;     // citizens see department and role, not the employee id
  int citizen_reads_per_minute = 60;  // per citizen (each read is stored); 0 = no limit
  std::string municipality;           // recorded on citizens' reads; empty: the policy's first
  std::string tls_certificate_file;   // both set: HTTPS
  std::string tls_key_file;
  std::vector<std::string> peers;  // base URLs of the other shards, e.g. "http://10.0.0.2:8080"
  int peer_timeout_ms = 2000;
  // The shards' shared HS256 secret (hex, 0600) for the peer route, with its own audience
  // ("<audience>-peer"). Empty: no peer route, and peers cannot be configured.
  std::string peer_key_file;
};

// What the API needs from the running daemon (the pipeline in production, fakes in tests).
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  // Decides and stores an access of the audit store; returns once it is committed.
  virtual Status RecordAccess(OwnedAccessEvent event) = 0;
  // Changes an alert's status via its owner; returns the new version once committed.
  virtual Result<Alert> TransitionAlert(std::string alert_id, AlertStatus to, std::string by,
                                        std::string why) = 0;
  // Store open, reference data caught up (the listener being bound is the server's part).
  virtual bool Ready(std::string* reason) const = 0;
  // The policy in force (it may be swapped by a reload between two requests).
  virtual std::shared_ptr<const Policy> policy() const = 0;
};

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

  // Binds the listener (errors name the address) and starts serving on a thread of its own.
  [[nodiscard]] Status Start();
  void Stop();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string base_url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// Parses "host:port" (IPv6 as "[::1]:8080").
Status ParseListenAddress(std::string_view listen, std::string* host, int* port);

}  // namespace inzage::api
