// IncidentTracker: turns decisions into incidents for the CISO (docs/contracts.md §4). Every fired
// rule whose verdict is violation or review is aggregated per (actor, rule): the first hit opens an
// incident (an Alert) whose window starts at that hit's event time; later hits update count,
// first/last seen, highest severity, distinct subjects and evidence instead of raising new
// alerts; a hit more than the incident window (default 24 h) after the window start closes the
// incident (no more aggregation) and opens a new one with a new deterministic id.
//
// choices where the policy is silent:
// - `subjects` counts the distinct subjects of the events aggregated (all subjects of each
//   event, not only the ones a rule named).
// - A hit older than the window start (an out-of-order event) joins the current incident and
//   may lower first_seen; the id keeps the window start.
// - Status does not stop aggregation: hits keep adding to a dismissed or acknowledged incident
//   until its window ends, so new evidence is never hidden; each update is a new version.
// - The explanation is the text of the hit that opened the incident; policy_revision is that of
//   the decision that opened it.
// - Rules about the input stream (input.invalid_rate) have no actor: ObserveStreamHit.
//
// - `department` is the actor's department in the reference data when the incident opens.
//
// Memory follows the incidents still aggregating, not the alerts raised since start:
// - Settle(watermark): an incident whose window is over in event time (the watermark, less the
//   policy's allowed lateness, is past window start + incident window) stops aggregating and
//   becomes dirty without a new version, so that the caller stores it. A hit that comes later
//   still, for that window, opens an incident of its own (like any hit after a closed
//   incident). The watermark is over all actors, not the actor's own time: otherwise the
//   incidents of an actor who never acts again would stay in memory for ever. The pipeline
//   gives the lowest of its partitions' latest event times (ingest/event_pipeline.h), so that
//   a partition consumed behind the others does not find its actors' incidents ended; without
//   one, the latest event time aggregated.
// - A cap (set_max_aggregating, pipeline.max_open_incidents): past it, Settle() also ends the
//   incidents with the oldest window start early, counted in closed_early().
// - EvictSettled() then drops what no longer aggregates and is stored.
//
// Ownership: alerts live in the tracker (references stay valid: a deque) until it is destroyed
// or, in the daemon, until EvictSettled drops the ones that no longer aggregate (they are in the
// store; a status change reloads one with Restore). The daemon persists dirty alerts and
// restores the aggregating ones at start. Borrows Policy and ReferenceData
// for severities, switches, explanations and departments. Thread safety: none; one per
// consumer thread.
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "detect/alert.h"
#include "detect/citizen_report.h"
#include "event/access_event.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "policy/reference_data.h"

namespace inzage {

class IncidentTracker {
 public:
  IncidentTracker(const Policy* policy, const ReferenceData* reference)
      : policy_(policy), reference_(reference) {}
  // A reloaded policy: severities, switches and explanations of later hits come from it.
  void SetPolicy(const Policy* policy) { policy_ = policy; }
  IncidentTracker(const IncidentTracker&) = delete;
  IncidentTracker& operator=(const IncidentTracker&) = delete;
  IncidentTracker(IncidentTracker&&) = delete;  // dirty_alerts() points into it
  IncidentTracker& operator=(IncidentTracker&&) = delete;
  ~IncidentTracker() = default;

  // Aggregates the violation and review hits of a decided event (after the behaviour detector).
  void Observe(const AccessEvent& event, const Decision& decision);
  // Aggregates a hit about the input stream rather than an actor (input.invalid_rate), if the
  // policy has the rule switched on. `source` takes the actor's place in the incident and its
  // alert id ("stream:topic/partition"); evidence_id may be empty.
  void ObserveStreamHit(RuleId rule, std::string_view source, TimeMicros t,
                        std::string_view evidence_id, std::string_view explanation);

  // A citizen's report (citizen_report.h): an alert of its own, dirty and not aggregating (the
  // caller stores it; EvictSettled then drops it). The same report twice (same citizen, entry
  // and microsecond) is the alert already there.
  const Alert& AddCitizenReport(const CitizenReport& report);

