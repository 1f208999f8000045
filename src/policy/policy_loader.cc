#include "policy/policy_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/hex.h"
#include "common/sha256.h"

namespace inzage {

// Builds a Policy from parsed YAML, collecting every error.
class PolicyBuilder {
 public:
  void AddFile(const std::string& file, const YAML::Node& root);
  Result<std::shared_ptr<const Policy>> Finish(std::string revision);

 private:
  struct Section {
    std::string file;
    YAML::Node node;
  };

  void Error(const std::string& file, const YAML::Node& at, const std::string& path,
             const std::string& what) {
    std::ostringstream out;
    out << file;
    if (at.IsDefined() && at.Mark().line >= 0) out << ':' << at.Mark().line + 1;
    out << ": " << path << ": " << what;
    errors_.push_back(out.str());
  }

  bool ExpectMap(const std::string& f, const YAML::Node& n, const std::string& path) {
    if (n.IsMap()) return true;
    Error(f, n, path, "must be a mapping");
    return false;
  }
  bool ExpectSeq(const std::string& f, const YAML::Node& n, const std::string& path) {
    if (n.IsSequence()) return true;
    Error(f, n, path, "must be a list");
    return false;
  }
  void CheckKeys(const std::string& f, const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> allowed,
                 std::initializer_list<std::string_view> required) {
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(f, kv.first, fmt::format("{}.{}", path, key), "unknown key");
      }
    }
    for (auto r : required) {
      if (!n[std::string(r)]) Error(f, n, path + "." + std::string(r), "required key is missing");
    }
  }
  std::string String(const std::string& f, const YAML::Node& n, const std::string& path) {
    if (!n || !n.IsScalar()) {
      Error(f, n, path, "must be a string");
      return {};
    }
    return n.Scalar();
  }
  std::string Id(const std::string& f, const YAML::Node& n, const std::string& path) {
    std::string s = String(f, n, path);
    const bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!s.empty() && !ok) Error(f, n, path, "\"" + s + "\" is not an id (a-z, 0-9, '-', '_')");
    return s;
  }
  bool Bool(const std::string& f, const YAML::Node& n, const std::string& path, bool dflt) {
    if (!n) return dflt;
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      return n.Scalar() == "true";
    }
    Error(f, n, path, "must be true or false");
    return dflt;
  }
  double Number(const std::string& f, const YAML::Node& n, const std::string& path, double min) {
    double v = 0;
    if (!n || !n.IsScalar() || !YAML::convert<double>::decode(n, v)) {
      Error(f, n, path, "must be a number");
      return min;
    }
    if (v < min) Error(f, n, path, "must be at least " + std::to_string(static_cast<int>(min)));
    return v;
  }
  IsoDuration Duration(const std::string& f, const YAML::Node& n, const std::string& path) {
    std::string s = String(f, n, path);
    auto d = ParseIsoDuration(s);
    if (!d) {
      if (!s.empty()) Error(f, n, path, "\"" + s + "\" is not an ISO 8601 duration (P30D, PT1H)");
      return {};
    }
    return *d;
  }
  TimeMicros FixedDuration(const std::string& f, const YAML::Node& n, const std::string& path) {
    IsoDuration d = Duration(f, n, path);
    if (d.years != 0 || d.months != 0) {
      Error(f, n, path, "must be a fixed duration (days, hours, minutes, seconds)");
    }
    return d.fixed_micros;
  }
  template <typename Enum, size_t N>
  Enum EnumValue(const std::string& f, const YAML::Node& n, const std::string& path,
                 const std::array<std::string_view, N>& names, Enum dflt) {
    std::string s = String(f, n, path);
    auto v = EnumFromName<Enum>(names, s);
    if (!v) {
      std::string list;
      for (auto name : names) {
        if (name.empty()) continue;
        if (!list.empty()) list += ", ";
        list += name;
      }
      if (!s.empty() || n.IsScalar()) Error(f, n, path, "\"" + s + "\" is not one of " + list);
      return dflt;
    }
    return *v;
  }
  template <typename Enum, size_t N>
  unsigned EnumSet(const std::string& f, const YAML::Node& n, const std::string& path,
                   const std::array<std::string_view, N>& names) {
    unsigned bits = 0;
    if (!n) return 0;
    if (!ExpectSeq(f, n, path)) return 0;
    for (size_t i = 0; i < n.size(); ++i) {
      auto v = EnumValue<Enum>(f, n[i], path + "[" + std::to_string(i) + "]", names, Enum{});
      bits |= 1u << static_cast<unsigned>(v);
    }
    return bits;
  }
  // Resolves a list of ids against an index into a mask.
  Mask64 IdMask(const std::string& f, const YAML::Node& n, const std::string& path,
                const StringMap<int>& index, const char* what) {
    Mask64 mask = 0;
    if (!n) return 0;
    if (!ExpectSeq(f, n, path)) return 0;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      const std::string id = String(f, n[i], p);
      auto it = index.find(id);
      if (it == index.end()) {
        Error(f, n[i], p, std::string("unknown ") + what + " \"" + id + "\"");
      } else {
        mask |= Mask64{1} << it->second;
      }
    }
    return mask;
  }

  void Organisation(const Section& s);
  void Municipalities(const Section& s);
  void Domains(const Section& s);
  void Roles(const Section& s);
  void Activities(const Section& s);
  void ThresholdsSection(const Section& s);
  void Rules(const Section& s);
  void Guidance(const Section& s);
  void Interop(const Section& s);
  // After activities and interop: the register's names in the standards, cross-checked.
  void InteropActivities();

  std::map<std::string, Section> sections_;
  std::map<std::string, Section> activity_nodes_;  // for InteropActivities' errors
  std::vector<std::string> errors_;
  std::shared_ptr<Policy> policy_ = std::make_shared<Policy>();
};

