#include "ingest/batch_writer.h"

#include <chrono>
#include <utility>

#include "common/thread_name.h"

namespace inzage {

BatchWriter::BatchWriter(Store* store, DeadLetters* dead_letters, Offsets* offsets,
                         PipelineStats* stats)
    : store_(store), dead_letters_(dead_letters), offsets_(offsets), stats_(stats) {}

BatchWriter::~BatchWriter() { Stop(); }

void BatchWriter::Start() {
  thread_ = std::thread([this] {
    NameThisThread("inzage-writer");
    Loop();
  });
}

void BatchWriter::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

Status BatchWriter::LockedError() {
  MutexLock lock(&mu_);
  return error_;
}

Status BatchWriter::Hand(CommitBatch* batch, std::uint64_t number,
                         std::vector<CommitWaiter>* waiters,
                         std::vector<StoredEvent>* spare_events) {
  MutexLock lock(&mu_);
  while (pending_.has_value() && error_.ok()) cv_.Wait(&mu_);
  if (!error_.ok()) return error_;
  pending_.emplace(Handoff{std::move(*batch), number, std::move(*waiters)});
  if (spare_events->empty()) spare_events->swap(returned_events_);
  cv_.SignalAll();
  lock.Unlock();
  *batch = CommitBatch{};
  waiters->clear();
  return Status::Ok();
}

bool BatchWriter::WaitForRoom(std::chrono::microseconds timeout) {
  MutexLock lock(&mu_);
  if (pending_.has_value() && error_.ok()) (void)cv_.WaitFor(&mu_, timeout);
  return !pending_.has_value() && error_.ok();
}

Status BatchWriter::WaitIdle() {
  MutexLock lock(&mu_);
  while ((pending_.has_value() || writing_) && error_.ok()) cv_.Wait(&mu_);
  return error_;
}

void BatchWriter::Loop() {
  for (;;) {
    Handoff handoff;
    {
      MutexLock lock(&mu_);
      while (!pending_.has_value() && !stop_) cv_.Wait(&mu_);
      if (!pending_.has_value()) return;
      handoff = std::move(*pending_);
      pending_.reset();
      writing_ = true;
      cv_.SignalAll();
    }
    const Status written = Write(handoff);
    MutexLock lock(&mu_);
    writing_ = false;
    if (returned_events_.empty()) returned_events_.swap(handoff.batch.events);
    if (!written.ok() && error_.ok()) {
      error_ = written;
      failed_.store(true, std::memory_order_release);
    }
    cv_.SignalAll();
  }
}

Status BatchWriter::Write(Handoff& handoff) {
  const CommitBatch& batch = handoff.batch;
  const auto started = std::chrono::steady_clock::now();
  const size_t events = batch.events.size();
  const Status dead_letters = dead_letters_->Await(handoff.number);
  Result<CommitResult> r =
      dead_letters.ok() ? store_->Commit(handoff.batch) : Result<CommitResult>(dead_letters);
  for (CommitWaiter& w : handoff.waiters) w(r.ok() ? Status::Ok() : r.status());
  if (!r.ok()) {
    ++stats_->store_errors;
    return r.status();
  }
  if (on_commit_metrics_) {
    on_commit_metrics_(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), events);
  }
  stats_->stored += r->stored_events;
  stats_->duplicates += r->duplicate_events;
  ++stats_->batches;
  offsets_->CommitStored(batch.positions);
  if (on_commit_) on_commit_();
  return Status::Ok();
}

}  // namespace inzage
