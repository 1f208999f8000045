// StateChangelog: the pipeline's state per input partition on a compacted Kafka topic
// (kafka.topics.state), so that a partition's behaviour windows, open incidents and
// invalid-rate windows follow it to whichever instance holds it next, as a Kafka Streams state
// store follows its changelog (docs/scale-out.md).
//
// Records on the changelog topic; changelog partition p holds input partition p's records:
//   "<p>/a/<actor>"     "<offset>\n" + the actor's state (BehaviorDetector::SerializeActorState)
//   "<p>/i/<alert id>"  "<offset>\n" + SerializeAlert of an incident still aggregating; a
//                       tombstone once it stops aggregating (it lives on in the store only)
//   "<p>/r/<topic>"     "<offset>\n" + the invalid-rate window row of (topic, p)
//   "<p>/o/<topic>"     "<offset>\n<event time>\n<group>": the position marker, the next
//                       offset of (topic, p) that the partition's records reflect, the latest
//                       event time consumed from it (the incidents' watermark,
//                       event_pipeline.h) and the consumer group whose state it is (a state
//                       topic serves one group: another group's offsets mean nothing here)
// <offset> is the next offset of the input partition as of the batch that wrote the record.
//
// Written through an outbox: each batch adds its changed records as rows of the store's state
// column family ("changelog/<seq 8>"), committed atomically with the events and offsets they
// reflect; ChangelogRelay produces them in order and deletes them once Kafka has them. An
// instance that dies between the store commit and the produce still has the rows: after the
// restart they go out if it holds the partition again (its store is then the newest copy), and
// are dropped if another instance took the partition over meanwhile (ChangelogRelay::Own).
//
// Restoring (EventPipeline's assignment): the new owner reads the partition's records to the
// end (ReadPartitions). When the marker is ahead of its own store and of Kafka's committed
// offset, it replaces what it holds for the partition with the records and resumes at the
// marker; when its own store is newest (a local restart), the store stays the fast path and,
// if the changelog lags it, a snapshot of the partition (AddSnapshot) brings it up to date.
//
// Thread safety: consume thread only (ReadPartition: any thread with its own consumer).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "detect/alert.h"
#include "detect/behavior_detector.h"
#include "detect/incidents.h"
#include "kafka/kafka.h"
#include "store/store.h"

namespace inzage {

// An outbox row, decoded (ChangelogRelay).
struct ChangelogRow {
  std::int32_t partition = -1;
  std::string_view key;
  bool tombstone = false;
  std::string_view value;
};

// What the changelog holds for one input partition, newest record per key.
struct PartitionState {
  std::map<std::string, std::int64_t> positions;             // input topic -> next offset
  std::vector<std::pair<std::string, std::string>> actors;   // actor -> state
  std::vector<std::string> incidents;                        // SerializeAlert records
  std::vector<std::pair<std::string, std::string>> windows;  // invalid-rate row key -> value
  size_t records = 0;                                        // read, tombstones included
  TimeMicros latest_time = INT64_MIN;                        // of the markers; MIN: none
  std::string group;                                         // of the markers; empty: none
  [[nodiscard]] std::int64_t position() const;               // the highest marker; -1: none
};

class StateChangelog {
 public:
  static constexpr std::string_view kRowPrefix = "changelog/";
  // State rows "partition/<actor>": an actor's input partition, written when it changes.
  static constexpr std::string_view kActorPartitionPrefix = "partition/";

  // `group`: the consumer group whose state this is, named in every position marker.
  StateChangelog(std::string topic, std::string group)
      : topic_(std::move(topic)), group_(std::move(group)) {}
  StateChangelog(const StateChangelog&) = delete;
  StateChangelog& operator=(const StateChangelog&) = delete;

  [[nodiscard]] const std::string& topic() const { return topic_; }

  // Continues the row sequence after the rows a previous run left in the store.
  [[nodiscard]] Status Open(const Store& store);

  // The records of a batch about to be cut: the dirty actors (before AddActorState clears
  // them), the changed incidents, the invalid-rate rows in `batch->state` and the markers of
  // `positions`; rows for partitions this instance does not hold now are left out. Also the
  // "partition/<actor>" rows of actors whose partition changed.
  void AddChanges(const BehaviorDetector& detector, std::span<const Alert* const> dirty_alerts,
                  const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& positions,
                  const std::function<TimeMicros(std::int32_t)>& latest_time_of,
                  CommitBatch* batch);
  // Every record of input partition `p` as this instance holds it, at the stored `positions`
  // (input topic -> next offset): the changelog lags this instance's store.
  void AddSnapshot(std::int32_t p, const BehaviorDetector& detector,
                   const IncidentTracker& incidents,
                   const std::vector<std::pair<std::string, std::string>>& windows,
                   const std::map<std::string, std::int64_t>& positions, TimeMicros latest_time,
                   CommitBatch* batch);

  // Partitions whose records go out; the others' changes are left out of the rows.
  void Hold(std::int32_t p, std::int64_t position) { held_[p] = position; }
  void Release(std::int32_t p) { held_.erase(p); }

  // The sequence number of the last row added (0: none yet).
  [[nodiscard]] std::uint64_t last_row() const { return seq_; }

  // Reads changelog partition `p` from its start to its end as of now. NotFound when the
  // topic does not exist; IoError when the end is not reached within timeout_ms.
  [[nodiscard]] static Result<PartitionState> ReadPartition(rd_kafka_t* consumer,
                                                            const std::string& topic,
                                                            std::int32_t p, int timeout_ms);
  // The same for several partitions at once, by partition.
  [[nodiscard]] static Result<std::map<std::int32_t, PartitionState>> ReadPartitions(
      rd_kafka_t* consumer, const std::string& topic, const std::vector<std::int32_t>& partitions,
      int timeout_ms);
  // The newest record per key of changelog partition `p`, decoded (records left 0).
  [[nodiscard]] static PartitionState DecodePartition(
      std::int32_t p, const std::map<std::string, std::string, std::less<>>& latest);
  // Decodes an outbox row; false when it is not one this class wrote.
  [[nodiscard]] static bool DecodeRow(std::string_view value, ChangelogRow* row);
  // The sequence number in an outbox row's key.
  [[nodiscard]] static std::uint64_t RowSequence(std::string_view key);

 private:
  void AddRow(std::int32_t p, std::string_view kind, std::string_view name, std::int64_t offset,
              const std::string* payload, CommitBatch* batch);

  const std::string topic_;
  const std::string group_;
  std::uint64_t seq_ = 0;
  std::map<std::int32_t, std::int64_t> held_;  // partition -> latest position written
};

}  // namespace inzage
