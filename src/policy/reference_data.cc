#include "policy/reference_data.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "event/bsn.h"

namespace inzage {
namespace {

namespace dom = simdjson::dom;

// Reads typed fields of one record, remembering the first error with its field name.
class RecordReader {
 public:
  RecordReader(dom::object obj, std::string context) : obj_(obj), context_(std::move(context)) {}

  bool Has(std::string_view key) {
    dom::element e;
    return obj_[key].get(e) == simdjson::SUCCESS && !e.is_null();
  }
  std::string Str(std::string_view key, bool required) {
    dom::element e;
    if (obj_[key].get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required) Fail(key, "is required");
      return {};
    }
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) {
      Fail(key, "must be a string");
      return {};
    }
    return std::string(s);
  }
  std::vector<std::string> StrList(std::string_view key) {
    std::vector<std::string> out;
    dom::element e;
    if (obj_[key].get(e) != simdjson::SUCCESS || e.is_null()) return out;
    dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS) {
      Fail(key, "must be a list of strings");
      return out;
    }
    for (dom::element item : arr) {
      std::string_view s;
      if (item.get_string().get(s) != simdjson::SUCCESS) {
        Fail(key, "must be a list of strings");
        return out;
      }
      out.emplace_back(s);
    }
    return out;
  }
  bool Bool(std::string_view key) {
    dom::element e;
    if (obj_[key].get(e) != simdjson::SUCCESS || e.is_null()) return false;
    bool b = false;
    if (e.get_bool().get(b) != simdjson::SUCCESS) Fail(key, "must be true or false");
    return b;
  }
  std::optional<TimeMicros> Time(std::string_view key, bool required) {
    std::string s = Str(key, required);
    if (s.empty()) return std::nullopt;
    auto t = ParseRfc3339(s);
    if (!t) Fail(key, "is not an RFC 3339 time with a zone");
    return t;
  }
  std::int64_t Day(std::string_view key, std::int64_t if_null) {
    std::string s = Str(key, false);
    if (s.empty()) return if_null;
    auto d = ParseDate(s);
    if (!d) {
      Fail(key, "is not a date YYYY-MM-DD");
      return if_null;
    }
    return *d;
  }
  std::optional<Pseudonym> Bsn(std::string_view key, bool required, const Pseudonymizer& p) {
    std::string s = Str(key, required);
    if (s.empty()) return std::nullopt;
    NormalisedBsn bsn;
    if (const char* why = CheckBsn(s, &bsn)) {
      Fail(key, why);
      return std::nullopt;
    }
    return p.Pseudonymise(std::string_view(bsn.data(), bsn.size()));
  }
  CategorySet Categories(std::string_view key) {
    CategorySet set = 0;
    for (const auto& name : StrList(key)) {
      auto c = EnumFromName<Category>(kCategoryNames, name);
      if (!c) {
        Fail(key, "\"" + name + "\" is not a special category");
      } else {
        set |= CategoryBit(*c);
      }
    }
    return set;
  }
  dom::object Object() const { return obj_; }
  void Fail(std::string_view key, const std::string& what) {
    if (error_.empty()) error_ = context_ + "." + std::string(key) + ": " + what;
  }
  [[nodiscard]] Status status() const {
    return error_.empty() ? Status::Ok() : Status::InvalidArgument(error_);
  }

 private:
  dom::object obj_;
  std::string context_;
  std::string error_;
};

template <typename V>
void EraseById(std::vector<V>& list, std::string_view id) {
  list.erase(std::remove_if(list.begin(), list.end(), [&](const V& v) { return v.id == id; }),
             list.end());
}

}  // namespace

bool Case::HasSubject(const Pseudonym& p) const {
  return std::find(subjects.begin(), subjects.end(), p) != subjects.end();
}

bool Case::AssignsActor(std::string_view actor) const {
  return std::any_of(assignees.begin(), assignees.end(),
                     [&](const CaseAssignee& a) { return a.actor == actor; });
}

bool IsEuOrEea(std::string_view country) {
  static constexpr std::array<std::string_view, 31> kEea = {
      "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE",
      "GR", "EL", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL",
      "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};
  return std::find(kEea.begin(), kEea.end(), country) != kEea.end();
}

std::optional<std::pair<int, int>> ParseWorkingHours(std::string_view text) {
  auto hhmm = [](std::string_view s) -> std::optional<int> {
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    for (size_t i : {0u, 1u, 3u, 4u}) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
    }
    const int h = (s[0] - '0') * 10 + (s[1] - '0');
    const int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
  };
  if (text.size() != 11 || text[5] != '-') return std::nullopt;
  auto from = hhmm(text.substr(0, 5));
  auto to = hhmm(text.substr(6, 5));
  if (!from || !to || *from >= *to) return std::nullopt;
  return std::make_pair(*from, *to);
}

