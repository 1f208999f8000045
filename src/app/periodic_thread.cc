#include "app/periodic_thread.h"

#include <utility>

#include "common/thread_name.h"

namespace inzage::app {

PeriodicThread::PeriodicThread(std::string name, std::chrono::milliseconds interval,
                               std::function<void()> run)
    : interval_(interval),
      run_(std::move(run)),
      thread_([this, name = std::move(name)] { Loop(name); }) {}

PeriodicThread::~PeriodicThread() { Stop(); }

void PeriodicThread::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Loop(const std::string& name) {
  NameThisThread(name);
  MutexLock lock(&mu_);
  for (;;) {
    const auto deadline = std::chrono::steady_clock::now() + interval_;
    while (!stop_) {
      if (!cv_.WaitUntil(&mu_, deadline)) break;  // the interval is over
    }
    if (stop_) return;
    lock.Unlock();  // Stop may come while it runs
    run_();
    lock.Lock();
  }
}

}  // namespace inzage::app
