// inzaged's pipeline against librdkafka's mock cluster: happy path, broker down and up, injected
// request errors, and SIGKILL of the daemon process mid-stream (exactly-once state).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "alert/outbox_relay.h"
#include "app/commands.h"
#include "app/daemon_config.h"
#include "app/world_generator.h"
#include "event/event_parser.h"
#include "ingest/event_pipeline.h"
#include "mock_kafka.h"
#include "policy/policy_loader.h"
#include "store/keys.h"
#include "store_test_util.h"
#include "support/eventually.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

// The guidance the shipped policy gives for a rule: alerts on the CISO topic carry it.
std::string ShippedGuidance(RuleId rule) {
  static const auto policy = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
  return policy.ok() ? policy.value()->guidance(rule) : std::string();
}

using testing::MockKafka;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

const std::string kPolicyDir = std::string(INZAGE_SOURCE_DIR) + "/config/policy";

struct Input {
  std::vector<std::string> lines;
  std::vector<std::string> keys;
  size_t valid = 0;
};

// Reference records to the reference topic; n events keyed by actor; counts the valid ones.
Input Feed(MockKafka& kafka, const app::DaemonConfig& config, size_t n, unsigned seed) {
  WorldGenerator::Options o;
  o.seed = seed;
  o.employees = 100;
  o.citizens = 2000;
  o.start_micros = *ParseRfc3339("2026-11-23T07:00:00Z");
  o.invalid_per_mille = 10;
  WorldGenerator gen(o);
  for (const auto& r : gen.ReferenceRecords()) kafka.Produce(config.kafka.reference_topic, "", r);
  Input in;
  Pseudonymizer key("feed-key-feed-key-feed-key-feed-key-00");
  EventParser parser(&key);
  AccessEvent e;
  for (size_t i = 0; i < n; ++i) {
    in.lines.push_back(gen.NextEvent());
    const std::string& line = in.lines.back();
    const size_t at = line.find("\"actor\":{\"id\":\"");
    in.keys.push_back(
        at == std::string::npos ? "?" : line.substr(at + 15, line.find('"', at + 15) - at - 15));
    if (parser.Parse(line, &e).ok()) ++in.valid;
  }
  kafka.Flush();
  return in;
}

void Publish(MockKafka& kafka, const app::DaemonConfig& c, const Input& in, size_t from,
             size_t to) {
  for (size_t i = from; i < to; ++i) kafka.Produce(c.kafka.events_topic, in.keys[i], in.lines[i]);
  kafka.Flush();
}

app::DaemonConfig ConfigFor(const MockKafka& kafka, const std::string& dir) {
  app::DaemonConfig c;
  c.kafka.brokers = kafka.bootstraps();
  c.kafka.group_id = "test-group";
  c.kafka.consumer_properties["session.timeout.ms"] = "6000";
  c.kafka.consumer_properties["heartbeat.interval.ms"] = "500";
  c.store.path = dir + "/store";
  c.pseudonym_key_file = dir + "/key";
  c.policy_dir = kPolicyDir;
  c.pipeline.batch_max_events = 500;
  c.pipeline.batch_max_latency_ms = 50;
  c.shutdown_timeout_ms = 10000;
  return c;
}

void CreateTopics(MockKafka& kafka, const app::DaemonConfig& c) {
  kafka.CreateTopic(c.kafka.events_topic, 4);
  kafka.CreateTopic(c.kafka.reference_topic, 1);
  kafka.CreateTopic(c.kafka.dead_letter_topic, 1);
  kafka.CreateTopic(c.kafka.alerts_topic, 1);
}

