// Decider: applies the compiled policy and the reference data to one access event and lists
// every rule that fired (docs/rules.md). This is the stateless part: authorisation,
// social domain, purpose and basis, need to know, BRP, special categories, provision, and the
// lookup-only behaviour rules. Windowed behaviour rules (volume, browsing, off-hours, bulk
// export) run after it in src/detect/ and add their hits to the same Decision.
//
// Semantics in one place: see the rule catalogue (docs/rules.md);
// where the policy leaves a choice, the comment at the rule says which one was made.
//
// Cost: no allocation; a handful of hash lookups per event plus a scan of each subject's cases.
// Thread safety: Decide is const and re-entrant; Policy and ReferenceData must not change during
// a call.
#pragma once

#include "event/access_event.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "policy/reference_data.h"

namespace inzage {

class Decider {
 public:
  Decider(const Policy* policy, const ReferenceData* reference)
      : policy_(policy), reference_(reference) {}

  void Decide(const AccessEvent& event, Decision* decision) const;

  // Marks a decision invalid (input.invalid) with the parser's reason.
  static void DecideInvalid(std::string_view event_id, std::string_view reason, Decision* decision);

  // True when an open personal case, an open team case in the event's domain or a valid consent
  // for the event's purpose links the actor to subject i: the per-subject part of
  // Decision::unexplained_mask, for subjects beyond the mask.
  [[nodiscard]] bool HasRelationship(const AccessEvent& event, std::uint32_t subject) const;

  [[nodiscard]] const Policy& policy() const { return *policy_; }
  [[nodiscard]] const ReferenceData& reference() const { return *reference_; }

 private:
  const Policy* policy_;
  const ReferenceData* reference_;
};

// Recomputes the verdict from the hits (violation > review > allow).
void FinishVerdict(Decision* decision);

}  // namespace inzage