void PolicyBuilder::AddFile(const std::string& file, const YAML::Node& root) {
  if (root.IsNull()) return;  // an empty file
  if (!ExpectMap(file, root, "(top level)")) return;
  static const std::set<std::string> kKnown = {"organisation", "municipalities", "thresholds",
                                               "rules",        "guidance",       "domains",
                                               "roles",        "activities",     "interop"};
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (kKnown.count(key) == 0) {
      Error(file, kv.first, key,
            "unknown key (expected one of organisation, municipalities, "
            "thresholds, rules, guidance, domains, roles, activities, interop)");
      continue;
    }
    auto [it, inserted] = sections_.emplace(key, Section{file, kv.second});
    if (!inserted) {
      Error(file, kv.first, key, "already defined in " + it->second.file);
    }
  }
}

void PolicyBuilder::Organisation(const Section& s) {
  if (!ExpectMap(s.file, s.node, "organisation")) return;
  CheckKeys(s.file, s.node, "organisation", {"id", "name"}, {"id", "name"});
  policy_->organisation_id_ = Id(s.file, s.node["id"], "organisation.id");
  policy_->organisation_name_ = String(s.file, s.node["name"], "organisation.name");
}

void PolicyBuilder::Municipalities(const Section& s) {
  if (!ExpectSeq(s.file, s.node, "municipalities")) return;
  for (size_t i = 0; i < s.node.size(); ++i) {
    const YAML::Node n = s.node[i];
    const std::string path = "municipalities[" + std::to_string(i) + "]";
    if (!ExpectMap(s.file, n, path)) continue;
    CheckKeys(s.file, n, path, {"id", "name"}, {"id", "name"});
    Municipality m{Id(s.file, n["id"], path + ".id"), String(s.file, n["name"], path + ".name")};
    if (policy_->municipality_index_.count(m.id) != 0) {
      Error(s.file, n, path + ".id", "duplicate municipality \"" + m.id + "\"");
      continue;
    }
    policy_->municipality_index_.emplace(m.id, static_cast<int>(policy_->municipalities_.size()));
    policy_->municipalities_.push_back(std::move(m));
  }
  if (policy_->municipalities_.size() > kMaxPolicyItems) {
    Error(s.file, s.node, "municipalities", "at most 64 are supported");
  }
}

