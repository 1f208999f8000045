// The rule catalogue (docs/rules.md): every rule's stable id, default verdict and
// severity, and the policy section it enforces. Rule ids appear in decisions, alerts, metric
// labels and policy overrides; they never change meaning. A deployment's policy may switch a
// rule off or change its severity (RuleSetting), nothing else.
//
// Thread safety: constant data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace inzage {

enum class Severity : std::uint8_t { kNone, kLow, kMedium, kHigh, kCritical };
enum class Verdict : std::uint8_t { kAllow, kReview, kViolation, kInvalid };

inline constexpr std::array<std::string_view, 5> kSeverityNames = {"", "low", "medium", "high",
                                                                   "critical"};
inline constexpr std::array<std::string_view, 4> kVerdictNames = {"allow", "review", "violation",
                                                                  "invalid"};

enum class RuleId : std::uint8_t {
  kAuthUnknownActor,
  kAuthRoleNotPermitted,
  kAuthMunicipalityScope,
  kSdWatOtherDomain,
  kSdDatWithoutCase,
  kSdRegisseurWatWithoutCase,
  kSdAggregateOnly,
  kPurposeMissing,
  kPurposeUnregistered,
  kPurposeNotForRole,
  kPurposeDomainMismatch,
  kBasisConsentMissing,
  kBasisConsentWithdrawn,
  kNtkNoRelationship,
  kNtkCaseClosed,
  kNtkSubjectNotInCase,
  kBrpFieldsOutsideSet,
  kBrpMethodNotAllowed,
  kSpecialNoBasis,
  kSpecialEmergencyAccess,
  kSpecialEmergencyNoReason,
  kProvideNoTriage,
  kProvideTriageScope,
  kProvideProcessorNoAgreement,
  kProvideOutsideEu,
  kProvideBrpSecret,
  kBehaviorSelfAccess,
  kBehaviorHouseholdAccess,
  kBehaviorColleagueAccess,
  kBehaviorVipAccess,
  kBehaviorVolumeSpike,
  kBehaviorBrowsing,
  kBehaviorOffHours,
  kBehaviorBulkExport,
  kInputInvalid,
  kInputInvalidRate,
  kIntegrityTamper,
  kCitizenReported,  // appended: stored records and indexes hold these numbers
  kCount
};

inline constexpr size_t kRuleCount = static_cast<size_t>(RuleId::kCount);

struct RuleInfo {
  std::string_view id;
  Verdict verdict;  // kInvalid for input.invalid (it yields the invalid verdict)
  Severity severity;
  std::string_view policy_ref;  // section of the privacy policy, cited as in docs/rules.md
  bool switchable;              // may a deployment switch it off?
};

