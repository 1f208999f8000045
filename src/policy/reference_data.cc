#include "policy/reference_data.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "policy/record_reader.h"

namespace inzage {

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
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json_record.data(), json_record.size()).get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("reference record is not valid JSON");
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("reference record must be a JSON object");
  }
  std::string_view type;
  if (obj["type"].get_string().get(type) != simdjson::SUCCESS) {
    return Status::InvalidArgument("reference record has no \"type\"");
  }
  const Decoder decode = FindDecoder(type);
  if (decode == nullptr) {
    return Status::InvalidArgument("unknown reference record type \"" + std::string(type) +
                                   "\" (expected employee, processor, system, case, consent, "
                                   "triage, subject, brp_extension)");
  }
  RecordReader r(obj, std::string(type));
  const bool deleted = r.Bool("deleted");
  ++record_count_;  // a known type counts, whether it applied or not
  return (this->*decode)(r, deleted);
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
      if (policy.RoleIndex(r) < 0) out.push_back(fmt::format("{}: {}", id, r));
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
