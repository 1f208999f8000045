// Backpressure: consumption pauses while the alert relay is behind. Alert rows wait in the
// store's outbox until Kafka has them; above pipeline.outbox_max_rows the consumer stops
// fetching, and it resumes only below 90 % of the limit, so an outbox that hovers at the limit
// does not make it flap. Memory stays bounded and no alert is dropped.
//
// Ownership: reads the store's outbox count; pauses the consumer it is given.
// Thread safety: consume thread only (Update runs every turn of the loop: inline and cheap
// unless the state changes).
#pragma once

#include <atomic>
#include <cstdint>

#include "kafka/kafka.h"
#include "store/store.h"

namespace inzage {

class Backpressure {
 public:
  // pauses: counts the pauses (a metric).
  Backpressure(int outbox_max_rows, const Store* store, std::atomic<std::uint64_t>* pauses)
      : limit_(static_cast<std::uint64_t>(outbox_max_rows)),
        outbox_max_rows_(outbox_max_rows),
        store_(store),
        pauses_(pauses) {}

  // Pauses or resumes the consumer's assigned partitions when the outbox crossed a bound.
  void Update(rd_kafka_t* consumer) {
    const bool outbox_full = store_->outbox_rows() > (paused_ ? limit_ / 10 * 9 : limit_);
    if (outbox_full != paused_) Switch(consumer, outbox_full);
  }

 private:
  void Switch(rd_kafka_t* consumer, bool pause);

  const std::uint64_t limit_;
  const int outbox_max_rows_;  // as configured, for the log
  const Store* const store_;
  std::atomic<std::uint64_t>* const pauses_;
  bool paused_ = false;
};

}  // namespace inzage