Status ReferenceData::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot open reference file " + path);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Status st = Apply(line);
    if (!st.ok()) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": " + st.message());
    }
  }
  return Status::Ok();
}

Status ReferenceData::Apply(std::string_view json_record) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(json_record.data(), json_record.size()).get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("reference record is not valid JSON");
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("reference record must be a JSON object");
  }
  std::string_view type;
  if (obj["type"].get_string().get(type) != simdjson::SUCCESS) {
    return Status::InvalidArgument("reference record has no \"type\"");
  }
  RecordReader r(obj, std::string(type));
  const bool deleted = r.Bool("deleted");
  ++record_count_;

  if (type == "employee" || type == "system") {
    const std::string id = r.Str("id", true);
    if (!r.status().ok()) return r.status();
    RemoveActor(id);
    if (deleted) return Status::Ok();
    Actor a;
    a.type = type == "employee" ? Actor::Type::kEmployee : Actor::Type::kSystem;
    a.id = id;
    a.role_ids = r.StrList("roles");
    a.team = r.Str("team", false);
    a.department = r.Str("department", false);
    a.municipality_ids = r.StrList("municipalities");
    a.bsn = r.Bsn("bsn", false, *pseudonymizer_);
    a.household = r.Str("household", false);
    if (std::string hours = r.Str("working_hours", false); !hours.empty()) {
      a.working_minutes = ParseWorkingHours(hours);
      if (!a.working_minutes) r.Fail("working_hours", "must be HH:MM-HH:MM");
    }
    if (!r.status().ok()) return r.status();
    if (a.bsn) employee_by_bsn_[*a.bsn] = a.id;
    if (resolve_with_ != nullptr) ResolveActor(a, *resolve_with_);
    actors_.emplace(id, std::move(a));
    return Status::Ok();
  }
  if (type == "processor") {
    const std::string id = r.Str("id", true);
    if (!r.status().ok()) return r.status();
    processors_.erase(id);
    if (deleted) return Status::Ok();
    Processor p;
    p.id = id;
    p.name = r.Str("name", false);
    p.country = r.Str("country", false);
    p.outside_eu_permission = r.Bool("outside_eu_permission");
    dom::element agreement;
    auto read_agreement = [&](dom::element e) {
      dom::object ao;
      if (e.get_object().get(ao) != simdjson::SUCCESS) {
        r.Fail("agreement", "must be an object, a list of objects or null");
        return;
      }
      RecordReader ar(ao, "processor.agreement");
      Agreement ag;
      ag.id = ar.Str("id", true);
      ag.valid_from_day = ar.Day("valid_from", 0);
      ag.valid_until_day = ar.Day("valid_until", kOpenEnded);
      ag.purposes = ar.StrList("purposes");
      if (!ar.status().ok()) {
        r.Fail("agreement", ar.status().message());
        return;
      }
      p.agreements.push_back(std::move(ag));
    };
    if (obj["agreement"].get(agreement) == simdjson::SUCCESS && !agreement.is_null()) {
      dom::array list;
      if (agreement.get_array().get(list) == simdjson::SUCCESS) {
        for (dom::element e : list) read_agreement(e);
      } else {
        read_agreement(agreement);
      }
    }
    if (!r.status().ok()) return r.status();
    processors_.emplace(id, std::move(p));
    return Status::Ok();
  }
  if (type == "case") {
    const std::string id = r.Str("id", true);
    if (!r.status().ok()) return r.status();
    if (auto it = cases_.find(id); it != cases_.end()) {
      UnindexCase(&it->second);
      cases_.erase(it);
    }
    if (deleted) return Status::Ok();
    Case c;
    c.id = id;
    c.municipality = r.Str("municipality", false);
    c.domain = r.Str("domain", false);
    const std::string status = r.Str("status", false);
    c.open = status.empty() || status == "open";
    c.closed_at = r.Time("closed_at", false);
    c.team = r.Str("team", false);
    dom::element subjects;
    if (obj["subjects"].get(subjects) == simdjson::SUCCESS && !subjects.is_null()) {
      dom::array arr;
      if (subjects.get_array().get(arr) != simdjson::SUCCESS) {
        r.Fail("subjects", "must be a list of BSNs");
      } else {
        for (dom::element e : arr) {
          std::string_view s;
          NormalisedBsn bsn;
          if (e.get_string().get(s) != simdjson::SUCCESS) {
            r.Fail("subjects", "must be a list of BSNs");
            break;
          }
          if (const char* why = CheckBsn(s, &bsn)) {
            r.Fail("subjects", why);
            break;
          }
          c.subjects.push_back(
              pseudonymizer_->Pseudonymise(std::string_view(bsn.data(), bsn.size())));
        }
      }
    }
    dom::element assignees;
    if (obj["assignees"].get(assignees) == simdjson::SUCCESS && !assignees.is_null()) {
      dom::array arr;
      if (assignees.get_array().get(arr) != simdjson::SUCCESS) {
        r.Fail("assignees", "must be a list of {actor, role}");
      } else {
        for (dom::element e : arr) {
          dom::object ao;
          if (e.get_object().get(ao) != simdjson::SUCCESS) {
            r.Fail("assignees", "must be a list of {actor, role}");
            break;
          }
          RecordReader ar(ao, "case.assignees");
          CaseAssignee a{ar.Str("actor", true), ar.Str("role", false)};
          if (!ar.status().ok()) {
            r.Fail("assignees", ar.status().message());
            break;
          }
          c.assignees.push_back(std::move(a));
        }
      }
    }
    if (!r.status().ok()) return r.status();
    auto [it, inserted] = cases_.emplace(id, std::move(c));
    IndexCase(&it->second);
    return Status::Ok();
  }
  if (type == "consent") {
    const std::string id = r.Str("id", true);
    if (!r.status().ok()) return r.status();
    if (auto it = consents_.find(id); it != consents_.end()) {
      auto& list = consents_by_subject_[it->second.subject];
      EraseById(list, id);
      consents_.erase(it);
    }
    if (deleted) return Status::Ok();
    Consent c;
    c.id = id;
    auto subject = r.Bsn("subject", true, *pseudonymizer_);
    c.purpose = r.Str("purpose", true);
    c.categories = r.Categories("categories");
    c.given_at = r.Time("given_at", true).value_or(0);
    c.withdrawn_at = r.Time("withdrawn_at", false);
    if (!r.status().ok()) return r.status();
    c.subject = *subject;
    consents_by_subject_[c.subject].push_back(c);
    consents_.emplace(id, std::move(c));
    return Status::Ok();
  }
  if (type == "triage") {
    const std::string id = r.Str("id", true);
    if (!r.status().ok()) return r.status();
    if (auto it = triages_.find(id); it != triages_.end()) {
      EraseById(triages_by_case_[it->second.case_id], id);
      triages_.erase(it);
    }
    if (deleted) return Status::Ok();
    Triage t;
    t.id = id;
    t.case_id = r.Str("case", true);
    t.recipient = r.Str("recipient", true);
    t.categories = r.Categories("categories");
    t.decided_by = r.Str("decided_by", false);
    t.decided_at = r.Time("decided_at", false).value_or(0);
    double moment = 0;
    if (obj["moment"].get_double().get(moment) == simdjson::SUCCESS) {
      t.moment = static_cast<int>(moment);
    }
    if (!r.status().ok()) return r.status();
    triages_by_case_[t.case_id].push_back(t);
    triages_.emplace(id, std::move(t));
    return Status::Ok();
  }
  if (type == "subject") {
    auto subject = r.Bsn("subject", true, *pseudonymizer_);
    if (!r.status().ok()) return r.status();
    if (deleted) {
      subjects_.erase(*subject);
      return Status::Ok();
    }
    SubjectInfo info;
    info.household = r.Str("household", false);
    for (const auto& flag : r.StrList("flags")) {
      if (flag == "vip") {
        info.flags |= kFlagVip;
      } else if (flag == "brp_secret") {
        info.flags |= kFlagBrpSecret;
      } else if (flag == "employee") {
        info.flags |= kFlagEmployee;
      } else {
        r.Fail("flags", "\"" + flag + "\" is not one of vip, brp_secret, employee");
      }
    }
    if (!r.status().ok()) return r.status();
    subjects_[*subject] = std::move(info);
    return Status::Ok();
  }
  if (type == "brp_extension") {
    const std::string id = r.Str("id", true);
    if (!r.status().ok()) return r.status();
    if (auto it = extensions_.find(id); it != extensions_.end()) {
      EraseById(extensions_by_actor_[it->second.actor], id);
      extensions_.erase(it);
    }
    if (deleted) return Status::Ok();
    BrpExtension x;
    x.id = id;
    x.actor = r.Str("actor", true);
    x.fields = r.StrList("fields");
    x.approved_by = r.Str("approved_by", false);
    x.valid_from_day = r.Day("valid_from", 0);
    x.valid_until_day = r.Day("valid_until", kOpenEnded);
    if (!r.status().ok()) return r.status();
    extensions_by_actor_[x.actor].push_back(x);
    extensions_.emplace(id, std::move(x));
    return Status::Ok();
  }
  --record_count_;
  return Status::InvalidArgument("unknown reference record type \"" + std::string(type) +
                                 "\" (expected employee, processor, system, case, consent, "
                                 "triage, subject, brp_extension)");
}

