// Policy reload on SIGHUP: load the policy directory again, validate it, run its policy tests
// (policy_dir/tests), and only then swap it into the pipeline. On any failure the running
// policy stays; the log says why and the reload metric counts it (falco's "dry-run first";
// docs/architecture.md, operations).
//
// Ownership: the reloader thread uses the pipeline, the metrics and the notifier, which must
// outlive it (stop it first).
// Thread safety: ReloadPolicy from any one thread at a time (the reloader's).
#pragma once

#include <memory>
#include <string>

#include "app/daemon_metrics.h"
#include "app/periodic_thread.h"
#include "app/service_notifier.h"
#include "ingest/event_pipeline.h"

namespace inzage::app {

// One reload attempt; waits up to 60 s for the pipeline to swap the policy in.
void ReloadPolicy(const std::string& policy_dir, EventPipeline& pipeline, DaemonMetrics& metrics);

// A thread that checks for a SIGHUP (signals.h) five times a second and reloads, telling
// systemd it is reloading meanwhile.
std::unique_ptr<PeriodicThread> StartPolicyReloader(std::string policy_dir,
                                                    const ServiceNotifier* notifier,
                                                    EventPipeline* pipeline,
                                                    DaemonMetrics* metrics);

}  // namespace inzage::app
