// BatchWriter: the writer thread. It commits one batch to the store, events and consumed
// positions in one write, while the consume thread builds the next; at most one batch waits,
// so the consume thread waits only when it is a whole batch ahead. For each batch, in order:
//   1. its dead letters are acknowledged (the offsets of an invalid message are stored only
//      once the message is safely in the dead-letter topic);
//   2. the store commits it;
//   3. the local requests in it are answered (with the commit's outcome);
//   4. its offsets go to Kafka and the commit hooks run (metrics, the alert relay).
// A failed commit is final: the error is kept, and every later Hand and WaitIdle returns it.
//
// Ownership: owns the thread, the batch waiting and the batch being written. The events of a
// committed batch come back to the consume thread through Hand, which refills them instead of
// allocating each event's strings anew (and this thread freeing them); one batch's worth is
// kept.
// Thread safety: Start, Hand, WaitIdle, error() and Stop from the consume thread; the setters
// before Start. The hooks and the waiters run on the writer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "ingest/dead_letters.h"
#include "ingest/offsets.h"
#include "ingest/pipeline_stats.h"
#include "store/store.h"

namespace inzage {

// Answers a local request in a batch with the outcome of its commit.
using CommitWaiter = std::function<void(const Status&)>;

class BatchWriter {
 public:
  BatchWriter(Store* store, DeadLetters* dead_letters, Offsets* offsets, PipelineStats* stats);
  ~BatchWriter();  // stops the thread (after the batch it holds)
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Called after each store commit with its latency and number of events (metrics).
  void set_on_commit_metrics(std::function<void(double seconds, size_t events)> f) {
    on_commit_metrics_ = std::move(f);
  }
  // Called after each store commit (the outbox relay wakes up).
  void set_on_commit(std::function<void()> f) { on_commit_ = std::move(f); }

  void Start();
  // Waits while the previous batch still waits, then takes *batch (left empty) as number
  // `number` with its waiters (cleared). When *spare_events is empty, it gets the events of an
  // earlier committed batch to refill. The writer's error, if it failed, and then takes nothing.
  [[nodiscard]] Status Hand(CommitBatch* batch, std::uint64_t number,
                            std::vector<CommitWaiter>* waiters,
                            std::vector<StoredEvent>* spare_events) EXCLUDES(mu_);
  // Whether Hand would take a batch at once (no batch waits for the writer), waiting up to
  // `timeout` for that; false also when the writer failed (Hand then returns its error).
  [[nodiscard]] bool WaitForRoom(std::chrono::microseconds timeout) EXCLUDES(mu_);
  // Until no batch waits or is being written; the writer's error, if it failed.
  [[nodiscard]] Status WaitIdle() EXCLUDES(mu_);
  // The writer's error, if it failed. Every turn of the consume loop asks: no lock unless it
  // failed.
  [[nodiscard]] Status error() EXCLUDES(mu_) {
    if (!failed_.load(std::memory_order_acquire)) return Status::Ok();
    return LockedError();
  }
  // Ends the thread once the batch it holds is written.
  void Stop() EXCLUDES(mu_);

 private:
  struct Handoff {
    CommitBatch batch;
    std::uint64_t number = 0;
    std::vector<CommitWaiter> waiters;
  };
  [[nodiscard]] Status LockedError() EXCLUDES(mu_);
  void Loop() EXCLUDES(mu_);
  // Steps 1 to 4 above for one batch.
  Status Write(Handoff& handoff);

  Store* const store_;
  DeadLetters* const dead_letters_;
  Offsets* const offsets_;
  PipelineStats* const stats_;
  std::function<void()> on_commit_;
  std::function<void(double, size_t)> on_commit_metrics_;
  std::thread thread_;
  Mutex mu_;
  CondVar cv_;  // a batch handed over or taken, the writer idle or stopping
  std::optional<Handoff> pending_ GUARDED_BY(mu_);
  std::vector<StoredEvent> returned_events_ GUARDED_BY(mu_);
  bool writing_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  Status error_ GUARDED_BY(mu_);
  std::atomic<bool> failed_{false};  // set with error_: read without the lock
};

}  // namespace inzage
