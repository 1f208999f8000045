// ChangelogRelay: moves the state changelog's outbox rows (ingest/state_changelog.h) from the
// store to the changelog topic, in order, each to the changelog partition of its input
// partition, and deletes them once Kafka acknowledged them. Rows of a partition this instance
// does not hold (Own) are deleted unsent: after a crash they describe state that another
// instance may have moved on from, and a late write would overwrite its newer records in the
// compacted topic. The pipeline waits for a partition's rows (WaitDelivered) before it lets the
// partition go, so a clean handover loses none.
//
// Thread safety: Start/Stop from the owning thread; Own, Disown, Wake and WaitDelivered from
// any thread; runs its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/mutex.h"
#include "kafka/kafka.h"
#include "kafka/options.h"
#include "store/store.h"

namespace inzage {

class ChangelogRelay {
 public:
  ChangelogRelay(const kafka::Options& kafka, std::string topic, Store* store,
                 int shutdown_timeout_ms);
  ~ChangelogRelay();
  ChangelogRelay(const ChangelogRelay&) = delete;
  ChangelogRelay& operator=(const ChangelogRelay&) = delete;

  [[nodiscard]] Status Start();
  // Produces the held partitions' rows and waits for acknowledgements up to the shutdown
  // timeout; what is left stays in the store for the next start.
  [[nodiscard]] Status Stop() EXCLUDES(mu_);
  void Wake() EXCLUDES(mu_);

  // Called (on the relay's thread) when a position marker is acknowledged: the changelog has
  // the state of (topic, partition) up to next_offset. Set before Start.
  using PositionDelivered =
      std::function<void(const std::string& topic, std::int32_t partition, std::int64_t next)>;
  void set_on_position_delivered(PositionDelivered f) { on_position_delivered_ = std::move(f); }

  void Own(std::int32_t partition) EXCLUDES(mu_);
  void Disown(std::int32_t partition) EXCLUDES(mu_);
  // Waits until every row up to sequence `row` is delivered or dropped; false at the timeout.
  [[nodiscard]] bool WaitDelivered(std::uint64_t row, std::chrono::milliseconds timeout)
      EXCLUDES(mu_);

  [[nodiscard]] std::uint64_t delivered() const { return delivered_.load(); }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_.load(); }
  [[nodiscard]] std::uint64_t errors() const { return errors_.load(); }

 private:
  static void OnDelivered(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  void Loop() EXCLUDES(mu_);
  // Hands the next page of rows to the producer (or drops them); true when more may follow.
  bool RelayOnce() EXCLUDES(mu_);
  void DeleteDone(std::vector<std::string> dropped) EXCLUDES(acked_mu_, mu_);
  [[nodiscard]] bool Owns(std::int32_t partition) EXCLUDES(mu_);
  // Whether the store still holds a row with a sequence up to `row`.
  [[nodiscard]] bool RowsLeftUpTo(std::uint64_t row) const;

  const kafka::Options kafka_;
  const std::string topic_;
  Store* const store_;
  const int shutdown_timeout_ms_;
  kafka::Handle producer_;
  PositionDelivered on_position_delivered_;
  std::thread thread_;
  Mutex mu_;
  CondVar cv_;       // a wake-up or the stop
  CondVar done_cv_;  // rows were deleted (WaitDelivered)
  bool wake_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::set<std::int32_t> owned_ GUARDED_BY(mu_);
  std::set<std::string> in_flight_;  // relay thread only
  std::string produced_up_to_;       // relay thread only: the last row key dealt with
  Mutex acked_mu_;
  std::vector<std::string> acked_ GUARDED_BY(acked_mu_);  // from the delivery callback
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> errors_{0};
  ThrottledLog problems_{std::chrono::minutes(1)};
};

}  // namespace inzage