void PolicyBuilder::Domains(const Section& s) {
  if (!ExpectSeq(s.file, s.node, "domains")) return;
  for (size_t i = 0; i < s.node.size(); ++i) {
    const YAML::Node n = s.node[i];
    const std::string path = "domains[" + std::to_string(i) + "]";
    if (!ExpectMap(s.file, n, path)) continue;
    CheckKeys(s.file, n, path, {"id", "name", "social"}, {"id", "name", "social"});
    Domain d{Id(s.file, n["id"], path + ".id"), String(s.file, n["name"], path + ".name"),
             Bool(s.file, n["social"], path + ".social", false)};
    if (policy_->domain_index_.count(d.id) != 0) {
      Error(s.file, n, path + ".id", "duplicate domain \"" + d.id + "\"");
      continue;
    }
    const int index = static_cast<int>(policy_->domains_.size());
    if (index >= kMaxPolicyItems) {
      Error(s.file, n, path, "at most 64 domains are supported");
      break;
    }
    if (d.social) policy_->social_domains_ |= Mask64{1} << index;
    policy_->domain_index_.emplace(d.id, index);
    policy_->domains_.push_back(std::move(d));
  }
}

void PolicyBuilder::Roles(const Section& s) {
  if (!ExpectSeq(s.file, s.node, "roles")) return;
  Policy& p = *policy_;
  p.cells_.assign(p.domains_.size() * kInfoLevelCount * kActionCount, PermissionCell{});
  // First pass: BRP field vocabulary, so field masks can be built.
  for (const auto& i : s.node) {
    const YAML::Node brp = i["brp"];
    if (!brp || !brp.IsMap() || !brp["fields"] || !brp["fields"].IsSequence()) continue;
    for (const auto& field : brp["fields"]) {
      if (!field.IsScalar()) continue;
      if (p.brp_field_index_.count(field.Scalar()) == 0) {
        p.brp_field_index_.emplace(field.Scalar(), static_cast<int>(p.brp_fields_.size()));
        p.brp_fields_.push_back(field.Scalar());
      }
    }
  }
  if (p.brp_fields_.size() > kMaxPolicyItems) {
    Error(s.file, s.node, "roles", "at most 64 distinct BRP fields are supported");
  }
  for (size_t i = 0; i < s.node.size(); ++i) {
    const YAML::Node n = s.node[i];
    const std::string path = "roles[" + std::to_string(i) + "]";
    if (!ExpectMap(s.file, n, path)) continue;
    CheckKeys(s.file, n, path,
              {"id", "name", "profile", "needs_relationship", "permissions", "brp",
               "special_categories", "working_hours_all_week"},
              {"id", "name", "profile", "needs_relationship", "permissions"});
    Role r;
    r.id = Id(s.file, n["id"], path + ".id");
    r.name = String(s.file, n["name"], path + ".name");
    r.profile =
        EnumValue(s.file, n["profile"], path + ".profile", kRoleProfileNames, RoleProfile::kOther);
    r.needs_relationship =
        Bool(s.file, n["needs_relationship"], path + ".needs_relationship", true);
    r.working_hours_all_week =
        Bool(s.file, n["working_hours_all_week"], path + ".working_hours_all_week", false);
    r.special_categories = static_cast<CategorySet>(EnumSet<Category>(
        s.file, n["special_categories"], path + ".special_categories", kCategoryNames));
    if (p.role_index_.count(r.id) != 0) {
      Error(s.file, n, path + ".id", "duplicate role \"" + r.id + "\"");
      continue;
    }
    const int index = static_cast<int>(p.roles_.size());
    if (index >= kMaxPolicyItems) {
      Error(s.file, n, path, "at most 64 roles are supported");
      break;
    }
    const Mask64 bit = Mask64{1} << index;
    if (const YAML::Node brp = n["brp"]; brp) {
      if (ExpectMap(s.file, brp, path + ".brp")) {
        CheckKeys(s.file, brp, path + ".brp", {"fields", "methods"}, {"fields", "methods"});
        if (brp["fields"] && ExpectSeq(s.file, brp["fields"], path + ".brp.fields")) {
          for (const auto& field : brp["fields"]) {
            auto it = p.brp_field_index_.find(field.Scalar());
            if (it != p.brp_field_index_.end() && it->second < kMaxPolicyItems) {
              r.brp_fields |= Mask64{1} << it->second;
            }
          }
        }
        r.brp_methods = static_cast<std::uint8_t>(
            EnumSet<BrpMethod>(s.file, brp["methods"], path + ".brp.methods", kBrpMethodNames));
      }
    }
    const YAML::Node perms = n["permissions"];
    if (perms && ExpectSeq(s.file, perms, path + ".permissions")) {
      for (size_t j = 0; j < perms.size(); ++j) {
        const YAML::Node g = perms[j];
        const std::string gp = path + ".permissions[" + std::to_string(j) + "]";
        if (!ExpectMap(s.file, g, gp)) continue;
        CheckKeys(s.file, g, gp, {"domains", "info", "actions", "condition"},
                  {"domains", "info", "actions"});
        const Mask64 domains =
            IdMask(s.file, g["domains"], gp + ".domains", p.domain_index_, "domain");
        const unsigned infos = EnumSet<InfoLevel>(s.file, g["info"], gp + ".info", kInfoLevelNames);
        const unsigned actions =
            EnumSet<Action>(s.file, g["actions"], gp + ".actions", kActionNames);
        const Condition cond = g["condition"] ? EnumValue(s.file, g["condition"], gp + ".condition",
                                                          kConditionNames, Condition::kNone)
                                              : Condition::kNone;
        for (size_t d = 0; d < p.domains_.size(); ++d) {
          if ((domains >> d & 1) == 0) continue;
          if (cond == Condition::kNone &&
              (infos & (1u << static_cast<unsigned>(InfoLevel::kWat)))) {
            r.home_domains |= Mask64{1} << d;
          }
          for (int info = 0; info < kInfoLevelCount; ++info) {
            if ((infos >> info & 1) == 0) continue;
            for (int a = 0; a < kActionCount; ++a) {
              if ((actions >> a & 1) == 0) continue;
              PermissionCell& cell =
                  p.cells_[(d * kInfoLevelCount + static_cast<size_t>(info)) * kActionCount +
                           static_cast<size_t>(a)];
              switch (cond) {
                case Condition::kNone:
                  cell.unconditional |= bit;
                  break;
                case Condition::kOwnCase:
                  cell.own_case |= bit;
                  break;
                case Condition::kDirectedCase:
                  cell.directed_case |= bit;
                  break;
              }
            }
          }
        }
      }
    }
    if (r.needs_relationship) p.needs_relationship_roles_ |= bit;
    p.profile_roles_[static_cast<size_t>(r.profile)] |= bit;
    p.role_index_.emplace(r.id, index);
    p.roles_.push_back(std::move(r));
  }
}

