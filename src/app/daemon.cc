#include "app/daemon.h"

#include <librdkafka/rdkafka.h>
// clang-format off: rdkafka_mock.h needs rdkafka.h first
#include <librdkafka/rdkafka_mock.h>  // NOLINT
// clang-format on
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "alert/outbox_relay.h"
#include "api/api_server.h"
#include "api/token.h"
#include "app/daemon_config.h"
#include "app/daemon_metrics.h"
#include "app/service_notifier.h"
#include "app/world_generator.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "ingest/event_pipeline.h"
#include "policy/policy_loader.h"
#include "policy/policy_tests.h"
#include "store/store.h"

namespace inzage::app {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<EventPipeline*> g_pipeline{nullptr};
std::atomic<bool> g_stop{false};

std::atomic<bool> g_reload_requested{false};

void OnSignal(int signo) {
  if (signo == SIGHUP) {
    g_reload_requested.store(true);
    return;
  }
  g_stop.store(true);
  if (EventPipeline* p = g_pipeline.load()) p->RequestStop();
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // SIGHUP reloads the policy (the reloader thread in Run does the work).
  sigaction(SIGHUP, &sa, nullptr);
}

// The embedded Kafka of `inzaged --demo`: librdkafka's mock cluster in this process, the topics
// inzaged needs, and a generator that keeps a realistic stream flowing without running ahead of
// the consumer (the mock cluster keeps only a few MiB per partition).
class Demo {
 public:
  ~Demo() { Stop(); }

  // Starts the cluster and fills config->kafka.brokers; the stream starts with StartStream.
  Status Start(DaemonConfig* config, unsigned seed) {
    kafka::Config c;
    if (Status st = c.Set("client.id", "inzaged-demo-cluster"); !st.ok()) return st;
    auto h = c.Create(RD_KAFKA_PRODUCER);
    if (!h.ok()) return h.status();
    cluster_owner_ = std::move(h).value();
    cluster_ = rd_kafka_mock_cluster_new(cluster_owner_.get(), 1);
    if (cluster_ == nullptr) return Status::Internal("cannot start the embedded Kafka cluster");
    config->kafka.brokers = rd_kafka_mock_cluster_bootstraps(cluster_);
    rd_kafka_mock_topic_create(cluster_, config->kafka.events_topic.c_str(), 8, 1);
    rd_kafka_mock_topic_create(cluster_, config->kafka.reference_topic.c_str(), 1, 1);
    rd_kafka_mock_topic_create(cluster_, config->kafka.dead_letter_topic.c_str(), 1, 1);
    rd_kafka_mock_topic_create(cluster_, config->kafka.alerts_topic.c_str(), 1, 1);

    kafka::Config pc;
    if (Status st = pc.Set("bootstrap.servers", config->kafka.brokers); !st.ok()) return st;
    if (Status st = pc.Set("linger.ms", "5"); !st.ok()) return st;
    auto p = pc.Create(RD_KAFKA_PRODUCER);
    if (!p.ok()) return p.status();
    producer_ = std::move(p).value();

    WorldGenerator::Options o;
    o.seed = 1;  // one world: the reference data is a global table
    o.stream_seed = seed;
    o.start_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() -
                     7 * kMicrosPerDay;
    generator_ = std::make_unique<WorldGenerator>(o);
    for (const auto& record : generator_->ReferenceRecords()) {
      if (Status st = Produce(config->kafka.reference_topic, "", record); !st.ok()) return st;
    }
    rd_kafka_flush(producer_.get(), 10000);
    events_topic_ = config->kafka.events_topic;
    return Status::Ok();
  }

  // consumed: the pipeline's counter; the generator stays at most 20,000 events ahead of it.
  void StartStream(const std::atomic<std::uint64_t>* consumed) {
    consumed_ = consumed;
    thread_ = std::thread([this] {
      NameThisThread("inzage-demo-gen");
      Generate();
    });
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (producer_) rd_kafka_flush(producer_.get(), 2000);
    producer_.reset();
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    cluster_ = nullptr;
  }

  [[nodiscard]] std::uint64_t produced() const { return produced_.load(); }
  [[nodiscard]] const WorldGenerator& world() const { return *generator_; }