// Every stored event of a store as "event_id verdict rules subjects", sorted; batch sequence
// numbers (which differ between runs) left out.
std::vector<std::string> History(const std::string& store_path) {
  StoreOptions o;
  o.read_only = true;
  auto store = Store::Open(store_path, o);
  EXPECT_TRUE(store.ok()) << store.status().message();
  std::vector<std::string> out;
  if (!store.ok()) return out;
  for (const char* cf : {"history_actor", "history_subject"}) {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(
        (*store)->raw_db()->NewIterator(ro, (*store)->column_family(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string value = it->value().ToString();
      std::vector<HistoryRecord> records;
      const std::string key = it->key().ToString();
      const size_t prefix =
          std::string_view(cf) == "history_subject" ? 16 : 1 + static_cast<unsigned char>(key[0]);
      EXPECT_OK((*store)->DecodeHistory(std::string_view(key).substr(prefix), value, &records));
      // One line per event: an actor group holds several.
      for (const HistoryRecord& r : records) {
        std::string line = std::string(cf) + " " + key.substr(0, prefix) + " " + r.event_id + " " +
                           std::to_string(static_cast<int>(r.verdict)) + " " + r.activity;
        for (RuleId id : r.rules) line += " " + std::string(InfoOf(id).id);
        out.push_back(line);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t StoredOffsetSum(const std::string& store_path, const std::string& topic) {
  StoreOptions o;
  o.read_only = true;
  auto store = Store::Open(store_path, o);
  std::int64_t sum = 0;
  for (const auto& [tp, off] : (*store)->Offsets()) {
    if (tp.first == topic) sum += off;
  }
  return sum;
}

// What a pipeline in this process needs, opened as the daemon opens it: the policy, the
// pseudonym key (its file created when missing) and the store.
struct PipelineParts {
  std::shared_ptr<const Policy> policy;
  std::optional<Pseudonymizer> key;
  std::unique_ptr<Store> store;
};

void OpenParts(const app::DaemonConfig& c, PipelineParts* parts) {
  auto policy = LoadPolicy(c.policy_dir);
  ASSERT_OK(policy);
  parts->policy = *policy;
  if (!std::filesystem::exists(c.pseudonym_key_file)) {
    ASSERT_OK(Pseudonymizer::GenerateKeyFile(c.pseudonym_key_file));
  }
  auto key = Pseudonymizer::FromKeyFile(c.pseudonym_key_file);
  ASSERT_OK(key);
  parts->key.emplace(std::move(key).value());
  StoreOptions so;
  so.key_id = parts->key->key_id();
  so.retention = RetentionTable::FromPolicy(*parts->policy);
  auto store = Store::Open(c.store.path, so);
  ASSERT_OK(store);
  parts->store = std::move(store).value();
}

// Runs the pipeline in this process until `until` returns true (or the timeout), then drains.
// Without `run_status` the run must end well; with it, the run may also end by itself (an
// error) and its status is handed back.
void RunPipeline(const app::DaemonConfig& c, const std::function<bool(const PipelineStats&)>& until,
                 int timeout_s, const std::function<void(const PipelineStats&)>& during = {},
                 Status* run_status = nullptr) {
  PipelineParts parts;
  ASSERT_NO_FATAL_FAILURE(OpenParts(c, &parts));
  EventPipeline pipeline(c.pipeline_options(), &*parts.key, parts.policy, parts.store.get());
  OutboxRelay relay(c.relay_options(), parts.store.get());
  ASSERT_OK(relay.Start());
  pipeline.set_on_commit([&relay] { relay.Wake(); });
  ASSERT_OK(pipeline.Start());
  Status result;
  std::atomic<bool> finished{false};
  std::thread runner([&] {
    result = pipeline.Run();
    finished = true;
  });
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  while (!finished.load() && !until(pipeline.stats()) && Clock::now() < deadline) {
    if (during) during(pipeline.stats());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Stopping drains: the batch in flight and every held-back alert version are committed, and
  // the relay's Stop sends what is left in the outbox.
  pipeline.RequestStop();
  runner.join();
  if (run_status != nullptr) {
    *run_status = result;
    (void)relay.Stop();
    return;
  }
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_OK(relay.Stop());
}

TEST(PipelineMockTest, HappyPathCountsInStoreEqualEventsProduced) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 4000, 3);
  Publish(kafka, c, in, 0, in.lines.size());
  RunPipeline(
      c, [&](const PipelineStats& s) { return s.consumed.load() >= in.lines.size(); }, 60);
  EXPECT_EQ(StoredOffsetSum(c.store.path, c.kafka.events_topic), 4000);
  const auto history = History(c.store.path);
  const size_t actor_entries =
      std::count_if(history.begin(), history.end(),
                    [](const std::string& l) { return l.rfind("history_actor", 0) == 0; });
  EXPECT_EQ(actor_entries, in.valid);
  const auto dead = kafka.ReadAll(c.kafka.dead_letter_topic, in.lines.size() - in.valid, 20000);
  ASSERT_EQ(dead.size(), in.lines.size() - in.valid);
  std::map<std::string, std::string> headers(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_FALSE(headers["inzage.reason"].empty());
  EXPECT_EQ(headers["inzage.source.topic"], c.kafka.events_topic);
  EXPECT_FALSE(headers["inzage.source.offset"].empty());
  for (const auto& m : dead) {
    for (const auto& [name, value] : m.headers) {
      if (name != "inzage.reason") continue;
      int run = 0, longest = 0;
      for (char ch : value) {
        run = (ch >= '0' && ch <= '9') ? run + 1 : 0;
        longest = std::max(longest, run);
      }
      EXPECT_LT(longest, 8) << "a reason header may not carry a BSN: " << value;
    }
  }
}

std::uint64_t StoredEvents(const std::string& store_path) {
  StoreOptions o;
  o.read_only = true;
  auto store = Store::Open(store_path, o);
  EXPECT_TRUE(store.ok()) << store.status().message();
  if (!store.ok()) return 0;
  auto report = (*store)->Verify();
  EXPECT_OK(report);
  EXPECT_TRUE(report.ok() && report->ok) << (report.ok() ? report->first_problem : "");
  return report.ok() ? report->events : 0;
}

// The state changelog on 4 partitions (kafka.topics.state) and `events` generated events, of
// which the first `first_run` are published and consumed by one pipeline of *config.
void RunFirstWithStateTopic(MockKafka& kafka, const std::string& dir, size_t events,
                            size_t first_run, unsigned seed, app::DaemonConfig* config, Input* in) {
  *config = ConfigFor(kafka, dir);
  config->kafka.state_topic = "inzage.state";
  CreateTopics(kafka, *config);
  kafka.CreateTopic(config->kafka.state_topic, 4);
  *in = Feed(kafka, *config, events, seed);
  Publish(kafka, *config, *in, 0, first_run);
  RunPipeline(
      *config, [first_run](const PipelineStats& s) { return s.consumed.load() >= first_run; }, 60);
}

// The state changelog (kafka.topics.state), one pipeline after another on two stores, as when
// every partition moves to another instance: the first leaves a position marker for each
// partition, the second restores the partitions from the changelog and resumes at the offsets
// that the first committed once its changelog was delivered, so no event is read twice or lost.
// The TSan job runs it: the changelog relay, the offsets' gate and the restore on their threads.
TEST(PipelineMockTest, TheStateChangelogCarriesEveryPartitionToTheNextStore) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig first;
  Input in;
  ASSERT_NO_FATAL_FAILURE(RunFirstWithStateTopic(kafka, dir.path(), 4000, 2000, 5, &first, &in));

  app::DaemonConfig second = first;
  second.store.path = dir.path() + "/store-2";
  Publish(kafka, first, in, 2000, 4000);
  std::uint64_t consumed = 0;
  RunPipeline(
      second,
      [&consumed](const PipelineStats& s) {
        consumed = s.consumed.load();
        return consumed >= 2000;
      },
      60);
  EXPECT_EQ(consumed, 2000U);
  EXPECT_EQ(StoredEvents(first.store.path) + StoredEvents(second.store.path), in.valid);
  std::set<std::string> markers;
  for (const auto& m : kafka.ReadAll(first.kafka.state_topic, 8, 20000)) {
    if (m.key.find("/o/") != std::string::npos) markers.insert(m.key);
  }
  EXPECT_EQ(markers.size(), 4U) << "a position marker per partition";
}

// A group resumed at another group's offsets would skip events: a state topic that holds the
// state of another consumer group stops the run with a reason.
TEST(PipelineMockTest, AStateTopicOfAnotherGroupIsRefused) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig first;
  Input in;
  ASSERT_NO_FATAL_FAILURE(RunFirstWithStateTopic(kafka, dir.path(), 1000, 1000, 6, &first, &in));

  app::DaemonConfig other = first;
  other.kafka.group_id = "another-group";
  other.store.path = dir.path() + "/store-other";
  Status result;
  RunPipeline(
      other, [](const PipelineStats&) { return false; }, 60, {}, &result);
  EXPECT_EQ(result.code(), Status::Code::kFailedPrecondition) << result.message();
  EXPECT_THAT(result.message(),
              ::testing::HasSubstr("holds the state of consumer group test-group"));
  EXPECT_EQ(StoredEvents(other.store.path), 0U);
}

TEST(PipelineMockTest, BrokerDownAndUpMidStreamLosesAndDoublesNothing) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 4000, 5);
  Publish(kafka, c, in, 0, 2000);
  bool cycled = false;
  RunPipeline(
      c, [&](const PipelineStats& s) { return s.consumed.load() >= in.lines.size(); }, 90,
      [&](const PipelineStats& s) {
        if (!cycled && s.consumed.load() >= 1000) {
          cycled = true;
          rd_kafka_mock_broker_set_down(kafka.cluster(), 1);
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          rd_kafka_mock_broker_set_up(kafka.cluster(), 1);
          Publish(kafka, c, in, 2000, 4000);
        }
      });
  ASSERT_TRUE(cycled);
  EXPECT_EQ(StoredOffsetSum(c.store.path, c.kafka.events_topic), 4000);
  const auto history = History(c.store.path);
  EXPECT_EQ(static_cast<size_t>(std::count_if(
                history.begin(), history.end(),
                [](const std::string& l) { return l.rfind("history_actor", 0) == 0; })),
            in.valid);
}

TEST(PipelineMockTest, InjectedFetchAndCommitErrorsAreSurvived) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 3000, 7);
  Publish(kafka, c, in, 0, in.lines.size());
  // API keys: 1 = Fetch, 8 = OffsetCommit, 0 = Produce (the dead-letter producer).
  rd_kafka_mock_push_request_errors(
      kafka.cluster(), 1, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  rd_kafka_mock_push_request_errors(kafka.cluster(), 8, 2, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE);
  rd_kafka_mock_push_request_errors(kafka.cluster(), 0, 2,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  RunPipeline(
      c, [&](const PipelineStats& s) { return s.consumed.load() >= in.lines.size(); }, 90);
  EXPECT_EQ(StoredOffsetSum(c.store.path, c.kafka.events_topic), 3000);
  const auto dead = kafka.ReadAll(c.kafka.dead_letter_topic, in.lines.size() - in.valid, 20000);
  EXPECT_EQ(dead.size(), in.lines.size() - in.valid);
}

// While the dead-letter topic refuses writes, the pipeline stops with an error instead of storing
// the offsets of messages it could not set aside; once the topic takes writes again, a restart
// delivers every invalid message and stores every valid event: nothing is lost.
TEST(PipelineMockTest, DeadLetterFailureStopsBeforeItsOffsetsAreStoredAndLosesNothing) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  c.shutdown_timeout_ms = 5000;
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 3000, 11);
  Publish(kafka, c, in, 0, in.lines.size());
  ASSERT_LT(in.valid, in.lines.size());
  std::vector<rd_kafka_resp_err_t> refusals(100000, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  rd_kafka_mock_push_request_errors_array(kafka.cluster(), 0, refusals.size(), refusals.data());
  Status first;
  RunPipeline(
      c, [&](const PipelineStats&) { return false; }, 60, {}, &first);
  EXPECT_FALSE(first.ok());
  EXPECT_THAT(first.message(), ::testing::HasSubstr("dead-letter topic"));
  EXPECT_LT(StoredOffsetSum(c.store.path, c.kafka.events_topic), 3000);

  rd_kafka_mock_clear_request_errors(kafka.cluster(), 0);
  RunPipeline(
      c,
      [&](const PipelineStats&) {
        return StoredOffsetSum(c.store.path, c.kafka.events_topic) == 3000;
      },
      90);
  EXPECT_EQ(StoredOffsetSum(c.store.path, c.kafka.events_topic), 3000);
  const auto dead = kafka.ReadAll(c.kafka.dead_letter_topic, in.lines.size() - in.valid, 20000);
  EXPECT_EQ(dead.size(), in.lines.size() - in.valid);
}

// Commits outbox rows with keys 1 to `rows` (big-endian, as the pipeline numbers them); row i
// (from 0) has the value `value(i)`: "<alert id>\n<alert JSON>".
void CommitOutboxRows(Store* store, int rows, const std::function<std::string(int)>& value) {
  CommitBatch batch;
  for (int i = 0; i < rows; ++i) {
    std::string key;
    keys::PutBigEndian64(&key, static_cast<std::uint64_t>(i + 1));
    batch.outbox.emplace_back(key, value(i));
  }
  ASSERT_OK(store->Commit(batch));
}

// What the relay tests start from: a mock cluster with the daemon's topics, a configuration for
// it (with one Kafka property set, if named), and an empty store (null when it cannot be opened).
struct RelaySetup {
  explicit RelaySetup(const std::string& kafka_property = "", const std::string& value = "")
      : config(ConfigFor(kafka, dir.path())) {
    CreateTopics(kafka, config);
    if (!kafka_property.empty()) config.kafka.properties[kafka_property] = value;
    auto opened = Store::Open(config.store.path, StoreOptions{});
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (opened.ok()) store = std::move(opened).value();
  }
  // Waits up to 60 s for the relay to bring the outbox down to `rows`.
  void WaitUntilOutboxHolds(std::uint64_t rows) const {
    testing::Eventually([&] { return store->outbox_rows() <= rows; }, std::chrono::seconds(60));
  }
  // The distinct keys on the alerts topic, read until `expected` messages or 20 s.
  std::set<std::string> KeysSent(size_t expected) {
    std::set<std::string> keys_sent;
    for (const auto& m : kafka.ReadAll(config.kafka.alerts_topic, expected, 20000)) {
      keys_sent.insert(m.key);
    }
    return keys_sent;
  }

  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig config;
  std::unique_ptr<Store> store;
};

// A backlog of many pages is drained without waiting for wake-ups, through a producer queue
// far smaller than the backlog (QUEUE_FULL): every row reaches the topic once and leaves the
// outbox. While Kafka is away and that queue is full, the relay retries the row it could not
// hand over every 50 ms from the page it holds, without reading the outbox again (it used to
// read 20 pages a second: ~13 MB/s of store reads at the bench's row size).
TEST(PipelineMockTest, RelayDrainsABacklogOfManyPagesOnceEach) {
  RelaySetup setup("queue.buffering.max.messages", "100");
  ASSERT_NE(setup.store, nullptr);
  MockKafka& kafka = setup.kafka;
  const app::DaemonConfig& c = setup.config;
  Store* store = setup.store.get();
  constexpr int kRows = 2500;  // two and a half pages
  ASSERT_NO_FATAL_FAILURE(CommitOutboxRows(store, kRows, [](int i) {
    return "alert-" + std::to_string(i) + "\n{\"n\":" + std::to_string(i) + "}";
  }));
  ASSERT_EQ(store->outbox_rows(), static_cast<std::uint64_t>(kRows));
  rd_kafka_mock_broker_set_down(kafka.cluster(), 1);
  OutboxRelay relay(c.relay_options(), store);
  ASSERT_OK(relay.Start());  // never woken: it must find the backlog by itself
  testing::Eventually([&] { return relay.passes() > 0; }, std::chrono::seconds(60));
  ASSERT_EQ(relay.passes(), 1u) << "the relay did not find the backlog by itself";
  // Then a window in which nothing may happen: a relay that re-reads a full queue would make
  // many passes in it.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(relay.passes(), 1u) << "the outbox was read again while Kafka's queue was full";

  rd_kafka_mock_broker_set_up(kafka.cluster(), 1);
  setup.WaitUntilOutboxHolds(0);
  EXPECT_EQ(store->outbox_rows(), 0u);
  EXPECT_OK(relay.Stop());
  EXPECT_EQ(relay.errors(), 0u);
  const auto sent = kafka.ReadAll(c.kafka.alerts_topic, kRows, 20000);
  std::map<std::string, int> times;
  for (const auto& m : sent) ++times[m.key];
  EXPECT_EQ(times.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(sent.size(), static_cast<size_t>(kRows)) << "a row was sent twice";
  EXPECT_EQ(times.count("alert-0") + times.count("alert-1999") + times.count("alert-2499"), 3u);
}

TEST(PipelineMockTest, RelayWaitsWhileItsRowsAreInFlight) {
  RelaySetup setup;
  ASSERT_NE(setup.store, nullptr);
  MockKafka& kafka = setup.kafka;
  const app::DaemonConfig& c = setup.config;
  Store* store = setup.store.get();
  constexpr int kRows = 2000;  // two full pages
  ASSERT_NO_FATAL_FAILURE(
      CommitOutboxRows(store, kRows, [](int i) { return "alert-" + std::to_string(i) + "\n{}"; }));
  // The broker is down: every row handed to the producer stays in flight.
  rd_kafka_mock_broker_set_down(kafka.cluster(), 1);
  OutboxRelay relay(c.relay_options(), store);
  ASSERT_OK(relay.Start());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // Two passes hand out the two pages, one finds nothing more; then one pass per 200 ms wait
  // (a relay that loops makes thousands a second).
  EXPECT_LT(relay.passes(), 40u) << "the relay loops while its rows are in flight";
  EXPECT_EQ(store->outbox_rows(), static_cast<std::uint64_t>(kRows));

  rd_kafka_mock_broker_set_up(kafka.cluster(), 1);
  setup.WaitUntilOutboxHolds(0);
  EXPECT_EQ(store->outbox_rows(), 0u);
  EXPECT_OK(relay.Stop());
  EXPECT_EQ(setup.KeysSent(kRows).size(), static_cast<size_t>(kRows))
      << "every row reached the topic";
}

// While Kafka stays away, every row's delivery fails (message.timeout.ms) and is retried: the
// relay says so in one log line a minute, not one per row, and sends every row once it is back.
TEST(PipelineMockTest, RelayLogsFailedDeliveriesOnceAMinuteAndRetriesThem) {
  RelaySetup setup("message.timeout.ms", "300");
  ASSERT_NE(setup.store, nullptr);
  MockKafka& kafka = setup.kafka;
  const app::DaemonConfig& c = setup.config;
  Store* store = setup.store.get();
  constexpr int kRows = 500;
  ASSERT_NO_FATAL_FAILURE(
      CommitOutboxRows(store, kRows, [](int i) { return "alert-" + std::to_string(i) + "\n{}"; }));
  rd_kafka_mock_broker_set_down(kafka.cluster(), 1);
  ::testing::internal::CaptureStderr();
  OutboxRelay relay(c.relay_options(), store);
  ASSERT_OK(relay.Start());
  testing::Eventually([&] { return relay.errors() >= 2 * kRows; }, std::chrono::seconds(30));
  EXPECT_GE(relay.errors(), 2u * kRows) << "every row failed at least twice";
  rd_kafka_mock_broker_set_up(kafka.cluster(), 1);
  setup.WaitUntilOutboxHolds(0);
  EXPECT_OK(relay.Stop());
  const std::string log = ::testing::internal::GetCapturedStderr();
  size_t lines = 0;
  for (size_t at = log.find("alert not delivered"); at != std::string::npos;
       at = log.find("alert not delivered", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << log.substr(0, 2000);
  EXPECT_EQ(store->outbox_rows(), 0u);
  EXPECT_EQ(setup.KeysSent(kRows).size(), static_cast<size_t>(kRows))
      << "every row reached the topic";
}

TEST(PipelineMockTest, RelayPassesOverAnAlertTooLargeForKafka) {
  RelaySetup setup("message.max.bytes", "10000");
  ASSERT_NE(setup.store, nullptr);
  const app::DaemonConfig& c = setup.config;
  Store* store = setup.store.get();
  // A full page whose first row the producer refuses at once (too large): the rows behind it
  // are sent, the refused one stays in the outbox, and the relay does not loop over it.
  ASSERT_NO_FATAL_FAILURE(CommitOutboxRows(store, 1000, [](int i) {
    return "alert-" + std::to_string(i) + "\n" + std::string(i == 0 ? 20000 : 10, 'x');
  }));
  OutboxRelay relay(c.relay_options(), store);
  ASSERT_OK(relay.Start());
  setup.WaitUntilOutboxHolds(1);
  const std::uint64_t passes_when_done = relay.passes();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_LT(relay.passes() - passes_when_done, 20u) << "the relay loops over the refused row";
  EXPECT_EQ(relay.errors(), 1u);
  EXPECT_EQ(store->outbox_rows(), 1u) << "the refused row stays in the outbox";
  EXPECT_OK(relay.Stop());
  const std::set<std::string> keys_sent = setup.KeysSent(999);
  EXPECT_EQ(keys_sent.size(), 999u);
  EXPECT_EQ(keys_sent.count("alert-0"), 0u);
}

TEST(PipelineMockTest, ConsumptionPausesWhileTheAlertRelayIsBehindAndResumes) {
  TempDir dir;
  MockKafka kafka(2);
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  // Everything on broker 1 but the CISO topic, on broker 2, which is down: the relay can
  // deliver nothing and the outbox grows past its limit.
  for (int p = 0; p < 4; ++p) {
    rd_kafka_mock_partition_set_leader(kafka.cluster(), c.kafka.events_topic.c_str(), p, 1);
  }
  rd_kafka_mock_partition_set_leader(kafka.cluster(), c.kafka.reference_topic.c_str(), 0, 1);
  rd_kafka_mock_partition_set_leader(kafka.cluster(), c.kafka.dead_letter_topic.c_str(), 0, 1);
  rd_kafka_mock_partition_set_leader(kafka.cluster(), c.kafka.alerts_topic.c_str(), 0, 2);
  rd_kafka_mock_coordinator_set(kafka.cluster(), "group", c.kafka.group_id.c_str(), 1);
  rd_kafka_mock_broker_set_down(kafka.cluster(), 2);
  c.pipeline.outbox_max_rows = 40;
  c.kafka.properties["reconnect.backoff.max.ms"] = "500";  // back to broker 2 soon after it is up
  const Input in = Feed(kafka, c, 6000, 8);
  Publish(kafka, c, in, 0, in.lines.size());

  std::uint64_t consumed_at_pause = 0;
  bool held = false;
  RunPipeline(
      c, [&](const PipelineStats& s) { return held && s.consumed.load() >= in.lines.size(); }, 120,
      [&](const PipelineStats& s) {
        if (held || s.consumption_pauses.load() == 0) return;
        consumed_at_pause = s.consumed.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        EXPECT_EQ(s.consumed.load(), consumed_at_pause) << "consumed while paused";
        held = true;
        rd_kafka_mock_broker_set_up(kafka.cluster(), 2);  // the relay catches up: resume
      });
  ASSERT_TRUE(held) << "consumption never paused";
  EXPECT_LT(consumed_at_pause, in.lines.size());
  EXPECT_EQ(StoredOffsetSum(c.store.path, c.kafka.events_topic),
            static_cast<std::int64_t>(in.lines.size()))
      << "every event was stored after the pause";
}

// An open incident's updates reach the CISO topic at most every alert_update_interval_ms, yet
// once the pipeline has drained, the newest version of every stored alert is on the topic.
TEST(PipelineMockTest, AlertUpdatesAreHeldBackButTheNewestVersionAlwaysFollows) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  c.pipeline.alert_update_interval_ms = 3600000;
  c.pipeline.batch_max_events = 200;
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 6000, 21);
  Publish(kafka, c, in, 0, in.lines.size());
  std::uint64_t versions = 0;
  RunPipeline(
      c,
      [&](const PipelineStats& s) {
        versions = s.alerts_changed.load();
        return s.consumed.load() >= in.lines.size();
      },
      90);

  StoreOptions o;
  o.read_only = true;
  auto store = Store::Open(c.store.path, o);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto rows = (*store)->ScanColumnFamily("alerts");
  ASSERT_OK(rows);
  ASSERT_FALSE(rows->empty());
  const auto messages = kafka.ReadAll(c.kafka.alerts_topic, versions, 5000);
  std::map<std::string, std::string> newest;  // one partition: the last message is the newest
  for (const auto& m : messages) newest[m.key] = m.value;
  for (const auto& [id, bytes] : *rows) {
    auto alert = ParseAlert(bytes);
    ASSERT_OK(alert);
    auto it = newest.find(id);
    ASSERT_NE(it, newest.end()) << "alert " << id << " never reached the topic";
    EXPECT_EQ(it->second, AlertToJson(*alert, ShippedGuidance(alert->rule)))
        << "the topic's newest version of " << id;
  }
  EXPECT_LT(messages.size(), versions) << "updates were not held back";
  std::printf("%zu alerts, %llu versions stored, %zu sent\n", rows->size(),
              static_cast<unsigned long long>(versions), messages.size());
}

// The shipped policy with a shorter incident window, so that a few thousand generated events
// (about two seconds of event time each) close many incidents.
std::string PolicyWithIncidentWindow(const TempDir& dir, const std::string& window) {
  const std::string to = dir.sub("policy");
  std::filesystem::copy(kPolicyDir, to, std::filesystem::copy_options::recursive);
  std::ifstream in(to + "/policy.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string from = "incident_window: PT24H";
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos);
  text.replace(at, from.size(), "incident_window: " + window);
  std::ofstream(to + "/policy.yaml") << text;
  return to;
}

// A consumer de-duplicates by (alert id, version), but a crash-free run must not make it: an
// incident that ends (its window over, by a later hit or by time) is stored without a new
// version, and the topic already has that version. Every version sent at once (interval 0)
// and held back (the default) alike. The store's alert index agrees with the alert rows.
TEST(PipelineMockTest, ACrashFreeRunSendsEachAlertVersionOnceAndTheIndexMatchesTheRows) {
  for (const int interval_ms : {0, 5000}) {
    SCOPED_TRACE("alert_update_interval_ms " + std::to_string(interval_ms));
    TempDir dir;
    MockKafka kafka;
    app::DaemonConfig c = ConfigFor(kafka, dir.path());
    c.policy_dir = PolicyWithIncidentWindow(dir, "PT1H");
    c.pipeline.alert_update_interval_ms = interval_ms;
    c.pipeline.batch_max_events = 200;
    CreateTopics(kafka, c);
    const Input in = Feed(kafka, c, 8000, 33);
    Publish(kafka, c, in, 0, in.lines.size());
    std::uint64_t versions = 0;
    RunPipeline(
        c,
        [&](const PipelineStats& s) {
          versions = s.alerts_changed.load();
          return s.consumed.load() >= in.lines.size();
        },
        90);
    const auto messages = kafka.ReadAll(c.kafka.alerts_topic, 0, 20000);
    ASSERT_FALSE(messages.empty());
    std::set<std::pair<std::string, std::uint64_t>> seen;
    size_t repeats = 0;
    for (const auto& m : messages) {
      const auto j = nlohmann::json::parse(m.value);
      ASSERT_EQ(j["alert_id"], m.key);
      if (!seen.emplace(m.key, j["version"].get<std::uint64_t>()).second) ++repeats;
    }
    EXPECT_EQ(repeats, 0u) << "of " << messages.size() << " messages";

    StoreOptions o;
    o.read_only = true;
    auto store = Store::Open(c.store.path, o);
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto rows = (*store)->ScanColumnFamily("alerts");
    ASSERT_OK(rows);
    std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t> counts;
    std::set<std::string> ids;
    std::vector<std::string> aggregating;
    size_t ended = 0;
    for (const auto& [id, bytes] : *rows) {
      auto alert = ParseAlert(bytes);
      ASSERT_OK(alert);
      ++counts[{static_cast<std::uint8_t>(alert->status),
                static_cast<std::uint8_t>(alert->severity)}];
      ids.insert(id);
      if (alert->aggregating) {
        aggregating.push_back(id);
      } else {
        ++ended;
      }
    }
    EXPECT_GT(ended, 10u) << "the window is short enough for incidents to end";
    EXPECT_EQ((*store)->AlertCounts(), counts);
    EXPECT_EQ(*(*store)->AggregatingAlertIds(), aggregating);
    auto page = (*store)->ListAlerts({}, 1u << 30, std::nullopt, 1u << 30);
    ASSERT_OK(page);
    EXPECT_EQ(std::set<std::string>(page->ids.begin(), page->ids.end()), ids);
    EXPECT_EQ(page->ids.size(), ids.size());
    std::printf("interval %d ms: %zu alerts (%zu ended), %llu versions stored, %zu sent\n",
                interval_ms, rows->size(), ended, static_cast<unsigned long long>(versions),
                messages.size());
  }
}

// The incidents the pipeline keeps in memory are capped (pipeline.max_open_incidents); past the
// cap the oldest end early, counted, and /metrics shows both numbers.
TEST(PipelineMockTest, OpenIncidentsInMemoryStayUnderTheConfiguredCap) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  c.pipeline.max_open_incidents = 10;
  c.pipeline.batch_max_events = 200;
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 4000, 41);
  Publish(kafka, c, in, 0, in.lines.size());
  std::uint64_t most = 0;
  std::uint64_t closed_early = 0;
  std::string rendered;
  RunPipeline(
      c, [&](const PipelineStats& s) { return s.consumed.load() >= in.lines.size(); }, 90,
      [&](const PipelineStats& s) {
        most = std::max<std::uint64_t>(most, s.incidents_in_memory.load());
        closed_early = s.incidents_closed_early.load();
      });
  EXPECT_LE(most, 10u);
  EXPECT_GT(closed_early, 0u) << "the stream holds more than 10 incidents at once";
  std::printf("at most %llu incidents in memory, %llu ended early\n",
              static_cast<unsigned long long>(most), static_cast<unsigned long long>(closed_early));
}