inline constexpr std::array<RuleInfo, kRuleCount> kRuleCatalogue = {{
    {"auth.unknown_actor", Verdict::kViolation, Severity::kHigh, "§2.1.3", true},
    {"auth.role_not_permitted", Verdict::kViolation, Severity::kHigh, "§2.1.3-4", true},
    {"auth.municipality_scope", Verdict::kViolation, Severity::kHigh, "§1", true},
    {"sd.wat_other_domain", Verdict::kViolation, Severity::kHigh, "Bijlage 3 b.1a", true},
    {"sd.dat_without_case", Verdict::kViolation, Severity::kMedium, "Bijlage 3 b.1b", true},
    {"sd.regisseur_wat_without_case", Verdict::kViolation, Severity::kHigh, "Bijlage 3 b.2a", true},
    {"sd.aggregate_only", Verdict::kViolation, Severity::kHigh, "Bijlage 3 b.3", true},
    {"purpose.missing", Verdict::kViolation, Severity::kMedium, "§2.2.2", true},
    {"purpose.unregistered", Verdict::kViolation, Severity::kHigh, "§2.2.2, §2.2.10", true},
    {"purpose.not_for_role", Verdict::kViolation, Severity::kHigh, "§2.2.2", true},
    {"purpose.domain_mismatch", Verdict::kViolation, Severity::kHigh, "§2.2.2, Bijlage 3 a.5",
     true},
    {"basis.consent_missing", Verdict::kViolation, Severity::kHigh, "§2.2.3, Bijlage 3 a.3", true},
    {"basis.consent_withdrawn", Verdict::kViolation, Severity::kHigh, "§1.2", true},
    {"ntk.no_relationship", Verdict::kViolation, Severity::kMedium, "§2.2.4, Bijlage 4 do 3", true},
    {"ntk.case_closed", Verdict::kViolation, Severity::kMedium, "§2.2.4", true},
    {"ntk.subject_not_in_case", Verdict::kViolation, Severity::kHigh, "§2.2.4", true},
    {"brp.fields_outside_set", Verdict::kViolation, Severity::kHigh, "§3.1-3.3", true},
    {"brp.method_not_allowed", Verdict::kViolation, Severity::kHigh, "§3.2c", true},
    {"special.no_basis", Verdict::kViolation, Severity::kHigh, "§2.2.6", true},
    {"special.emergency_access", Verdict::kReview, Severity::kMedium, "§2.2.8b", true},
    {"special.emergency_no_reason", Verdict::kViolation, Severity::kHigh, "§2.2.8b", true},
    {"provide.no_triage", Verdict::kViolation, Severity::kHigh, "§2.1.8, Bijlage 3 e", true},
    {"provide.triage_scope", Verdict::kViolation, Severity::kHigh, "Bijlage 3 e", true},
    {"provide.processor_no_agreement", Verdict::kViolation, Severity::kHigh, "§2.1.12, Bijlage 2",
     true},
    {"provide.outside_eu", Verdict::kViolation, Severity::kCritical, "Bijlage 2 art. 6.5", true},
    {"provide.brp_secret", Verdict::kViolation, Severity::kHigh, "§3.1", true},
    {"behavior.self_access", Verdict::kViolation, Severity::kMedium, "Bijlage 4 do 3", true},
    {"behavior.household_access", Verdict::kViolation, Severity::kHigh, "Bijlage 4 do 3", true},
    {"behavior.colleague_access", Verdict::kViolation, Severity::kMedium, "Bijlage 4 do 3", true},
    {"behavior.vip_access", Verdict::kViolation, Severity::kHigh, "Bijlage 4 do 3", true},
    {"behavior.volume_spike", Verdict::kViolation, Severity::kMedium, "Bijlage 4 do 3", true},
    {"behavior.browsing", Verdict::kViolation, Severity::kMedium, "Bijlage 4 do 3", true},
    {"behavior.off_hours", Verdict::kReview, Severity::kLow, "§2.1", true},
    {"behavior.bulk_export", Verdict::kViolation, Severity::kHigh, "§2.2.13", true},
    // Never switchable: an invalid message must always reach the dead-letter topic, and a
    // tampered history must always be reported.
    {"input.invalid", Verdict::kInvalid, Severity::kNone, "BIO", false},
    {"input.invalid_rate", Verdict::kViolation, Severity::kHigh, "BIO", true},
    {"integrity.tamper", Verdict::kViolation, Severity::kCritical, "BIO 8.15.05", false},
    // Not decided from an event: a citizen says "I don't recognise this access" on their page
    // (POST /v1/me/reports). Never switchable, and its severity is the daemon's
    // api.citizen_report_severity, not the policy's: the policy may not silence a citizen.
    {"citizen.reported", Verdict::kReview, Severity::kMedium, "§2.2.12", false},
}};

constexpr const RuleInfo& InfoOf(RuleId id) { return kRuleCatalogue[static_cast<size_t>(id)]; }

std::optional<RuleId> RuleIdFromName(std::string_view name);
std::optional<Severity> SeverityFromName(std::string_view name);

}  // namespace inzage
