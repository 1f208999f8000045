// The embedded Kafka of `inzaged --demo` (docs/architecture.md, operations: demo mode):
// librdkafka's mock cluster in this process, the topics inzaged needs, the generated world's
// reference records, and a generator that keeps a realistic stream of access events flowing
// without running ahead of the consumer (the mock cluster keeps only a few MiB per partition).
// Also what the demo sets up around it: its state directory with fresh keys, and ready-to-run
// API requests.
//
// Ownership: DemoCluster owns the cluster, its producer and the generator thread. Stop it last:
// the daemon's clients talk to the cluster while they drain.
// Thread safety: from the daemon's main thread; the generator runs on its own thread.
#pragma once

#include <librdkafka/rdkafka.h>
// clang-format off: rdkafka_mock.h needs rdkafka.h first
#include <librdkafka/rdkafka_mock.h>  // NOLINT(llvm-include-order): needs rdkafka.h first
// clang-format on

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "app/daemon_config.h"
#include "app/world_generator.h"
#include "common/status.h"
#include "kafka/kafka.h"

namespace inzage::api {
class ApiServer;
}  // namespace inzage::api
namespace inzage {
class Store;
}  // namespace inzage

namespace inzage::app {

// `inzaged --demo` and its settings.
struct DemoOptions {
  bool enabled = false;
  std::string state_dir = "demo-out/state";
  int seconds = 0;    // stop after this long (0: run until a signal)
  unsigned seed = 1;  // the generated world and stream (another seed: another shard's data)
  // How far back the generated history starts before the stream follows the clock. Two weeks
  // fill the pages; a soak benchmark asks for years, so that millions of events flow at once.
  int history_days = 14;
};

// Points the configuration at the demo's state directory: a store new for this run (the
// embedded cluster is new every run, so an old store's offsets would point past its
// messages), a pseudonym key and an HS256 token secret made there once, the policy of the
// source tree, and a status line every 2 s.
[[nodiscard]] Status PrepareDemoState(const DemoOptions& demo, DaemonConfig* config);

class DemoCluster {
 public:
  DemoCluster() = default;
  ~DemoCluster() { Stop(); }
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  // Starts the cluster, fills config->kafka.brokers and writes the reference records; the
  // stream starts with StartStream.
  [[nodiscard]] Status Start(DaemonConfig* config, const DemoOptions& demo);
  // consumed: the pipeline's counter; the generator stays at most 20,000 events ahead of it.
  void StartStream(const std::atomic<std::uint64_t>* consumed);
  void Stop();

  [[nodiscard]] std::uint64_t produced() const { return produced_.load(); }
  [[nodiscard]] const WorldGenerator& world() const { return *generator_; }
  // demo-tokens.env: the tokens, sign-in links and ids that the README's lines use.
  [[nodiscard]] const std::string& tokens_file() const { return tokens_file_; }
  void set_tokens_file(std::string path) { tokens_file_ = std::move(path); }
  // Once the store holds an open alert, prints how to look at it and adds ALERT_ID to the
  // tokens file (on a thread of its own; Stop ends it).
  void AnnounceFirstAlert(const Store* store);

 private:
  Status Produce(const std::string& topic, const std::string& key, const std::string& value);
  void Generate();

  kafka::Handle cluster_owner_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  kafka::Handle producer_;
  std::unique_ptr<WorldGenerator> generator_;
  std::string events_topic_;
  const std::atomic<std::uint64_t>* consumed_ = nullptr;
  std::atomic<std::uint64_t> produced_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::thread alert_thread_;
  std::string tokens_file_;
};

// Prints the pages' one-time sign-in links and a ready-to-run request, with tokens signed by the
// demo's own key (valid for 12 hours), and writes them with the demo citizen's BSN to the
// tokens file (mode 0600).
void PrintDemoRequests(const DemoCluster& demo, const DaemonConfig& config, api::ApiServer* http);

}  // namespace inzage::app
