#include "detect/alert.h"

#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/sha256.h"
#include "policy/decision.h"

namespace inzage {
namespace {

constexpr std::uint8_t kAlertFormatVersion = 3;
constexpr std::uint8_t kAlertFormatWithoutPartition = 2;
constexpr std::uint8_t kAlertFormatWithoutDepartment = 1;
constexpr size_t kMaxStringBytes = 1 << 20;

std::string_view StatusName(AlertStatus s) { return kAlertStatusNames[static_cast<size_t>(s)]; }

}  // namespace

std::optional<AlertStatus> AlertStatusFromName(std::string_view name) {
  for (size_t i = 0; i < kAlertStatusNames.size(); ++i) {
    if (kAlertStatusNames[i] == name) return static_cast<AlertStatus>(i);
  }
  return std::nullopt;
}

std::string AlertId(std::string_view actor, RuleId rule, TimeMicros window_start) {
  const std::string input =
      fmt::format("{}|{}|{}", actor, InfoOf(rule).id, FormatRfc3339(window_start));
  const Sha256Digest digest = Sha256(input);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(35);
  for (size_t i = 0; i < 16; ++i) {
    if (i > 0 && i % 4 == 0) id.push_back('-');
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 15]);
  }
  return id;
}

bool TransitionAllowed(AlertStatus from, AlertStatus to) {
  switch (from) {
    case AlertStatus::kOpen:
      return to == AlertStatus::kAcknowledged || to == AlertStatus::kDismissed;
    case AlertStatus::kAcknowledged:
      return to == AlertStatus::kDismissed || to == AlertStatus::kConfirmedBreach ||
             to == AlertStatus::kClosed;
    case AlertStatus::kConfirmedBreach:
      return to == AlertStatus::kReported;
    case AlertStatus::kReported:
      return to == AlertStatus::kClosed;
    case AlertStatus::kDismissed:
    case AlertStatus::kClosed:
      return false;
  }
  return false;
}

Status TransitionAlert(Alert* alert, AlertStatus to, std::string_view by, TimeMicros at,
                       std::string_view why) {
  if (by.empty()) {
    return Status::InvalidArgument(
        fmt::format("alert {}: a status change must name who makes it", alert->alert_id));
  }
  if (why.empty()) {
    return Status::InvalidArgument(
        fmt::format("alert {}: a status change must say why", alert->alert_id));
  }
  if (!TransitionAllowed(alert->status, to)) {
    std::string allowed;
    for (size_t i = 0; i < kAlertStatusNames.size(); ++i) {
      if (!TransitionAllowed(alert->status, static_cast<AlertStatus>(i))) continue;
      if (!allowed.empty()) allowed += ", ";
      allowed += kAlertStatusNames[i];
    }
    return Status::FailedPrecondition(
        fmt::format("alert {}: cannot change status from {} to {} (allowed from {}: {})",
                    alert->alert_id, StatusName(alert->status), StatusName(to),
                    StatusName(alert->status), allowed.empty() ? "none, it is final" : allowed));
  }
  alert->history.push_back(StatusChange{alert->status, to, std::string(by), at, std::string(why)});
  alert->status = to;
  ++alert->version;
  return Status::Ok();
}

std::string AlertToJson(const Alert& a, std::string_view guidance) {
  const RuleInfo& info = InfoOf(a.rule);
  std::string out;
  out.reserve(512 + a.evidence.size() * 32);
  JsonWriter w(&out);
  w.BeginObject().Member("alert_id", a.alert_id).Member("version", a.version);
  w.Member("rule", info.id).Key("severity");
  if (a.severity == Severity::kNone) {
    w.Null();
  } else {
    w.String(NameOf(kSeverityNames, a.severity));
  }
  w.Member("verdict", NameOf(kVerdictNames, a.verdict));
  w.Key("actor").StringOrNull(a.actor).Key("municipality").StringOrNull(a.municipality);
  w.Key("department").StringOrNull(a.department);
  w.Member("first_seen", FormatRfc3339(a.first_seen))
      .Member("last_seen", FormatRfc3339(a.last_seen));
  w.Member("count", a.count).Member("subjects", a.subjects.Count());
  w.Key("evidence").BeginObject().Key("event_ids").BeginArray();
  for (const std::string& id : a.evidence) w.String(id);
  w.EndArray().Member("total", a.count).EndObject();
  w.Member("explanation", a.explanation).Key("policy_refs").BeginArray();
  // "§2.2.2, Bijlage 3 a.5" lists two references.
  std::string_view refs = info.policy_ref;
  while (!refs.empty()) {
    const size_t comma = refs.find(", ");
    w.String(refs.substr(0, comma));
    refs = comma == std::string_view::npos ? std::string_view() : refs.substr(comma + 2);
  }
  w.EndArray();
  w.Member("breach_deadline", FormatRfc3339(a.breach_deadline()))
      .Member("status", StatusName(a.status));
  w.Key("status_history").BeginArray();
  for (const StatusChange& c : a.history) {
    w.BeginObject()
        .Member("from", StatusName(c.from))
        .Member("to", StatusName(c.to))
        .Member("by", c.by)
        .Member("at", FormatRfc3339(c.at))
        .Member("why", c.why)
        .EndObject();
  }
  w.EndArray().Member("policy_revision", a.policy_revision);
  if (!guidance.empty()) w.Member("guidance", guidance);
  w.EndObject();
  return out;
}