// The ids of held-back alert versions are a state row committed with the batches: a daemon
// restarted after a crash sends those versions although no new event touches them.
TEST(PipelineMockTest, HeldBackAlertsListedInTheStoreAreSentAfterARestart) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  c.pipeline.alert_update_interval_ms = 3600000;
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 1000, 5);
  Publish(kafka, c, in, 0, in.lines.size());
  RunPipeline(
      c, [&](const PipelineStats& s) { return s.consumed.load() >= in.lines.size(); }, 90);
  const size_t sent_before = kafka.ReadAll(c.kafka.alerts_topic, 0, 20000).size();
  // As if the daemon had crashed while this alert's newest version was held back.
  std::string id;
  std::string stored;
  {
    auto store = Store::Open(c.store.path, StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto alerts = (*store)->ScanColumnFamily("alerts");
    ASSERT_OK(alerts);
    ASSERT_FALSE(alerts->empty()) << "the generated stream holds violations";
    id = alerts->front().first;
    stored = alerts->front().second;
    ASSERT_OK((*store)->raw_db()->Put(rocksdb::WriteOptions(), (*store)->column_family("state"),
                                      "alerts/pending", id + "\n"));
  }
  RunPipeline(
      c, [](const PipelineStats&) { return false; }, 3);  // no new events
  const auto messages = kafka.ReadAll(c.kafka.alerts_topic, 0, 20000);
  ASSERT_EQ(messages.size(), sent_before + 1);
  EXPECT_EQ(messages.back().key, id);
  auto alert = ParseAlert(stored);
  ASSERT_OK(alert);
  EXPECT_EQ(messages.back().value, AlertToJson(*alert, ShippedGuidance(alert->rule)));
}

