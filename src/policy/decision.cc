#include "policy/decision.h"

#include <fmt/format.h>

#include <bit>

#include "common/json_writer.h"
#include "policy/policy.h"
#include "policy/reference_data.h"

namespace inzage {
namespace {

std::string RoleList(const Policy& p, Mask64 roles) {
  std::string out;
  for (Mask64 m = roles; m != 0; m &= m - 1) {
    if (!out.empty()) out += ", ";
    out += p.roles()[static_cast<size_t>(std::countr_zero(m))].id;
  }
  return out.empty() ? "no roles" : out;
}

std::string ActorWithRoles(const AccessEvent& e, const Policy& p, const ReferenceData& r) {
  const Actor* a = r.FindActor(e.actor_id);
  if (a == nullptr) return std::string(e.actor_id);
  return fmt::format("{} ({})", e.actor_id, RoleList(p, a->roles));
}

std::string Categories(CategorySet set) {
  std::string out;
  for (size_t i = 0; i < kCategoryCount; ++i) {
    if ((set >> i & 1) == 0) continue;
    if (!out.empty()) out += ", ";
    out += kCategoryNames[i];
  }
  return out;
}

std::string Subjects(const RuleHit& h, const AccessEvent& e) {
  if (e.subjects.size() == 1) return "the subject";
  if (h.subject_count == 1) {
    return fmt::format("subject {} of {}", h.first_subject + 1, e.subjects.size());
  }
  return fmt::format("{} of {} subjects (first: subject {})", h.subject_count, e.subjects.size(),
                     h.first_subject + 1);
}

std::string_view Info(const AccessEvent& e) { return NameOf(kInfoLevelNames, e.info); }
std::string_view ActionName(const AccessEvent& e) { return NameOf(kActionNames, e.action); }
std::string_view PastTense(const AccessEvent& e) {
  static constexpr std::array<std::string_view, kActionCount> kPast = {
      "viewed", "searched", "created", "updated", "deleted", "exported", "printed", "provided"};
  return kPast[static_cast<size_t>(e.action)];
}

// A count in words: digits grouped by thousands, so that no count ever reads as a 9-digit
// number (a decision must never look like it carries a BSN).
std::string Count(std::uint64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() <= 4) return digits;
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// A window length in words: "1 h", "30 min", "1 h 30 min", "45 s".
std::string Span(TimeMicros micros) {
  const std::int64_t seconds = micros / kMicrosPerSecond;
  const std::int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  std::string out;
  if (h > 0) out += fmt::format("{} h", h);
  if (m > 0) out += fmt::format("{}{} min", out.empty() ? "" : " ", m);
  if (s > 0 || out.empty()) out += fmt::format("{}{} s", out.empty() ? "" : " ", s);
  return out;
}

// A window count in words: "about 5,120" when it is an estimate.
std::string WindowCount(const RuleHit& h) {
  return (h.detail & kWindowDetailEstimated) != 0 ? "about " + Count(h.subject_count)
                                                  : Count(h.subject_count);
}

std::string ClockTime(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

}  // namespace

std::string ExplainHit(const RuleHit& h, const AccessEvent& e, const Policy& p,
                       const ReferenceData& r) {
  const std::string actor = ActorWithRoles(e, p, r);
  switch (h.rule) {
    case RuleId::kAuthUnknownActor:
      return fmt::format(
          "actor {} ({}) is not in the reference data: no employee, processor or "
          "system account",
          e.actor_id, NameOf(kActorKindNames, e.actor_kind));
    case RuleId::kAuthRoleNotPermitted:
      return fmt::format("no role of {} permits {} of {}-information in domain {}", actor,
                         ActionName(e), Info(e), e.domain);
    case RuleId::kAuthMunicipalityScope:
      return fmt::format("{} is not authorised for municipality {}", e.actor_id, e.municipality);
    case RuleId::kSdWatOtherDomain:
      return fmt::format("{} read wat-information of another social domain ({})", actor, e.domain);
    case RuleId::kSdDatWithoutCase:
      return fmt::format("{} read dat-information of {} with no open case of theirs for {}", actor,
                         e.domain, Subjects(h, e));
    case RuleId::kSdRegisseurWatWithoutCase:
      return fmt::format("{} read wat-information ({}) of {} whose case they do not direct", actor,
                         e.domain, Subjects(h, e));
    case RuleId::kSdAggregateOnly:
      return fmt::format("{} may see cumulative information only, but touched {}-information ({})",
                         actor, Info(e), e.domain);
    case RuleId::kPurposeMissing:
      return "the access names no processing activity (purpose)";
    case RuleId::kPurposeUnregistered:
      return fmt::format("processing activity \"{}\" is not in the register", e.purpose);
    case RuleId::kPurposeNotForRole:
      return fmt::format("no role of {} may perform processing activity {}", actor, e.purpose);
    case RuleId::kPurposeDomainMismatch:
      return fmt::format("processing activity {} is not registered for domain {}", e.purpose,
                         e.domain);
    case RuleId::kBasisConsentMissing:
      return fmt::format(
          "processing activity {} rests on consent and no valid consent exists "
          "for {} at the time of access",
          e.purpose, Subjects(h, e));
    case RuleId::kBasisConsentWithdrawn:
      return fmt::format("the consent for {} was withdrawn before the access ({})", e.purpose,
                         Subjects(h, e));
    case RuleId::kNtkNoRelationship: {
      const Actor* a = r.FindActor(e.actor_id);
      const std::string team = a != nullptr && !a->team.empty() ? " or team " + a->team : "";
      return fmt::format("{} {} wat-information ({}) of {} with no open case assigned to {}{}",
                         e.actor_id, PastTense(e), e.domain, Subjects(h, e), e.actor_id, team);
    }
    case RuleId::kNtkCaseClosed: {
      const auto* c = static_cast<const Case*>(h.ref);
      return fmt::format("case {} was closed on {}, longer than the grace period before the access",
                         c->id, FormatRfc3339(c->closed_at.value_or(0)));
    }
    case RuleId::kNtkSubjectNotInCase:
      return fmt::format("case {} does not include {}", static_cast<const Case*>(h.ref)->id,
                         Subjects(h, e));
    case RuleId::kBrpFieldsOutsideSet:
      return fmt::format(
          "BRP field {} is outside the data set of {} and outside any approved "
          "extension valid on the day of access",
          h.detail < e.fields.size() ? e.fields[h.detail] : "?", actor);
    case RuleId::kBrpMethodNotAllowed:
      return fmt::format("BRP provision method {} is not allowed for {}",
                         NameOf(kBrpMethodNames, e.method), actor);
    case RuleId::kSpecialNoBasis:
      return fmt::format(
          "special category {} touched without a basis: activity {} and the roles "
          "of {} do not allow it and no explicit consent of {} covers it",
          Categories(static_cast<CategorySet>(h.detail)),
          e.purpose.empty() ? std::string_view("(none)") : e.purpose, e.actor_id, Subjects(h, e));
    case RuleId::kSpecialEmergencyAccess:
      return "emergency access (evident interest, §2.2.8b) with a recorded reason: a person must "
             "review the weighing";
    case RuleId::kSpecialEmergencyNoReason:
      return fmt::format("emergency access without a reason of at least {} characters",
                         p.thresholds().emergency_reason_min_chars);
    case RuleId::kProvideNoTriage:
      if (!e.recipient) return "provision without a named recipient, so without a triage decision";
      return fmt::format("provision to {} {} without a recorded triage decision for case {}",
                         NameOf(kRecipientKindNames, e.recipient->kind), e.recipient->id,
                         e.case_id.empty() ? std::string_view("(none)") : e.case_id);
    case RuleId::kProvideTriageScope:
      return fmt::format("provided special categories ({}) exceed triage decision {}",
                         Categories(static_cast<CategorySet>(h.detail)),
                         static_cast<const Triage*>(h.ref)->id);
    case RuleId::kProvideProcessorNoAgreement: {
      const auto* proc = static_cast<const Processor*>(h.ref);
      const std::string_view who = proc != nullptr ? std::string_view(proc->id)
                                                   : (e.recipient ? e.recipient->id : e.actor_id);
      return fmt::format("processor {} has no processing agreement valid on {} covering {}", who,
                         FormatRfc3339(e.time).substr(0, 10),
                         e.purpose.empty() ? std::string_view("(no activity)") : e.purpose);
    }
    case RuleId::kProvideOutsideEu: {
      const auto* proc = static_cast<const Processor*>(h.ref);
      std::string_view who = proc != nullptr ? std::string_view(proc->id) : e.recipient->id;
      std::string_view country = e.recipient && h.detail == 1 && !e.recipient->country.empty()
                                     ? e.recipient->country
                                     : (proc != nullptr ? std::string_view(proc->country) : "");
      return fmt::format(
          "{} processes outside the EU/EEA ({}) without recorded written "
          "permission",
          who, country);
    }
    case RuleId::kProvideBrpSecret:
      return fmt::format("{} has a BRP secrecy indication; data provided to {} {}", Subjects(h, e),
                         NameOf(kRecipientKindNames, e.recipient->kind), e.recipient->id);
    case RuleId::kBehaviorSelfAccess:
      return fmt::format("{} accessed their own record", e.actor_id);
    case RuleId::kBehaviorHouseholdAccess:
      return fmt::format("{} accessed a member of their own household ({})", e.actor_id,
                         Subjects(h, e));
    case RuleId::kBehaviorColleagueAccess:
      return fmt::format("{} accessed the record of a colleague ({}) without a case relationship",
                         e.actor_id, Subjects(h, e));
    case RuleId::kBehaviorVipAccess:
      return fmt::format("{} accessed a protected person ({}) without a case relationship",
                         e.actor_id, Subjects(h, e));
    case RuleId::kBehaviorVolumeSpike:
      return fmt::format(
          "{} accessed {} distinct subjects within {}, more than the limit of {} (the larger of "
          "the floor {} and {} × the actor's usual hourly number)",
          e.actor_id, WindowCount(h), Span(p.thresholds().volume_window), Count(h.limit),
          p.thresholds().volume_floor, p.thresholds().volume_factor);
    case RuleId::kBehaviorBrowsing:
      return fmt::format(
          "{} searched or viewed {} distinct subjects within {} that no case, team case, consent "
          "or role explains (limit {})",
          e.actor_id, WindowCount(h), Span(p.thresholds().browsing_window), Count(h.limit));
    case RuleId::kBehaviorOffHours: {
      static constexpr std::array<std::string_view, 7> kDays = {
          "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
      const Actor* a = r.FindActor(e.actor_id);
      const std::string hours = a != nullptr && a->working_minutes
                                    ? fmt::format("{}-{}", ClockTime(a->working_minutes->first),
                                                  ClockTime(a->working_minutes->second))
                                    : std::string("(none)");
      return fmt::format(
          "{} accessed personal data on {} at {} (Europe/Amsterdam), outside their working hours "
          "{} on weekdays",
          e.actor_id, kDays[h.detail / 1440 % 7], ClockTime(static_cast<int>(h.detail % 1440)),
          hours);
    }
    case RuleId::kBehaviorBulkExport:
      if ((h.detail & kWindowDetailBulkWindow) == 0) {
        return fmt::format("{} {} {} records in one event, more than the limit of {}", e.actor_id,
                           PastTense(e), Count(h.subject_count), Count(h.limit));
      }
      return fmt::format(
          "{} exported or printed {} distinct subjects within {}, more than the limit of {}",
          e.actor_id, WindowCount(h), Span(p.thresholds().bulk_export_window), Count(h.limit));
    default:
      return std::string(InfoOf(h.rule).id);
  }
}

std::string ExplainAllow(const Decision& d, const AccessEvent& e, const Policy& p) {
  const std::string role =
      d.role >= 0 ? p.roles()[static_cast<size_t>(d.role)].id : std::string("(none)");
  const std::string what =
      fmt::format("role {} may {} {}/{}", role, ActionName(e), Info(e), e.domain);
  const std::string purpose = e.purpose.empty() ? std::string() : fmt::format(" for {}", e.purpose);
  switch (d.explanation) {
    case ExplanationKind::kPersonalCase:
      return fmt::format("case {} assigns {}; {}{}", d.explaining_case->id, e.actor_id, what,
                         purpose);
    case ExplanationKind::kTeamCase:
      return fmt::format("case {} is assigned to team {}; {}{}", d.explaining_case->id,
                         d.explaining_case->team, what, purpose);
    case ExplanationKind::kRoleNoRelationship:
      return fmt::format("{}{} without a case relationship", what, purpose);
    case ExplanationKind::kConsent:
      return fmt::format("consent {} of the subject covers {}; {}", d.explaining_consent->id,
                         e.purpose, what);
    case ExplanationKind::kRoleLevel:
      return fmt::format("{}{}", what, purpose);
    case ExplanationKind::kProcessorAgreement:
      if (d.explaining_agreement == nullptr) return fmt::format("processor {}", e.actor_id);
      return fmt::format("processor {} acts under processing agreement {}{}", e.actor_id,
                         d.explaining_agreement->id, purpose);
    case ExplanationKind::kCitizenOwnHistory:
      return fmt::format("a citizen reads their own access history{}", purpose);
    case ExplanationKind::kNone:
      break;
  }
  return fmt::format("{}{}", what, purpose);
}

std::string DecisionToJson(const Decision& d, const AccessEvent* event, const Policy& policy,
                           const ReferenceData& reference) {
  std::string out;
  out.reserve(256);
  JsonWriter w(&out);
  w.BeginObject().Key("event_id").StringOrNull(d.event_id);
  w.Member("verdict", NameOf(kVerdictNames, d.verdict)).Key("rules").BeginArray();
  for (size_t i = 0; i < d.hit_count; ++i) {
    const RuleHit& h = d.hits[i];
    w.BeginObject().Member("id", InfoOf(h.rule).id).Key("severity");
    if (h.severity == Severity::kNone) {
      w.Null();
    } else {
      w.String(NameOf(kSeverityNames, h.severity));
    }
    w.Key("explanation");
    if (h.rule == RuleId::kInputInvalid) {
      w.String(d.invalid_reason);
    } else if (event != nullptr) {
      w.String(ExplainHit(h, *event, policy, reference));
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray().Key("explanation");
  if (d.verdict == Verdict::kAllow && event != nullptr) {
    w.String(ExplainAllow(d, *event, policy));
  } else {
    w.Null();
  }
  w.Member("policy_revision", policy.revision()).EndObject();
  return out;
}

}  // namespace inzage
