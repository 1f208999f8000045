#include "policy/decider.h"

#include <bit>

namespace inzage {
namespace {

constexpr Mask64 Bit(int i) { return Mask64{1} << i; }

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Everything Decide works out about one event; lives on the stack.
class Evaluation {
 public:
  Evaluation(const AccessEvent& e, const Policy& p, const ReferenceData& r, Decision* d)
      : e_(e), p_(p), r_(r), d_(d) {}

  void Run();
  // For Decider::HasRelationship: resolves the actor only, fires nothing.
  bool HasRelationshipOnly(std::uint32_t subject) {
    actor_ = r_.FindActor(e_.actor_id);
    return HasRelationship(subject);
  }

 private:
  // Case links of one subject (computed on demand).
  struct Links {
    const Case* personal = nullptr;   // open case of the subject assigning the actor
    const Case* team_same = nullptr;  // open team case in the event's domain
    const Case* team_any = nullptr;   // open team case in any domain
  };

  void Fire(RuleId id, std::uint32_t first_subject = 0, std::uint32_t count = 0,
            std::uint32_t detail = 0, const void* ref = nullptr) {
    const RuleSetting& s = p_.rule(id);
    if (!s.enabled) return;
    d_->hits[d_->hit_count++] = RuleHit{id, s.severity, first_subject, count, detail, ref};
  }
  // Fires id once for all subjects for which pred(i) holds.
  template <typename Pred>
  void FireForSubjects(RuleId id, Pred pred, std::uint32_t detail = 0) {
    std::uint32_t first = 0, count = 0;
    for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
      if (pred(i)) {
        if (count == 0) first = i;
        ++count;
      }
    }
    if (count > 0) Fire(id, first, count, detail);
  }

  bool CaseIsOpen(const Case& c) const {
    if (c.open) return true;
    if (!c.closed_at) return false;  // closed at an unknown time: explains nothing
    return p_.thresholds().case_grace_period.AddTo(*c.closed_at) >= e_.time;
  }

  Links LinksOf(std::uint32_t subject) const {
    Links links;
    const auto* cases = r_.CasesOfSubject(e_.subjects[subject]);
    if (cases == nullptr) return links;
    for (const Case* c : *cases) {
      if (!CaseIsOpen(*c)) continue;
      if (c->AssignsActor(e_.actor_id)) {
        // Prefer the case the event names.
        if (links.personal == nullptr || c->id == e_.case_id) links.personal = c;
      } else if (actor_ != nullptr && !actor_->team.empty() && c->team == actor_->team) {
        if (links.team_any == nullptr) links.team_any = c;
        if (c->domain == e_.domain && (links.team_same == nullptr || c->id == e_.case_id)) {
          links.team_same = c;
        }
      }
    }
    return links;
  }

  // A case of the actor's own or of their team in the event's domain, or a consent for the
  // purpose: what explains access to one subject (ntk.no_relationship, behavior.browsing).
  bool HasRelationship(std::uint32_t subject) const {
    const Links links = LinksOf(subject);
    if (links.personal != nullptr || links.team_same != nullptr) return true;
    return ValidConsent(subject, 0) != nullptr;
  }

  const Consent* ValidConsent(std::uint32_t subject, CategorySet needs) const {
    if (e_.purpose.empty()) return nullptr;
    const auto* list = r_.ConsentsOfSubject(e_.subjects[subject]);
    if (list == nullptr) return nullptr;
    for (const Consent& c : *list) {
      if (c.purpose != e_.purpose || c.given_at > e_.time) continue;
      if (c.withdrawn_at && *c.withdrawn_at <= e_.time) continue;
      if ((c.categories & needs) != needs) continue;
      return &c;
    }
    return nullptr;
  }
  bool ConsentWithdrawn(std::uint32_t subject) const {
    const auto* list = r_.ConsentsOfSubject(e_.subjects[subject]);
    if (list == nullptr) return false;
    for (const Consent& c : *list) {
      if (c.purpose == e_.purpose && c.withdrawn_at && *c.withdrawn_at <= e_.time) return true;
    }
    return false;
  }

  const Agreement* ValidAgreement(const Processor& proc) const {
    const std::int64_t day = UtcDay(e_.time);
    for (const Agreement& a : proc.agreements) {
      if (day < a.valid_from_day || day > a.valid_until_day) continue;
      for (const auto& purpose : a.purposes) {
        if (!e_.purpose.empty() && purpose == e_.purpose) return &a;
      }
    }
    return nullptr;
  }