// Reads a child's status lines ("... | stored N | ...") from `fd` until one says at least
// `target`, the child closes its end, or `timeout` passes; returns the largest N seen.
std::int64_t ReadStoredUntil(int fd, std::int64_t target, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string pending;
  std::int64_t stored = 0;
  char buf[4096];
  while (stored < target) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;  // the deadline, or an error
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;  // the child is gone
    pending.append(buf, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) {
      const size_t at = pending.find("| stored ");
      if (at < eol) stored = std::max<std::int64_t>(stored, std::atoll(pending.c_str() + at + 9));
    }
  }
  return stored;
}

// The daemon process is killed with SIGKILL several times mid-stream and restarted; the store's
// history must equal that of an uninterrupted run over the same input.
TEST(PipelineMockTest, SigkillMidStreamGivesTheSameHistoryAsAnUninterruptedRun) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  kafka.CreateTopic("clean-alerts", 1);
  MockKafka::Collector alerts(kafka.bootstraps(), {c.kafka.alerts_topic, "clean-alerts"});
  const Input in = Feed(kafka, c, 12000, 9);
  // The input goes out in four slices, one before each run, so every killed run has at least a
  // slice (3,000 events) to store and its random kill point (at most 1,500) is always reached,
  // however far an earlier run got before its kill.
  const size_t slice = in.lines.size() / 4;

  // The interrupted run: inzaged processes, killed three times.
  std::filesystem::create_directories(dir.sub("killed"));
  ASSERT_OK(Pseudonymizer::GenerateKeyFile(dir.sub("killed") + "/key"));
  ASSERT_OK(Pseudonymizer::GenerateKeyFile(dir.sub("killed") + "/token.key"));
  const std::string config_file = dir.sub("inzaged.yaml");
  {
    std::ofstream out(config_file);
    out << "kafka:\n  brokers: \"" << kafka.bootstraps() << "\"\n  group_id: killed-group\n"
        << "  consumer_properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n"
        << "pipeline: {batch_max_events: 500, batch_max_latency_ms: 50}\n"
        << "store: {path: \"" << dir.sub("killed") << "/store\"}\n"
        << "pseudonym_key_file: \"" << dir.sub("killed") << "/key\"\n"
        << "policy_dir: \"" << kPolicyDir << "\"\nsummary_interval_ms: 100\n"
        << "api: {listen: \"127.0.0.1:0\", token_key_file: \"" << dir.sub("killed")
        << "/token.key\"}\n";
  }
  std::mt19937 rng(11);
  // The child's status lines (stdout, every 100 ms) go to `report_fd`, or nowhere when it is -1.
  auto spawn = [&](int report_fd) {
    std::fflush(stdout);  // else the child's freopen writes this process's buffered lines again
    const pid_t pid = fork();
    if (pid == 0) {
      ::freopen("/dev/null", "w", stderr);
      if (report_fd >= 0) {
        ::dup2(report_fd, STDOUT_FILENO);
      } else {
        ::freopen("/dev/null", "w", stdout);
      }
      execl(INZAGED_BINARY, INZAGED_BINARY, "--config", config_file.c_str(), nullptr);
      _exit(127);
    }
    return pid;
  };
  // Each kill comes at a point the child reports: once its status line says it has stored a
  // random number of events in this run (read as the lines come, with a deadline).
  const auto total = static_cast<std::int64_t>(in.lines.size());
  for (int kill_round = 0; kill_round < 3; ++kill_round) {
    const auto round = static_cast<size_t>(kill_round);
    Publish(kafka, c, in, round * slice, (round + 1) * slice);
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    const pid_t pid = spawn(report[1]);
    ::close(report[1]);
    const std::int64_t target = 1 + static_cast<std::int64_t>(rng() % 1500);
    const std::int64_t stored = ReadStoredUntil(report[0], target, std::chrono::seconds(60));
    ::kill(pid, SIGKILL);
    ::close(report[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "inzaged exited by itself in round " << kill_round;
    ASSERT_GE(stored, target) << "inzaged made no progress within 60 s in round " << kill_round;
    std::printf("kill round %d: after %lld events stored in this run (of %lld)\n", kill_round,
                static_cast<long long>(stored), static_cast<long long>(total));
  }
  // The last run goes until everything is consumed, then stops on SIGTERM.
  Publish(kafka, c, in, 3 * slice, in.lines.size());
  const pid_t last = spawn(-1);
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  std::int64_t offsets = 0;
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // The daemon holds the store's lock; its progress shows in the group's Kafka offsets.
    if (kafka.CommittedSum("killed-group", c.kafka.events_topic) >=
        static_cast<std::int64_t>(in.lines.size())) {
      break;
    }
  }
  ::kill(last, SIGTERM);
  int status = 0;
  waitpid(last, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "inzaged did not stop cleanly";
  offsets = StoredOffsetSum(dir.sub("killed") + "/store", c.kafka.events_topic);
  ASSERT_EQ(offsets, static_cast<std::int64_t>(in.lines.size()));

  // The uninterrupted run over the same input, with the same key.
  app::DaemonConfig clean = c;
  clean.kafka.group_id = "clean-group";
  clean.kafka.alerts_topic = "clean-alerts";
  clean.store.path = dir.sub("clean") + "/store";
  clean.pseudonym_key_file = dir.sub("killed") + "/key";
  std::filesystem::create_directories(dir.sub("clean"));
  RunPipeline(
      clean, [&](const PipelineStats& s) { return s.consumed.load() >= in.lines.size(); }, 60);
  const auto killed_history = History(dir.sub("killed") + "/store");
  const auto clean_history = History(clean.store.path);
  EXPECT_EQ(killed_history.size(), clean_history.size());
  EXPECT_TRUE(killed_history == clean_history) << "the histories differ";
  // Every alert of the uninterrupted run reached the topic in the interrupted one too (at least
  // once; repeats carry the same id), and the last version of each agrees on the count.
  // Both runs' relays drained at stop; the collector reads until the topics' ends.
  ASSERT_TRUE(alerts.WaitCaughtUp(std::chrono::seconds(60))) << "the alert topics were not read";
  alerts.Stop();
  // input.invalid_rate too: its windows are per partition and committed with each batch, so a
  // kill and restart give the same alerts as the uninterrupted run.
  auto last_versions = [&](const std::string& topic) {
    std::map<std::string, std::string> newest;
    for (const auto& m : alerts.Messages(topic)) newest[m.key] = m.value;
    return newest;
  };
  size_t invalid_rate_alerts = 0;
  for (const auto& [id, json] : last_versions("clean-alerts")) {
    if (json.find("\"rule\":\"input.invalid_rate\"") != std::string::npos) ++invalid_rate_alerts;
  }
  std::printf("input.invalid_rate alerts in the uninterrupted run: %zu\n", invalid_rate_alerts);
  const auto killed_alerts = last_versions(c.kafka.alerts_topic);
  const auto clean_alerts = last_versions("clean-alerts");
  ASSERT_FALSE(clean_alerts.empty());
  EXPECT_EQ(killed_alerts.size(), clean_alerts.size());
  for (const auto& [id, json] : clean_alerts) {
    auto it = killed_alerts.find(id);
    ASSERT_NE(it, killed_alerts.end()) << "alert " << id << " never reached the topic: " << json;
    const auto count_of = [](const std::string& j) {
      const size_t at = j.find("\"count\":");
      return j.substr(at, j.find(',', at) - at);
    };
    EXPECT_EQ(count_of(it->second), count_of(json)) << json.substr(0, 300) << "\n"
                                                    << it->second.substr(0, 300);
  }
  // Dead letters may repeat after a kill (at least once), never be missing.
  const auto dead = kafka.ReadAll(c.kafka.dead_letter_topic, in.lines.size() - in.valid, 20000);
  std::set<std::string> distinct;
  for (const auto& m : dead) {
    std::string origin;
    for (const auto& [name, value] : m.headers) {
      if (name == "inzage.source.partition" || name == "inzage.source.offset")
        origin += value + "/";
    }
    distinct.insert(origin);
  }
  EXPECT_EQ(distinct.size(), in.lines.size() - in.valid);
}

}  // namespace
}  // namespace inzage