std::string SerializeAlert(const Alert& a) {
  std::string out;
  StateWriter w(&out);
  w.U8(kAlertFormatVersion);
  w.String(a.alert_id);
  w.Varint(a.version);
  w.U8(static_cast<std::uint8_t>(a.rule));
  w.U8(static_cast<std::uint8_t>(a.severity));
  w.U8(static_cast<std::uint8_t>(a.verdict));
  w.String(a.actor);
  w.String(a.municipality);
  w.Svarint(a.window_start);
  w.Svarint(a.first_seen);
  w.Svarint(a.last_seen);
  w.Varint(a.count);
  a.subjects.Serialize(&w);
  w.Varint(a.evidence.size());
  for (const auto& id : a.evidence) w.String(id);
  w.String(a.explanation);
  w.U8(static_cast<std::uint8_t>(a.status));
  w.Varint(a.history.size());
  for (const StatusChange& c : a.history) {
    w.U8(static_cast<std::uint8_t>(c.from));
    w.U8(static_cast<std::uint8_t>(c.to));
    w.String(c.by);
    w.Svarint(c.at);
    w.String(c.why);
  }
  w.String(a.policy_revision);
  w.U8(a.aggregating ? 1 : 0);
  w.String(a.department);
  w.Svarint(a.partition);
  return out;
}

Result<Alert> ParseAlert(std::string_view bytes) {
  StateReader r(bytes);
  Alert a;
  const std::uint8_t format = r.U8();
  if (r.ok() && format != kAlertFormatVersion && format != kAlertFormatWithoutPartition &&
      format != kAlertFormatWithoutDepartment) {
    return Status::Corruption(fmt::format("alert record: unknown format version {}", format));
  }
  auto enum_byte = [&r](size_t limit) {
    const std::uint8_t v = r.U8();
    if (v >= limit) r.Fail();
    return v;
  };
  a.alert_id = r.String(kMaxStringBytes);
  a.version = r.Varint();
  a.rule = static_cast<RuleId>(enum_byte(kRuleCount));
  a.severity = static_cast<Severity>(enum_byte(kSeverityNames.size()));
  a.verdict = static_cast<Verdict>(enum_byte(kVerdictNames.size()));
  a.actor = r.String(kMaxStringBytes);
  a.municipality = r.String(kMaxStringBytes);
  a.window_start = r.Svarint();
  a.first_seen = r.Svarint();
  a.last_seen = r.Svarint();
  a.count = r.Varint();
  if (r.ok() && !a.subjects.Restore(&r)) r.Fail();
  const std::uint64_t evidence = r.Varint();
  if (evidence > Alert::kMaxEvidence) r.Fail();
  for (std::uint64_t i = 0; i < evidence && r.ok(); ++i) {
    a.evidence.push_back(r.String(kMaxStringBytes));
  }
  a.explanation = r.String(kMaxStringBytes);
  a.status = static_cast<AlertStatus>(enum_byte(kAlertStatusNames.size()));
  const std::uint64_t changes = r.Varint();
  if (changes > kAlertStatusNames.size()) r.Fail();  // each change moves forward
  for (std::uint64_t i = 0; i < changes && r.ok(); ++i) {
    StatusChange c;
    c.from = static_cast<AlertStatus>(enum_byte(kAlertStatusNames.size()));
    c.to = static_cast<AlertStatus>(enum_byte(kAlertStatusNames.size()));
    c.by = r.String(kMaxStringBytes);
    c.at = r.Svarint();
    c.why = r.String(kMaxStringBytes);
    a.history.push_back(std::move(c));
  }
  a.policy_revision = r.String(kMaxStringBytes);
  const std::uint8_t aggregating = enum_byte(2);
  a.aggregating = aggregating == 1;
  if (format >= kAlertFormatWithoutPartition) a.department = r.String(kMaxStringBytes);
  if (format >= kAlertFormatVersion) {
    const std::int64_t partition = r.Svarint();
    if (partition < -1 || partition > INT32_MAX) r.Fail();
    a.partition = static_cast<std::int32_t>(partition);
  }
  if (!r.ok() || !r.AtEnd() || a.alert_id.empty() || a.rule == RuleId::kCount) {
    return Status::Corruption(
        fmt::format("alert record: malformed ({} bytes){}", bytes.size(),
                    a.alert_id.empty() ? std::string() : " for alert " + a.alert_id));
  }
  return a;
}

}  // namespace inzage