void PolicyBuilder::Activities(const Section& s) {
  if (!ExpectSeq(s.file, s.node, "activities")) return;
  Policy& p = *policy_;
  for (size_t i = 0; i < s.node.size(); ++i) {
    const YAML::Node n = s.node[i];
    const std::string path = "activities[" + std::to_string(i) + "]";
    if (!ExpectMap(s.file, n, path)) continue;
    CheckKeys(
        s.file, n, path,
        {"id", "name", "description", "domains", "roles", "actor_kinds", "legal_basis",
         "special_categories", "confidential", "retention", "ldv_id", "vng_id", "data_category"},
        {"id", "name", "domains", "roles", "legal_basis", "confidential", "retention"});
    Activity a;
    a.id = Id(s.file, n["id"], path + ".id");
    a.name = String(s.file, n["name"], path + ".name");
    if (n["description"]) a.description = String(s.file, n["description"], path + ".description");
    a.domains = IdMask(s.file, n["domains"], path + ".domains", p.domain_index_, "domain");
    a.roles = IdMask(s.file, n["roles"], path + ".roles", p.role_index_, "role");
    a.actor_kinds = static_cast<std::uint8_t>(
        EnumSet<ActorKind>(s.file, n["actor_kinds"], path + ".actor_kinds", kActorKindNames));
    a.legal_basis = EnumValue(s.file, n["legal_basis"], path + ".legal_basis", kLegalBasisNames,
                              LegalBasis::kPublicTask);
    a.special_categories = static_cast<CategorySet>(EnumSet<Category>(
        s.file, n["special_categories"], path + ".special_categories", kCategoryNames));
    a.confidential = Bool(s.file, n["confidential"], path + ".confidential", false);
    a.retention = Duration(s.file, n["retention"], path + ".retention");
    if (n["ldv_id"]) a.ldv_id = String(s.file, n["ldv_id"], path + ".ldv_id");
    if (n["vng_id"]) a.vng_id = String(s.file, n["vng_id"], path + ".vng_id");
    if (n["data_category"]) {
      a.data_category = String(s.file, n["data_category"], path + ".data_category");
    }
    activity_nodes_.emplace(a.id, Section{s.file, n});
    if (a.domains == 0 && n["domains"] && n["domains"].size() == 0) {
      Error(s.file, n["domains"], path + ".domains", "must name at least one domain");
    }
    if (a.roles == 0 && a.actor_kinds == 0 && n["roles"]) {
      Error(s.file, n, path, "names no role and no actor kind: nobody could perform it");
    }
    if (p.activities_.count(a.id) != 0) {
      Error(s.file, n, path + ".id", "duplicate activity \"" + a.id + "\"");
      continue;
    }
    p.activities_.emplace(a.id, std::move(a));
  }
}