namespace inzage {
namespace {

// The HTTP API's requests: an access built in the daemon and an alert status change are decided
// and committed with a batch, and answered only after that commit; after stop they are refused.
// input.invalid_rate runs per partition on that partition's clock: its alerts name the
// partition, and `inzage replay --source topic/partition` over each partition's messages, in
// order, gives exactly the daemon's alert ids (before, one window over the interleaved
// partitions gave other ids in every run).
TEST(PipelineMockTest, InvalidRateAlertsArePerPartitionAndReplayGivesTheDaemonsIds) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 4000, 17);
  // Bursts of unreadable messages: 110 (more than the rule's count of 100 in 5 minutes) after
  // every 1000th event, under that event's key, so that each burst lands in one partition.
  size_t produced = 0;
  for (size_t i = 0; i < in.lines.size(); ++i) {
    kafka.Produce(c.kafka.events_topic, in.keys[i], in.lines[i]);
    ++produced;
    if (i % 1000 != 999) continue;
    for (int b = 0; b < 110; ++b) {
      kafka.Produce(c.kafka.events_topic, in.keys[i], "{\"not\": \"an access event\"");
      ++produced;
    }
  }
  kafka.Flush();
  RunPipeline(
      c, [&](const PipelineStats& s) { return s.consumed.load() >= produced; }, 90);