  void ResolveActor();
  void PurposeRules();
  void AuthorisationRules();
  void NeedToKnowRules();
  void BasisRules();
  void BrpRules();
  void SpecialCategoryRules();
  void ProvisionRules();
  void LookupBehaviourRules();
  void UnexplainedSubjects();
  void NoteUnexplained(std::uint32_t i) {
    if (i < Decision::kUnexplainedMaskBits) d_->unexplained_mask |= std::uint64_t{1} << i;
    ++d_->unexplained_count;
  }
  void ChooseExplanation();

  const AccessEvent& e_;
  const Policy& p_;
  const ReferenceData& r_;
  Decision* d_;

  const Actor* actor_ = nullptr;          // employee or system account
  const Processor* processor_ = nullptr;  // when the actor is a processor
  bool citizen_ = false;
  bool role_checked_ = false;  // an employee/system account whose roles are checked
  int domain_ = -1;
  const Activity* activity_ = nullptr;
  bool permitted_ = false;
  Mask64 permitting_roles_ = 0;
  bool emergency_valid_ = false;
  bool unexplained_done_ = false;  // Decision::unexplained_* already filled
};

void Evaluation::Run() {
  domain_ = p_.DomainIndex(e_.domain);
  activity_ = e_.purpose.empty() ? nullptr : p_.FindActivity(e_.purpose);
  if (e_.emergency_reason) {
    emergency_valid_ = Utf8Chars(*e_.emergency_reason) >=
                       static_cast<size_t>(p_.thresholds().emergency_reason_min_chars);
  }
  ResolveActor();
  AuthorisationRules();
  PurposeRules();
  BasisRules();
  NeedToKnowRules();
  BrpRules();
  SpecialCategoryRules();
  if (e_.emergency_reason) {
    Fire(emergency_valid_ ? RuleId::kSpecialEmergencyAccess : RuleId::kSpecialEmergencyNoReason);
  }
  ProvisionRules();
  LookupBehaviourRules();
  UnexplainedSubjects();
  ChooseExplanation();
}

void Evaluation::ResolveActor() {
  switch (e_.actor_kind) {
    case ActorKind::kCitizen:
      citizen_ = true;
      return;
    case ActorKind::kProcessor:
      processor_ = r_.FindProcessor(e_.actor_id);
      if (processor_ == nullptr) actor_ = r_.FindActor(e_.actor_id);
      break;
    case ActorKind::kEmployee:
    case ActorKind::kSystem:
      actor_ = r_.FindActor(e_.actor_id);
      if (actor_ == nullptr) processor_ = r_.FindProcessor(e_.actor_id);
      break;
  }
  role_checked_ = actor_ != nullptr;
  if (actor_ == nullptr && processor_ == nullptr) Fire(RuleId::kAuthUnknownActor);
}

void Evaluation::AuthorisationRules() {
  if (citizen_) {
    // A citizen may only read their own access history (activity inzage-verzoek, domain
    // audit, checked by the purpose rules).
    permitted_ = e_.action == Action::kView || e_.action == Action::kSearch;
    if (!permitted_) Fire(RuleId::kAuthRoleNotPermitted);
    return;
  }
  if (!role_checked_) {
    // Processors: their processing agreement governs, not roles (docs/rules.md, Clarifications).
    permitted_ = processor_ != nullptr;
    return;
  }
  const int m = p_.MunicipalityIndex(e_.municipality);
  if (m < 0 || (actor_->municipalities & Bit(m)) == 0) Fire(RuleId::kAuthMunicipalityScope);

  const Mask64 roles = actor_->roles;
  const PermissionCell& cell = p_.Cell(domain_, e_.info, e_.action);
  const Mask64 uncond = cell.unconditional & roles;
  const Mask64 own = cell.own_case & roles;
  const Mask64 directed = cell.directed_case & roles;
  if (uncond != 0) {
    permitted_ = true;
    permitting_roles_ = uncond;
    return;
  }
  // Conditional cells: the condition must hold for every subject.
  bool own_ok = own != 0, directed_ok = directed != 0;
  std::uint32_t own_missing_first = 0, own_missing = 0, dir_missing_first = 0, dir_missing = 0;
  if (own != 0 || directed != 0) {
    for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
      const Links links = LinksOf(i);
      if (links.personal == nullptr && links.team_any == nullptr) {
        if (own_missing++ == 0) own_missing_first = i;
        own_ok = false;
      }
      if (links.personal == nullptr) {
        if (dir_missing++ == 0) dir_missing_first = i;
        directed_ok = false;
      }
    }
  }
  if (own_ok || directed_ok) {
    permitted_ = true;
    permitting_roles_ = (own_ok ? own : 0) | (directed_ok ? directed : 0);
    return;
  }
  // Not permitted. auth.role_not_permitted when no role has the cell at all; the social-domain
  // rules say more precisely what was crossed (both can fire: every fired rule is listed).
  if (cell.any() & roles) {
    // The cell exists only with an unmet condition: the sd.* rule says which.
  } else {
    Fire(RuleId::kAuthRoleNotPermitted);
  }
  const bool social = domain_ >= 0 && (p_.social_domains() & Bit(domain_)) != 0;
  const Mask64 professionals = roles & p_.roles_with_profile(RoleProfile::kProfessional);
  if (social && professionals != 0) {
    bool other_domain = true;
    for (Mask64 m2 = professionals; m2 != 0; m2 &= m2 - 1) {
      const Role& role = p_.roles()[static_cast<size_t>(std::countr_zero(m2))];
      if (role.home_domains & Bit(domain_)) other_domain = false;
    }
    if (other_domain && e_.info == InfoLevel::kWat) Fire(RuleId::kSdWatOtherDomain);
    if (e_.info == InfoLevel::kDat && (own & professionals) != 0) {
      Fire(RuleId::kSdDatWithoutCase, own_missing_first, own_missing);
    }
  }
  // The regisseur reads wat only for cases they direct, in the social domains and in the BRP
  // alike: a role's relationship requirement applies to its BRP consultations too.
  if (e_.info == InfoLevel::kWat &&
      (directed & p_.roles_with_profile(RoleProfile::kRegisseur)) != 0) {
    Fire(RuleId::kSdRegisseurWatWithoutCase, dir_missing_first, dir_missing);
  }
  if (e_.info != InfoLevel::kCumulative &&
      (roles & p_.roles_with_profile(RoleProfile::kAggregateOnly)) != 0) {
    Fire(RuleId::kSdAggregateOnly);
  }
}

