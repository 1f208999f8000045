#include "api/api_server.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "api/api_context.h"
#include "api/auth.h"

namespace inzage::api {

Status ParseListenAddress(std::string_view listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == listen.size()) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "' is not host:port");
  }
  std::string_view h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9' || p > 65535) {
      return Status::InvalidArgument("listen address '" + std::string(listen) + "': bad port");
    }
    p = p * 10 + (c - '0');
  }
  if (p > 65535 || h.empty()) {
    return Status::InvalidArgument("listen address '" + std::string(listen) +
                                   "': bad host or port");
  }
  *host = std::string(h);
  *port = p;
  return Status::Ok();
}

ApiServer::ApiServer(ApiConfig config, const Store* store, const Pseudonymizer* pseudonymizer,
                     TokenVerifier verifier, ApiBackend* backend,
                     std::shared_ptr<prometheus::Registry> registry,
                     std::function<std::string()> metrics_text)
    : config_(std::move(config)),
      store_(store),
      pseudonymizer_(pseudonymizer),
      verifier_(std::move(verifier)),
      backend_(backend),
      metrics_text_(std::move(metrics_text)),
      registry_(std::move(registry)) {
  if (registry_) {
    requests_ = &prometheus::BuildCounter()
                     .Name("inzage_http_requests_total")
                     .Help("HTTP requests answered, by route and status code")
                     .Register(*registry_);
  }
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Count(const std::string& route, int status) {
  if (requests_ == nullptr) return;
  prometheus::Counter* c = nullptr;
  {
    MutexLock lock(&counters_mu_);
    auto& slot = counters_[{route, status}];
    // Family::Add costs microseconds: once per (route, status), then the cached counter.
    if (slot == nullptr) {
      slot = &requests_->Add({{"route", route}, {"status", std::to_string(status)}});
    }
    c = slot;
  }
  c->Increment();
}

Status ApiServer::Start() {
  std::string host;
  int port = 0;
  if (Status st = ParseListenAddress(config_.listen, &host, &port); !st.ok()) return st;
  if (!verifier_) return Status::FailedPrecondition("the API was started before");
  std::optional<TokenVerifier> staff;
  if (const StaffTokens& st = config_.staff_tokens; !st.algorithm.empty()) {
    auto alg = ParseTokenAlgorithm(st.algorithm);
    if (!alg.ok()) {
      return Status::InvalidArgument("api.staff_tokens.algorithm: " + alg.status().message());
    }
    auto v = TokenVerifier::FromKeyFile(*alg, st.key_file,
                                        st.audience.empty() ? config_.audience : st.audience);
    if (!v.ok()) {
      return Status::InvalidArgument("api.staff_tokens.key_file: " + v.status().message());
    }
    staff.emplace(std::move(v).value());
  }
  context_ = std::make_unique<ApiContext>(config_, store_, pseudonymizer_, std::move(*verifier_),
                                          std::move(staff), backend_);
  verifier_.reset();
  ApiContext& c = *context_;
  const ApiConfig& cfg = c.config;
  c.metrics_text = metrics_text_;
  c.ui = std::make_unique<StaticFiles>(cfg.ui_dir, OriginOf(cfg.oidc.issuer));
  std::optional<TokenSigner> peer_signer;
  if (!cfg.peer_key_file.empty()) {
    auto signer = TokenSigner::FromKeyFile(TokenAlgorithm::kHs256, cfg.peer_key_file);
    if (!signer.ok()) {
      return Status::InvalidArgument("api.peer_key_file: " + signer.status().message());
    }
    auto verifier = TokenVerifier::FromKeyFile(TokenAlgorithm::kHs256, cfg.peer_key_file,
                                               cfg.audience + "-peer");
    if (!verifier.ok()) {
      return Status::InvalidArgument("api.peer_key_file: " + verifier.status().message());
    }
    peer_signer.emplace(std::move(signer).value());
    c.peer_verifier.emplace(std::move(verifier).value());
  } else if (!cfg.peers.empty() || peer_directory_) {
    return Status::InvalidArgument(
        "api.peers and kafka.topics.membership need api.peer_key_file (the shards' shared key)");
  }
  c.subjects =
      std::make_unique<SubjectHistory>(cfg, c.store, std::move(peer_signer), peer_directory_);

  // The route table. Each answer is counted under its route's pattern.
  Router routes;
  AddOperationsRoutes(&routes, &c);
  AddCitizenRoutes(&routes, &c);
  AddInvestigationRoutes(&routes, &c);
  AddAlertRoutes(&routes, &c);
  AddSessionRoutes(&routes, &c);
  AddOverviewRoutes(&routes, &c);
  AddUiRoutes(&routes, &c);
  AddLdvRoutes(&routes, &c);
  router_ = Router();
  for (const Router::Route& r : routes.routes()) {
    router_.Add(
        r.method, r.name,
        [this, name = r.name, handler = r.handler](const HttpRequest& req) {
          HttpResponse res = handler(req);
          Count(name, res.status);
          return res;
        },
        r.inline_on_io_thread);
  }

  HttpServerOptions o;
  o.listen = cfg.listen;
  o.worker_threads = cfg.threads;
  o.max_queued_requests = static_cast<size_t>(cfg.max_queued_requests);
  o.max_connections = static_cast<size_t>(cfg.max_connections);
  o.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
  o.request_timeout = std::chrono::milliseconds(cfg.request_timeout_ms);
  o.max_header_bytes = static_cast<size_t>(cfg.max_header_bytes);
  o.max_header_fields = static_cast<size_t>(cfg.max_header_fields);
  o.max_body_bytes = static_cast<size_t>(cfg.max_body_bytes);
  o.tls_certificate_file = cfg.tls_certificate_file;
  o.tls_key_file = cfg.tls_key_file;
  o.on_refused = [this](int status) { Count("unmatched", status); };
  http_ = std::make_unique<HttpServer>(std::move(o), &router_);
  if (Status st = http_->Start(); !st.ok()) return st;
  c.listening = true;
  return Status::Ok();
}

void ApiServer::Stop() {
  if (http_) http_->Stop();
  if (context_) context_->listening = false;
}

int ApiServer::port() const { return http_ ? http_->port() : 0; }

std::string ApiServer::base_url() const { return http_ ? http_->base_url() : std::string(); }

std::string ApiServer::CreateDemoLogin(std::string token) {
  if (!context_ || !context_->config.demo_login) return {};
  return context_->sessions.CreateCode(std::move(token), WallNow());
}

const HttpServerStats* ApiServer::transport_stats() const {
  return http_ ? &http_->stats() : nullptr;
}

}  // namespace inzage::api
