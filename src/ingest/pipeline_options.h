// PipelineOptions: what the consume-decide-commit pipeline is told by its owner (the daemon
// composes them from its configuration; tests build them directly).
// Thread safety: a value.
#pragma once

#include "kafka/options.h"

namespace inzage {

// The `pipeline:` section of config/inzaged.yaml.
struct PipelineTuning {
  int batch_max_events = 20000;
  int batch_max_latency_ms = 200;
  int outbox_max_rows = 100000;  // consumption pauses above this (relay falling behind)
  // An open incident's updates (count, last seen, evidence) go to the CISO topic at most this
  // often; new alerts, status and severity changes and closed incidents go at once. 0: every
  // version.
  int alert_update_interval_ms = 5000;
  // Incidents still aggregating that the pipeline keeps in memory. An incident leaves memory
  // when its window is over in event time (detect/incidents.h); past this many, the ones that
  // started first end early, and their next hit opens a new incident
  // (inzage_incidents_closed_early_total). 0: no cap.
  int max_open_incidents = 100000;
};

struct PipelineOptions {
  kafka::Options kafka;
  PipelineTuning pipeline;
  int reference_timeout_ms = 120000;  // how long Start waits for the reference topic
  int shutdown_timeout_ms = 30000;    // how long a drain waits for dead-letter acknowledgements
};

}  // namespace inzage
