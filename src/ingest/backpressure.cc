#include "ingest/backpressure.h"

#include "common/log.h"

namespace inzage {

void Backpressure::Switch(rd_kafka_t* consumer, bool pause) {
  kafka::PartitionList assigned;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  // If the assignment cannot be read, the next turn of the loop tries again.
  if (rd_kafka_assignment(consumer, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  assigned.reset(raw);
  if (pause) {
    rd_kafka_pause_partitions(consumer, assigned.get());
  } else {
    rd_kafka_resume_partitions(consumer, assigned.get());
  }
  paused_ = pause;
  if (pause) ++*pauses_;
  // Rare and worth knowing: a pause also drops librdkafka's prefetched messages.
  Log(LogLevel::kInfo, "pipeline",
      pause ? "consumption paused: the alert relay is behind"
            : "consumption resumed: the alert relay caught up",
      {{"outbox_rows", store_->outbox_rows()}, {"limit", outbox_max_rows_}});
}

}  // namespace inzage
