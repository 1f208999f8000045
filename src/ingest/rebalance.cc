// The consumer group's rebalance callbacks of the pipeline (event_pipeline.h): what happens when
// Kafka assigns partitions to this instance or takes them away. Split from event_pipeline.cc,
// which keeps the consume loop; these run on the consume thread, inside rd_kafka_consumer_poll.
// Taking over a partition's state from the changelog is partition_takeover.cc.
#include "common/log.h"
#include "ingest/event_pipeline.h"
#include "kafka/clients.h"

namespace inzage {

// Both rebalance protocols: with cooperative-sticky (the default, kafka::kAssignmentStrategy)
// librdkafka hands over only the partitions that move, to be added or removed incrementally;
// with an eager strategy (range, roundrobin under kafka.consumer_properties) every rebalance
// revokes the whole assignment and assigns the new one.
void EventPipeline::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<EventPipeline*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) return self->OnAssign(rk, partitions);
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) return self->OnRevoke(rk, partitions);
  Log(LogLevel::kError, "pipeline", "rebalance error", {{"error", kafka::ErrorText(err)}});
  if (kafka::IsCooperative(rk)) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
      rd_kafka_error_destroy(error);
    }
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void EventPipeline::OnAssign(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_committed(rk, partitions, 10000);
  // The batch being built goes first, so that no actor is dirty while partitions' state is
  // replaced; the store's positions are final only once the writer is idle.
  if (changelog_) {
    if (Status st = CommitBatch(); !st.ok() && fatal_.ok()) fatal_ = st;
  }
  if (Status st = writer_.WaitIdle(); !st.ok() && fatal_.ok()) fatal_ = st;
  Offsets::Positions start = store_->Offsets();
  if (changelog_) {
    if (Status st = AdoptPartitions(partitions, &start); !st.ok() && fatal_.ok()) fatal_ = st;
  }
  Offsets::StartAtLaterOf(start, partitions);
  for (int i = 0; i < partitions->cnt; ++i) {
    offsets_.Hold(partitions->elems[i].topic, partitions->elems[i].partition);
  }
  offsets_.UpdateLagOnAssign(partitions);
  stats_.partitions_assigned += static_cast<std::uint64_t>(partitions->cnt);
  if (kafka::IsCooperative(rk)) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, partitions)) {
      Log(LogLevel::kError, "pipeline", "incremental assign failed",
          {{"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
    }
  } else {
    rd_kafka_assign(rk, partitions);
  }
}

void EventPipeline::OnRevoke(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions) {
  // Finish the batch in flight, wait until the writer stored it, then tell Kafka
  // synchronously, before letting go. The batch holds events of the partitions that stay too:
  // committing it early costs nothing.
  Status st = CommitBatch();
  if (st.ok()) st = writer_.WaitIdle();
  if (!st.ok() && fatal_.ok()) fatal_ = st;
  if (changelog_relay_) {
    // The partitions' state records reach the changelog before their next owner reads it.
    if (!changelog_relay_->WaitDelivered(changelog_->last_row(), std::chrono::seconds(10))) {
      Log(LogLevel::kWarn, "pipeline",
          "state records not delivered within 10 s of a revoke: the next owner of these "
          "partitions restores an older state");
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      const std::int32_t p = partitions->elems[i].partition;
      changelog_->Release(p);
      changelog_relay_->Disown(p);
      detector_->DropPartition(p);  // its next owner has it; memory follows what is held
    }
  }
  offsets_.CommitAllStoredSync();
  stats_.partitions_revoked += static_cast<std::uint64_t>(partitions->cnt);
  for (int i = 0; i < partitions->cnt; ++i) {
    Log(LogLevel::kInfo, "pipeline", "revoked",
        {{"topic", partitions->elems[i].topic}, {"partition", partitions->elems[i].partition}});
  }
  if (kafka::IsCooperative(rk)) {
    for (int i = 0; i < partitions->cnt; ++i) {
      offsets_.Forget(partitions->elems[i].topic, partitions->elems[i].partition);
      partition_times_.erase(partitions->elems[i].partition);
    }
    if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
      Log(LogLevel::kError, "pipeline", "incremental unassign failed",
          {{"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
    }
    return;
  }
  offsets_.ForgetAll();
  partition_times_.clear();  // the next assignment's partitions start afresh
  rd_kafka_assign(rk, nullptr);
}

}  // namespace inzage
