// HTTP API driver (issue: HTTP API): a citizen's "who viewed my data" over real HTTP on
// loopback, for a subject with 10,000 entries among EVENTS (default 10,000,000).
//   1. fills DIR with EVENTS accesses (one subject each; the citizen 999993653 gets 10,000),
//      unless DIR already holds a store filled by this driver with as many events;
//   2. serves the API on 127.0.0.1:PORT with the default policy; every read is recorded as an
//      access, committed to the store as a batch of its own before the answer (what the
//      pipeline does for an API request when the input is idle);
//   3. measures, one request at a time over a keep-alive connection: the first page (1,000
//      newest entries) p50/p99, and the whole history (10 pages) p50/p99;
//   4. keeps serving for SERVE_SECONDS (0: stop) and writes the citizen's token to
//      DIR/citizen.token and the URL to DIR/url, so a load tool (wrk) can run against it.
// Usage: api_query_driver DIR [EVENTS] [SERVE_SECONDS] [PORT]
#include <prometheus/registry.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "api/http_client.h"
#include "api/token.h"
#include "ingest/stored_event.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "policy/reference_data.h"
#include "store/store.h"
#include "synthetic_history.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace inzage;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
constexpr char kCitizen[] = "999993653";

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
    return Status::NotFound("no alerts in this benchmark");
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

void Report(const char* what, std::vector<double>& micros) {
  std::sort(micros.begin(), micros.end());
  std::printf("%s: n=%zu p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what, micros.size(),
              micros[micros.size() / 2] / 1000, micros[micros.size() * 99 / 100] / 1000,
              micros.back() / 1000);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [EVENTS] [SERVE_SECONDS] [PORT]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::uint64_t events = argc > 2 ? std::stoull(argv[2]) : 10'000'000;
  const int serve_seconds = argc > 3 ? std::stoi(argv[3]) : 0;
  const int port = argc > 4 ? std::stoi(argv[4]) : 0;
  const Pseudonymizer key(std::string(32, 'b'));
  auto policy = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
  if (!policy.ok()) return 1;
  const std::string marker = dir + "/filled-events";
  std::uint64_t filled = 0;
  if (std::ifstream in(marker); in) in >> filled;
  if (filled != events) std::filesystem::remove_all(dir);
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
  const Pseudonym target = key.Pseudonymise(kCitizen);
  // One access every 3 s, ending two days ago: 10 M span 347 days, inside the one-year window.
  const TimeMicros t_end = Now() - 2 * kMicrosPerDay;
  const TimeMicros t0 = t_end - static_cast<TimeMicros>(events) * 3'000'000;
  if (filled != events) {
    const auto start = Clock::now();
    if (Status st = bench::FillSyntheticHistory(store, events, t0, target); !st.ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    if (!store.CompactAll().ok()) return 1;
    std::ofstream(marker) << events;
    std::printf("fill: %llu events in %.1f s (then a full compaction)\n",
                static_cast<unsigned long long>(events), Seconds(Clock::now() - start));
  }

  const std::string secret(40, 't');
  DirectBackend backend(*policy, &store, &key);
  api::ApiConfig config;
  config.listen = "127.0.0.1:" + std::to_string(port);
  config.threads = 8;
  config.citizen_reads_per_minute = 0;  // one citizen asks thousands of times: no limit here
  auto verifier = api::TokenVerifier::FromKey(api::TokenAlgorithm::kHs256, secret, "inzage");
  api::ApiServer server(config, &store, &key, std::move(verifier).value(), &backend,
                        std::make_shared<prometheus::Registry>(), nullptr);
  if (Status st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  auto signer = api::TokenSigner::FromKey(api::TokenAlgorithm::kHs256, secret).value();
  const std::string token =
      signer.Sign(kCitizen, api::TokenRole::kCitizen, "inzage", Now(), 3600 * kMicrosPerSecond)
          .value();
  const std::string period =
      "from=" + FormatRfc3339(t_end - 360 * kMicrosPerDay) + "&to=" + FormatRfc3339(Now());
  // One connection per request (the client does not keep connections alive): the numbers
  // include a loopback connect.
  const api::HttpClient client(server.base_url());
  const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer " + token}};
  for (const bool all : {false, true}) {
    std::vector<double> micros;
    size_t entries = 0;
    for (int q = 0; q < (all ? 200 : 1000); ++q) {
      const auto s = Clock::now();
      std::string cursor;
      entries = 0;
      do {
        std::string path = "/v1/me/accesses?" + period + "&limit=1000";
        if (!cursor.empty()) path += "&cursor=" + cursor;
        auto r = client.Get(path, auth);
        if (!r.ok() || r->status != 200) {
          std::fprintf(stderr, "request failed: %d\n", r.ok() ? r->status : -1);
          return 1;
        }
        // Count entries and find the cursor without a JSON library: each entry has one
        // "local_time".
        for (size_t at = r->body.find("\"local_time\""); at != std::string::npos;
             at = r->body.find("\"local_time\"", at + 1)) {
          ++entries;
        }
        const size_t c = r->body.find("\"next_cursor\":\"");
        cursor = all && c != std::string::npos
                     ? r->body.substr(c + 15, r->body.find('"', c + 15) - c - 15)
                     : "";
      } while (!cursor.empty());
      micros.push_back(Seconds(Clock::now() - s) * 1e6);
    }
    char what[128];
    std::snprintf(what, sizeof what, "citizen query over HTTP (%s, %zu entries)",
                  all ? "whole history, 10 pages" : "first page", entries);
    Report(what, micros);
  }
  if (serve_seconds > 0) {
    std::ofstream(dir + "/citizen.token") << token;
    std::ofstream(dir + "/url") << server.base_url() << "/v1/me/accesses?" << period
                                << "&limit=100";
    std::printf("serving %s for %d s\n", server.base_url().c_str(), serve_seconds);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(serve_seconds));
  }
  server.Stop();
  return 0;
}
