#include "api/worker_pool.h"

#include "common/thread_name.h"

namespace inzage::api {

WorkerPool::WorkerPool(int threads, size_t max_queued, const std::string& thread_name)
    : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, thread_name] {
      NameThisThread(thread_name);
      Run();
    });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(std::function<void()> job) {
  {
    MutexLock lock(&mu_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.Signal();
  return true;
}

size_t WorkerPool::queued() const {
  MutexLock lock(&mu_);
  return jobs_.size();
}

void WorkerPool::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> job;
    {
      MutexLock lock(&mu_);
      while (jobs_.empty() && !stopping_) cv_.Wait(&mu_);
      if (jobs_.empty()) return;  // stopping, and everything queued has run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace inzage::api