void PolicyBuilder::ThresholdsSection(const Section& s) {
  const std::string& f = s.file;
  const YAML::Node& n = s.node;
  if (!ExpectMap(f, n, "thresholds")) return;
  CheckKeys(f, n, "thresholds",
            {"case_grace_period", "emergency_reason_min_chars", "volume_spike", "browsing",
             "bulk_export", "incident_window", "invalid_rate", "allowed_lateness"},
            {});
  Thresholds& t = policy_->thresholds_;
  if (n["case_grace_period"]) {
    t.case_grace_period = Duration(f, n["case_grace_period"], "thresholds.case_grace_period");
  }
  if (n["emergency_reason_min_chars"]) {
    t.emergency_reason_min_chars = static_cast<int>(
        Number(f, n["emergency_reason_min_chars"], "thresholds.emergency_reason_min_chars", 1));
  }
  if (const YAML::Node v = n["volume_spike"]; v && ExpectMap(f, v, "thresholds.volume_spike")) {
    CheckKeys(f, v, "thresholds.volume_spike", {"window", "floor", "factor", "baseline_min_hours"},
              {});
    if (v["window"]) {
      t.volume_window = FixedDuration(f, v["window"], "thresholds.volume_spike.window");
    }
    if (v["floor"]) {
      t.volume_floor = static_cast<int>(Number(f, v["floor"], "thresholds.volume_spike.floor", 1));
    }
    if (v["factor"]) t.volume_factor = Number(f, v["factor"], "thresholds.volume_spike.factor", 1);
    if (v["baseline_min_hours"]) {
      t.volume_baseline_min_hours = static_cast<int>(
          Number(f, v["baseline_min_hours"], "thresholds.volume_spike.baseline_min_hours", 1));
    }
  }
  if (const YAML::Node v = n["browsing"]; v && ExpectMap(f, v, "thresholds.browsing")) {
    CheckKeys(f, v, "thresholds.browsing", {"window", "subjects"}, {});
    if (v["window"]) {
      t.browsing_window = FixedDuration(f, v["window"], "thresholds.browsing.window");
    }
    if (v["subjects"]) {
      t.browsing_subjects =
          static_cast<int>(Number(f, v["subjects"], "thresholds.browsing.subjects", 1));
    }
  }
  if (const YAML::Node v = n["bulk_export"]; v && ExpectMap(f, v, "thresholds.bulk_export")) {
    CheckKeys(f, v, "thresholds.bulk_export", {"window", "subjects"}, {});
    if (v["window"]) {
      t.bulk_export_window = FixedDuration(f, v["window"], "thresholds.bulk_export.window");
    }
    if (v["subjects"]) {
      t.bulk_export_subjects =
          static_cast<int>(Number(f, v["subjects"], "thresholds.bulk_export.subjects", 1));
    }
  }
  if (n["incident_window"]) {
    t.incident_window = FixedDuration(f, n["incident_window"], "thresholds.incident_window");
  }
  if (n["allowed_lateness"]) {
    t.allowed_lateness = FixedDuration(f, n["allowed_lateness"], "thresholds.allowed_lateness");
  }
  if (const YAML::Node v = n["invalid_rate"]; v && ExpectMap(f, v, "thresholds.invalid_rate")) {
    CheckKeys(f, v, "thresholds.invalid_rate", {"window", "percent", "count"}, {});
    if (v["window"]) {
      t.invalid_rate_window = FixedDuration(f, v["window"], "thresholds.invalid_rate.window");
    }
    if (v["percent"]) {
      t.invalid_rate_percent = Number(f, v["percent"], "thresholds.invalid_rate.percent", 0);
    }
    if (v["count"]) {
      t.invalid_rate_count =
          static_cast<int>(Number(f, v["count"], "thresholds.invalid_rate.count", 1));
    }
  }
}

