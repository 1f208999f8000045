// DaemonState: everything inzaged's start-up steps build (daemon_steps.h), for the life of the
// daemon. The members are declared in the order the steps build them, so destroying the state,
// after a failed step or at the end, tears it down in reverse: the status threads first, the
// API before the relay, the relay before the pipeline, the pipeline (closing its Kafka clients)
// before the demo's embedded cluster they talk to, the store last.
//
// Ownership: owns all of it; the parts borrow each other by pointer.
// Thread safety: built and torn down on the daemon's main thread.
#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <optional>

#include "alert/outbox_relay.h"
#include "api/api_server.h"
#include "api/token.h"
#include "app/daemon_config.h"
#include "app/daemon_metrics.h"
#include "app/demo_cluster.h"
#include "app/periodic_thread.h"
#include "app/pipeline_backend.h"
#include "app/service_notifier.h"
#include "common/pseudonym.h"
#include "ingest/event_pipeline.h"
#include "ingest/membership.h"
#include "policy/policy.h"
#include "store/access_journal.h"
#include "store/store.h"

namespace inzage::app {

struct DaemonState {
  DaemonConfig config;
  DemoOptions demo;

  std::shared_ptr<const Policy> policy;  // as loaded at start (a reload swaps the pipeline's)
  std::optional<Pseudonymizer> pseudonymizer;
  std::unique_ptr<Store> store;
  std::unique_ptr<AccessJournal> access_journal;     // the API's accesses until they are stored
  std::optional<api::TokenVerifier> token_verifier;  // until the API server takes it
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<DaemonMetrics> metrics;
  DemoCluster demo_cluster;  // idle unless --demo
  std::unique_ptr<EventPipeline> pipeline;
  std::unique_ptr<OutboxRelay> relay;
  std::unique_ptr<Membership> membership;  // null without kafka.topics.membership
  std::unique_ptr<PipelineBackend> backend;
  std::unique_ptr<api::ApiServer> http;
  ServiceNotifier notifier;
  // Each null when switched off.
  std::unique_ptr<PeriodicThread> summary_reporter;
  std::unique_ptr<PeriodicThread> watchdog;
  std::unique_ptr<PeriodicThread> policy_reloader;
};

}  // namespace inzage::app
