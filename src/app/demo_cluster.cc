#include "app/demo_cluster.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "api/api_server.h"
#include "api/token.h"
#include "common/log.h"
#include "common/pseudonym.h"
#include "common/thread_name.h"
#include "detect/alert.h"
#include "kafka/clients.h"

namespace inzage::app {
namespace {

// The configured directory, or the source tree's `relative` when it is missing (a clone).
std::string FindDir(const std::string& configured, const std::string& relative) {
  if (std::filesystem::is_directory(configured)) return configured;
  for (const std::string& candidate : {relative, std::string(INZAGE_SOURCE_DIR) + "/" + relative}) {
    if (std::filesystem::is_directory(candidate)) return candidate;
  }
  return configured;
}

// Writes `text` to `path` readable by its owner only: the file holds tokens.
bool WriteSecretText(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, 0600) == 0;  // an older file may have had a wider mode
  ok = ok && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && ok;
}

}  // namespace

Status PrepareDemoState(const DemoOptions& demo, DaemonConfig* config) {
  const std::string& state_dir = demo.state_dir;
  std::filesystem::create_directories(state_dir);
  config->store.path = state_dir + "/store";
  if (std::filesystem::exists(config->store.path)) {
    Log(LogLevel::kInfo, "demo",
        "the previous demo store is removed: the embedded Kafka is new every run, so a demo "
        "store lives for one run",
        {{"path", config->store.path}});
    std::filesystem::remove_all(config->store.path);
  }
  config->pseudonym_key_file = state_dir + "/pseudonym.key";
  config->policy_dir = FindDir(config->policy_dir, "config/policy");
  config->api.ui_dir = FindDir(config->api.ui_dir, "ui");
  config->api.demo_login = true;
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

Status DemoCluster::Start(DaemonConfig* config, const DemoOptions& demo) {
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
  o.stream_seed = demo.seed;
  // The history up to now (two weeks unless asked otherwise) is made as fast as the pipeline
  // takes it; then the stream follows the wall clock (Generate), so "the last 14 days" shows
  // the demo's data.
  o.start_micros = WallNow() - TimeMicros{demo.history_days} * kMicrosPerDay;
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
  if (alert_thread_.joinable()) alert_thread_.join();
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
  bool live = false;
  while (!stop_.load()) {
    if (produced_.load() > consumed_->load() + kMaxAhead) {
      rd_kafka_poll(producer_.get(), 20);
      continue;
    }
    // Caught up with the wall clock: from now on events happen as time passes, a few a second
    // during office hours (the generator skips nights and weekends, so the demo waits then).
    if (generator_->event_time() > WallNow()) {
      if (!live) {
        live = true;
        generator_->set_step(50'000, 400'000);
        Log(LogLevel::kInfo, "demo", "the history is in; the stream now follows the clock",
            {{"events", produced_.load()}});
      }
      rd_kafka_poll(producer_.get(), 100);
      continue;
    }
    for (int i = 0; i < 500 && generator_->event_time() <= WallNow(); ++i) {
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

void PrintDemoRequests(const DemoCluster& demo, const DaemonConfig& config, api::ApiServer* http) {
  auto signer =
      api::TokenSigner::FromKeyFile(api::TokenAlgorithm::kHs256, config.api.token_key_file);
  if (!signer.ok()) return;
  const TimeMicros now = WallNow();
  const TimeMicros ttl = TimeMicros{12} * 3600 * kMicrosPerSecond;
  const std::string bsn = demo.world().CitizenWithCase();
  auto citizen = signer->Sign(bsn, api::TokenRole::kCitizen, config.api.audience, now, ttl);
  auto ciso = signer->Sign(demo.world().EmployeeWithRole("ciso"), api::TokenRole::kCiso,
                           config.api.audience, now, ttl);
  auto officer = signer->Sign(demo.world().EmployeeWithRole("privacy-officer"),
                              api::TokenRole::kPrivacyOfficer, config.api.audience, now, ttl);
  if (!citizen.ok() || !ciso.ok() || !officer.ok()) return;
  const std::string url = http->base_url();
  const std::string citizen_login =
      url + "/ui/demo-login?code=" + http->CreateDemoLogin(*citizen) + "&to=citizen";
  const std::string console_login =
      url + "/ui/demo-login?code=" + http->CreateDemoLogin(*ciso) + "&to=console";
  std::printf(
      "Open the pages (each link signs you in once):\n"
      "  the citizen's \"wie heeft mijn gegevens bekeken?\"  %s\n"
      "  the CISO's console                               %s\n\n"
      "Or use the API from another terminal (tokens valid 12 h; the file is mode 0600):\n"
      "  source %s\n"
      "  curl -s -H \"Authorization: Bearer $CITIZEN_TOKEN\" \"$INZAGE_URL/v1/me/accesses?"
      "from=$(date -u -d '-14 days' +%%FT%%TZ)&to=$(date -u +%%FT%%TZ)&limit=5\"\n\n",
      citizen_login.c_str(), console_login.c_str(), demo.tokens_file().c_str());
  std::string env = "INZAGE_URL=" + url + "\nCITIZEN_TOKEN=" + *citizen + "\nCISO_TOKEN=" + *ciso +
                    "\nPRIVACY_OFFICER_TOKEN=" + *officer +
                    "\n# the demo citizen (a test BSN with history)\nDEMO_BSN=" + bsn +
                    "\nCITIZEN_LOGIN_URL='" + citizen_login + "'\nCONSOLE_LOGIN_URL='" +
                    console_login + "'\n" +
                    "# the embedded Kafka cluster (loopback) and the CISO's topic, for kcat\n"
                    "KAFKA_BROKERS=" +
                    config.kafka.brokers + "\nALERTS_TOPIC=" + config.kafka.alerts_topic + "\n";
  if (!WriteSecretText(demo.tokens_file(), env)) {
    Log(LogLevel::kWarn, "demo", "cannot write the tokens file", {{"path", demo.tokens_file()}});
  }
}

void DemoCluster::AnnounceFirstAlert(const Store* store) {
  alert_thread_ = std::thread([this, store] {
    NameThisThread("inzage-demo-alert");
    AlertListFilter open;
    open.status = static_cast<std::uint8_t>(AlertStatus::kOpen);
    for (int i = 0; i < 600 && !stop_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling the store
      // The first open alert in the queue's own order, from the alert index: no scan.
      auto page = store->ListAlerts(open, 1, std::nullopt, 1000);
      if (!page.ok() || page->ids.empty()) continue;
      const std::string& id = page->ids.front();
      auto value = store->Get("alerts", id);
      if (!value.ok() || !value->has_value()) continue;
      auto alert = ParseAlert(**value);
      if (!alert.ok() || alert->status != AlertStatus::kOpen) continue;
      std::printf(
          "The first alert is in. Look at it:\n"
          "  curl -s -H \"Authorization: Bearer $CISO_TOKEN\" "
          "\"$INZAGE_URL/v1/alerts/%s\"\n\n",
          id.c_str());
      std::fflush(stdout);
      std::FILE* f = std::fopen(tokens_file_.c_str(), "a");
      if (f != nullptr) {
        std::fprintf(f,
                     "# an open alert of this demo run, and the employee it is about\n"
                     "ALERT_ID=%s\nALERT_ACTOR=%s\n",
                     id.c_str(), alert->actor.c_str());
        std::fclose(f);
      }
      return;
    }
  });
}

}  // namespace inzage::app
