// Offsets: the input topics' consumed positions once the store holds them. The store commits
// them with each batch; Kafka's copy serves the next owner of a partition, so after each store
// commit the same offsets go to Kafka (asynchronously; synchronously when partitions are
// revoked). On every assignment each partition starts at the later of the two
// (docs/architecture.md, exactly-once state):
//   - after a local crash the store is ahead (it committed, Kafka did not yet): resuming at
//     Kafka's offset would count events twice;
//   - after another instance owned the partition, Kafka is ahead (that instance committed what
//     it stored in its own store): resuming at our old store position would re-read events
//     that now belong to the other shard's history.
// Also the lag per partition, for the metrics.
//
// Ownership: the consumer is the pipeline's (set once, before the writer thread starts).
// Thread safety: CommitStored from the writer thread; CommitAllStoredSync, UpdateLag*, and
// Forget* from the consume thread; lag() from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "kafka/kafka.h"
#include "store/store.h"

namespace inzage {

class Offsets {
 public:
  // Next offset by (topic, partition), as Store::Offsets() returns them.
  using Positions = std::map<std::pair<std::string, std::int32_t>, std::int64_t>;

  Offsets() = default;
  Offsets(const Offsets&) = delete;
  Offsets& operator=(const Offsets&) = delete;

  void set_consumer(rd_kafka_t* consumer) { consumer_ = consumer; }

  // With the state changelog, a partition's offset goes to Kafka only once the changelog holds
  // the state of the batch that reached it (CommitDelivered), never before: a new owner that
  // resumes at Kafka's offset then finds state at least that far. Set before consuming.
  void set_gated_by_changelog(bool gated) { gated_ = gated; }
  // The positions of a batch the store has just committed: sent to Kafka without waiting
  // (not when gated by the changelog).
  void CommitStored(const std::vector<SourcePosition>& positions) EXCLUDES(mu_);
  // The changelog has the state of (topic, partition) up to `next_offset`: sent to Kafka without
  // waiting, if the partition is still this instance's (any thread).
  void CommitDelivered(const std::string& topic, std::int32_t partition, std::int64_t next_offset)
      EXCLUDES(mu_);
  // A partition assigned to this instance (consume thread): CommitDelivered commits only these.
  void Hold(const std::string& topic, std::int32_t partition) EXCLUDES(mu_);
  // Everything stored so far (gated: everything the changelog has), to Kafka, waiting for the
  // answer (before partitions are let go).
  void CommitAllStoredSync() EXCLUDES(mu_);
  // A revoked partition: no longer ours to commit or report. Without this, a later
  // CommitAllStoredSync would send its old position again, over the commits of its new owner.
  void Forget(const std::string& topic, std::int32_t partition) EXCLUDES(mu_, lag_mu_);
  void ForgetAll() EXCLUDES(mu_, lag_mu_);

  // Sets each assigned partition's start: the later of the store's position and Kafka's
  // committed offset (already fetched into `partitions`); the reset policy when neither has one.
  static void StartAtLaterOf(const Positions& stored, rd_kafka_topic_partition_list_t* partitions);

  // Messages behind each partition's end for the next offsets of the batch just cut (from
  // librdkafka's cached watermarks: no broker round trip).
  void UpdateLag(const Positions& next_offsets) EXCLUDES(lag_mu_);
  // The lag of newly assigned partitions from their start offsets (set by StartAtLaterOf) and
  // the broker's end offsets, so that a partition with nothing to consume shows 0 instead of
  // no series until its first message. Asks the broker (at most kLagQueryTimeoutMs each).
  void UpdateLagOnAssign(const rd_kafka_topic_partition_list_t* partitions) EXCLUDES(lag_mu_);
  static constexpr int kLagQueryTimeoutMs = 2000;
  // Per partition number, summed over the input topics (the metric's label is the partition).
  [[nodiscard]] std::map<std::int32_t, std::int64_t> lag() const EXCLUDES(lag_mu_);

 private:
  void Commit(const Positions& positions, bool sync) EXCLUDES(mu_);

  rd_kafka_t* consumer_ = nullptr;
  bool gated_ = false;
  Mutex mu_;
  Positions committed_ GUARDED_BY(mu_);
  std::set<std::pair<std::string, std::int32_t>> held_ GUARDED_BY(mu_);
  mutable Mutex lag_mu_;
  Positions lag_ GUARDED_BY(lag_mu_);
};

}  // namespace inzage