 private:
  Status Produce(const std::string& topic, const std::string& key, const std::string& value) {
    for (;;) {
      const rd_kafka_resp_err_t err = kafka::Produce(producer_.get(), topic, key, value);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return Status::IoError("demo producer: " + kafka::ErrorText(err));
      }
      rd_kafka_poll(producer_.get(), 50);
    }
  }

  void Generate() {
    constexpr std::uint64_t kMaxAhead = 20000;  // stay close behind the consumer
    while (!stop_.load()) {
      if (produced_.load() > consumed_->load() + kMaxAhead) {
        rd_kafka_poll(producer_.get(), 20);
        continue;
      }
      for (int i = 0; i < 500; ++i) {
        const std::string line = generator_->NextEvent();
        // Producers key events by actor id (contracts §1).
        std::string key;
        const size_t at = line.find("\"actor\":{\"id\":\"");
        if (at != std::string::npos) {
          const size_t start = at + 15;
          key = line.substr(start, line.find('"', start) - start);
        }
        if (Status st = Produce(events_topic_, key, line); !st.ok()) {
          Log(LogLevel::kError, "demo", "generator stopped", {{"error", st.message()}});
          return;
        }
        ++produced_;
      }
      rd_kafka_poll(producer_.get(), 0);
    }
  }

  kafka::Handle cluster_owner_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  kafka::Handle producer_;
  std::unique_ptr<WorldGenerator> generator_;
  std::string events_topic_;
  const std::atomic<std::uint64_t>* consumed_ = nullptr;
  std::atomic<std::uint64_t> produced_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The API's view of the running daemon: reads of the audit store and alert status changes go
// through the pipeline (which owns the decider and the incidents) and are answered once
// committed.
class PipelineBackend final : public api::ApiBackend {
 public:
  static constexpr auto kTimeout = std::chrono::seconds(10);

  explicit PipelineBackend(EventPipeline* pipeline) : pipeline_(pipeline) {}

  Status RecordAccess(OwnedAccessEvent event) override {
    auto ticket = std::make_shared<LocalTicket>();
    auto done = pipeline_->SubmitAccess(std::move(event), ticket);
    auto answer = AwaitLocal(done, *ticket, kTimeout);
    return answer ? *answer : Status::IoError("the pipeline did not take the access in time");
  }
  Result<Alert> TransitionAlert(std::string alert_id, AlertStatus to, std::string by,
                                std::string why) override {
    auto ticket = std::make_shared<LocalTicket>();
    auto done = pipeline_->SubmitAlertTransition(std::move(alert_id), to, std::move(by),
                                                 std::move(why), ticket);
    auto answer = AwaitLocal(done, *ticket, kTimeout);
    if (!answer) return Status::IoError("the pipeline did not take the change in time");
    return std::move(*answer);
  }
  bool Ready(std::string* reason) const override {
    if (pipeline_->ready()) return true;
    *reason = "reading the reference topic";
    return false;
  }
  std::shared_ptr<const Policy> policy() const override { return pipeline_->policy(); }