void ReferenceData::RemoveActor(std::string_view id) {
  auto it = actors_.find(id);
  if (it == actors_.end()) return;
  if (it->second.bsn) {
    auto e = employee_by_bsn_.find(*it->second.bsn);
    if (e != employee_by_bsn_.end() && e->second == id) employee_by_bsn_.erase(e);
  }
  actors_.erase(it);
}

void ReferenceData::IndexCase(const Case* c) {
  for (const auto& s : c->subjects) cases_by_subject_[s].push_back(c);
}

void ReferenceData::UnindexCase(const Case* c) {
  for (const auto& s : c->subjects) {
    auto it = cases_by_subject_.find(s);
    if (it == cases_by_subject_.end()) continue;
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), c), list.end());
    if (list.empty()) cases_by_subject_.erase(it);
  }
}

void ReferenceData::Resolve(const Policy& policy) {
  for (auto& [id, a] : actors_) ResolveActor(a, policy);
}

void ReferenceData::ResolveActor(Actor& a, const Policy& policy) {
  {
    a.roles = 0;
    for (const auto& r : a.role_ids) {
      const int i = policy.RoleIndex(r);
      if (i >= 0) a.roles |= Mask64{1} << i;
    }
    a.municipalities = 0;
    for (const auto& m : a.municipality_ids) {
      const int i = policy.MunicipalityIndex(m);
      if (i >= 0) a.municipalities |= Mask64{1} << i;
    }
  }
}

