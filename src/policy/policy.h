// Policy: the compiled, immutable form of config/policy/*.yaml (domains, roles, the register of
// processing activities, thresholds, rule settings).
//
// Compilation turns the role tables into flat lookups so that Decide never interprets YAML:
// for every (domain, information level, action) cell three 64-bit role masks say which roles may
// do it unconditionally, only with a case of their own (or their team's), or only for a case
// they personally direct. Roles, domains, municipalities and BRP fields are numbered (at most 64
// of each) and carried as bitmasks.
//
// Ownership: built by LoadPolicy (policy_loader.h) and shared as std::shared_ptr<const Policy>;
// a reload builds a new one and swaps the pointer, so a decision always sees one revision.
// Thread safety: immutable after construction; any thread may read.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/string_map.h"
#include "common/time.h"
#include "event/access_event.h"
#include "policy/interop_policy.h"
#include "policy/rule_catalogue.h"

namespace inzage {

using Mask64 = std::uint64_t;
inline constexpr int kMaxPolicyItems = 64;         // roles, domains, municipalities, BRP fields
inline constexpr size_t kMaxGuidanceBytes = 2000;  // per rule (guidance.yaml)

enum class RoleProfile : std::uint8_t { kProfessional, kRegisseur, kAggregateOnly, kOther };
enum class Condition : std::uint8_t { kNone, kOwnCase, kDirectedCase };
enum class LegalBasis : std::uint8_t {
  kPublicTask,
  kLegalObligation,
  kConsent,
  kContract,
  kVitalInterest,
  kLegitimateInterest
};
inline constexpr std::array<std::string_view, 4> kRoleProfileNames = {"professional", "regisseur",
                                                                      "aggregate_only", "other"};
inline constexpr std::array<std::string_view, 3> kConditionNames = {"none", "own_case",
                                                                    "directed_case"};
inline constexpr std::array<std::string_view, 6> kLegalBasisNames = {
    "public_task", "legal_obligation", "consent",
    "contract",    "vital_interest",   "legitimate_interest"};

struct Domain {
  std::string id;
  std::string name;
  bool social = false;
};

struct Municipality {
  std::string id;
  std::string name;
};

struct Role {
  std::string id;
  std::string name;
  RoleProfile profile = RoleProfile::kOther;
  bool needs_relationship = false;
  Mask64 home_domains = 0;       // domains where the role may read wat-information unconditionally
  Mask64 brp_fields = 0;         // bit i = Policy::brp_fields()[i]
  std::uint8_t brp_methods = 0;  // bit = BrpMethod
  CategorySet special_categories = 0;
  bool working_hours_all_week = false;
};

struct Activity {
  std::string id;
  std::string name;         // Dutch name from the register, shown to citizens
  std::string description;  // what it is, in plain Dutch (may be empty)
  Mask64 domains = 0;
  Mask64 roles = 0;
  std::uint8_t actor_kinds = 0;  // bit = ActorKind allowed without a role (citizen)
  LegalBasis legal_basis = LegalBasis::kPublicTask;
  CategorySet special_categories = 0;
  bool confidential = false;
  IsoDuration retention;
  // How the logging standards name it (interop_policy.h): its LDV processing-activity URI, its
  // VNG verwerkingsactiviteitId, and the data category assumed when a record names none.
  std::string ldv_id;
  std::string vng_id;
  std::string data_category;
};

struct Thresholds {
  IsoDuration case_grace_period;  // default P30D
  int emergency_reason_min_chars = 20;
  TimeMicros volume_window = 3600 * kMicrosPerSecond;
  int volume_floor = 40;
  double volume_factor = 4;
  int volume_baseline_min_hours = 5;
  TimeMicros browsing_window = 3600 * kMicrosPerSecond;
  int browsing_subjects = 10;
  int bulk_export_subjects = 50;
  TimeMicros bulk_export_window = 3600 * kMicrosPerSecond;
  TimeMicros incident_window = TimeMicros{24} * 3600 * kMicrosPerSecond;
  TimeMicros invalid_rate_window = TimeMicros{300} * kMicrosPerSecond;
  double invalid_rate_percent = 1;
  int invalid_rate_count = 100;
  // Windowed behaviour rules accept an event up to this much older than the actor's latest
  // event time; an older one is decided without them and counted (detect/behavior_detector.h).
  TimeMicros allowed_lateness = TimeMicros{300} * kMicrosPerSecond;
};

struct RuleSetting {
  bool enabled = true;
  Severity severity = Severity::kNone;
};

// Role masks for one (domain, info, action) cell.
struct PermissionCell {
  Mask64 unconditional = 0;
  Mask64 own_case = 0;
  Mask64 directed_case = 0;
  [[nodiscard]] Mask64 any() const { return unconditional | own_case | directed_case; }
};

class Policy {
 public:
  static constexpr int kNotFound = -1;