 private:
  EventPipeline* pipeline_;
};

// SIGHUP: load the policy again, validate it, run its policy tests (policy_dir/tests), and only
// then swap it into the pipeline. On any failure the running policy stays; the log says why
// and the reload metric counts it (falco's "dry-run first").
void ReloadPolicy(const std::string& policy_dir, EventPipeline& pipeline, DaemonMetrics& metrics) {
  const std::string old_revision = pipeline.policy()->revision();
  auto fail = [&](const std::string& why) {
    metrics.CountPolicyReload(false);
    Log(LogLevel::kError, "reload", "policy not reloaded, the running policy stays",
        {{"error", why}, {"policy_revision", old_revision}});
  };
  auto policy = LoadPolicy(policy_dir);
  if (!policy.ok()) return fail(policy.status().message());
  const std::string tests = policy_dir + "/tests";
  if (std::filesystem::is_directory(tests)) {
    auto report = RunPolicyTests(**policy, tests);
    if (!report.ok()) return fail("policy tests: " + report.status().message());
    if (report->failed > 0) {
      return fail(std::to_string(report->failed) +
                  " policy test(s) failed, first: " + report->failures.front());
    }
    Log(LogLevel::kInfo, "reload", "policy tests passed", {{"passed", report->passed}});
  }
  const std::string revision = (*policy)->revision();
  auto ticket = std::make_shared<LocalTicket>();
  auto swapped = pipeline.SubmitPolicy(*policy, ticket);
  auto answer = AwaitLocal(swapped, *ticket, std::chrono::seconds(60));
  if (!answer) return fail("the pipeline did not take the new policy within 60 s");
  if (!answer->ok()) return fail(answer->message());
  metrics.SetPolicyRevision(revision);
  metrics.CountPolicyReload(true);
  Log(LogLevel::kInfo, "reload", "policy reloaded",
      {{"old_revision", old_revision}, {"policy_revision", revision}});
}

// Loads the verifier of the API's bearer tokens (demo: a secret made in the state directory).
Result<api::TokenVerifier> LoadTokenVerifier(const api::ApiConfig& c) {
  auto alg = api::ParseTokenAlgorithm(c.token_algorithm);
  if (!alg.ok()) return alg.status();
  return api::TokenVerifier::FromKeyFile(*alg, c.token_key_file, c.audience);
}

std::string FindPolicyDir(const std::string& configured) {
  if (std::filesystem::is_directory(configured)) return configured;
  for (const std::string& candidate :
       {std::string("config/policy"), std::string(INZAGE_SOURCE_DIR) + "/config/policy"}) {
    if (std::filesystem::is_directory(candidate)) return candidate;
  }
  return configured;
}

// Prints ready-to-run curl lines: a citizen's "who viewed my data" and the CISO's alert queue,
// with tokens signed by the demo's own key (valid for 12 hours).
void PrintDemoRequests(const Demo& demo, const DaemonConfig& config, const std::string& url) {
  auto signer =
      api::TokenSigner::FromKeyFile(api::TokenAlgorithm::kHs256, config.api.token_key_file);
  if (!signer.ok()) return;
  const TimeMicros now = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const TimeMicros ttl = TimeMicros{12} * 3600 * kMicrosPerSecond;
  auto citizen = signer->Sign(demo.world().CitizenWithCase(), api::TokenRole::kCitizen,
                              config.api.audience, now, ttl);
  auto ciso = signer->Sign(demo.world().EmployeeWithRole("ciso"), api::TokenRole::kCiso,
                           config.api.audience, now, ttl);
  if (!citizen.ok() || !ciso.ok()) return;
  const std::string from = FormatRfc3339(now - 14 * kMicrosPerDay);
  const std::string to = FormatRfc3339(now + kMicrosPerDay);
  std::printf(
      "Try the API (demo tokens, valid 12 h):\n"
      "  # a citizen: who viewed my data?\n"
      "  curl -s -H 'Authorization: Bearer %s' '%s/v1/me/accesses?from=%s&to=%s&limit=5'\n"
      "  # the CISO: open alerts\n"
      "  curl -s -H 'Authorization: Bearer %s' '%s/v1/alerts?status=open&limit=5'\n"
      "  # metrics\n"
      "  curl -s %s/metrics | grep ^inzage_decisions\n\n",
      citizen->c_str(), url.c_str(), from.c_str(), to.c_str(), ciso->c_str(), url.c_str(),
      url.c_str());
  const std::string tokens =
      std::filesystem::path(config.api.token_key_file).parent_path() / "demo-tokens.env";
  if (std::FILE* f = std::fopen(tokens.c_str(), "w")) {
    std::fprintf(f, "INZAGE_URL=%s\nCITIZEN_TOKEN=%s\nCISO_TOKEN=%s\n", url.c_str(),
                 citizen->c_str(), ciso->c_str());
    std::fclose(f);
  }
}

// `inzaged --demo` and its settings.
struct DemoOptions {
  bool enabled = false;
  std::string state_dir = "demo-out/state";
  int seconds = 0;    // stop after this long (0: run until a signal)
  unsigned seed = 1;  // the generated world and stream (another seed: another shard's data)
};

int Run(DaemonConfig config, const DemoOptions& demo_options) {
  const bool demo = demo_options.enabled;
  const std::string& state_dir = demo_options.state_dir;
  const int demo_seconds = demo_options.seconds;
  InstallSignalHandlers();
  SetLogLevel(ParseLogLevel(config.log_level).value_or(LogLevel::kInfo));
  if (demo) {
    std::filesystem::create_directories(state_dir);
    config.store.path = state_dir + "/store";
    // The embedded cluster is new every run, so an old store's offsets would point past its
    // messages: a demo store lives for one run.
    std::filesystem::remove_all(config.store.path);
    config.pseudonym_key_file = state_dir + "/pseudonym.key";
    config.policy_dir = FindPolicyDir(config.policy_dir);
    config.summary_interval_ms = 2000;
    if (!std::filesystem::exists(config.pseudonym_key_file)) {
      if (Status st = Pseudonymizer::GenerateKeyFile(config.pseudonym_key_file); !st.ok()) {
        Log(LogLevel::kError, "daemon", st.message());
        return 1;
      }
    }
    config.api.token_algorithm = "HS256";
    config.api.token_key_file = state_dir + "/token.key";
    if (!std::filesystem::exists(config.api.token_key_file)) {
      if (Status st = api::GenerateTokenSecretFile(config.api.token_key_file); !st.ok()) {
        Log(LogLevel::kError, "daemon", st.message());
        return 1;
      }
    }
  }
  // Start-up as ordered steps; each failure says which step and why.
  auto policy = LoadPolicy(config.policy_dir);
  if (!policy.ok()) {
    Log(LogLevel::kError, "daemon", policy.status().message(), {{"step", "policy"}});
    return 1;
  }
  auto key = Pseudonymizer::FromKeyFile(config.pseudonym_key_file);
  if (!key.ok()) {
    Log(LogLevel::kError, "daemon", key.status().message(), {{"step", "pseudonym-key"}});
    return 1;
  }
  StoreOptions so;
  so.sync = config.store.sync;
  so.key_id = key->key_id();
  so.retention = RetentionTable::FromPolicy(**policy);
  auto store = Store::Open(config.store.path, so);
  if (!store.ok()) {
    Log(LogLevel::kError, "daemon", store.status().message(), {{"step", "store"}});
    return 1;
  }
  Log(LogLevel::kInfo, "daemon", "store open",
      {{"path", config.store.path}, {"policy_revision", (*policy)->revision()}});
  auto verifier = LoadTokenVerifier(config.api);
  if (!verifier.ok()) {
    Log(LogLevel::kError, "daemon", verifier.status().message(), {{"step", "token-key"}});
    return 1;
  }
  auto registry = std::make_shared<prometheus::Registry>();
  DaemonMetrics metrics(registry);
  metrics.SetPolicyRevision((*policy)->revision());

  Demo demo_cluster;
  if (demo) {
    if (Status st = demo_cluster.Start(&config, demo_options.seed); !st.ok()) {
      Log(LogLevel::kError, "daemon", st.message(), {{"step", "demo"}});
      return 1;
    }
  } else if (config.kafka.brokers.empty()) {
    Log(LogLevel::kError, "daemon", "kafka.brokers is empty; use --demo to run without Kafka",
        {{"step", "config"}});
    return 1;
  }
  auto running_owner =
      std::make_unique<EventPipeline>(config.pipeline_options(), &*key, *policy, store->get());
  EventPipeline& running = *running_owner;
  g_pipeline.store(&running);
  if (g_stop.load()) running.RequestStop();

  OutboxRelay relay(config.relay_options(), store->get());
  if (Status st = relay.Start(); !st.ok()) {
    Log(LogLevel::kError, "daemon", st.message(), {{"step", "alert-relay"}});
    return 1;
  }
  running.set_on_commit([&relay] { relay.Wake(); });
  metrics.Attach(&running, store->get(), &relay);
  running.set_on_commit_metrics(
      [&metrics](double seconds, size_t events) { metrics.ObserveCommit(seconds, events); });
  // The listener comes up before the reference topic is read, so /healthz and /readyz answer
  // during start-up; /v1 reads wait for the pipeline.
  PipelineBackend backend(&running);
  api::ApiServer http(config.api, store->get(), &*key, std::move(verifier).value(), &backend,
                      registry, [&metrics] { return metrics.Render(); });
  if (Status st = http.Start(); !st.ok()) {
    Log(LogLevel::kError, "daemon", st.message(), {{"step", "api"}});
    (void)relay.Stop();
    return 1;
  }
  Log(LogLevel::kInfo, "daemon", "http listener bound", {{"url", http.base_url()}});
  if (Status st = running.Start(); !st.ok()) {
    Log(LogLevel::kError, "daemon", st.message(), {{"step", "kafka"}});
    http.Stop();
    (void)relay.Stop();
    return 1;
  }
  metrics.SetReady(true);
  Log(LogLevel::kInfo, "daemon", "ready",
      {{"brokers", config.kafka.brokers},
       {"reference_records", running.stats().reference_records.load()}});
  // READY=1: the store is open, the policy compiled, the reference topic caught up and the
  // HTTP listener bound.
  const ServiceNotifier notifier;
  notifier.Ready("deciding; policy revision " + (*policy)->revision());
  if (demo) {
    demo_cluster.StartStream(&running.stats().consumed);
    std::printf(
        "\ninzaged demo: embedded Kafka at %s, store in %s.\n"
        "A generated stream of access events is being decided; a status line follows every "
        "2 s.\nStop with Ctrl-C (the batch in flight is committed first).\n\n",
        config.kafka.brokers.c_str(), config.store.path.c_str());
    PrintDemoRequests(demo_cluster, config, http.base_url());
    std::fflush(stdout);
  }

  std::atomic<bool> done{false};
  std::mutex mu;
  std::condition_variable cv;
  std::thread reporter([&] {
    NameThisThread("inzage-summary");
    if (config.summary_interval_ms <= 0) return;
    const auto start = Clock::now();
    std::uint64_t last = 0;
    auto last_time = start;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::milliseconds(config.summary_interval_ms),
                        [&] { return done.load(); })) {
      const auto& s = running.stats();
      const auto now = Clock::now();
      const double secs = std::chrono::duration<double>(now - last_time).count();
      const std::uint64_t consumed = s.consumed.load();
      std::printf(
          "status: %8.0f events/s | consumed %llu | allow %llu review %llu violation "
          "%llu invalid %llu | stored %llu | dead letters %llu | alert versions %llu, "
          "sent %llu, waiting %llu\n",
          static_cast<double>(consumed - last) / secs, static_cast<unsigned long long>(consumed),
          static_cast<unsigned long long>(s.allowed.load()),
          static_cast<unsigned long long>(s.reviews.load()),
          static_cast<unsigned long long>(s.violations.load()),
          static_cast<unsigned long long>(s.invalid.load()),
          static_cast<unsigned long long>(s.stored.load()),
          static_cast<unsigned long long>(s.dead_letters.load()),
          static_cast<unsigned long long>(s.alerts_changed.load()),
          static_cast<unsigned long long>(relay.delivered()),
          static_cast<unsigned long long>((*store)->outbox_rows()));
      std::fflush(stdout);
      last = consumed;
      last_time = now;
      if (demo_seconds > 0 && now - start >= std::chrono::seconds(demo_seconds)) {
        running.RequestStop();
      }
    }
  });

  // Watchdog: ping only while the consume loop keeps turning (it turns every 50 ms when there is
  // no input); a stalled pipeline gets no pings and systemd restarts it.
  std::thread watchdog([&] {
    NameThisThread("inzage-watchdog");
    const auto interval = notifier.watchdog_interval();
    if (interval.count() == 0) return;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, interval, [&] { return done.load(); })) {
      const auto last = std::chrono::nanoseconds(running.stats().last_loop_ns.load());
      const auto age = Clock::now().time_since_epoch() - last;
      if (age < interval) notifier.WatchdogPing();
      const auto& s = running.stats();
      notifier.Status("consumed " + std::to_string(s.consumed.load()) + ", violations " +
                      std::to_string(s.violations.load()) + ", invalid " +
                      std::to_string(s.invalid.load()) + ", alerts waiting " +
                      std::to_string((*store)->outbox_rows()));
    }
  });

  // Policy reloads run here, not in the signal handler: loading and testing take a while.
  std::thread reloader([&] {
    NameThisThread("inzage-reload");
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return done.load(); })) {
      if (!g_reload_requested.exchange(false)) continue;
      lock.unlock();
      notifier.Reloading();
      ReloadPolicy(config.policy_dir, running, metrics);
      notifier.Ready("deciding; policy revision " + running.policy()->revision());
      lock.lock();
    }
  });

  Status result = running.Run();
  notifier.Stopping();
  metrics.SetReady(false);
  http.Stop();  // no request may wait for a pipeline that no longer runs
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  reporter.join();
  watchdog.join();
  reloader.join();
  const PipelineStats& s = running.stats();
  const double busy_s =
      static_cast<double>(s.last_message_ns.load() - s.first_message_ns.load()) / 1e9;
  const auto rate =
      busy_s > 0 ? static_cast<std::uint64_t>(static_cast<double>(s.consumed.load()) / busy_s) : 0;
  // Read before the pipeline that owns the counters goes.
  const std::uint64_t consumed = s.consumed.load(), stored = s.stored.load(),
                      dead_letters = s.dead_letters.load();
  g_pipeline.store(nullptr);
  running_owner.reset();  // closes the Kafka clients
  Status relay_status = relay.Stop();
  if (!relay_status.ok())
    Log(LogLevel::kWarn, "daemon", relay_status.message(), {{"step", "shutdown"}});
  demo_cluster.Stop();  // last: the clients above still talk to it while they drain
  if (!result.ok()) {
    Log(LogLevel::kError, "daemon", result.message());
    return 1;
  }
  char busy_text[32];
  std::snprintf(busy_text, sizeof busy_text, "%.3f", busy_s);
  Log(LogLevel::kInfo, "daemon", "stopped cleanly",
      {{"consumed", consumed},
       {"stored", stored},
       {"dead_letters", dead_letters},
       {"first_to_last_message_s", std::string_view(busy_text)},
       {"events_per_s", rate}});
  return 0;
}

}  // namespace

