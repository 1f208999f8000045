// PeriodicThread: a named thread that runs a function once every interval until it is stopped
// (the daemon's status line, watchdog pings and reload checks). The first run is one interval
// after the start; Stop wakes the thread at once, and waits for a run in progress to finish.
//
// Ownership: owns the thread and the function.
// Thread safety: construct and Stop from one thread; the function runs on the new thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/mutex.h"

namespace inzage::app {

class PeriodicThread {
 public:
  // name: the thread's name (ps, top, gdb); at most 15 characters are kept.
  PeriodicThread(std::string name, std::chrono::milliseconds interval, std::function<void()> run);
  ~PeriodicThread();  // stops
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  void Stop() EXCLUDES(mu_);

 private:
  void Loop(const std::string& name) EXCLUDES(mu_);

  const std::chrono::milliseconds interval_;
  const std::function<void()> run_;
  Mutex mu_;
  CondVar cv_;  // the stop
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: it starts once the members above exist
};

}  // namespace inzage::app
