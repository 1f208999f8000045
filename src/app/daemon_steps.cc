#include "app/daemon_steps.h"

#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include "app/policy_reload.h"
#include "app/signals.h"
#include "app/status_threads.h"
#include "common/log.h"
#include "common/secret_file.h"
#include "kafka/clients.h"
#include "policy/policy_loader.h"

namespace inzage::app {

bool RunSteps(std::span<const StartupStep> steps, DaemonState& state) {
  for (const StartupStep& step : steps) {
    if (Status st = step.run(state); !st.ok()) {
      Log(LogLevel::kError, "daemon", st.message(), {{"step", step.name}});
      return false;
    }
  }
  return true;
}

Result<api::TokenVerifier> LoadTokenVerifier(const api::ApiConfig& c) {
  auto alg = api::ParseTokenAlgorithm(c.token_algorithm);
  if (!alg.ok()) return alg.status();
  return api::TokenVerifier::FromKeyFile(*alg, c.token_key_file, c.audience);
}

namespace steps {

Status InstallSignals(DaemonState& /*s*/) {
  InstallSignalHandlers();
  return Status::Ok();
}

Status ApplyLogLevel(DaemonState& s) {
  SetLogLevel(ParseLogLevel(s.config.log_level).value_or(LogLevel::kInfo));
  return Status::Ok();
}

Status RaiseOpenFileLimit(DaemonState& s) {
  // Each API connection is a descriptor, and so are RocksDB's files and Kafka's sockets. The
  // usual soft limit (1024) is below api.max_connections; the hard limit (systemd: 524288) is
  // what an administrator granted, so the soft one is raised towards it.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return Status::Ok();
  const rlim_t wanted = static_cast<rlim_t>(s.config.api.max_connections) + 1024;
  if (limit.rlim_cur >= wanted) return Status::Ok();
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted) {
    Log(LogLevel::kWarn, "daemon", "open-files limit below api.max_connections + 1024",
        {{"limit", std::to_string(limit.rlim_cur)}, {"wanted", std::to_string(wanted)}});
    return Status::Ok();
  }
  Log(LogLevel::kInfo, "daemon", "open-files limit raised",
      {{"from", std::to_string(before)}, {"to", std::to_string(limit.rlim_cur)}});
  return Status::Ok();
}

Status PrepareDemo(DaemonState& s) {
  return s.demo.enabled ? PrepareDemoState(s.demo, &s.config) : Status::Ok();
}

Status ReadPolicy(DaemonState& s) {
  auto policy = LoadPolicy(s.config.policy_dir);
  if (!policy.ok()) return policy.status();
  s.policy = std::move(policy).value();
  return Status::Ok();
}

Status ReadPseudonymKey(DaemonState& s) {
  auto key = Pseudonymizer::FromKeyFile(s.config.pseudonym_key_file);
  if (!key.ok()) return key.status();
  s.pseudonymizer.emplace(std::move(key).value());
  return Status::Ok();
}

Status OpenStore(DaemonState& s) {
  StoreOptions so;
  so.sync = s.config.store.sync;
  so.key_id = s.pseudonymizer->key_id();
  so.retention = RetentionTable::FromPolicy(*s.policy);
  auto store = Store::Open(s.config.store.path, so);
  if (!store.ok()) return store.status();
  s.store = std::move(store).value();
  auto journal = AccessJournal::Open(s.config.store.path + "-journal", s.config.store.sync);
  if (!journal.ok()) return journal.status();
  s.access_journal = std::move(journal).value();
  Log(LogLevel::kInfo, "daemon", "store open",
      {{"path", s.config.store.path},
       {"policy_revision", s.policy->revision()},
       {"journal_rows", s.access_journal->rows()}});
  return Status::Ok();
}

Status ReadTokenKey(DaemonState& s) {
  auto verifier = LoadTokenVerifier(s.config.api);
  if (!verifier.ok()) return verifier.status();
  s.token_verifier.emplace(std::move(verifier).value());
  return Status::Ok();
}

Status CreateMetrics(DaemonState& s) {
  s.registry = std::make_shared<prometheus::Registry>();
  s.metrics = std::make_unique<DaemonMetrics>(s.registry);
  s.metrics->SetPolicyRevision(s.policy->revision());
  return Status::Ok();
}

Status StartDemoCluster(DaemonState& s) {
  return s.demo.enabled ? s.demo_cluster.Start(&s.config, s.demo) : Status::Ok();
}

Status CheckKafkaConfigured(DaemonState& s) {
  if (s.demo.enabled || !s.config.kafka.brokers.empty()) return Status::Ok();
  return Status::InvalidArgument("kafka.brokers is empty; use --demo to run without Kafka");
}

Status ReadKafkaSecrets(DaemonState& s) {
  constexpr std::string_view kCredentials = kafka::Options::kCredentialsDirectory;
  for (const auto& [property, configured] : s.config.kafka.secret_files) {
    std::string file = configured;
    if (file.rfind(kCredentials, 0) == 0) {
      // NOLINTNEXTLINE(concurrency-mt-unsafe): start-up, before any thread exists
      const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
      if (dir == nullptr || *dir == '\0') {
        return Status::FailedPrecondition(
            "kafka.secret_files." + property +
            " names ${CREDENTIALS_DIRECTORY}, but systemd set none (LoadCredential= missing?)");
      }
      file = dir + file.substr(kCredentials.size());
    }
    auto secret = ReadTextSecretFile(file, "kafka.secret_files." + property);
    if (!secret.ok()) return secret.status();
    s.config.kafka.properties[property] = std::move(secret).value();
  }
  return Status::Ok();
}

Status CheckKafkaAccepts(DaemonState& s) {
  if (s.demo.enabled) return Status::Ok();  // the embedded mock cluster asks for nothing
  return kafka::CheckBrokersAccept(s.config.kafka, 10000);
}

Status CreatePipeline(DaemonState& s) {
  s.pipeline = std::make_unique<EventPipeline>(s.config.pipeline_options(), &*s.pseudonymizer,
                                               s.policy, s.store.get());
  s.pipeline->set_access_journal(s.access_journal.get());
  SetStopTarget(s.pipeline.get());
  return Status::Ok();
}

Status StartAlertRelay(DaemonState& s) {
  s.relay = std::make_unique<OutboxRelay>(s.config.relay_options(), s.store.get());
  if (Status st = s.relay->Start(); !st.ok()) return st;
  OutboxRelay* relay = s.relay.get();
  DaemonMetrics* metrics = s.metrics.get();
  s.pipeline->set_on_commit([relay] { relay->Wake(); });
  metrics->Attach(s.pipeline.get(), s.store.get(), relay);
  s.pipeline->set_on_commit_metrics(
      [metrics](double seconds, size_t events) { metrics->ObserveCommit(seconds, events); });
  return Status::Ok();
}

Status JoinMembership(DaemonState& s) {
  if (s.config.kafka.membership_topic.empty()) return Status::Ok();
  auto peer_key = ReadHexSecretFile(s.config.api.peer_key_file, "api.peer_key_file", 32);
  if (!peer_key.ok()) return peer_key.status();
  MembershipOptions options;
  options.kafka = s.config.kafka;
  options.topic = s.config.kafka.membership_topic;
  options.self.instance = s.config.kafka.instance_name;
  options.self.api_url = s.config.api.advertise_url;
  options.peer_key = std::move(peer_key).value();
  EventPipeline* pipeline = s.pipeline.get();
  options.partitions = [pipeline] {
    std::vector<std::int32_t> partitions;
    for (const auto& [partition, lag] : pipeline->consumer_lag()) partitions.push_back(partition);
    return partitions;
  };
  s.membership = std::make_unique<Membership>(std::move(options));
  if (Status st = s.membership->Start(); !st.ok()) return st;
  s.metrics->AttachMembership(s.membership.get());
  return Status::Ok();
}

Status StartApi(DaemonState& s) {
  s.backend = std::make_unique<PipelineBackend>(s.pipeline.get());
  DaemonMetrics* metrics = s.metrics.get();
  s.http = std::make_unique<api::ApiServer>(s.config.api, s.store.get(), &*s.pseudonymizer,
                                            std::move(*s.token_verifier), s.backend.get(),
                                            s.registry, [metrics] { return metrics->Render(); });
  s.token_verifier.reset();
  if (Membership* members = s.membership.get(); members != nullptr) {
    s.http->set_peer_directory([members] { return members->PeerUrls(); });
  }
  if (Status st = s.http->Start(); !st.ok()) return st;
  Log(LogLevel::kInfo, "daemon", "http listener bound", {{"url", s.http->base_url()}});
  return Status::Ok();
}

Status StartPipeline(DaemonState& s) { return s.pipeline->Start(); }

Status AnnounceReady(DaemonState& s) {
  s.metrics->SetReady(true);
  Log(LogLevel::kInfo, "daemon", "ready",
      {{"brokers", s.config.kafka.brokers},
       {"reference_records", s.pipeline->stats().reference_records.load()}});
  s.notifier.Ready("deciding; policy revision " + s.policy->revision());
  if (s.demo.enabled) {
    s.demo_cluster.StartStream(&s.pipeline->stats().consumed);
    std::printf(
        "\ninzaged demo: embedded Kafka at %s, store in %s.\n"
        "A generated stream of access events is being decided; a status line follows every "
        "2 s.\nStop with Ctrl-C (the batch in flight is committed first).\n\n",
        s.config.kafka.brokers.c_str(), s.config.store.path.c_str());
    s.demo_cluster.set_tokens_file(
        (std::filesystem::path(s.config.api.token_key_file).parent_path() / "demo-tokens.env")
            .string());
    PrintDemoRequests(s.demo_cluster, s.config, s.http.get());
    s.demo_cluster.AnnounceFirstAlert(s.store.get());
    std::fflush(stdout);
  }
  return Status::Ok();
}

Status StartStatusThreads(DaemonState& s) {
  s.summary_reporter = StartSummaryReporter(s.config.summary_interval_ms, s.demo.seconds,
                                            s.pipeline.get(), s.relay.get(), s.store.get());
  s.watchdog = StartWatchdog(&s.notifier, s.pipeline.get(), s.store.get());
  // Policy reloads run on a thread of their own, not in the signal handler: loading and
  // testing take a while.
  s.policy_reloader =
      StartPolicyReloader(s.config.policy_dir, &s.notifier, s.pipeline.get(), s.metrics.get());
  return Status::Ok();
}

}  // namespace steps

