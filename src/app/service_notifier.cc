#include "app/service_notifier.h"

#include <systemd/sd-daemon.h>

namespace inzage::app {

ServiceNotifier::ServiceNotifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) {
    watchdog_ = std::chrono::milliseconds(usec / 2000);  // ping twice per period
  }
}

void ServiceNotifier::Ready(const std::string& status) const {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceNotifier::Status(const std::string& status) const {
  sd_notifyf(0, "STATUS=%s", status.c_str());
}

void ServiceNotifier::Stopping() const { sd_notify(0, "STOPPING=1"); }

void ServiceNotifier::Reloading() const { sd_notify(0, "RELOADING=1"); }

void ServiceNotifier::WatchdogPing() const { sd_notify(0, "WATCHDOG=1"); }

}  // namespace inzage::app
