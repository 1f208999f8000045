// The CISO's alert queue at scale (issue: alert queue at scale): /metrics and the alert list
// with ALERTS alerts in the store (default 1,000,000), over real HTTP on loopback.
//   1. fills DIR with ALERTS alerts through Store::Commit (so the alert index and counts are
//      kept as the daemon keeps them), unless DIR already holds as many from this driver:
//      first seen spread over the last 400 days, statuses mostly open (nobody worked the
//      queue), every severity, five rules, two municipalities, five departments;
//   2. serves the API on 127.0.0.1:PORT, /metrics rendered by the daemon's DaemonMetrics over
//      this store; every alert read is recorded as an access (a store commit), as in production;
//   3. measures one request at a time: /metrics, the list's first page (limit 100 and
//      status=reported&limit=1), a department filter's first page; p50/p99;
//   4. keeps serving for SERVE_SECONDS (0: stop), writing the CISO's token to DIR/ciso.token and
//      the URLs to DIR/urls, for wrk (bench/alert_queue_bench.sh).
// Usage: alert_queue_driver DIR [ALERTS] [SERVE_SECONDS] [PORT]
// INZAGE_UI_DIR=DIR (the repository's ui/) serves the web pages too, for the console's timing in
// a browser (bench/ui_queue_bench.sh).
#include <prometheus/registry.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "api/http_client.h"
#include "api/token.h"
#include "app/daemon_metrics.h"
#include "detect/alert.h"
#include "ingest/alert_emitter.h"
#include "ingest/stored_event.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "policy/reference_data.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace inzage;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TimeMicros Now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Decides each read like the pipeline and commits it as one batch.
class DirectBackend final : public api::ApiBackend {
 public:
  DirectBackend(std::shared_ptr<const Policy> policy, Store* store, const Pseudonymizer* key)
      : policy_(std::move(policy)),
        store_(store),
        reference_(key),
        decider_(policy_.get(), &reference_) {
    reference_.ResolveOnApply(policy_.get());
  }
  Status RecordAccess(OwnedAccessEvent event) override {
    std::lock_guard lock(mu_);  // the pipeline decides on one thread
    const AccessEvent view = event.view();
    Decision decision;
    decider_.Decide(view, &decision);
    CommitBatch batch;
    batch.events.push_back(MakeStoredEvent(view, decision, *policy_, reference_));
    auto r = store_->Commit(batch);
    return r.ok() ? Status::Ok() : r.status();
  }
  Result<Alert> TransitionAlert(std::string, AlertStatus, std::string, std::string) override {
    return Status::NotFound("not in this benchmark");
  }
  bool Ready(std::string*) const override { return true; }
  std::shared_ptr<const Policy> policy() const override { return policy_; }

 private:
  std::shared_ptr<const Policy> policy_;
  Store* store_;
  ReferenceData reference_;
  Decider decider_;
  std::mutex mu_;
};

Status Fill(Store& store, std::uint64_t alerts, const Pseudonymizer& key) {
  std::mt19937_64 rng(7);
  const RuleId rules[] = {RuleId::kNtkNoRelationship, RuleId::kAuthRoleNotPermitted,
                          RuleId::kAuthUnknownActor, RuleId::kNtkNoRelationship,
                          RuleId::kNtkNoRelationship};
  const char* municipalities[] = {"dinkelland", "tubbergen"};
  const char* departments[] = {"sociaal-domein", "burgerzaken", "belastingen", "ict", ""};
  const TimeMicros now = Now();
  const TimeMicros span = 400 * kMicrosPerDay;
  CommitBatch batch;
  for (std::uint64_t i = 0; i < alerts; ++i) {
    Alert a;
    a.rule = rules[rng() % 5];
    const unsigned sev = static_cast<unsigned>(rng() % 100);
    a.severity = sev < 40   ? Severity::kMedium
                 : sev < 70 ? Severity::kLow
                 : sev < 95 ? Severity::kHigh
                            : Severity::kCritical;
    a.verdict = Verdict::kViolation;
    a.actor = "emp-" + std::to_string(rng() % 3000);
    a.municipality = municipalities[rng() % 2];
    a.department = departments[rng() % 5];
    a.window_start = a.first_seen = now - static_cast<TimeMicros>(rng() % span);
    a.last_seen = a.first_seen + static_cast<TimeMicros>(rng() % (3600 * kMicrosPerSecond));
    a.alert_id = AlertId(a.actor, a.rule, a.window_start);
    a.count = 1 + rng() % 20;
    a.version = a.count;
    for (std::uint64_t e = 0; e < std::min<std::uint64_t>(a.count, 10); ++e) {
      a.evidence.push_back("ev-" + std::to_string(i) + "-" + std::to_string(e));
      a.subjects.Add(key.Pseudonymise(std::to_string(rng())));
    }
    a.explanation = a.actor + " viewed wat-information (wmo) of the subject with no open case";
    a.policy_revision = "2d7ef31a32940c25";
    a.aggregating = false;
    // Nobody worked most of the queue: 70 % open.
    const unsigned st = static_cast<unsigned>(rng() % 100);
    const TimeMicros at = a.last_seen + kMicrosPerDay;
    if (st >= 70) (void)TransitionAlert(&a, AlertStatus::kAcknowledged, "ciso", at, "bench");
    if (st >= 80 && st < 85) (void)TransitionAlert(&a, AlertStatus::kDismissed, "ciso", at, "x");
    if (st >= 85) (void)TransitionAlert(&a, AlertStatus::kConfirmedBreach, "ciso", at, "x");
    if (st >= 92) (void)TransitionAlert(&a, AlertStatus::kReported, "ciso", at, "x");
    if (st >= 97) (void)TransitionAlert(&a, AlertStatus::kClosed, "ciso", at, "x");
    batch.alerts.push_back(AlertRowOf(a));
    if (batch.alerts.size() == 5000) {
      if (auto r = store.Commit(batch); !r.ok()) return r.status();
      batch = CommitBatch();
    }
  }
  if (auto r = store.Commit(batch); !r.ok()) return r.status();
  return store.Flush();
}