void Evaluation::PurposeRules() {
  if (e_.purpose.empty()) {
    Fire(RuleId::kPurposeMissing);
    return;
  }
  if (activity_ == nullptr) {
    Fire(RuleId::kPurposeUnregistered);
    return;
  }
  if (domain_ < 0 || (activity_->domains & Bit(domain_)) == 0) {
    Fire(RuleId::kPurposeDomainMismatch);
  }
  if (citizen_) {
    if ((activity_->actor_kinds & (1u << static_cast<unsigned>(ActorKind::kCitizen))) == 0) {
      Fire(RuleId::kPurposeNotForRole);
    }
  } else if (role_checked_ && (activity_->roles & actor_->roles) == 0 &&
             (activity_->actor_kinds & (1u << static_cast<unsigned>(e_.actor_kind))) == 0) {
    Fire(RuleId::kPurposeNotForRole);
  }
}

void Evaluation::BasisRules() {
  if (activity_ == nullptr || activity_->legal_basis != LegalBasis::kConsent) return;
  std::uint32_t missing_first = 0, missing = 0, withdrawn_first = 0, withdrawn = 0;
  for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
    if (ValidConsent(i, 0) != nullptr) continue;
    if (ConsentWithdrawn(i)) {
      if (withdrawn++ == 0) withdrawn_first = i;
    } else {
      if (missing++ == 0) missing_first = i;
    }
  }
  if (withdrawn > 0) Fire(RuleId::kBasisConsentWithdrawn, withdrawn_first, withdrawn);
  if (missing > 0) Fire(RuleId::kBasisConsentMissing, missing_first, missing);
}

