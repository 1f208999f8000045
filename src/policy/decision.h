// Decision: the outcome of deciding one access event (docs/contracts.md §3).
//
// A decision is compact and allocation-free: the fired rules are small structs (rule id,
// severity, which subjects, a detail code) and the explanation that made an access legitimate
// is a kind plus pointers into the policy and reference data. Text is rendered only when
// someone reads it (replay output, the API); the store keeps rule ids and reconstructs the
// words. Rendered text names actors, roles, domains, activities and cases, and refers to
// subjects by position: it never contains a BSN.
//
// Ownership: pointers refer to the Policy and ReferenceData the decision was made with; render
// before either changes. Thread safety: a value; not shared.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "event/access_event.h"
#include "policy/rule_catalogue.h"

namespace inzage {

class Policy;
class ReferenceData;
struct Case;
struct Consent;
struct Agreement;
struct Actor;

// RuleHit::detail bits of the windowed behaviour rules (detect/behavior_detector.h):
// kWindowDetailBulkWindow marks a behavior.bulk_export hit of the window (not of one event);
// kWindowDetailEstimated marks a subject_count that is an estimate, not an exact count.
inline constexpr std::uint32_t kWindowDetailBulkWindow = 1;
inline constexpr std::uint32_t kWindowDetailEstimated = 2;

struct RuleHit {
  RuleId rule = RuleId::kCount;
  Severity severity = Severity::kNone;
  std::uint32_t first_subject = 0;  // position (0-based) of the first subject concerned
  std::uint32_t subject_count = 0;  // how many subjects are concerned (0 = not subject-bound)
  std::uint32_t detail = 0;         // rule-specific: a category bit set, a field index, ...
  const void* ref = nullptr;        // rule-specific: the case, consent, triage or processor
  // Windowed behaviour rules (detect/behavior_detector.h): the limit the count was compared
  // with; subject_count then holds the count of distinct subjects in the window.
  std::uint32_t limit = 0;
};

enum class ExplanationKind : std::uint8_t {
  kNone,
  kPersonalCase,        // an open case of the subject assigns the actor
  kTeamCase,            // an open case of the subject, same domain, assigned to the actor's team
  kRoleNoRelationship,  // a role that needs no relationship for this domain
  kConsent,             // a valid consent of the subject for the activity
  kRoleLevel,           // dat/cumulative information: the role permits it without a case
  kProcessorAgreement,  // a processor acting under its processing agreement
  kCitizenOwnHistory,   // a citizen reading their own access history
};

struct Decision {
  static constexpr size_t kMaxHits = kRuleCount;
  static constexpr std::uint32_t kUnexplainedMaskBits = 64;

  std::string_view event_id;
  Verdict verdict = Verdict::kAllow;
  std::array<RuleHit, kMaxHits> hits{};
  std::uint8_t hit_count = 0;
  // Why an allowed access is legitimate (also filled when rules fired, for context).
  ExplanationKind explanation = ExplanationKind::kNone;
  int role = -1;  // the authorising role (policy index)
  const Case* explaining_case = nullptr;
  const Consent* explaining_consent = nullptr;
  const Agreement* explaining_agreement = nullptr;
  std::string_view invalid_reason;  // for Verdict::kInvalid
  std::string_view policy_revision;
  // Input of behavior.browsing, filled for view and search events: the subjects that nothing
  // explains (no open personal case, no open team case in the event's domain, no valid consent
  // for the purpose, and no permitting role that needs no relationship). Own-domain dat access
  // allowed without a case still counts (docs/rules.md, Clarifications). Bit i is subject i for
  // i < kUnexplainedMaskBits; unexplained_count counts every subject (Decider::HasRelationship
  // answers for subjects beyond the mask).
  std::uint64_t unexplained_mask = 0;
  std::uint32_t unexplained_count = 0;

  void Reset(std::string_view id) {
    event_id = id;
    verdict = Verdict::kAllow;
    hit_count = 0;
    explanation = ExplanationKind::kNone;
    role = -1;
    explaining_case = nullptr;
    explaining_consent = nullptr;
    explaining_agreement = nullptr;
    invalid_reason = {};
    unexplained_mask = 0;
    unexplained_count = 0;
  }
  [[nodiscard]] bool Fired(RuleId id) const {
    for (size_t i = 0; i < hit_count; ++i) {
      if (hits[i].rule == id) return true;
    }
    return false;
  }
};

// Renders a decision as one line of NDJSON (docs/contracts.md §3), with "policy_revision" added.
// The event must be the one decided (its views must still be valid).
std::string DecisionToJson(const Decision& d, const AccessEvent* event, const Policy& policy,
                           const ReferenceData& reference);
// The plain-English explanation of one fired rule.
std::string ExplainHit(const RuleHit& hit, const AccessEvent& event, const Policy& policy,
                       const ReferenceData& reference);
// The explanation of an allowed access ("case zaak-1 assigns emp-1042; role ... may view ...").
std::string ExplainAllow(const Decision& d, const AccessEvent& event, const Policy& policy);

}  // namespace inzage
