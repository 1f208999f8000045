#include "app/status_threads.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace inzage::app {

using Clock = std::chrono::steady_clock;

std::unique_ptr<PeriodicThread> StartSummaryReporter(int interval_ms, int stop_after_s,
                                                     EventPipeline* pipeline,
                                                     const OutboxRelay* relay, const Store* store) {
  if (interval_ms <= 0) return nullptr;
  const auto start = Clock::now();
  auto line = [=, last = std::uint64_t{0}, last_time = start]() mutable {
    const PipelineStats& s = pipeline->stats();
    const auto now = Clock::now();
    const double secs = std::chrono::duration<double>(now - last_time).count();
    const std::uint64_t consumed = s.consumed.load();
    std::printf(
        "status: %8.0f events/s | consumed %llu | allow %llu review %llu violation "
        "%llu invalid %llu | stored %llu | dead letters %llu | alert versions %llu, "
        "sent %llu, waiting %llu\n",
        static_cast<double>(consumed - last) / secs, static_cast<unsigned long long>(consumed),
        static_cast<unsigned long long>(s.allowed.load()),
        static_cast<unsigned long long>(s.reviews.load()),
        static_cast<unsigned long long>(s.violations.load()),
        static_cast<unsigned long long>(s.invalid.load()),
        static_cast<unsigned long long>(s.stored.load()),
        static_cast<unsigned long long>(s.dead_letters.load()),
        static_cast<unsigned long long>(s.alerts_changed.load()),
        static_cast<unsigned long long>(relay->delivered()),
        static_cast<unsigned long long>(store->outbox_rows()));
    std::fflush(stdout);
    last = consumed;
    last_time = now;
    if (stop_after_s > 0 && now - start >= std::chrono::seconds(stop_after_s)) {
      pipeline->RequestStop();
    }
  };
  return std::make_unique<PeriodicThread>("inzage-summary", std::chrono::milliseconds(interval_ms),
                                          std::move(line));
}

std::unique_ptr<PeriodicThread> StartWatchdog(const ServiceNotifier* notifier,
                                              const EventPipeline* pipeline, const Store* store) {
  const auto interval = notifier->watchdog_interval();
  if (interval.count() == 0) return nullptr;
  auto ping = [=] {
    const auto last = std::chrono::nanoseconds(pipeline->stats().last_loop_ns.load());
    const auto age = Clock::now().time_since_epoch() - last;
    if (age < interval) notifier->WatchdogPing();
    const PipelineStats& s = pipeline->stats();
    notifier->Status("consumed " + std::to_string(s.consumed.load()) + ", violations " +
                     std::to_string(s.violations.load()) + ", invalid " +
                     std::to_string(s.invalid.load()) + ", alerts waiting " +
                     std::to_string(store->outbox_rows()));
  };
  return std::make_unique<PeriodicThread>("inzage-watchdog", interval, std::move(ping));
}

}  // namespace inzage::app