void PolicyBuilder::Rules(const Section& s) {
  if (s.node.IsNull()) return;
  if (!ExpectMap(s.file, s.node, "rules")) return;
  for (const auto& kv : s.node) {
    const std::string id = kv.first.Scalar();
    const std::string path = "rules." + id;
    auto rule = RuleIdFromName(id);
    if (!rule) {
      Error(s.file, kv.first, path, "unknown rule id (see the rule catalogue)");
      continue;
    }
    if (!ExpectMap(s.file, kv.second, path)) continue;
    CheckKeys(s.file, kv.second, path, {"enabled", "severity"}, {});
    RuleSetting& setting = policy_->rules_[static_cast<size_t>(*rule)];
    setting.enabled = Bool(s.file, kv.second["enabled"], path + ".enabled", true);
    if (!setting.enabled && !InfoOf(*rule).switchable) {
      Error(s.file, kv.second["enabled"], path + ".enabled", "this rule cannot be switched off");
      setting.enabled = true;
    }
    if (kv.second["severity"] && *rule == RuleId::kCitizenReported) {
      // The daemon decides it (api.citizen_report_severity): one place, not two that disagree.
      Error(s.file, kv.second["severity"], path + ".severity",
            "set in the daemon configuration (api.citizen_report_severity), not the policy");
    } else if (kv.second["severity"]) {
      setting.severity = EnumValue(s.file, kv.second["severity"], path + ".severity",
                                   kSeverityNames, setting.severity);
    }
  }
}

// What the CISO should do when a rule fires: free text per rule id, shown with its alerts.
void PolicyBuilder::Guidance(const Section& s) {
  if (s.node.IsNull()) return;
  if (!ExpectMap(s.file, s.node, "guidance")) return;
  for (const auto& kv : s.node) {
    const std::string id = kv.first.Scalar();
    const std::string path = "guidance." + id;
    auto rule = RuleIdFromName(id);
    if (!rule) {
      Error(s.file, kv.first, path, "unknown rule id (see the rule catalogue)");
      continue;
    }
    std::string text = String(s.file, kv.second, path);
    if (text.size() > kMaxGuidanceBytes) {
      Error(s.file, kv.second, path, "longer than " + std::to_string(kMaxGuidanceBytes) + " bytes");
      continue;
    }
    policy_->guidance_[static_cast<size_t>(*rule)] = std::move(text);
  }
}