  std::set<std::string> daemon_ids;
  for (const auto& m : kafka.ReadAll(c.kafka.alerts_topic, 1, 20000)) {
    if (m.value.find("\"rule\":\"input.invalid_rate\"") == std::string::npos) continue;
    daemon_ids.insert(m.key);
    EXPECT_NE(m.value.find("stream:" + c.kafka.events_topic + "/"), std::string::npos) << m.value;
  }
  ASSERT_FALSE(daemon_ids.empty()) << "the bursts raised no input.invalid_rate alert";

  std::ofstream(dir.sub("reference.ndjson")) << [&] {
    std::string all;
    for (const auto& m : kafka.ReadAll(c.kafka.reference_topic, 1, 20000)) all += m.value + "\n";
    return all;
  }();
  std::map<std::int32_t, std::string> partitions;
  for (const auto& m : kafka.ReadAll(c.kafka.events_topic, produced, 20000)) {
    partitions[m.partition] += m.value + "\n";
  }
  std::set<std::string> replay_ids;
  for (const auto& [partition, lines] : partitions) {
    const std::string events = dir.sub("p" + std::to_string(partition) + ".ndjson");
    std::ofstream(events) << lines;
    app::ReplayOptions o;
    o.policy_dir = c.policy_dir;
    o.reference_file = dir.sub("reference.ndjson");
    o.events = events;
    o.out = "/dev/null";
    o.out_given = true;
    o.alerts_out = events + ".alerts";
    o.source = c.kafka.events_topic + "/" + std::to_string(partition);
    ASSERT_EQ(app::Replay(o), 0);
    std::ifstream alerts(o.alerts_out);
    for (std::string line; std::getline(alerts, line);) {
      const auto a = nlohmann::json::parse(line);
      if (a.value("rule", "") == "input.invalid_rate") replay_ids.insert(a["alert_id"]);
    }
  }
  EXPECT_EQ(daemon_ids, replay_ids);
  std::printf("input.invalid_rate: %zu alerts from the daemon, %zu from replay per partition\n",
              daemon_ids.size(), replay_ids.size());
}