  // Lookups by id; kNotFound when absent.
  [[nodiscard]] int DomainIndex(std::string_view id) const { return Find(domain_index_, id); }
  [[nodiscard]] int RoleIndex(std::string_view id) const { return Find(role_index_, id); }
  [[nodiscard]] int MunicipalityIndex(std::string_view id) const {
    return Find(municipality_index_, id);
  }
  [[nodiscard]] int BrpFieldIndex(std::string_view name) const {
    return Find(brp_field_index_, name);
  }
  [[nodiscard]] const Activity* FindActivity(std::string_view id) const {
    auto it = activities_.find(id);
    return it == activities_.end() ? nullptr : &it->second;
  }

  // The role masks of a cell; an unknown domain (index < 0) has an empty cell.
  [[nodiscard]] const PermissionCell& Cell(int domain, InfoLevel info, Action action) const {
    if (domain < 0) return empty_cell_;
    return cells_[(static_cast<size_t>(domain) * kInfoLevelCount + static_cast<size_t>(info)) *
                      kActionCount +
                  static_cast<size_t>(action)];
  }

  [[nodiscard]] const std::vector<Domain>& domains() const { return domains_; }
  [[nodiscard]] const std::vector<Role>& roles() const { return roles_; }
  [[nodiscard]] const std::vector<Municipality>& municipalities() const { return municipalities_; }
  [[nodiscard]] const StringMap<Activity>& activities() const { return activities_; }
  [[nodiscard]] const std::vector<std::string>& brp_fields() const { return brp_fields_; }
  [[nodiscard]] Mask64 social_domains() const { return social_domains_; }
  [[nodiscard]] Mask64 needs_relationship_roles() const { return needs_relationship_roles_; }
  [[nodiscard]] Mask64 roles_with_profile(RoleProfile p) const {
    return profile_roles_[static_cast<size_t>(p)];
  }
  [[nodiscard]] const Thresholds& thresholds() const { return thresholds_; }
  [[nodiscard]] const RuleSetting& rule(RuleId id) const { return rules_[static_cast<size_t>(id)]; }
  // What to do when the rule fires (guidance.yaml); empty when the policy says nothing.
  [[nodiscard]] const std::string& guidance(RuleId id) const {
    return guidance_[static_cast<size_t>(id)];
  }
  [[nodiscard]] const InteropPolicy& interop() const { return interop_; }
  [[nodiscard]] const std::string& revision() const { return revision_; }
  [[nodiscard]] const std::string& organisation_id() const { return organisation_id_; }
  [[nodiscard]] const std::string& organisation_name() const { return organisation_name_; }

 private:
  friend class PolicyBuilder;
  template <typename Map>
  static int Find(const Map& map, std::string_view id) {
    auto it = map.find(id);
    return it == map.end() ? kNotFound : it->second;
  }

  std::string organisation_id_;
  std::string organisation_name_;
  std::vector<Municipality> municipalities_;
  StringMap<int> municipality_index_;
  std::vector<Domain> domains_;
  StringMap<int> domain_index_;
  std::vector<Role> roles_;
  StringMap<int> role_index_;
  StringMap<Activity> activities_;
  std::vector<std::string> brp_fields_;
  StringMap<int> brp_field_index_;
  std::vector<PermissionCell> cells_;  // [domain][info][action]
  PermissionCell empty_cell_;
  Mask64 social_domains_ = 0;
  Mask64 needs_relationship_roles_ = 0;
  std::array<Mask64, 4> profile_roles_{};
  Thresholds thresholds_;
  std::array<RuleSetting, kRuleCount> rules_{};
  std::array<std::string, kRuleCount> guidance_{};
  InteropPolicy interop_;
  std::string revision_;
};

}  // namespace inzage