void Evaluation::NeedToKnowRules() {
  // The case the event names: closed too long ago, or not about these subjects.
  if (!e_.case_id.empty()) {
    if (const Case* c = r_.FindCase(e_.case_id)) {
      if (!c->open && c->closed_at &&
          p_.thresholds().case_grace_period.AddTo(*c->closed_at) < e_.time) {
        Fire(RuleId::kNtkCaseClosed, 0, 0, 0, c);
      }
      std::uint32_t first = 0, count = 0;
      for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
        if (!c->HasSubject(e_.subjects[i]) && count++ == 0) first = i;
      }
      if (count > 0) Fire(RuleId::kNtkSubjectNotInCase, first, count, 0, c);
    }
  }
  // wat-information needs a relationship when every role that decides requires one: the
  // permitting roles, or, when no role permits the access, every role of the actor. So a
  // refused wat access that nothing explains lists ntk.no_relationship next to
  // auth.role_not_permitted: every rule that fires is listed. dat never needs one (its
  // searches count for behavior.browsing instead).
  if (!role_checked_ || e_.info != InfoLevel::kWat) return;
  const Mask64 deciding_roles = permitted_ ? permitting_roles_ : actor_->roles;
  if ((deciding_roles & ~p_.needs_relationship_roles()) != 0) return;
  if (emergency_valid_) return;  // reported for review by special.emergency_access instead
  // The same per-subject test is behavior.browsing's input for view and search: note it here
  // so that UnexplainedSubjects need not repeat the case lookups.
  const bool browsing_input = e_.action == Action::kView || e_.action == Action::kSearch;
  std::uint32_t first = 0, count = 0;
  for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
    if (HasRelationship(i)) continue;
    if (count++ == 0) first = i;
    if (browsing_input) NoteUnexplained(i);
  }
  unexplained_done_ = browsing_input;
  if (count > 0) Fire(RuleId::kNtkNoRelationship, first, count);
}

void Evaluation::BrpRules() {
  if (!role_checked_ || e_.domain != "brp") return;
  Mask64 field_set = 0;
  std::uint8_t methods = 0;
  for (Mask64 m = actor_->roles; m != 0; m &= m - 1) {
    const Role& role = p_.roles()[static_cast<size_t>(std::countr_zero(m))];
    field_set |= role.brp_fields;
    methods |= role.brp_methods;
  }
  std::uint32_t outside = 0, first_outside = 0;
  for (std::uint32_t i = 0; i < e_.fields.size(); ++i) {
    const std::string_view field = e_.fields[i];
    const int f = p_.BrpFieldIndex(field);
    if (f >= 0 && (field_set & Bit(f)) != 0) continue;
    // An approved, reasoned extension valid on the event's date (§3.3-3.6).
    bool extended = false;
    if (const auto* exts = r_.ExtensionsOfActor(e_.actor_id)) {
      const std::int64_t day = UtcDay(e_.time);
      for (const BrpExtension& x : *exts) {
        if (x.approved_by.empty() || day < x.valid_from_day || day > x.valid_until_day) continue;
        for (const auto& xf : x.fields) extended = extended || xf == field;
      }
    }
    if (!extended && outside++ == 0) first_outside = i;
  }
  if (outside > 0) Fire(RuleId::kBrpFieldsOutsideSet, 0, 0, first_outside);
  if (e_.method != BrpMethod::kNone && (methods & (1u << static_cast<unsigned>(e_.method))) == 0) {
    Fire(RuleId::kBrpMethodNotAllowed);
  }
}

void Evaluation::SpecialCategoryRules() {
  if (e_.categories == 0 || emergency_valid_) return;
  if (!role_checked_ && processor_ == nullptr && !citizen_) return;  // unknown actor
  CategorySet allowed = activity_ != nullptr ? activity_->special_categories : 0;
  if (role_checked_) {
    CategorySet by_roles = 0;
    for (Mask64 m = actor_->roles; m != 0; m &= m - 1) {
      by_roles |= p_.roles()[static_cast<size_t>(std::countr_zero(m))].special_categories;
    }
    allowed &= by_roles;
  } else if (citizen_) {
    allowed = 0;
  }
  const CategorySet uncovered = e_.categories & static_cast<CategorySet>(~allowed);
  if (uncovered == 0) return;
  FireForSubjects(
      RuleId::kSpecialNoBasis,
      [&](std::uint32_t i) { return ValidConsent(i, uncovered) == nullptr; }, uncovered);
}