  // Changes an alert's status (alert.h has the lifecycle). NotFound for an unknown id.
  [[nodiscard]] Status Transition(std::string_view alert_id, AlertStatus to, std::string_view by,
                                  TimeMicros at, std::string_view why);

  [[nodiscard]] const Alert* Find(std::string_view alert_id) const;
  // Every alert, in order of creation (restored ones in order of restoring).
  [[nodiscard]] const std::deque<Alert>& alerts() const { return alerts_; }

  // Alerts changed since the last ClearDirty(), in order of first change (the pointers stay
  // valid while the tracker lives).
  [[nodiscard]] std::span<const Alert* const> dirty_alerts() const { return dirty_; }
  // Whether a dirty alert has a version newer than the one it had at the last ClearDirty(): an
  // incident that only stopped aggregating (its window ended) is dirty with the same version,
  // and its content, as the CISO topic shows it, did not change. True for an unknown id.
  [[nodiscard]] bool HasNewVersion(std::string_view alert_id) const;
  void ClearDirty();

  // Ends the incidents whose window is over (see the top of this file), and past the cap the
  // ones with the oldest window start. They become dirty (store them); EvictSettled() after
  // ClearDirty() then drops them from memory. Returns how many were ended.
  size_t Settle(std::optional<TimeMicros> watermark = std::nullopt);
  // The most incidents kept aggregating in memory (0: no cap).
  void set_max_aggregating(size_t max) { max_aggregating_ = max; }
  // The input partition of the hits observed next (-1: none); each hit sets its alert's
  // partition (Alert::partition).
  void set_partition(std::int32_t partition) { partition_ = partition; }
  // The incidents still aggregating whose latest hit came from `partition`.
  [[nodiscard]] std::vector<const Alert*> AggregatingOf(std::int32_t partition) const;
  // Incidents ended early because of the cap, since start.
  [[nodiscard]] std::uint64_t closed_early() const { return closed_early_; }
  // Incidents in memory that still aggregate (as of the last Settle or EvictSettled).
  [[nodiscard]] size_t aggregating() const { return aggregating_; }

  // Adds (or replaces, by id) an alert read back from the store; an alert still aggregating
  // becomes the current incident of its (actor, rule).
  [[nodiscard]] Status Restore(Alert alert);

  // Forgets the alerts that no longer aggregate (their incident window is over), which the
  // caller has already stored, and actors with no current incident: memory then follows the
  // open incidents, not everything since start. Only with no dirty alerts (after ClearDirty);
  // pointers from alerts()/Find() are invalid afterwards. Returns how many were dropped.
  size_t EvictSettled();

 private:
  using Current = std::array<std::int64_t, kRuleCount>;  // index into alerts_, or -1

  template <typename Explain>
  Alert* Record(std::string_view actor, RuleId rule, Severity severity, TimeMicros t,
                std::string_view event_id, std::string_view municipality,
                std::span<const Pseudonym> subjects, std::string_view revision, Explain&& explain);
  Current& CurrentOf(std::string_view actor);
  void MarkDirty(size_t index, std::uint64_t version_before);
  // Stops incident `index` from aggregating and lets go of its (actor, rule) slot.
  void EndIncident(size_t index);

  const Policy* policy_;
  const ReferenceData* reference_;
  std::deque<Alert> alerts_;
  StringMap<size_t> by_id_;
  StringMap<Current> current_;  // by actor ("" for the input stream)
  std::vector<const Alert*> dirty_;
  std::vector<bool> dirty_flag_;  // by index into alerts_
  // By index into alerts_: the version when it became dirty (the version stored before).
  std::vector<std::uint64_t> clean_version_;
  TimeMicros latest_time_ = INT64_MIN;  // the latest event time aggregated
  size_t max_aggregating_ = 0;
  std::int32_t partition_ = -1;
  size_t aggregating_ = 0;
  std::uint64_t closed_early_ = 0;
};

}  // namespace inzage
