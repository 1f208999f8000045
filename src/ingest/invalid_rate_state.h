// InvalidRateState: the input.invalid_rate windows as the pipeline keeps them, one per source
// partition ("topic/partition"), each on its own stream clock: the latest valid event time
// seen in that partition (an invalid message may have no readable time of its own). Per
// partition, the messages and their order are fixed by Kafka, so whether and when the rule
// fires, and the alert's id, do not depend on how partitions interleave in this consumer, on
// restarts, or on which instance holds the partition: `inzage replay --source topic/partition`
// over the partition's messages gives the same alert ids. The incident's actor is
// "stream:topic/partition", which names the source to the CISO.
//
// Rows "stream/invalid_rate/<topic>/<partition>": svarint stream time | InvalidRate record
// (invalid_rate.h). A window's row is committed with every batch that changed it and read back
// on start, so a restart neither forgets a burst of invalid messages nor counts one twice.
//
// Ownership: owned by the pipeline; a firing rule goes to the incident tracker it is given.
// Thread safety: consume thread only. Observe* run once per message: a pointer comparison when
// the message's partition is the previous message's, no allocation unless a window is new or
// the rule fires.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "detect/incidents.h"
#include "detect/invalid_rate.h"
#include "policy/policy.h"
#include "store/store.h"

namespace inzage {

class InvalidRateState {
 public:
  static constexpr std::string_view kStatePrefix = "stream/invalid_rate/";

  explicit InvalidRateState(const Thresholds& thresholds) : thresholds_(thresholds) {}

  // The window of a partition; `topic` must stay valid while the pipeline runs (librdkafka's
  // topic name of the message). Call before Observe*.
  void SelectSource(const char* topic, std::int32_t partition);
  // No window: what follows is not a Kafka message (an API read decided by the pipeline).
  void SelectNoSource() {
    current_ = nullptr;
    current_topic_ = nullptr;
    current_partition_ = -1;
  }
  // A message of the selected source that is not a valid access event; evidence_id is its
  // event id if it had one.
  void ObserveInvalid(std::string_view evidence_id, const Thresholds& thresholds,
                      IncidentTracker* incidents) {
    Observe(/*invalid=*/true, evidence_id, thresholds, incidents);
  }
  // A valid event of the selected source (after it was decided); its time moves that source's
  // clock on.
  void ObserveValid(TimeMicros event_time, const Thresholds& thresholds,
                    IncidentTracker* incidents) {
    if (current_ != nullptr) current_->stream_time = std::max(current_->stream_time, event_time);
    Observe(/*invalid=*/false, "", thresholds, incidents);
  }

  // True when `key` is one of these rows; then restores it (Corruption when malformed: that
  // window starts empty). The row of an older version, one window over all partitions, is
  // recognised and dropped: its counts cannot be split by partition.
  [[nodiscard]] bool Restore(std::string_view key, std::string_view row, Status* status);
  // Adds the row of every window that changed since the last call to the batch.
  void AddToBatch(CommitBatch* batch);
  // The rows of the windows of `partition` (every input topic), as AddToBatch writes them.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> RowsOf(
      std::int32_t partition) const;
  // The partition a row key names; -1 when it is no row of this class.
  [[nodiscard]] static std::int32_t PartitionOfRow(std::string_view key);

 private:
  struct Window {
    explicit Window(const Thresholds& t) : rate(t) {}
    InvalidRate rate;
    TimeMicros stream_time = 0;
    bool dirty = false;
    std::string source;  // "topic/partition"
  };

  Window& WindowOf(std::string_view source);
  void Observe(bool invalid, std::string_view evidence_id, const Thresholds& thresholds,
               IncidentTracker* incidents);

  Thresholds thresholds_;
  std::map<std::string, Window, std::less<>> windows_;
  Window* current_ = nullptr;  // the selected source's window
  const char* current_topic_ = nullptr;
  std::int32_t current_partition_ = -1;
};

}  // namespace inzage
