// inzaged's start-up as named steps (falco's userspace/falco/app/actions, run by run_steps):
// each step builds one part of the DaemonState from the parts before it, or says why it
// cannot. daemon.cc lists them in order; RunSteps runs them and logs a failure with the step's
// name. Shutdown stops the running daemon in the order that loses nothing.
//
// Ownership: the steps fill the DaemonState they are given.
// Thread safety: the daemon's main thread.
#pragma once

#include <span>

#include "api/api_server.h"
#include "api/token.h"
#include "app/daemon_state.h"
#include "common/status.h"

namespace inzage::app {

struct StartupStep {
  const char* name;  // the `step` field of the log line when it fails
  Status (*run)(DaemonState& state);
};

// Runs the steps in order until one fails; that one is logged (`msg=<why> step=<name>`) and
// the result is false.
[[nodiscard]] bool RunSteps(std::span<const StartupStep> steps, DaemonState& state);

// Stops a daemon whose pipeline returned `result`: readiness and the API first, then the
// status threads, the pipeline, the relay (its last alerts) and the demo cluster; logs the
// totals. The process's exit code.
int Shutdown(DaemonState& state, const Status& result);

// The verifier of the API's bearer tokens (also `--check-config`).
Result<api::TokenVerifier> LoadTokenVerifier(const api::ApiConfig& c);

namespace steps {

Status InstallSignals(DaemonState& s);
Status ApplyLogLevel(DaemonState& s);
Status RaiseOpenFileLimit(DaemonState& s);
Status PrepareDemo(DaemonState& s);  // --demo: its state directory and keys
Status ReadPolicy(DaemonState& s);
Status ReadPseudonymKey(DaemonState& s);
Status OpenStore(DaemonState& s);
Status ReadTokenKey(DaemonState& s);
Status CreateMetrics(DaemonState& s);
Status StartDemoCluster(DaemonState& s);  // --demo: fills kafka.brokers
Status CheckKafkaConfigured(DaemonState& s);
Status ReadKafkaSecrets(DaemonState& s);   // kafka.secret_files into the client properties
Status CheckKafkaAccepts(DaemonState& s);  // a wrong password or CA stops start-up here
Status CreatePipeline(DaemonState& s);
Status StartAlertRelay(DaemonState& s);
// kafka.topics.membership: reads the members, publishes this instance (ingest/membership.h).
Status JoinMembership(DaemonState& s);
// The listener comes up before the reference topic is read, so /healthz and /readyz answer
// during start-up; /v1 reads wait for the pipeline.
Status StartApi(DaemonState& s);
// Reads the reference topic to its end and joins the consumer group.
Status StartPipeline(DaemonState& s);
// READY=1: the store is open, the policy compiled, the reference topic caught up and the HTTP
// listener bound. The demo's stream starts here.
Status AnnounceReady(DaemonState& s);
Status StartStatusThreads(DaemonState& s);

}  // namespace steps
}  // namespace inzage::app
