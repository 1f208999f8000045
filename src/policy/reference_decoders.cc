// The decoders of reference records, one per record type (reference_data.h). Each reads its
// record's fields, returns the first bad one as an error before it changes anything, removes
// the earlier record with the same key, and (unless the record says "deleted") adds the new one
// with its indexes.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <utility>

#include "event/bsn.h"
#include "policy/record_reader.h"
#include "policy/reference_data.h"

namespace inzage {
namespace {

namespace dom = simdjson::dom;

template <typename V>
void EraseById(std::vector<V>& list, std::string_view id) {
  list.erase(std::remove_if(list.begin(), list.end(), [&](const V& v) { return v.id == id; }),
             list.end());
}

// "agreement": one object, a list of them, or null.
std::vector<Agreement> ReadAgreements(RecordReader& r) {
  std::vector<Agreement> out;
  auto read_one = [&](dom::element e) {
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
    out.push_back(std::move(ag));
  };
  const auto agreement = r.Element("agreement");
  if (!agreement) return out;
  dom::array list;
  if (agreement->get_array().get(list) == simdjson::SUCCESS) {
    for (dom::element e : list) read_one(e);
  } else {
    read_one(*agreement);
  }
  return out;
}

// A case's "subjects": a list of BSNs, pseudonymised.
std::vector<Pseudonym> ReadCaseSubjects(RecordReader& r, const Pseudonymizer& pseudonymizer) {
  std::vector<Pseudonym> out;
  const auto subjects = r.Element("subjects");
  if (!subjects) return out;
  dom::array arr;
  if (subjects->get_array().get(arr) != simdjson::SUCCESS) {
    r.Fail("subjects", "must be a list of BSNs");
    return out;
  }
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
    out.push_back(pseudonymizer.Pseudonymise(std::string_view(bsn.data(), bsn.size())));
  }
  return out;
}

// A case's "assignees": a list of {actor, role}.
std::vector<CaseAssignee> ReadCaseAssignees(RecordReader& r) {
  std::vector<CaseAssignee> out;
  const auto assignees = r.Element("assignees");
  if (!assignees) return out;
  dom::array arr;
  if (assignees->get_array().get(arr) != simdjson::SUCCESS) {
    r.Fail("assignees", "must be a list of {actor, role}");
    return out;
  }
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
    out.push_back(std::move(a));
  }
  return out;
}

// A subject's "flags" as a bit set.
std::uint8_t ReadSubjectFlags(RecordReader& r) {
  std::uint8_t flags = 0;
  for (const auto& flag : r.StrList("flags")) {
    if (flag == "vip") {
      flags |= kFlagVip;
    } else if (flag == "brp_secret") {
      flags |= kFlagBrpSecret;
    } else if (flag == "employee") {
      flags |= kFlagEmployee;
    } else {
      r.Fail("flags", "\"" + flag + "\" is not one of vip, brp_secret, employee");
    }
  }
  return flags;
}

}  // namespace

ReferenceData::Decoder ReferenceData::FindDecoder(std::string_view type) {
  // The order of the unknown-type message in Apply.
  static constexpr std::array<std::pair<std::string_view, Decoder>, 8> kDecoders = {{
      {"employee", &ReferenceData::ApplyEmployee},
      {"processor", &ReferenceData::ApplyProcessor},
      {"system", &ReferenceData::ApplySystem},
      {"case", &ReferenceData::ApplyCase},
      {"consent", &ReferenceData::ApplyConsent},
      {"triage", &ReferenceData::ApplyTriage},
      {"subject", &ReferenceData::ApplySubject},
      {"brp_extension", &ReferenceData::ApplyBrpExtension},
  }};
  for (const auto& [name, decoder] : kDecoders) {
    if (name == type) return decoder;
  }
  return nullptr;
}

Status ReferenceData::ApplyEmployee(RecordReader& r, bool deleted) {
  return ApplyActor(r, Actor::Type::kEmployee, deleted);
}

Status ReferenceData::ApplySystem(RecordReader& r, bool deleted) {
  return ApplyActor(r, Actor::Type::kSystem, deleted);
}

Status ReferenceData::ApplyActor(RecordReader& r, Actor::Type type, bool deleted) {
  const std::string id = r.Str("id", true);
  if (!r.status().ok()) return r.status();
  RemoveActor(id);
  if (deleted) return Status::Ok();
  Actor a;
  a.type = type;
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

Status ReferenceData::ApplyProcessor(RecordReader& r, bool deleted) {
  const std::string id = r.Str("id", true);
  if (!r.status().ok()) return r.status();
  processors_.erase(id);
  if (deleted) return Status::Ok();
  Processor p;
  p.id = id;
  p.name = r.Str("name", false);
  p.country = r.Str("country", false);
  p.outside_eu_permission = r.Bool("outside_eu_permission");
  p.agreements = ReadAgreements(r);
  if (!r.status().ok()) return r.status();
  processors_.emplace(id, std::move(p));
  return Status::Ok();
}

Status ReferenceData::ApplyCase(RecordReader& r, bool deleted) {
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
  c.subjects = ReadCaseSubjects(r, *pseudonymizer_);
  c.assignees = ReadCaseAssignees(r);
  if (!r.status().ok()) return r.status();
  auto [it, inserted] = cases_.emplace(id, std::move(c));
  IndexCase(&it->second);
  return Status::Ok();
}

Status ReferenceData::ApplyConsent(RecordReader& r, bool deleted) {
  const std::string id = r.Str("id", true);
  if (!r.status().ok()) return r.status();
  if (auto it = consents_.find(id); it != consents_.end()) {
    EraseById(consents_by_subject_[it->second.subject], id);
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

Status ReferenceData::ApplyTriage(RecordReader& r, bool deleted) {
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
  if (const auto e = r.Element("moment"); e && e->get_double().get(moment) == simdjson::SUCCESS) {
    t.moment = static_cast<int>(moment);
  }
  if (!r.status().ok()) return r.status();
  triages_by_case_[t.case_id].push_back(t);
  triages_.emplace(id, std::move(t));
  return Status::Ok();
}

Status ReferenceData::ApplySubject(RecordReader& r, bool deleted) {
  auto subject = r.Bsn("subject", true, *pseudonymizer_);
  if (!r.status().ok()) return r.status();
  if (deleted) {
    subjects_.erase(*subject);
    return Status::Ok();
  }
  SubjectInfo info;
  info.household = r.Str("household", false);
  info.flags = ReadSubjectFlags(r);
  if (!r.status().ok()) return r.status();
  subjects_[*subject] = std::move(info);
  return Status::Ok();
}

Status ReferenceData::ApplyBrpExtension(RecordReader& r, bool deleted) {
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

}  // namespace inzage
