// The alert index: what the CISO's queue and the metrics read instead of scanning the `alerts`
// column family (docs/store.md, "The alert index"). Commit keeps it, in the same WriteBatch as
// the alert rows it describes, so that it is exactly as current as they are, also after a crash.
//
// Column family `alert_index`, four kinds of key (the first byte says which):
//   'i' | status | severity | breach deadline (8) | alert id  -> u8 rule | u16 len | municipality
//        | u16 len | department: the list, in (deadline, id) order within one (status,
//        severity); the value lets filters on rule, municipality and department run without
//        reading the alert.
//   'r' | alert id -> status | severity | deadline (8) | u8 aggregating: where the alert stands
//        in the index, so that the next version can move it (the store does not read alerts:
//        detect is above it).
//   'a' | alert id -> "": the alerts whose incident still aggregates, which the pipeline
//        restores at start without reading every alert.
//   'c' | status | severity | deadline hour (8) -> u64 count: how many alerts the index holds
//        per status, severity and hour of the breach deadline. The store keeps them in memory
//        too (loaded at open, moved on after every written commit): the metrics and the list's
//        `total` read them, and "deadline within 24 h" sums the hours before it and reads only
//        the boundary hour's entries.
// Status, severity and rule are the numbers of detect's AlertStatus, policy's Severity and
// RuleId; times are 8 bytes big-endian with the sign bit flipped, as in store/keys.h.
//
// Idempotent: a row written again with the same status, severity, deadline and aggregating flag
// moves nothing and counts nothing, so a replayed batch changes no count.
//
// meta "alert_index" = "1" says the index is complete. A store that held alerts before the
// index existed (schema 2) lacks it until the pipeline rebuilds it at start
// (Store::RebuildAlertIndex).
//
// Thread safety: pure functions; the Store methods that use them say theirs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace inzage {

// What the index knows of an alert: everything the list sorts and filters by.
struct AlertIndexFields {
  std::uint8_t status = 0;    // AlertStatus (detect/alert.h)
  std::uint8_t severity = 0;  // Severity (policy/rule_catalogue.h)
  std::uint8_t rule = 0;      // RuleId
  TimeMicros deadline = 0;    // the breach deadline: first_seen + 72 h
  bool aggregating = false;   // its incident still takes hits
  std::string municipality;   // empty when none
  std::string department;     // empty when unknown
};

// One alert row of a commit: the record and what the index needs of it.
struct AlertRow {
  std::string id;
  std::string value;  // the alert record (detect/alert.h, SerializeAlert)
  AlertIndexFields index;
};

// A place in the list's order: deadline ascending, then severity descending, then alert id.
// (first_seen is deadline - 72 h, so "then first_seen" adds nothing.) The status is not part
// of it: an alert id is in one status at a time.
struct AlertListPosition {
  TimeMicros deadline = 0;
  std::uint8_t severity = 0;
  std::string id;
};

// The list's filters; unset: any.
struct AlertListFilter {
  std::optional<std::uint8_t> status;
  std::optional<std::uint8_t> severity;
  std::optional<std::uint8_t> rule;
  std::optional<std::string> municipality;
  std::optional<std::string> department;
};

struct AlertListPage {
  std::vector<std::string> ids;           // in list order
  std::optional<AlertListPosition> next;  // where the next page starts after; none: the end
  size_t scanned = 0;                     // index entries looked at
  bool budget_exhausted = false;          // stopped by the budget before the page was full
};

namespace alert_index {

inline constexpr char kEntry = 'i';
inline constexpr char kRef = 'r';
inline constexpr char kAggregating = 'a';
inline constexpr char kCount = 'c';
inline constexpr std::string_view kCompleteMetaKey = "alert_index";

inline constexpr TimeMicros kHour = TimeMicros{3600} * 1'000'000;
// The hour of a deadline that counts are kept by (floor, also before 1970).
inline TimeMicros HourOf(TimeMicros t) { return (t >= 0 ? t : t - kHour + 1) / kHour * kHour; }

std::string EntryPrefix(std::uint8_t status, std::uint8_t severity);
std::string EntryKey(std::uint8_t status, std::uint8_t severity, TimeMicros deadline,
                     std::string_view id);
std::string EntryValue(const AlertIndexFields& f);
// Rule, municipality and department of an entry's value; false when malformed.
bool ParseEntryValue(std::string_view value, std::uint8_t* rule, std::string_view* municipality,
                     std::string_view* department);
// Deadline and id of an entry key (after its 3-byte prefix); false when malformed.
bool ParseEntryKey(std::string_view key, TimeMicros* deadline, std::string_view* id);

std::string RefKey(std::string_view id);
std::string RefValue(const AlertIndexFields& f);
bool ParseRefValue(std::string_view value, AlertIndexFields* f);

std::string AggregatingKey(std::string_view id);

std::string CountKey(std::uint8_t status, std::uint8_t severity, TimeMicros hour);
bool ParseCountKey(std::string_view key, std::uint8_t* status, std::uint8_t* severity,
                   TimeMicros* hour);

}  // namespace alert_index
}  // namespace inzage
