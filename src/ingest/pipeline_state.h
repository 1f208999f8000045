// The pipeline's state in the store, besides the history: what the stateful rules and the
// incidents need to go on after a restart exactly where the last committed batch left them.
// Each batch commits the rows it changed together with its events and offsets, so state and
// history never disagree (docs/architecture.md, exactly-once state; docs/store.md).
//
//   state column family   "actor/<actor id>"      BehaviorDetector's windows of one actor
//                         "stream/invalid_rate/<topic>/<partition>"   InvalidRateState
//                         "alerts/pending"        AlertEmitter's waiting alert ids
//                         "stats/hour/<hour>"     HourlyStats (the console's overview)
//                         "partition/<actor>"     the actor's input partition
//                         "changelog/<seq>"       rows for the state changelog topic
//   alerts column family  "<alert id>"            every alert's newest version
//
// Per-actor state of a partition that moves to this instance from another one is not in this
// store: with kafka.topics.state it comes from the changelog (state_changelog.h), else its
// windows start empty here.
//
// Thread safety: consume thread, before the pipeline runs (RestoreState) or while it builds a
// batch (AddActorState).
#pragma once

#include "common/status.h"
#include "detect/behavior_detector.h"
#include "detect/hourly_stats.h"
#include "detect/incidents.h"
#include "ingest/alert_emitter.h"
#include "ingest/invalid_rate_state.h"
#include "store/store.h"

namespace inzage {

// The state row key of an actor's windows: this prefix and the actor id.
inline constexpr std::string_view kActorStatePrefix = "actor/";

// The pipeline's parts that hold state, filled by RestoreState.
struct StatefulParts {
  BehaviorDetector* detector;
  IncidentTracker* incidents;
  InvalidRateState* invalid_rate;
  AlertEmitter* alerts;
  HourlyStats* hourly;
};

// Reads the state rows and the alerts back; Corruption names a row that cannot be read. Settled
// alerts stay in the store only: memory holds the incidents still aggregating.
// Also builds the store's alert index once when its alerts predate it (store/alert_index.h).
[[nodiscard]] Status RestoreState(Store& store, const StatefulParts& parts);

// Adds the rows of the actors whose windows changed since the last call.
void AddActorState(BehaviorDetector* detector, CommitBatch* batch);

}  // namespace inzage