int DaemonMain(int argc, char** argv) {
  CLI::App cli{"inzaged: audits every access to citizens' personal data (Kafka daemon)"};
  std::string config_path;
  bool check_config = false;
  DemoOptions demo_options;
  bool& demo = demo_options.enabled;
  std::string listen;
  cli.add_option("--config", config_path, "configuration file (config/inzaged.yaml)");
  cli.add_option("--listen", listen, "HTTP listener host:port (overrides api.listen)");
  cli.add_flag("--check-config", check_config, "validate the configuration and exit");
  cli.add_flag("--demo", demo, "embedded Kafka mock cluster, generated world and events");
  cli.add_option("--state-dir", demo_options.state_dir, "demo: where the store and demo keys live");
  cli.add_option(
      "--demo-seed", demo_options.seed,
      "demo: seed of the generated event stream (default 1; another seed: another shard)");
  cli.add_option("--demo-seconds", demo_options.seconds, "demo: stop after this many seconds")
      ->check(CLI::NonNegativeNumber);
  cli.set_version_flag("--version", INZAGE_VERSION);
  CLI11_PARSE(cli, argc, argv);

  DaemonConfig config;
  if (!config_path.empty()) {
    auto loaded = LoadDaemonConfig(config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "inzaged: %s\n", loaded.status().message().c_str());
      return 2;
    }
    config = std::move(loaded).value();
  } else if (!demo) {
    std::fprintf(stderr, "inzaged: --config FILE is required (or --demo)\n");
    return 2;
  }
  if (!listen.empty()) {
    std::string host;
    int port = 0;
    if (Status st = api::ParseListenAddress(listen, &host, &port); !st.ok()) {
      std::fprintf(stderr, "inzaged: --listen: %s\n", st.message().c_str());
      return 2;
    }
    config.api.listen = listen;
  }
  if (check_config) {
    auto policy = LoadPolicy(config.policy_dir);
    if (!policy.ok()) {
      std::fprintf(stderr, "inzaged: policy_dir: %s\n", policy.status().message().c_str());
      return 2;
    }
    auto key = Pseudonymizer::FromKeyFile(config.pseudonym_key_file);
    if (!key.ok()) {
      std::fprintf(stderr, "inzaged: pseudonym_key_file: %s\n", key.status().message().c_str());
      return 2;
    }
    if (auto verifier = LoadTokenVerifier(config.api); !verifier.ok()) {
      std::fprintf(stderr, "inzaged: api.token_key_file: %s\n",
                   verifier.status().message().c_str());
      return 2;
    }
    std::printf("inzaged: configuration %s is valid (policy revision %s, key id %s)\n",
                config_path.c_str(), (*policy)->revision().c_str(), key->key_id().c_str());
    return 0;
  }
  return Run(std::move(config), demo_options);
}

}  // namespace inzage::app