void Evaluation::ProvisionRules() {
  // A processor acting itself: its agreement and where it processes.
  if (processor_ != nullptr) {
    if (ValidAgreement(*processor_) == nullptr) {
      Fire(RuleId::kProvideProcessorNoAgreement, 0, 0, 0, processor_);
    }
    if (!processor_->country.empty() && !IsEuOrEea(processor_->country) &&
        !processor_->outside_eu_permission) {
      Fire(RuleId::kProvideOutsideEu, 0, 0, 0, processor_);
    }
  }
  if (e_.action != Action::kProvide) return;
  if (!e_.recipient) {
    // A provision must name its recipient; without one no triage can be shown.
    Fire(RuleId::kProvideNoTriage);
    return;
  }
  const Recipient& rec = *e_.recipient;
  if (rec.kind != RecipientKind::kInternal) {
    const auto* triages = e_.case_id.empty() ? nullptr : r_.TriagesOfCase(e_.case_id);
    bool any = false, covers = false;
    const Triage* found = nullptr;
    if (triages != nullptr) {
      for (const Triage& t : *triages) {
        if (t.recipient != rec.id) continue;
        any = true;
        found = &t;
        if ((e_.categories & ~t.categories) == 0) covers = true;
      }
    }
    if (!any) {
      Fire(RuleId::kProvideNoTriage);
    } else if (!covers) {
      Fire(RuleId::kProvideTriageScope, 0, 0, e_.categories & ~found->categories, found);
    }
  }
  const Processor* rec_processor =
      rec.kind == RecipientKind::kProcessor ? r_.FindProcessor(rec.id) : nullptr;
  if (rec.kind == RecipientKind::kProcessor &&
      (rec_processor == nullptr || ValidAgreement(*rec_processor) == nullptr)) {
    if (!d_->Fired(RuleId::kProvideProcessorNoAgreement)) {
      Fire(RuleId::kProvideProcessorNoAgreement, 0, 0, 1, rec_processor);
    }
  }
  std::string_view country = rec.country;
  if (country.empty() && rec_processor != nullptr) country = rec_processor->country;
  if (!country.empty() && !IsEuOrEea(country)) {
    const bool permitted = rec_processor != nullptr && rec_processor->outside_eu_permission;
    if (!permitted && !d_->Fired(RuleId::kProvideOutsideEu)) {
      Fire(RuleId::kProvideOutsideEu, 0, 0, 1, rec_processor);
    }
  }
  if (rec.kind == RecipientKind::kProcessor || rec.kind == RecipientKind::kThirdParty) {
    FireForSubjects(RuleId::kProvideBrpSecret, [&](std::uint32_t i) {
      const SubjectInfo* s = r_.FindSubject(e_.subjects[i]);
      return s != nullptr && (s->flags & kFlagBrpSecret) != 0;
    });
  }
}

void Evaluation::LookupBehaviourRules() {
  if (citizen_) return;
  const Pseudonym* own_bsn = actor_ != nullptr && actor_->bsn ? &*actor_->bsn : nullptr;
  const std::string* household =
      actor_ != nullptr && !actor_->household.empty() ? &actor_->household : nullptr;
  const Agreement* processor_agreement =
      processor_ != nullptr ? ValidAgreement(*processor_) : nullptr;
  std::uint32_t self_first = 0, self = 0, house_first = 0, house = 0, coll_first = 0, coll = 0,
                vip_first = 0, vip = 0;
  for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
    const Pseudonym& s = e_.subjects[i];
    if (own_bsn != nullptr && s == *own_bsn) {
      // Conflict of interest: fires even when a case links the actor.
      if (self++ == 0) self_first = i;
      continue;
    }
    const SubjectInfo* info = r_.FindSubject(s);
    const Actor* colleague = r_.EmployeeWithBsn(s);
    if (household != nullptr) {
      const std::string* their = nullptr;
      if (info != nullptr && !info->household.empty()) {
        their = &info->household;
      } else if (colleague != nullptr && !colleague->household.empty()) {
        their = &colleague->household;
      }
      if (their != nullptr && *their == *household && house++ == 0) house_first = i;
    }
    const bool is_colleague =
        colleague != nullptr || (info != nullptr && (info->flags & kFlagEmployee) != 0);
    const bool is_vip = info != nullptr && (info->flags & kFlagVip) != 0;
    if (!is_colleague && !is_vip) continue;
    // A processor is governed by its processing agreement: one valid at event time that covers
    // the activity is its relationship (without one, provide.processor_no_agreement fires).
    if (processor_agreement != nullptr) continue;
    const Links links = LinksOf(i);
    if (links.personal != nullptr || links.team_same != nullptr) continue;
    if (is_colleague && coll++ == 0) coll_first = i;
    if (is_vip && vip++ == 0) vip_first = i;
  }
  if (self > 0) Fire(RuleId::kBehaviorSelfAccess, self_first, self);
  if (house > 0) Fire(RuleId::kBehaviorHouseholdAccess, house_first, house);
  if (coll > 0) Fire(RuleId::kBehaviorColleagueAccess, coll_first, coll);
  if (vip > 0) Fire(RuleId::kBehaviorVipAccess, vip_first, vip);
}

