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
#include <librdkafka/rdkafka_mock.h>  // NOLINT
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

namespace inzage::app {

// `inzaged --demo` and its settings.
struct DemoOptions {
  bool enabled = false;
  std::string state_dir = "demo-out/state";
  int seconds = 0;    // stop after this long (0: run until a signal)
  unsigned seed = 1;  // the generated world and stream (another seed: another shard's data)
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
  [[nodiscard]] Status Start(DaemonConfig* config, unsigned seed);
  // consumed: the pipeline's counter; the generator stays at most 20,000 events ahead of it.
  void StartStream(const std::atomic<std::uint64_t>* consumed);
  void Stop();

  [[nodiscard]] std::uint64_t produced() const { return produced_.load(); }
  [[nodiscard]] const WorldGenerator& world() const { return *generator_; }

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
};

// Prints ready-to-run curl lines: a citizen's "who viewed my data" and the CISO's alert queue,
// with tokens signed by the demo's own key (valid for 12 hours); also writes them to
// demo-tokens.env beside the key.
void PrintDemoRequests(const DemoCluster& demo, const DaemonConfig& config, const std::string& url);

}  // namespace inzage::app
