// OutboxRelay: moves alert rows from the store's outbox to the CISO topic (docs/architecture.md,
// exactly-once state). Rows are written in the same store commit as the events that raised them;
// the relay produces each with the idempotent producer (key = alert id) and deletes the row only
// after Kafka acknowledged it. A crash between produce and delete produces the row again on
// restart: alerts can repeat, never be lost, and carry a deterministic id for consumers to
// de-duplicate.
//
// Outbox row value: "<alert id>\n<alert JSON>".
//
// A row the producer refuses outright as larger than its message.max.bytes is logged, counted
// and passed over, so it cannot hold back every later alert; it stays in the outbox and is
// tried again after a restart (e.g. with a larger limit). Other produce errors are retried, in
// order, at the next wake-up.
//
// Thread safety: Start/Stop from the owning thread; Wake from any thread; runs its own thread.
#pragma once

#include <atomic>
#include <deque>
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

struct RelayOptions {
  kafka::Options kafka;
  int shutdown_timeout_ms = 30000;  // how long Stop waits for acknowledgements
};

class OutboxRelay {
 public:
  OutboxRelay(const RelayOptions& config, Store* store);
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  [[nodiscard]] Status Start();
  // Produces what is left and waits for acknowledgements up to the shutdown timeout.
  [[nodiscard]] Status Stop() EXCLUDES(mu_);
  void Wake() EXCLUDES(mu_);

  [[nodiscard]] std::uint64_t delivered() const { return delivered_.load(); }
  [[nodiscard]] std::uint64_t errors() const { return errors_.load(); }
  // Reads of an outbox page so far: a relay with nothing new to send should make about five
  // a second (its 200 ms wait), not spin (tests).
  [[nodiscard]] std::uint64_t passes() const { return passes_.load(); }

 private:
  static void OnDelivered(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  void Loop() EXCLUDES(mu_);
  // Hands the rest of the current page, or the next page, of outbox rows to the producer. True
  // when there may be more to hand out right away: a full page of which some rows were
  // produced, or the producer's queue was full and has had 50 ms to drain. The loop then goes on
  // without waiting for a wake-up; a page of rows already in flight, or a produce error, makes it
  // wait.
  bool RelayOnce();
  void DeleteAcknowledged() EXCLUDES(acked_mu_);

  const RelayOptions config_;
  Store* store_;
  kafka::Handle producer_;
  std::thread thread_;
  Mutex mu_;
  CondVar cv_;  // a wake-up or the stop
  bool wake_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::set<std::string> in_flight_;  // relay thread only
  // The last outbox key a pass dealt with: handed to the producer, or passed over as in flight
  // (relay thread only). Outbox keys only grow, so the next pass starts after it; a failed
  // delivery resets it to rescan from the start.
  std::string produced_up_to_;
  // The rows of the last page read that are not dealt with yet (relay thread only): a pass
  // that found Kafka's queue full goes on from here instead of reading the page again.
  std::deque<std::pair<std::string, std::string>> page_;
  bool page_full_ = false;  // that page had as many rows as asked for: more may follow
  Mutex acked_mu_;
  std::vector<std::string> acked_ GUARDED_BY(acked_mu_);  // from the delivery callback
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> passes_{0};
  // Failures that repeat for as long as Kafka or the store is unwell (each wake-up, each row):
  // logged at once, then once a minute with the number left out.
  ThrottledLog problems_{std::chrono::minutes(1)};
};

}  // namespace inzage
