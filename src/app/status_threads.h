// The daemon's two status threads: the summary line on stdout (summary_interval_ms; in the demo
// also the --demo-seconds stop) and systemd's watchdog, which is pinged only while the consume
// loop keeps turning (it turns every 50 ms when there is no input): a stalled pipeline gets no
// pings and systemd restarts it.
//
// Ownership: the threads read the pipeline, the relay, the store and the notifier, which must
// outlive them (stop them first).
// Thread safety: start and stop from the daemon's main thread.
#pragma once

#include <memory>

#include "alert/outbox_relay.h"
#include "app/periodic_thread.h"
#include "app/service_notifier.h"
#include "ingest/event_pipeline.h"
#include "store/store.h"

namespace inzage::app {

// A status line every interval_ms; after stop_after_s (0: never) it stops the pipeline.
// nullptr when interval_ms is not positive.
std::unique_ptr<PeriodicThread> StartSummaryReporter(int interval_ms, int stop_after_s,
                                                     EventPipeline* pipeline,
                                                     const OutboxRelay* relay, const Store* store);

// Watchdog pings and a STATUS= line at the notifier's interval; nullptr when systemd set no
// watchdog.
std::unique_ptr<PeriodicThread> StartWatchdog(const ServiceNotifier* notifier,
                                              const EventPipeline* pipeline, const Store* store);

}  // namespace inzage::app
