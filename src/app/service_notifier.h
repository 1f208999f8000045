// ServiceNotifier: systemd's notification protocol (sd_notify) for Type=notify services:
// READY=1 once inzaged can decide events, STATUS= lines with a short live summary, and
// WATCHDOG=1 pings while the pipeline makes progress. Outside systemd (no NOTIFY_SOCKET) every
// call is a no-op.
// Thread safety: stateless wrappers; sd_notify may be called from any thread.
#pragma once

#include <chrono>
#include <string>

namespace inzage::app {

class ServiceNotifier {
 public:
  ServiceNotifier();
  void Ready(const std::string& status) const;
  void Status(const std::string& status) const;
  void Stopping() const;
  // RELOADING=1 while a SIGHUP reload runs (Ready() ends it).
  void Reloading() const;
  void WatchdogPing() const;
  // The interval at which pings are due (half of WatchdogSec), or zero when no watchdog is set.
  [[nodiscard]] std::chrono::milliseconds watchdog_interval() const { return watchdog_; }

 private:
  std::chrono::milliseconds watchdog_{0};
};

}  // namespace inzage::app
