// WorkerPool: a fixed number of threads running jobs from a bounded queue. The HTTP server
// hands each request to it so that a slow handler (a store read, a commit) never holds up the
// I/O thread; when the queue is full, TrySubmit says no and the server answers 503 at once
// instead of letting requests pile up.
//
// Ownership: owns its threads; Stop (or the destructor) runs the jobs already queued, then
// joins. Thread safety: TrySubmit from any thread.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace inzage::api {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued, const std::string& thread_name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the job is then not run.
  [[nodiscard]] bool TrySubmit(std::function<void()> job) EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);
  [[nodiscard]] size_t queued() const EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);

  const size_t max_queued_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace inzage::api
