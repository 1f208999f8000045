#include "app/daemon.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "api/api_server.h"
#include "app/daemon_config.h"
#include "app/daemon_state.h"
#include "app/daemon_steps.h"
#include "app/demo_cluster.h"
#include "app/signals.h"
#include "policy/policy_loader.h"

namespace inzage::app {
namespace {

// inzaged's start-up, in order. Each step builds on the ones above it; the first that fails is
// logged with its name and why, and what was built is torn down in reverse (daemon_state.h).
constexpr StartupStep kStartup[] = {
    {"signals", steps::InstallSignals},
    {"log-level", steps::ApplyLogLevel},
    {"open-files", steps::RaiseOpenFileLimit},
    {"demo-state", steps::PrepareDemo},
    {"policy", steps::ReadPolicy},
    {"pseudonym-key", steps::ReadPseudonymKey},
    {"store", steps::OpenStore},
    {"token-key", steps::ReadTokenKey},
    {"metrics", steps::CreateMetrics},
    {"demo", steps::StartDemoCluster},
    {"config", steps::CheckKafkaConfigured},
    {"kafka-secrets", steps::ReadKafkaSecrets},
    {"kafka-access", steps::CheckKafkaAccepts},
    {"pipeline", steps::CreatePipeline},
    {"alert-relay", steps::StartAlertRelay},
    {"membership", steps::JoinMembership},
    {"api", steps::StartApi},
    {"kafka", steps::StartPipeline},
    {"ready", steps::AnnounceReady},
    {"status-threads", steps::StartStatusThreads},
};

int Run(DaemonConfig config, const DemoOptions& demo) {
  DaemonState state;
  state.config = std::move(config);
  state.demo = demo;
  if (!RunSteps(kStartup, state)) {
    SetStopTarget(nullptr);  // the pipeline, if there is one, goes with the state
    return 1;
  }
  const Status result = state.pipeline->Run();
  return Shutdown(state, result);
}

// --check-config: every problem at once (an operator fixes them in one pass), then what was
// checked. Exit 0 when the daemon would start with this file, 2 when it would not.
int CheckConfig(const DaemonConfig& config, const std::string& config_path) {
  int problems = 0;
  auto problem = [&problems](const std::string& what, const std::string& why) {
    std::fprintf(stderr, "inzaged: %s: %s\n", what.c_str(), why.c_str());
    ++problems;
  };
  auto policy = LoadPolicy(config.policy_dir);
  if (!policy.ok()) problem("policy_dir", policy.status().message());
  auto key = Pseudonymizer::FromKeyFile(config.pseudonym_key_file);
  if (!key.ok()) problem("pseudonym_key_file", key.status().message());
  if (auto verifier = LoadTokenVerifier(config.api); !verifier.ok()) {
    problem("api.token_key_file", verifier.status().message());
  }
  {
    // The same reading as at start-up, on a copy: the secrets go nowhere.
    DaemonState probe;
    probe.config = config;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded here
    if (std::getenv("CREDENTIALS_DIRECTORY") == nullptr) {
      std::erase_if(probe.config.kafka.secret_files, [](const auto& entry) {
        if (entry.second.rfind(kafka::Options::kCredentialsDirectory, 0) != 0) return false;
        std::fprintf(stderr,
                     "inzaged: warning: kafka.secret_files.%s is a systemd credential; "
                     "checked when the service starts\n",
                     entry.first.c_str());
        return true;
      });
    }
    if (Status st = steps::ReadKafkaSecrets(probe); !st.ok()) problem("kafka", st.message());
  }
  std::error_code ec;
  if (!config.api.ui_dir.empty() && !std::filesystem::is_directory(config.api.ui_dir, ec)) {
    // Not fatal: the API works without its pages.
    std::fprintf(stderr, "inzaged: warning: api.ui_dir %s is not a directory: /ui/ will be 404\n",
                 config.api.ui_dir.c_str());
  }
  if (problems > 0) {
    std::fprintf(stderr, "inzaged: %d problem(s) in %s\n", problems, config_path.c_str());
    return 2;
  }
  std::printf("inzaged: configuration %s is valid (policy %s revision %s, key id %s)\n",
              config_path.c_str(), config.policy_dir.c_str(), (*policy)->revision().c_str(),
              key->key_id().c_str());
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
  cli.add_option("--demo-history-days", demo_options.history_days,
                 "demo: days of generated history before the stream follows the clock "
                 "(default 14; a soak asks for years)")
      ->check(CLI::Range(1, 20000));
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
  if (check_config) return CheckConfig(config, config_path);
  return Run(std::move(config), demo_options);
}

}  // namespace inzage::app
