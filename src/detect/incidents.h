// IncidentTracker: turns decisions into incidents for the CISO (contracts §4). Every fired rule
// whose verdict is violation or review is aggregated per (actor, rule): the first hit opens an
// incident (an Alert) whose window starts at that hit's event time; later hits update count,
// first/last seen, highest severity, distinct subjects and evidence instead of raising new
// alerts; a hit more than the incident window (default 24 h) after the window start closes the
// incident (no more aggregation) and opens a new one with a new deterministic id.
//
// Choices where the brief is silent:
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
// Ownership: alerts live in the tracker (references stay valid: a deque) until it is destroyed
// or, in the daemon, until EvictSettled drops the ones that no longer aggregate (they are in the
// store; a status change reloads one with Restore). The daemon persists dirty alerts and
// restores the aggregating ones at start. Borrows Policy and ReferenceData
// for severities, switches and explanations. Thread safety: none; one per consumer thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "detect/alert.h"
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
  // policy has the rule switched on. evidence_id may be empty.
  void ObserveStreamHit(RuleId rule, TimeMicros t, std::string_view evidence_id,
                        std::string_view explanation);

  // Changes an alert's status (alert.h has the lifecycle). NotFound for an unknown id.
  [[nodiscard]] Status Transition(std::string_view alert_id, AlertStatus to, std::string_view by,
                                  TimeMicros at, std::string_view why);

  [[nodiscard]] const Alert* Find(std::string_view alert_id) const;
  // Every alert, in order of creation (restored ones in order of restoring).
  [[nodiscard]] const std::deque<Alert>& alerts() const { return alerts_; }

  // Alerts changed since the last ClearDirty(), in order of first change (the pointers stay
  // valid while the tracker lives).
  [[nodiscard]] std::span<const Alert* const> dirty_alerts() const { return dirty_; }
  void ClearDirty();

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
  void MarkDirty(size_t index);

  const Policy* policy_;
  const ReferenceData* reference_;
  std::deque<Alert> alerts_;
  StringMap<size_t> by_id_;
  StringMap<Current> current_;  // by actor ("" for the input stream)
  std::vector<const Alert*> dirty_;
  std::vector<bool> dirty_flag_;  // by index into alerts_
};

}  // namespace inzage
