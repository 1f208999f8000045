// PipelineStats: the pipeline's counters, for metrics, the status line and tests.
//
// Ownership: owned by the EventPipeline; its parts hold pointers to the counters they keep.
// Thread safety: atomics. The consume thread and the writer thread add to them, any thread
// reads them. Totals only grow (metrics follow their growth); the per-rule counts are published
// once per batch.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "event/event_parser.h"
#include "policy/rule_catalogue.h"

namespace inzage {

struct PipelineStats {
  std::atomic<std::uint64_t> consumed{0};
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> reviews{0};
  std::atomic<std::uint64_t> violations{0};
  std::atomic<std::uint64_t> invalid{0};
  std::array<std::atomic<std::uint64_t>, kInvalidReasonNames.size()> invalid_by_reason{};
  std::atomic<std::uint64_t> dead_letters{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> reference_records{0};
  std::atomic<std::uint64_t> stored{0};
  std::atomic<std::uint64_t> alerts_changed{0};  // alert versions stored (the outbox gets
                                                 // the ones due for the CISO topic)
  std::atomic<std::uint64_t> late_events{0};
  // Incidents in memory that still aggregate (after the latest batch), and the ones ended
  // early because pipeline.max_open_incidents was reached.
  std::atomic<std::uint64_t> incidents_in_memory{0};
  std::atomic<std::uint64_t> incidents_closed_early{0};
  std::atomic<std::uint64_t> local_events{0};  // accesses recorded for the HTTP API
  std::atomic<std::uint64_t> store_errors{0};
  // Partitions this instance was given and had taken away by rebalances. With cooperative
  // rebalancing only the partitions that move are revoked.
  std::atomic<std::uint64_t> partitions_assigned{0};
  std::atomic<std::uint64_t> partitions_revoked{0};
  // Times consumption paused because the alert relay fell behind (pipeline.outbox_max_rows).
  std::atomic<std::uint64_t> consumption_pauses{0};
  // Per rule id: how often it fired (published once per batch by the consume thread).
  std::array<std::atomic<std::uint64_t>, kRuleCount> rule_fires{};
  // Wall-clock microseconds when the latest batch holding consumed messages was cut ("no
  // events" alerting; within batch_max_latency_ms of the latest message).
  std::atomic<std::int64_t> last_event_wall_micros{0};
  // Steady-clock nanoseconds of the consume loop's latest turn (the watchdog's liveness check).
  std::atomic<std::int64_t> last_loop_ns{0};
  // Steady-clock nanoseconds of the first and the latest consumed message (throughput).
  std::atomic<std::int64_t> first_message_ns{0};
  std::atomic<std::int64_t> last_message_ns{0};
};

}  // namespace inzage