void Report(const char* what, std::vector<double>& micros) {
  std::sort(micros.begin(), micros.end());
  std::printf("%-58s n=%zu p50 %6.2f ms, p99 %6.2f ms, max %6.2f ms\n", what, micros.size(),
              micros[micros.size() / 2] / 1000, micros[micros.size() * 99 / 100] / 1000,
              micros.back() / 1000);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [ALERTS] [SERVE_SECONDS] [PORT]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::uint64_t alerts = argc > 2 ? std::stoull(argv[2]) : 1'000'000;
  const int serve_seconds = argc > 3 ? std::stoi(argv[3]) : 0;
  const int port = argc > 4 ? std::stoi(argv[4]) : 0;
  const Pseudonymizer key(std::string(32, 'c'));
  auto policy = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
  if (!policy.ok()) return 1;
  const std::string marker = dir + "/filled-alerts";
  std::uint64_t filled = 0;
  if (std::ifstream in(marker); in) in >> filled;
  if (filled != alerts) std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StoreOptions o;
  o.key_id = key.key_id();
  o.retention = RetentionTable::FromPolicy(**policy);
  auto opened = Store::Open(dir + "/store", o);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return 1;
  }
  Store& store = **opened;
  if (filled != alerts) {
    const auto start = Clock::now();
    if (Status st = Fill(store, alerts, key); !st.ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    std::ofstream(marker) << alerts;
    std::printf("fill: %llu alerts in %.1f s\n", static_cast<unsigned long long>(alerts),
                Seconds(Clock::now() - start));
  }
  std::uint64_t counted = 0;
  for (const auto& [k, n] : store.AlertCounts()) counted += n;
  std::printf("alerts in the store (from the counts): %llu\n",
              static_cast<unsigned long long>(counted));

  const std::string secret(40, 't');
  DirectBackend backend(*policy, &store, &key);
  auto registry = std::make_shared<prometheus::Registry>();
  app::DaemonMetrics metrics(registry);
  metrics.Attach(nullptr, &store, nullptr);
  api::ApiConfig config;
  config.listen = "127.0.0.1:" + std::to_string(port);
  config.threads = 8;
  const char* ui_dir = std::getenv("INZAGE_UI_DIR");
  config.ui_dir = ui_dir != nullptr ? ui_dir : "";
  auto verifier = api::TokenVerifier::FromKey(api::TokenAlgorithm::kHs256, secret, "inzage");
  api::ApiServer server(config, &store, &key, std::move(verifier).value(), &backend, registry,
                        [&metrics] { return metrics.Render(); });
  if (Status st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  auto signer = api::TokenSigner::FromKey(api::TokenAlgorithm::kHs256, secret).value();
  const std::string token =
      signer.Sign("bench-ciso", api::TokenRole::kCiso, "inzage", Now(), 3600 * kMicrosPerSecond)
          .value();
  const api::HttpClient client(server.base_url());
  const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer " + token}};
  const std::vector<std::pair<const char*, std::string>> routes = {
      {"GET /metrics", "/metrics"},
      {"GET /v1/alerts?limit=100 (first page)", "/v1/alerts?limit=100"},
      {"GET /v1/alerts?status=reported&limit=1", "/v1/alerts?status=reported&limit=1"},
      {"GET /v1/alerts?status=open&severity=critical&limit=100",
       "/v1/alerts?status=open&severity=critical&limit=100"},
      {"GET /v1/alerts?department=ict&limit=100 (a filter)", "/v1/alerts?department=ict&limit=100"},
  };
  for (const auto& [what, path] : routes) {
    std::vector<double> micros;
    for (int q = 0; q < 500; ++q) {
      const auto s = Clock::now();
      auto r = client.Get(path, auth);
      micros.push_back(Seconds(Clock::now() - s) * 1e6);
      if (!r.ok() || r->status != 200) {
        std::fprintf(stderr, "%s failed: %d\n", path.c_str(), r.ok() ? r->status : -1);
        return 1;
      }
    }
    Report(what, micros);
  }
  if (serve_seconds > 0) {
    std::ofstream(dir + "/ciso.token") << token;
    std::ofstream(dir + "/urls") << server.base_url() << "/metrics\n"
                                 << server.base_url() << "/v1/alerts?limit=100\n"
                                 << server.base_url() << "/v1/alerts?status=reported&limit=1\n";
    std::printf("serving %s for %d s\n", server.base_url().c_str(), serve_seconds);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(serve_seconds));
  }
  server.Stop();
  return 0;
}