TEST(PipelineMockTest, LocalAccessesAndAlertChangesAreCommittedBeforeTheyAreAnswered) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 3000, 5);
  Publish(kafka, c, in, 0, in.lines.size());
  PipelineParts parts;
  ASSERT_NO_FATAL_FAILURE(OpenParts(c, &parts));
  Store* const store = parts.store.get();
  const Pseudonymizer& key = *parts.key;
  EventPipeline pipeline(c.pipeline_options(), &key, parts.policy, store);
  OutboxRelay relay(c.relay_options(), store);
  ASSERT_OK(relay.Start());
  pipeline.set_on_commit([&relay] { relay.Wake(); });
  ASSERT_OK(pipeline.Start());
  const Pseudonym citizen = key.Pseudonymise("999993653");
  // A request whose caller gave up before the consume thread took it is never applied.
  OwnedAccessEvent abandoned;
  abandoned.event_id = "api-test-abandoned";
  abandoned.time = *ParseRfc3339("2026-11-28T11:00:00Z");
  abandoned.municipality = "dinkelland";
  abandoned.actor_id = "citizen-" + citizen.Hex();
  abandoned.actor_kind = ActorKind::kCitizen;
  abandoned.subjects = {citizen};
  abandoned.domain = "audit";
  abandoned.purpose = "inzage-verzoek";
  auto ticket = std::make_shared<LocalTicket>();
  auto abandoned_done = pipeline.SubmitAccess(abandoned, ticket);
  ASSERT_TRUE(ticket->Cancel());
  Status result;
  std::thread runner([&] { result = pipeline.Run(); });
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (pipeline.stats().consumed.load() < in.lines.size() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(abandoned_done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(abandoned_done.get().ok());
  auto none = store->QuerySubject(citizen, abandoned.time - 1, abandoned.time + 1, 10, "");
  ASSERT_OK(none);
  EXPECT_TRUE(none->entries.empty()) << "a cancelled request was applied";

  OwnedAccessEvent read;
  read.event_id = "api-test-read";
  read.time = *ParseRfc3339("2026-11-28T12:00:00Z");
  read.municipality = "dinkelland";
  read.actor_id = "citizen-" + citizen.Hex();
  read.actor_kind = ActorKind::kCitizen;
  read.subjects = {citizen};
  read.domain = "audit";
  read.purpose = "inzage-verzoek";
  auto recorded = pipeline.SubmitAccess(read);
  ASSERT_EQ(recorded.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_OK(recorded.get());
  // Answered means committed: the read is in the citizen's own history now.
  auto page = store->QuerySubject(citizen, read.time - 1, read.time + 1, 10, "");
  ASSERT_OK(page);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].record.activity, "inzage-verzoek");
  EXPECT_EQ(page->entries[0].record.verdict, Verdict::kAllow);

  // An officer reading the alert queue: no subjects, still a complete record in their history.
  OwnedAccessEvent queue_read = read;
  queue_read.event_id = "api-test-queue";
  queue_read.actor_id = "emp-x";
  queue_read.actor_kind = ActorKind::kEmployee;
  queue_read.subjects.clear();
  queue_read.purpose = "privacy-onderzoek";
  ASSERT_OK(pipeline.SubmitAccess(queue_read).get());
  auto officer = store->QueryActor("emp-x", read.time - 1, read.time + 1, 10, "");
  ASSERT_OK(officer);
  ASSERT_EQ(officer->entries.size(), 1u);
  EXPECT_EQ(officer->entries[0].record.activity, "privacy-onderzoek");
  EXPECT_EQ(officer->entries[0].record.domain, "audit");
  EXPECT_EQ(officer->entries[0].record.subject_count, 0u);

  auto alerts = store->ScanColumnFamily("alerts");
  ASSERT_OK(alerts);
  ASSERT_FALSE(alerts->empty()) << "the generated stream holds violations";
  const std::string id = alerts->front().first;
  auto changed = pipeline.SubmitAlertTransition(id, AlertStatus::kAcknowledged, "emp-ciso", "seen");
  ASSERT_EQ(changed.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto alert = changed.get();
  ASSERT_TRUE(alert.ok()) << alert.status().message();
  EXPECT_EQ(alert->status, AlertStatus::kAcknowledged);
  auto stored = store->ScanColumnFamily("alerts");
  for (const auto& [k, v] : *stored) {
    if (k == id) {
      EXPECT_EQ(ParseAlert(v)->status, AlertStatus::kAcknowledged);
    }
  }
  auto refused =
      pipeline.SubmitAlertTransition(id, AlertStatus::kReported, "emp-ciso", "too early").get();
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(pipeline.SubmitAlertTransition("no-such-alert", AlertStatus::kDismissed, "a", "b")
                .get()
                .status()
                .code(),
            Status::Code::kNotFound);

  // A citizen's report: an alert of its own, stored (row and index) before it is answered.
  CitizenReport report;
  report.event_id = "api-test-read";
  report.event_time = read.time;
  report.actor = "emp-7";
  report.municipality = "dinkelland";
  report.subject = citizen;
  report.text = "ik herken dit niet";
  report.severity = Severity::kHigh;
  report.reported_at = read.time + 1000;
  auto filed = pipeline.SubmitCitizenReport(report);
  ASSERT_EQ(filed.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto report_alert = filed.get();
  ASSERT_TRUE(report_alert.ok()) << report_alert.status().message();
  EXPECT_EQ(report_alert->rule, RuleId::kCitizenReported);
  EXPECT_FALSE(report_alert->aggregating);
  const std::string report_id = report_alert->alert_id;
  auto report_row = store->Get("alerts", report_id);
  ASSERT_TRUE(report_row.ok() && report_row->has_value()) << "answered means stored";
  EXPECT_EQ(ParseAlert(**report_row)->evidence, std::vector<std::string>{"api-test-read"});
  AlertListFilter by_rule;
  by_rule.rule = static_cast<std::uint8_t>(RuleId::kCitizenReported);
  auto listed = store->ListAlerts(by_rule, 10, std::nullopt, 10000);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->ids.size(), 1u);
  EXPECT_EQ(listed->ids[0], report_id);
  // It can be worked like any alert once it has left memory (settled at once).
  auto acked = pipeline.SubmitAlertTransition(report_id, AlertStatus::kAcknowledged, "emp-ciso",
                                              "asking the employee");
  ASSERT_OK(acked.get());

  pipeline.RequestStop();
  runner.join();
  ASSERT_TRUE(result.ok()) << result.message();
  auto late = pipeline.SubmitAccess(read);
  ASSERT_EQ(late.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_FALSE(late.get().ok()) << "after stop nobody would commit it: refused, not left hanging";
  EXPECT_OK(relay.Stop());
  // The status change reached the CISO topic as a new version of the alert.
  bool seen = false;
  for (const auto& m : kafka.ReadAll(c.kafka.alerts_topic, relay.delivered(), 20000)) {
    if (m.value.find(id) != std::string::npos &&
        m.value.find("\"status\":\"acknowledged\"") != std::string::npos) {
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
  // And the report went to the CISO topic, its first version and the acknowledged one.
  int report_versions = 0;
  for (const auto& m : kafka.ReadAll(c.kafka.alerts_topic, relay.delivered(), 20000)) {
    if (m.value.find(report_id) != std::string::npos) {
      ++report_versions;
      EXPECT_NE(m.value.find("\"rule\":\"citizen.reported\""), std::string::npos) << m.value;
      EXPECT_EQ(m.value.find("999993653"), std::string::npos);
    }
  }
  EXPECT_EQ(report_versions, 2);
}

// With the access journal (as the daemon runs): an API read is answered once the journal has
// it and stored with a later batch; rows that a crash left in the journal go into the first
// batch, and one whose batch was committed before the crash is not stored twice.
TEST(PipelineMockTest, APIAccessesAreAnsweredFromTheJournalAndStoredOnce) {
  TempDir dir;
  MockKafka kafka;
  app::DaemonConfig c = ConfigFor(kafka, dir.path());
  CreateTopics(kafka, c);
  const Input in = Feed(kafka, c, 2000, 6);
  Publish(kafka, c, in, 0, in.lines.size());
  PipelineParts parts;
  ASSERT_NO_FATAL_FAILURE(OpenParts(c, &parts));
  Store* const store = parts.store.get();
  const Pseudonymizer& key = *parts.key;
  auto journal = AccessJournal::Open(dir.sub("journal"), false);
  ASSERT_OK(journal);
  const Pseudonym citizen = key.Pseudonymise("999993653");
  const TimeMicros t0 = *ParseRfc3339("2026-11-28T12:00:00Z");
  // What a crash leaves: a row whose batch never committed, and one whose batch did.
  StoredEvent lost = testing::SyntheticEvent(1, t0, "citizen-" + citizen.Hex(), "inzage-verzoek");
  lost.record.event_id = "api-before-crash-1";
  lost.subjects = {citizen};
  StoredEvent committed = lost;
  committed.record.event_id = "api-before-crash-2";
  committed.record.time = t0 + 1000;
  ASSERT_OK((*journal)->Put(lost));
  ASSERT_OK((*journal)->Put(committed));
  CommitBatch earlier;
  earlier.events.push_back(committed);
  ASSERT_OK(store->Commit(earlier));

  EventPipeline pipeline(c.pipeline_options(), &key, parts.policy, store);
  pipeline.set_access_journal(journal->get());
  // Each commit deletes its accesses' journal rows before this hook runs.
  std::mutex committed_mu;
  std::condition_variable committed_cv;
  pipeline.set_on_commit([&] {
    std::lock_guard lock(committed_mu);
    committed_cv.notify_all();
  });
  ASSERT_OK(pipeline.Start());
  Status result;
  std::thread runner([&] { result = pipeline.Run(); });
  OwnedAccessEvent read;
  read.event_id = "api-read-now";
  read.time = t0 + 2000;
  read.municipality = "dinkelland";
  read.actor_id = "citizen-" + citizen.Hex();
  read.actor_kind = ActorKind::kCitizen;
  read.subjects = {citizen};
  read.domain = "audit";
  read.purpose = "inzage-verzoek";
  auto answered = pipeline.SubmitAccess(read);
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_OK(answered.get());
  // Answered means durable: in the journal, or already in the store.
  auto stored_now = store->QuerySubject(citizen, read.time, read.time + 1, 10, "");
  ASSERT_OK(stored_now);
  EXPECT_TRUE((*journal)->rows() > 0 || stored_now->entries.size() == 1);
  // Stored with a batch, after which the journal is empty.
  {
    std::unique_lock lock(committed_mu);
    committed_cv.wait_for(lock, std::chrono::seconds(30), [&] { return (*journal)->rows() == 0; });
  }
  EXPECT_EQ((*journal)->rows(), 0U);
  pipeline.RequestStop();
  runner.join();
  ASSERT_OK(result);
  auto page = store->QuerySubject(citizen, t0 - 1, t0 + 3000, 10, "");
  ASSERT_OK(page);
  std::vector<std::string> ids;
  for (const auto& e : page->entries) ids.push_back(e.record.event_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids,
            (std::vector<std::string>{"api-before-crash-1", "api-before-crash-2", "api-read-now"}))
      << "each access once";
}

}  // namespace
}  // namespace inzage
