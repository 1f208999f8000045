// inzaged's signals: SIGTERM and SIGINT stop the daemon (the pipeline drains: the batch in
// flight is committed, the group left); SIGHUP asks for a policy reload, which the reloader
// thread does (policy_reload.h): loading and testing a policy take a while, and a handler may
// only set an atomic.
//
// Ownership: the stop target is the daemon's pipeline, registered while it exists.
// Thread safety: any thread; the handlers only touch atomics.
#pragma once

#include "ingest/event_pipeline.h"

namespace inzage::app {

void InstallSignalHandlers();

// The pipeline a stop signal stops (nullptr: none, before it exists and after it is gone). A
// stop signal that came before is passed on at once.
void SetStopTarget(EventPipeline* pipeline);

// True once per SIGHUP received since the last call.
[[nodiscard]] bool TakeReloadRequest();

}  // namespace inzage::app