void Evaluation::UnexplainedSubjects() {
  // behavior.browsing looks at searching and viewing by employees, system accounts and unknown
  // actors; a processor's access is governed by its agreement, a citizen reads their own history.
  if (citizen_ || processor_ != nullptr) return;
  if (e_.action != Action::kView && e_.action != Action::kSearch) return;
  // A permitting role that needs no relationship explains every subject (the BRP office),
  // except for dat: any role's dat searches without a relationship count as unexplained, the
  // regisseur's and the own domain's included, although they are allowed.
  if (permitted_ && e_.info != InfoLevel::kDat &&
      (permitting_roles_ & ~p_.needs_relationship_roles()) != 0) {
    return;
  }
  if (unexplained_done_) return;  // NeedToKnowRules did the same test
  for (std::uint32_t i = 0; i < e_.subjects.size(); ++i) {
    if (!HasRelationship(i)) NoteUnexplained(i);
  }
}

void Evaluation::ChooseExplanation() {
  if (citizen_) {
    d_->explanation = ExplanationKind::kCitizenOwnHistory;
    return;
  }
  if (processor_ != nullptr) {
    d_->explanation = ExplanationKind::kProcessorAgreement;
    d_->explaining_agreement = ValidAgreement(*processor_);
    return;
  }
  if (!role_checked_ || !permitted_) return;
  d_->role = std::countr_zero(permitting_roles_);
  // Order of preference (docs/rules.md): personal case, team case, a role needing no relationship,
  // consent. The first subject's explanation is named.
  // An event without subjects (an officer reading the alert queue) has no relationships.
  const Links links = e_.subjects.empty() ? Links{} : LinksOf(0);
  const Mask64 no_rel = permitting_roles_ & ~p_.needs_relationship_roles();
  if (links.personal != nullptr) {
    d_->explanation = ExplanationKind::kPersonalCase;
    d_->explaining_case = links.personal;
  } else if (links.team_same != nullptr) {
    d_->explanation = ExplanationKind::kTeamCase;
    d_->explaining_case = links.team_same;
  } else if (no_rel != 0) {
    d_->explanation = ExplanationKind::kRoleNoRelationship;
    d_->role = std::countr_zero(no_rel);
  } else if (const Consent* c = ValidConsent(0, 0)) {
    d_->explanation = ExplanationKind::kConsent;
    d_->explaining_consent = c;
  } else if (e_.info != InfoLevel::kWat) {
    d_->explanation = ExplanationKind::kRoleLevel;
  } else if (links.team_any != nullptr) {
    d_->explanation = ExplanationKind::kTeamCase;
    d_->explaining_case = links.team_any;
  }
}

}  // namespace

void FinishVerdict(Decision* d) {
  Verdict v = Verdict::kAllow;
  for (size_t i = 0; i < d->hit_count; ++i) {
    const Verdict hv = InfoOf(d->hits[i].rule).verdict;
    if (hv == Verdict::kInvalid) {
      v = Verdict::kInvalid;
      break;
    }
    if (hv == Verdict::kViolation) v = Verdict::kViolation;
    if (hv == Verdict::kReview && v == Verdict::kAllow) v = Verdict::kReview;
  }
  d->verdict = v;
}

void Decider::Decide(const AccessEvent& event, Decision* decision) const {
  decision->Reset(event.event_id);
  decision->policy_revision = policy_->revision();
  Evaluation(event, *policy_, *reference_, decision).Run();
  FinishVerdict(decision);
}

bool Decider::HasRelationship(const AccessEvent& event, std::uint32_t subject) const {
  Decision scratch;  // Evaluation's output; nothing is fired on this path
  return Evaluation(event, *policy_, *reference_, &scratch).HasRelationshipOnly(subject);
}

void Decider::DecideInvalid(std::string_view event_id, std::string_view reason,
                            Decision* decision) {
  decision->Reset(event_id);
  decision->hits[0] = RuleHit{RuleId::kInputInvalid, Severity::kNone, 0, 0, 0, nullptr};
  decision->hit_count = 1;
  decision->invalid_reason = reason;
  decision->verdict = Verdict::kInvalid;
}

}  // namespace inzage