void PolicyBuilder::Interop(const Section& s) {
  const std::string& f = s.file;
  const YAML::Node& n = s.node;
  if (!ExpectMap(f, n, "interop")) return;
  CheckKeys(f, n, "interop", {"controllers", "actions", "data_categories", "without_subject"},
            {"data_categories"});
  InteropPolicy& ip = policy_->interop_;
  if (const YAML::Node c = n["controllers"]) {
    if (ExpectMap(f, c, "interop.controllers")) {
      CheckKeys(f, c, "interop.controllers", {"default", "ldv_resource_attribute", "names"}, {});
      if (c["default"] && !c["default"].IsNull()) {
        ip.default_municipality = Id(f, c["default"], "interop.controllers.default");
        if (policy_->MunicipalityIndex(ip.default_municipality) == Policy::kNotFound) {
          Error(f, c["default"], "interop.controllers.default",
                "unknown municipality \"" + ip.default_municipality + "\"");
        }
      }
      if (c["ldv_resource_attribute"]) {
        ip.ldv_controller_attribute =
            String(f, c["ldv_resource_attribute"], "interop.controllers.ldv_resource_attribute");
      }
      if (const YAML::Node names = c["names"];
          names && ExpectMap(f, names, "interop.controllers.names")) {
        for (const auto& kv : names) {
          const std::string path = "interop.controllers.names." + kv.first.Scalar();
          const std::string m = Id(f, kv.second, path);
          if (policy_->MunicipalityIndex(m) == Policy::kNotFound) {
            Error(f, kv.second, path, "unknown municipality \"" + m + "\"");
          }
          ip.municipality_by_name.emplace(kv.first.Scalar(), m);
        }
      }
    }
  }
  // A municipality's own id names it too.
  for (const Municipality& m : policy_->municipalities_) {
    ip.municipality_by_name.emplace(m.id, m.id);
  }
  if (const YAML::Node a = n["actions"]) {
    if (ExpectMap(f, a, "interop.actions")) {
      CheckKeys(f, a, "interop.actions", {"default", "names"}, {});
      if (a["default"] && !a["default"].IsNull()) {
        ip.default_action =
            EnumValue(f, a["default"], "interop.actions.default", kActionNames, Action::kView);
      }
      if (const YAML::Node names = a["names"];
          names && ExpectMap(f, names, "interop.actions.names")) {
        for (const auto& kv : names) {
          ip.actions.emplace(kv.first.Scalar(),
                             EnumValue(f, kv.second, "interop.actions.names." + kv.first.Scalar(),
                                       kActionNames, Action::kView));
        }
      }
    }
  }
  if (const YAML::Node w = n["without_subject"]) {
    const std::string v = String(f, w, "interop.without_subject");
    if (v == "skip") {
      ip.skip_spans_without_subject = true;
    } else if (v != "dead_letter") {
      Error(f, w, "interop.without_subject", "\"" + v + "\" is not one of dead_letter, skip");
    }
  }
  const YAML::Node cats = n["data_categories"];
  if (!ExpectSeq(f, cats, "interop.data_categories")) return;
  for (size_t i = 0; i < cats.size(); ++i) {
    const YAML::Node c = cats[i];
    const std::string path = "interop.data_categories[" + std::to_string(i) + "]";
    if (!ExpectMap(f, c, path)) continue;
    CheckKeys(f, c, path, {"name", "domain", "info", "special_categories"}, {"name"});
    const std::string name = String(f, c["name"], path + ".name");
    DataCategory dc;
    if (c["domain"] || c["info"]) {
      dc.domain = Id(f, c["domain"], path + ".domain");
      if (policy_->DomainIndex(dc.domain) == Policy::kNotFound) {
        Error(f, c["domain"], path + ".domain", "unknown domain \"" + dc.domain + "\"");
      }
      dc.info = EnumValue(f, c["info"], path + ".info", kInfoLevelNames, InfoLevel::kWat);
    } else if (!c["special_categories"]) {
      Error(f, c, path, "names neither a domain and information level nor special categories");
    }
    dc.special_categories = static_cast<CategorySet>(EnumSet<Category>(
        f, c["special_categories"], path + ".special_categories", kCategoryNames));
    if (!ip.data_categories.emplace(name, std::move(dc)).second) {
      Error(f, c["name"], path + ".name", "duplicate data category \"" + name + "\"");
    }
  }
}