int Shutdown(DaemonState& s, const Status& result) {
  s.notifier.Stopping();
  s.metrics->SetReady(false);
  s.http->Stop();  // no request may wait for a pipeline that no longer runs
  s.summary_reporter.reset();
  s.watchdog.reset();
  s.policy_reloader.reset();
  // Stopped, not gone: the others keep asking for its history (ingest/membership.h).
  if (s.membership) s.membership->Stop();
  // Read before the pipeline that owns the counters goes.
  const PipelineStats& stats = s.pipeline->stats();
  const double busy_s =
      static_cast<double>(stats.last_message_ns.load() - stats.first_message_ns.load()) / 1e9;
  const std::uint64_t consumed = stats.consumed.load(), stored = stats.stored.load(),
                      dead_letters = stats.dead_letters.load();
  const auto rate =
      busy_s > 0 ? static_cast<std::uint64_t>(static_cast<double>(consumed) / busy_s) : 0;
  SetStopTarget(nullptr);
  s.pipeline.reset();  // closes the Kafka clients
  if (Status st = s.relay->Stop(); !st.ok()) {
    Log(LogLevel::kWarn, "daemon", st.message(), {{"step", "shutdown"}});
  }
  s.demo_cluster.Stop();  // last: the clients above still talk to it while they drain
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

}  // namespace inzage::app