std::vector<std::string> ReferenceData::UnknownRoles(const Policy& policy) const {
  std::vector<std::string> out;
  for (const auto& [id, a] : actors_) {
    for (const auto& r : a.role_ids) {
      if (policy.RoleIndex(r) < 0) out.push_back(id + ": " + r);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const Actor* ReferenceData::FindActor(std::string_view id) const {
  auto it = actors_.find(id);
  return it == actors_.end() ? nullptr : &it->second;
}
const Processor* ReferenceData::FindProcessor(std::string_view id) const {
  auto it = processors_.find(id);
  return it == processors_.end() ? nullptr : &it->second;
}
const Case* ReferenceData::FindCase(std::string_view id) const {
  auto it = cases_.find(id);
  return it == cases_.end() ? nullptr : &it->second;
}
const std::vector<const Case*>* ReferenceData::CasesOfSubject(const Pseudonym& subject) const {
  auto it = cases_by_subject_.find(subject);
  return it == cases_by_subject_.end() ? nullptr : &it->second;
}
const std::vector<Consent>* ReferenceData::ConsentsOfSubject(const Pseudonym& subject) const {
  auto it = consents_by_subject_.find(subject);
  return it == consents_by_subject_.end() ? nullptr : &it->second;
}
const std::vector<Triage>* ReferenceData::TriagesOfCase(std::string_view case_id) const {
  auto it = triages_by_case_.find(case_id);
  return it == triages_by_case_.end() ? nullptr : &it->second;
}
const SubjectInfo* ReferenceData::FindSubject(const Pseudonym& subject) const {
  auto it = subjects_.find(subject);
  return it == subjects_.end() ? nullptr : &it->second;
}
const Actor* ReferenceData::EmployeeWithBsn(const Pseudonym& subject) const {
  auto it = employee_by_bsn_.find(subject);
  return it == employee_by_bsn_.end() ? nullptr : FindActor(it->second);
}
const std::vector<BrpExtension>* ReferenceData::ExtensionsOfActor(std::string_view actor) const {
  auto it = extensions_by_actor_.find(actor);
  return it == extensions_by_actor_.end() ? nullptr : &it->second;
}

}  // namespace inzage
