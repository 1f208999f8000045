// InvalidRateState: the input.invalid_rate window as the pipeline keeps it: the window, the
// stream clock it runs on (the latest event time seen: an invalid message may have no readable
// time of its own), and its state row. The row is committed with every batch that changed the
// window and read back on start, so a restart neither forgets a burst of invalid messages nor
// counts one twice.
//
// Row "stream/invalid_rate": svarint stream time | InvalidRate record (invalid_rate.h).
//
// Ownership: owned by the pipeline; a firing rule goes to the incident tracker it is given.
// Thread safety: consume thread only. Observe* run once per message: inline, no allocation
// unless the rule fires.
#pragma once

#include <algorithm>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "detect/incidents.h"
#include "detect/invalid_rate.h"
#include "policy/policy.h"
#include "store/store.h"

namespace inzage {

class InvalidRateState {
 public:
  static constexpr std::string_view kStateKey = "stream/invalid_rate";

  explicit InvalidRateState(const Thresholds& thresholds) : rate_(thresholds) {}

  // A message that is not a valid access event; evidence_id is its event id if it had one.
  void ObserveInvalid(std::string_view evidence_id, const Thresholds& thresholds,
                      IncidentTracker* incidents) {
    Observe(/*invalid=*/true, evidence_id, thresholds, incidents);
  }
  // A valid event (after it was decided); its time moves the stream clock on.
  void ObserveValid(TimeMicros event_time, const Thresholds& thresholds,
                    IncidentTracker* incidents) {
    stream_time_ = std::max(stream_time_, event_time);
    Observe(/*invalid=*/false, "", thresholds, incidents);
  }

  // The row as stored; Corruption when it is malformed (the window is kept then).
  [[nodiscard]] Status Restore(std::string_view row);
  // Adds the row to the batch when the window changed since the last call.
  void AddToBatch(CommitBatch* batch);

 private:
  void Observe(bool invalid, std::string_view evidence_id, const Thresholds& thresholds,
               IncidentTracker* incidents) {
    dirty_ = true;
    if (rate_.Observe(stream_time_, invalid)) {
      incidents->ObserveStreamHit(RuleId::kInputInvalidRate, stream_time_, evidence_id,
                                  ExplainInvalidRate(rate_, thresholds));
    }
  }

  InvalidRate rate_;
  TimeMicros stream_time_ = 0;
  bool dirty_ = false;  // the window changed since the last AddToBatch
};

}  // namespace inzage
