// The state changelog's outbox and relay (ingest/state_changelog.h, changelog_relay.h) on a real
// store and librdkafka's mock cluster: rows of held partitions reach their changelog partition
// and are read back newest per key; rows of partitions this instance does not hold are dropped
// unsent; a revoke's wait ends once every row up to it is gone from the store.
#include "ingest/state_changelog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "detect/behavior_detector.h"
#include "detect/incidents.h"
#include "ingest/changelog_relay.h"
#include "ingest/standby_state.h"
#include "kafka/clients.h"
#include "mock_kafka.h"
#include "policy/policy_loader.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace inzage {
namespace {

using testing::MockKafka;
using testing::TempDir;

const std::string kPolicyDir = std::string(INZAGE_SOURCE_DIR) + "/config/policy";

TEST(StateChangelogTest, RowsOfHeldPartitionsReachTheirChangelogPartitionTheOthersAreDropped) {
  TempDir dir;
  MockKafka kafka;
  kafka.CreateTopic("state", 4);
  kafka::Options options;
  options.brokers = kafka.bootstraps();
  auto policy = LoadPolicy(kPolicyDir);
  ASSERT_OK(policy);
  Pseudonymizer key("changelog-test-key-changelog-test-key-00");
  ReferenceData reference(&key);
  BehaviorDetector detector(policy->get(), &reference);
  IncidentTracker incidents(policy->get(), &reference);
  auto store = Store::Open(dir.sub("store"), StoreOptions{});
  ASSERT_OK(store);

  StateChangelog changelog("state", "group-a");
  ASSERT_OK(changelog.Open(**store));
  CommitBatch batch;
  // Partition 1: a window row, twice (the newer one counts), and its marker.
  changelog.AddSnapshot(1, detector, incidents, {{"stream/invalid_rate/events/1", "old"}},
                        {{"events", 90}}, 1000, &batch);
  changelog.AddSnapshot(1, detector, incidents, {{"stream/invalid_rate/events/1", "new"}},
                        {{"events", 100}}, 2000, &batch);
  // Partition 2: not held by this instance when the relay gets to it.
  changelog.AddSnapshot(2, detector, incidents, {{"stream/invalid_rate/events/2", "x"}},
                        {{"events", 7}}, 3000, &batch);
  EXPECT_EQ(changelog.last_row(), 6u);
  ASSERT_OK((*store)->Commit(batch));

  ChangelogRelay relay(options, "state", store->get(), 5000);
  // Acknowledged position markers are what Kafka's committed offsets may follow.
  std::vector<std::string> positions;
  relay.set_on_position_delivered(
      [&positions](const std::string& topic, std::int32_t p, std::int64_t next) {
        positions.push_back(topic + "/" + std::to_string(p) + "@" + std::to_string(next));
      });
  relay.Own(1);
  ASSERT_OK(relay.Start());
  ASSERT_TRUE(relay.WaitDelivered(changelog.last_row(), std::chrono::seconds(30)))
      << "rows left in the store";
  EXPECT_EQ(relay.delivered(), 4u);
  EXPECT_EQ(relay.dropped(), 2u);
  EXPECT_THAT(positions, ::testing::ElementsAre("events/1@90", "events/1@100"));
  auto left = (*store)->ListRows("state", StateChangelog::kRowPrefix, {}, 10);
  ASSERT_OK(left);
  EXPECT_TRUE(left->empty());
  ASSERT_OK(relay.Stop());

  auto reader = kafka::MakeConsumer(options, kafka::ConsumerKind::kReference, "reader", "unused");
  ASSERT_OK(reader);
  auto one = StateChangelog::ReadPartition(reader->get(), "state", 1, 30000);
  ASSERT_OK(one);
  EXPECT_EQ(one->records, 4u);
  ASSERT_EQ(one->windows.size(), 1u);
  EXPECT_EQ(one->windows[0].first, "stream/invalid_rate/events/1");
  EXPECT_EQ(one->windows[0].second, "new");
  EXPECT_EQ(one->position(), 100);
  EXPECT_EQ(one->latest_time, 2000);
  EXPECT_EQ(one->group, "group-a");
  auto two = StateChangelog::ReadPartition(reader->get(), "state", 2, 30000);
  ASSERT_OK(two);
  EXPECT_EQ(two->records, 0u) << "a partition this instance did not hold got records";
  EXPECT_EQ(two->position(), -1);

  // A standby's warm copy gives the same state.
  StandbyState standby(options, "state");
  ASSERT_OK(standby.Start());
  auto warm = standby.Take(1, std::chrono::seconds(30));
  ASSERT_OK(warm);
  EXPECT_EQ(warm->records, 4u);
  ASSERT_EQ(warm->windows.size(), 1u);
  EXPECT_EQ(warm->windows[0].second, "new");
  EXPECT_EQ(warm->position(), 100);
  EXPECT_EQ(warm->latest_time, 2000);
  auto empty = standby.Take(2, std::chrono::seconds(30));
  ASSERT_OK(empty);
  EXPECT_EQ(empty->records, 0u);
  standby.Stop();
}

TEST(StateChangelogTest, OutboxRowsDecodeAndRejectWhatTheyDidNotWrite) {
  ChangelogRow row;
  ASSERT_TRUE(StateChangelog::DecodeRow("3\n3/a/emp-1\nV12\nstate", &row));
  EXPECT_EQ(row.partition, 3);
  EXPECT_EQ(row.key, "3/a/emp-1");
  EXPECT_FALSE(row.tombstone);
  EXPECT_EQ(row.value, "12\nstate");
  ASSERT_TRUE(StateChangelog::DecodeRow("3\n3/i/alert-1\nT", &row));
  EXPECT_TRUE(row.tombstone);
  for (const char* bad : {"", "3", "3\nkey", "x\nkey\nV1", "-1\nkey\nV1", "3\nkey\nQ1"}) {
    EXPECT_FALSE(StateChangelog::DecodeRow(bad, &row)) << bad;
  }
}

}  // namespace
}  // namespace inzage
