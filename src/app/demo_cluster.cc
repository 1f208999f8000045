#include "app/demo_cluster.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "api/token.h"
#include "common/log.h"
#include "common/pseudonym.h"
#include "common/thread_name.h"
#include "kafka/clients.h"

namespace inzage::app {
namespace {

// The configured policy directory, or the source tree's default policy when it is missing.
std::string FindPolicyDir(const std::string& configured) {
  if (std::filesystem::is_directory(configured)) return configured;
  for (const std::string& candidate :
       {std::string("config/policy"), std::string(INZAGE_SOURCE_DIR) + "/config/policy"}) {
    if (std::filesystem::is_directory(candidate)) return candidate;
  }
  return configured;
}

}  // namespace

Status PrepareDemoState(const DemoOptions& demo, DaemonConfig* config) {
  const std::string& state_dir = demo.state_dir;
  std::filesystem::create_directories(state_dir);
  config->store.path = state_dir + "/store";
  std::filesystem::remove_all(config->store.path);
  config->pseudonym_key_file = state_dir + "/pseudonym.key";
  config->policy_dir = FindPolicyDir(config->policy_dir);
  config->summary_interval_ms = 2000;
  if (!std::filesystem::exists(config->pseudonym_key_file)) {
    if (Status st = Pseudonymizer::GenerateKeyFile(config->pseudonym_key_file); !st.ok()) {
      return st;
    }
  }
  config->api.token_algorithm = "HS256";
  config->api.token_key_file = state_dir + "/token.key";
  if (!std::filesystem::exists(config->api.token_key_file)) {
    if (Status st = api::GenerateTokenSecretFile(config->api.token_key_file); !st.ok()) return st;
  }
  return Status::Ok();
}

Status DemoCluster::Start(DaemonConfig* config, unsigned seed) {
  // A client without brokers that only owns the cluster.
  auto owner = kafka::MakeProducer(kafka::Options{}, "inzaged-demo-cluster");
  if (!owner.ok()) return owner.status();
  cluster_owner_ = std::move(owner).value();
  cluster_ = rd_kafka_mock_cluster_new(cluster_owner_.get(), 1);
  if (cluster_ == nullptr) return Status::Internal("cannot start the embedded Kafka cluster");
  config->kafka.brokers = rd_kafka_mock_cluster_bootstraps(cluster_);
  rd_kafka_mock_topic_create(cluster_, config->kafka.events_topic.c_str(), 8, 1);
  rd_kafka_mock_topic_create(cluster_, config->kafka.reference_topic.c_str(), 1, 1);
  rd_kafka_mock_topic_create(cluster_, config->kafka.dead_letter_topic.c_str(), 1, 1);
  rd_kafka_mock_topic_create(cluster_, config->kafka.alerts_topic.c_str(), 1, 1);

  // The configured kafka.properties are for inzaged's own clients, not the generator's.
  kafka::Options generator_kafka;
  generator_kafka.brokers = config->kafka.brokers;
  auto producer = kafka::MakeProducer(generator_kafka, "inzaged-demo", {{"linger.ms", "5"}});
  if (!producer.ok()) return producer.status();
  producer_ = std::move(producer).value();

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

void DemoCluster::StartStream(const std::atomic<std::uint64_t>* consumed) {
  consumed_ = consumed;
  thread_ = std::thread([this] {
    NameThisThread("inzage-demo-gen");
    Generate();
  });
}

void DemoCluster::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (producer_) rd_kafka_flush(producer_.get(), 2000);
  producer_.reset();
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  cluster_ = nullptr;
}

Status DemoCluster::Produce(const std::string& topic, const std::string& key,
                            const std::string& value) {
  for (;;) {
    const rd_kafka_resp_err_t err = kafka::Produce(producer_.get(), topic, key, value);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Status::IoError("demo producer: " + kafka::ErrorText(err));
    }
    rd_kafka_poll(producer_.get(), 50);
  }
}

void DemoCluster::Generate() {
  constexpr std::uint64_t kMaxAhead = 20000;  // stay close behind the consumer
  while (!stop_.load()) {
    if (produced_.load() > consumed_->load() + kMaxAhead) {
      rd_kafka_poll(producer_.get(), 20);
      continue;
    }
    for (int i = 0; i < 500; ++i) {
      const std::string line = generator_->NextEvent();
      // Producers key events by actor id (docs/contracts.md, access event).
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

void PrintDemoRequests(const DemoCluster& demo, const DaemonConfig& config,
                       const std::string& url) {
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

}  // namespace inzage::app
