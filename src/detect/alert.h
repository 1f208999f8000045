// Alert: one incident for the CISO's queue (docs/contracts.md §4): the violations or reviews of one
// rule by one actor within the incident window, aggregated; its lifecycle; its JSON; its binary
// record for the store's `alerts` and `outbox` column families.
//
// Identity: alert_id = the first 16 bytes of SHA-256("actor|rule|window_start"), window_start in
// RFC 3339, written as 32 lower-case hex digits in four groups of eight
// ("3f2a9c01-..."): deterministic, so a replay or a restart reproduces it and consumers
// de-duplicate; grouped so that no id ever contains a run of nine digits that could be taken
// for a BSN.
//
// Lifecycle (the CISO's decisions, each recorded with who, when and why):
//   open → acknowledged → confirmed_breach → reported → closed
//   open → dismissed, acknowledged → dismissed, acknowledged → closed
// `closed` is the CISO's final word on a handled alert (reported to the DPA, or acknowledged and
// dealt with without being a breach). Anything else is refused with FailedPrecondition and nothing
// changes. Every change of an alert (a hit aggregated, a status change) increments `version`: the
// CISO topic receives new versions with the same id.
//
// No BSN anywhere: subjects are counted by pseudonym; explanations are the decision texts.
// Thread safety: values; no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "detect/distinct_counter.h"
#include "policy/rule_catalogue.h"

namespace inzage {

enum class AlertStatus : std::uint8_t {
  kOpen,
  kAcknowledged,
  kDismissed,
  kConfirmedBreach,
  kReported,
  kClosed,  // appended: stored records and the store's alert index hold these numbers
};
inline constexpr std::array<std::string_view, 6> kAlertStatusNames = {
    "open", "acknowledged", "dismissed", "confirmed_breach", "reported", "closed"};
inline constexpr size_t kAlertStatusCount = kAlertStatusNames.size();
// Not yet reported nor set aside: its breach deadline still matters (the metrics' "deadline
// within 24 h").
[[nodiscard]] constexpr bool Unresolved(AlertStatus s) {
  return s == AlertStatus::kOpen || s == AlertStatus::kAcknowledged ||
         s == AlertStatus::kConfirmedBreach;
}
std::optional<AlertStatus> AlertStatusFromName(std::string_view name);

struct StatusChange {
  AlertStatus from = AlertStatus::kOpen;
  AlertStatus to = AlertStatus::kOpen;
  std::string by;  // who (an account id of the CISO or privacy officer)
  TimeMicros at = 0;
  std::string why;
};

struct Alert {
  static constexpr size_t kMaxEvidence = 100;
  // A notifiable breach must reach the Dutch DPA within 72 hours (§2.2.13).
  static constexpr TimeMicros kBreachReportingTime = TimeMicros{72} * 3600 * kMicrosPerSecond;

  std::string alert_id;
  std::uint64_t version = 0;
  RuleId rule = RuleId::kCount;
  Severity severity = Severity::kNone;  // the highest seen
  Verdict verdict = Verdict::kViolation;
  std::string actor;            // empty for rules about the input stream (input.invalid_rate)
  std::string municipality;     // of the first event; empty when none
  std::string department;       // the actor's, from the reference data when the incident opened;
                                // empty when unknown (no actor, not an employee, none given)
  TimeMicros window_start = 0;  // time of the hit that opened the incident; part of the id
  TimeMicros first_seen = 0;
  TimeMicros last_seen = 0;
  std::uint64_t count = 0;            // hits aggregated (events)
  DistinctCounter subjects;           // distinct subjects of those events
  std::vector<std::string> evidence;  // the first kMaxEvidence event ids; the total is `count`
  std::string explanation;            // the explanation of the first hit
  AlertStatus status = AlertStatus::kOpen;
  std::vector<StatusChange> history;
  std::string policy_revision;  // of the decision that opened the incident
  bool aggregating = true;      // false once a hit came after the incident window
  // The input partition of the latest hit (-1: none, e.g. a citizen's report): an incident
  // still aggregating follows its partition to another instance (ingest/state_changelog.h).
  // Not part of the alert's JSON.
  std::int32_t partition = -1;

  // 72 hours from when the organisation could know: the first hit, or for a citizen's report
  // (whose access may be months old) the report (window_start, detect/citizen_report.h).
  [[nodiscard]] TimeMicros breach_deadline() const {
    const TimeMicros known = rule == RuleId::kCitizenReported ? window_start : first_seen;
    return known + kBreachReportingTime;
  }
};

// The deterministic id of the incident of `actor` and `rule` that started at `window_start`.
std::string AlertId(std::string_view actor, RuleId rule, TimeMicros window_start);

[[nodiscard]] bool TransitionAllowed(AlertStatus from, AlertStatus to);
// Moves an alert to another status, recording who, when and why (both required).
[[nodiscard]] Status TransitionAlert(Alert* alert, AlertStatus to, std::string_view by,
                                     TimeMicros at, std::string_view why);

// One line of JSON (docs/contracts.md §4). `guidance`, the policy's text of what to do for the
// alert's rule (Policy::guidance), is included when given.
std::string AlertToJson(const Alert& alert, std::string_view guidance = {});

// Alert record, all integers varints (state_codec.h):
//   u8 format version (2), string alert_id, varint version, u8 rule, u8 severity, u8 verdict,
//   string actor, string municipality, svarint window_start, first_seen, last_seen,
//   varint count, DistinctCounter, varint n + n × string evidence, string explanation,
//   u8 status, varint n + n × (u8 from, u8 to, string by, svarint at, string why),
//   string policy_revision, u8 aggregating, string department, svarint partition.
// Version 2 is version 3 without `partition` (read as -1), version 1 is version 2 without
// `department` (read as unknown); all three are read.
std::string SerializeAlert(const Alert& alert);
Result<Alert> ParseAlert(std::string_view bytes);

}  // namespace inzage