void PolicyBuilder::InteropActivities() {
  InteropPolicy& ip = policy_->interop_;
  for (const auto& [id, a] : policy_->activities_) {
    const Section& at = activity_nodes_[id];
    if (!a.ldv_id.empty()) {
      auto [it, inserted] = ip.activity_by_ldv_id.emplace(a.ldv_id, a.id);
      if (!inserted) {
        Error(at.file, at.node["ldv_id"], "activities." + id + ".ldv_id",
              "also the ldv_id of activity \"" + it->second + "\"");
      }
    }
    if (!a.vng_id.empty()) {
      std::string lower = a.vng_id;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      auto [it, inserted] = ip.activity_by_vng_id.emplace(lower, a.id);
      if (!inserted) {
        Error(at.file, at.node["vng_id"], "activities." + id + ".vng_id",
              "also the vng_id of activity \"" + it->second + "\"");
      }
    }
    if (!a.data_category.empty() && ip.data_categories.count(a.data_category) == 0) {
      Error(at.file, at.node["data_category"], "activities." + id + ".data_category",
            "unknown data category \"" + a.data_category + "\" (interop.data_categories)");
    }
  }
}

Result<std::shared_ptr<const Policy>> PolicyBuilder::Finish(std::string revision) {
  for (size_t i = 0; i < kRuleCount; ++i) policy_->rules_[i].severity = kRuleCatalogue[i].severity;
  policy_->thresholds_.case_grace_period.fixed_micros = 30 * kMicrosPerDay;
  // Order matters: ids must exist before they are referenced.
  for (const char* key : {"organisation", "municipalities", "domains", "roles", "activities",
                          "thresholds", "rules", "guidance", "interop"}) {
    auto it = sections_.find(key);
    if (it == sections_.end()) {
      if (std::string_view(key) != "rules" && std::string_view(key) != "thresholds" &&
          std::string_view(key) != "guidance" && std::string_view(key) != "interop") {
        errors_.push_back(std::string("(policy): ") + key + ": required section is missing");
      }
      continue;
    }
    const Section& s = it->second;
    const std::string_view k = key;
    if (k == "organisation") Organisation(s);
    if (k == "municipalities") Municipalities(s);
    if (k == "domains") Domains(s);
    if (k == "roles") Roles(s);
    if (k == "activities") Activities(s);
    if (k == "thresholds") ThresholdsSection(s);
    if (k == "rules") Rules(s);
    if (k == "guidance") Guidance(s);
    if (k == "interop") Interop(s);
  }
  InteropActivities();
  if (!errors_.empty()) {
    std::string msg = std::to_string(errors_.size()) + " error(s) in the policy:";
    for (const auto& e : errors_) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  policy_->revision_ = std::move(revision);
  return std::shared_ptr<const Policy>(std::move(policy_));
}

Result<std::shared_ptr<const Policy>> LoadPolicy(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    return Status::InvalidArgument("policy directory " + directory + " does not exist");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  if (ec) return Status::IoError("cannot list " + directory + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::InvalidArgument("no *.yaml files in " + directory);

  PolicyBuilder builder;
  Sha256Hasher sha;
  std::vector<std::string> parse_errors;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const std::string name = path.filename().string();
    sha.Update(name.data(), name.size() + 1);  // includes the terminating NUL
    sha.Update(text).Update("\0", 1);
    try {
      builder.AddFile(path.string(), YAML::Load(text));
    } catch (const YAML::Exception& e) {
      parse_errors.push_back(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }
  if (!parse_errors.empty()) {
    std::string msg = "the policy has YAML syntax errors:";
    for (const auto& e : parse_errors) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  const Sha256Digest digest = sha.Finish();
  return builder.Finish(HexOf(digest.data(), 8));
}

}  // namespace inzage
