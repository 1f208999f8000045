// CitizenReport: a citizen says "I don't recognise this access" about an entry of their own
// history (POST /v1/me/reports), and it becomes an alert of rule citizen.reported in the CISO's
// queue, stored and relayed to the CISO topic like any other.
//
// Unlike the decided rules, a report is not aggregated: each is an alert of its own, its
// incident over at once (not aggregating), so that one citizen's words are never folded into
// another's and the reference the citizen gets (the alert id) names their report alone.
//
// Identity: AlertId over "citizen|<subject pseudonym>|<event id>" and the time of the report, so
// the id says nothing of the citizen (a hash) and two reports of one entry are two alerts.
//
// No BSN: the citizen is a pseudonym (counted in `subjects`, never written out); the text has
// been bounded and its digit runs redacted by the API (api/report_text.h) before it gets here.
// Thread safety: values; no shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/pseudonym.h"
#include "common/time.h"
#include "detect/alert.h"

namespace inzage {

struct CitizenReport {
  std::string event_id;       // the access reported: the alert's evidence
  TimeMicros event_time = 0;  // when that access was made
  std::string actor;          // who made that access
  std::string municipality;   // of that access
  std::string department;     // the actor's, as stored with that access; may be empty
  Pseudonym subject;          // the citizen who reports
  std::string text;           // the citizen's words, redacted; may be empty
  Severity severity = InfoOf(RuleId::kCitizenReported).severity;  // api.citizen_report_severity
  TimeMicros reported_at = 0;
};

// The alert a report becomes: version 1, open, one hit, evidence the reported event, the
// explanation carrying the citizen's text. first_seen and last_seen are the access's time, as
// for any alert the times of its evidence (so the evidence is found in the actor's history
// there); window_start is the report's, and the breach deadline counts from it (alert.h).
Alert CitizenReportAlert(const CitizenReport& report, std::string_view policy_revision);

}  // namespace inzage
