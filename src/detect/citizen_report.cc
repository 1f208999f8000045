#include "detect/citizen_report.h"

namespace inzage {

Alert CitizenReportAlert(const CitizenReport& report, std::string_view policy_revision) {
  Alert a;
  const RuleId rule = RuleId::kCitizenReported;
  a.alert_id =
      AlertId("citizen|" + report.subject.Hex() + "|" + report.event_id, rule, report.reported_at);
  a.version = 1;
  a.rule = rule;
  a.severity = report.severity;
  a.verdict = InfoOf(rule).verdict;
  a.actor = report.actor;
  a.municipality = report.municipality;
  a.department = report.department;
  a.window_start = report.reported_at;
  a.first_seen = a.last_seen = report.event_time;
  a.count = 1;
  a.subjects.Add(report.subject);
  a.evidence.push_back(report.event_id);
  a.explanation = "a citizen does not recognise this access";
  if (report.text.empty()) {
    a.explanation += " (no text given)";
  } else {
    a.explanation += "; in their words: \"" + report.text + "\"";
  }
  a.policy_revision = std::string(policy_revision);
  // A report stands alone: nothing more joins it, so it is stored and leaves memory at once.
  a.aggregating = false;
  return a;
}

}  // namespace inzage
