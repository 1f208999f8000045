#include "app/world_generator.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/time.h"
#include "event/bsn.h"

namespace inzage {
namespace {

struct RoleShare {
  const char* role;
  const char* domain;  // home domain (for teams and events)
  int per_mille;
};
constexpr RoleShare kRoles[] = {
    {"wmo-consulent", "wmo", 200},
    {"jeugd-consulent", "jeugd", 150},
    {"participatie-consulent", "participatie", 150},
    {"regisseur", "wmo", 50},
    {"fraude-onderzoeker", "participatie", 30},
    {"manager-sociaal-domein", "wmo", 20},
    {"burgerzaken-medewerker", "brp", 110},
    {"brp-selectie", "brp", 20},
    {"belastingen-medewerker", "belastingen", 120},
    {"vergunningen-medewerker", "vergunningen", 110},
    {"functioneel-beheerder", "audit", 30},
    {"privacy-officer", "audit", 5},
    {"ciso", "audit", 5},
};

const char* PurposeFor(const std::string& domain) {
  if (domain == "wmo") return "wmo-maatwerkvoorziening";
  if (domain == "jeugd") return "jeugdhulp-voorziening";
  if (domain == "participatie") return "bijstand-aanvraag";
  if (domain == "brp") return "brp-bijhouding";
  if (domain == "belastingen") return "belastingheffing";
  if (domain == "vergunningen") return "vergunningverlening";
  return "privacy-onderzoek";
}

std::vector<std::string> TestRangeBsns() {
  std::vector<std::string> out;
  for (int n = 0; n < 100000; ++n) {
    std::string s = fmt::format("9999{:05d}", n);
    if (IsValidBsn(s)) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

WorldGenerator::WorldGenerator(const Options& options)
    : options_(options), rng_(options.seed), now_(options.start_micros) {
  std::vector<std::string> bsns = TestRangeBsns();
  std::shuffle(bsns.begin(), bsns.end(), rng_);
  const int people = std::min<int>(options_.employees + options_.citizens,
                                   std::min<int>(kMaxPeople, static_cast<int>(bsns.size())));
  options_.citizens = people - options_.employees;

  // Citizens in households of one to four.
  int household = 0;
  for (int i = 0; i < options_.citizens;) {
    const int size = 1 + static_cast<int>(rng_() % 4);
    for (int k = 0; k < size && i < options_.citizens; ++k, ++i) {
      Citizen c;
      c.bsn = bsns[static_cast<size_t>(i)];
      c.household = fmt::format("hh-{}", household);
      c.vip = rng_() % 200 == 0;
      c.brp_secret = rng_() % 250 == 0;
      citizens_.push_back(std::move(c));
    }
    ++household;
  }
  // Employees over the roles; a third of them live in the area (their BSN is a citizen's
  // household member: useful for self, household and colleague rules).
  for (const auto& r : kRoles) role_names_.emplace_back(r.role);
  employees_by_role_index_.resize(std::size(kRoles));
  for (int i = 0; i < options_.employees; ++i) {
    int pick = static_cast<int>(rng_() % 1000);
    size_t r = 0;
    while (r + 1 < std::size(kRoles) && pick >= kRoles[r].per_mille) pick -= kRoles[r++].per_mille;
    if (i < static_cast<int>(std::size(kRoles))) r = static_cast<size_t>(i);  // every role exists
    Employee e;
    e.id = fmt::format("emp-{}", 1000 + i);
    e.role = kRoles[r].role;
    e.domain = kRoles[r].domain;
    e.team = fmt::format("{}-{}", e.domain, 1 + rng_() % 3);
    e.bsn = bsns[static_cast<size_t>(options_.citizens) + static_cast<size_t>(i)];
    e.household = fmt::format("hh-e{}", i);
    if (rng_() % 3 == 0 && !citizens_.empty()) {
      e.household = citizens_[rng_() % citizens_.size()].household;
    }
    e.both_municipalities = rng_() % 5 != 0;
    e.municipality = rng_() % 2 == 0 ? "dinkelland" : "tubbergen";
    employees_by_role_index_[r].push_back(i);
    employees_.push_back(std::move(e));
  }
  // Cases: 40 % of citizens are known in a social domain.
  const char* kSocial[] = {"wmo", "jeugd", "participatie"};
  const char* kConsulent[] = {"wmo-consulent", "jeugd-consulent", "participatie-consulent"};
  for (int c = 0; c < options_.citizens; ++c) {
    if (rng_() % 10 >= 4) continue;
    const int d = static_cast<int>(rng_() % 3);
    CaseInfo info;
    info.id = fmt::format("zaak-2026-{:06d}", cases_.size() + 1);
    info.domain = kSocial[d];
    info.municipality = rng_() % 2 == 0 ? "dinkelland" : "tubbergen";
    info.citizen = c;
    info.employee = PickEmployee(kConsulent[d]);
    if (rng_() % 5 == 0) info.regisseur = PickEmployee("regisseur");
    info.closed = rng_() % 10 == 0;
    cases_.push_back(std::move(info));
  }
  // Another stream over the same world (a second shard's partitions in the demo).
  if (options_.stream_seed != 0) rng_.seed(options_.stream_seed);
}

int WorldGenerator::PickEmployee(const std::string& role) {
  for (size_t r = 0; r < role_names_.size(); ++r) {
    if (role_names_[r] == role && !employees_by_role_index_[r].empty()) {
      const auto& list = employees_by_role_index_[r];
      return list[rng_() % list.size()];
    }
  }
  return 0;
}

std::vector<std::string> WorldGenerator::ReferenceRecords() const {
  std::vector<std::string> out;
  for (const auto& e : employees_) {
    const std::string munis =
        e.both_municipalities ? R"("dinkelland","tubbergen")" : "\"" + e.municipality + "\"";
    out.push_back(fmt::format(
        R"({{"type":"employee","id":"{}","roles":["{}"],"team":"{}","department":"{}",)"
        R"("municipalities":[{}],"bsn":"{}","household":"{}","working_hours":"07:00-19:00"}})",
        e.id, e.role, e.team, e.domain == "brp" ? "burgerzaken" : "sociaal-domein", munis, e.bsn,
        e.household));
    out.push_back(fmt::format(R"({{"type":"subject","subject":"{}","household":"{}",)"
                              R"("flags":["employee"]}})",
                              e.bsn, e.household));
  }
  for (const auto& c : citizens_) {
    if (!c.vip && !c.brp_secret && c.household.empty()) continue;
    std::string flags;
    if (c.vip) flags += "\"vip\"";
    if (c.brp_secret) flags += std::string(flags.empty() ? "" : ",") + "\"brp_secret\"";
    out.push_back(
        fmt::format(R"({{"type":"subject","subject":"{}","household":"{}","flags":[{}]}})", c.bsn,
                    c.household, flags));
  }
  out.emplace_back(R"({"type":"system","id":"batch-belasting","roles":["belastingen-medewerker"],)"
                   R"("municipalities":["dinkelland","tubbergen"]})");
  out.emplace_back(
      R"({"type":"processor","id":"zorg-oost","name":"Zorgaanbieder Oost","country":"NL",)"
      R"("agreement":{"id":"bwo-2025-07","valid_from":"2025-01-01","valid_until":"2027-12-31",)"
      R"("purposes":["wmo-maatwerkvoorziening","jeugdhulp-voorziening"]},"outside_eu_permission":false})");
  out.emplace_back(
      R"({"type":"processor","id":"cloud-forms","name":"Cloud Forms Inc.","country":"US",)"
      R"("agreement":{"id":"bwo-2024-11","valid_from":"2024-01-01","valid_until":"2027-12-31",)"
      R"("purposes":["wmo-maatwerkvoorziening"]},"outside_eu_permission":false})");
  for (const auto& c : cases_) {
    const auto& emp = employees_[static_cast<size_t>(c.employee)];
    std::string assignees = fmt::format(R"({{"actor":"{}","role":"behandelaar"}})", emp.id);
    if (c.regisseur >= 0) {
      assignees += fmt::format(R"(,{{"actor":"{}","role":"regisseur"}})",
                               employees_[static_cast<size_t>(c.regisseur)].id);
    }
    const std::string closed_at =
        c.closed ? "\"" + FormatRfc3339(options_.start_micros - 60 * kMicrosPerDay) + "\"" : "null";
    out.push_back(
        fmt::format(R"({{"type":"case","id":"{}","municipality":"{}","domain":"{}","status":"{}",)"
                    R"("closed_at":{},"subjects":["{}"],"team":"{}","assignees":[{}]}})",
                    c.id, c.municipality, c.domain, c.closed ? "closed" : "open", closed_at,
                    citizens_[static_cast<size_t>(c.citizen)].bsn, emp.team, assignees));
    if (c.domain == "wmo" && !c.closed) {
      out.push_back(fmt::format(
          R"({{"type":"triage","id":"tri-{}","case":"{}","moment":2,"recipient":"zorg-oost",)"
          R"("categories":["health"],"decided_by":"{}","decided_at":"2026-03-01T10:00:00Z"}})",
          c.id, c.id, emp.id));
    }
  }
  return out;
}

std::string WorldGenerator::EventJson(const Employee& actor, const std::string& action,
                                      const std::vector<int>& citizens, const std::string& domain,
                                      const std::string& info, const std::string& purpose,
                                      const std::string& case_id, const std::string& extra) {
  std::string subjects;
  for (int c : citizens) {
    if (!subjects.empty()) subjects += ',';
    subjects += fmt::format(R"({{"bsn":"{}"}})", citizens_[static_cast<size_t>(c)].bsn);
  }
  const std::string municipality = actor.both_municipalities
                                       ? (rng_() % 2 == 0 ? "dinkelland" : "tubbergen")
                                       : actor.municipality;
  return fmt::format(
      R"({{"schema":"inzage.access/1","event_id":"ev-{}-{}","time":"{}","municipality":"{}",)"
      R"("actor":{{"id":"{}","kind":"employee","roles":["{}"]}},"action":"{}","subjects":[{}],)"
      R"("resource":{{"system":"{}","domain":"{}","info":"{}"{}}},"purpose":{},"case_id":{}{}}})",
      StreamSeed(), counter_, FormatRfc3339(now_), municipality, actor.id, actor.role, action,
      subjects, domain == "brp" ? "brp-gba" : "suite4sd", domain, info,
      extra.rfind(",\"fields\"", 0) == 0 || extra.rfind(",\"categories\"", 0) == 0 ? extra : "",
      purpose.empty() ? "null" : "\"" + purpose + "\"",
      case_id.empty() ? "null" : "\"" + case_id + "\"",
      extra.rfind(",\"fields\"", 0) == 0 || extra.rfind(",\"categories\"", 0) == 0 ? "" : extra);
}

std::string WorldGenerator::NextEvent() {
  // Office hours on weekdays, 07:00-19:00 UTC+1-ish; jump to the next morning at the end.
  now_ += step_min_ + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(step_span_));
  const std::int64_t day = UtcDay(now_);
  const std::int64_t second_of_day = (now_ - day * kMicrosPerDay) / kMicrosPerSecond;
  const std::int64_t weekday = (day + 3) % 7;  // 0 = Monday
  constexpr std::int64_t kEndOfDay = std::int64_t{17} * 3600;
  if (second_of_day >= kEndOfDay || weekday >= 5) {
    const std::int64_t skip = weekday >= 4 && second_of_day >= kEndOfDay ? 7 - weekday : 1;
    now_ = (day + (weekday >= 5 ? 7 - weekday : skip)) * kMicrosPerDay +
           std::int64_t{7} * 3600 * kMicrosPerSecond;
  }
  ++counter_;
  const int roll = static_cast<int>(rng_() % 1000);
  if (roll < options_.invalid_per_mille) return Invalid();
  if (roll < options_.invalid_per_mille + options_.violations_per_mille) return Violation();
  return Legitimate();
}

std::string WorldGenerator::Legitimate() {
  const int kind = static_cast<int>(rng_() % 10);
  if (kind < 6 && !cases_.empty()) {
    // Case work: the assignee views or updates the case's wat-information.
    const CaseInfo* c = &cases_[rng_() % cases_.size()];
    for (int tries = 0; c->closed && tries < 5; ++tries) c = &cases_[rng_() % cases_.size()];
    const auto& emp = employees_[static_cast<size_t>(c->employee)];
    const std::string action = rng_() % 4 == 0 ? "update" : "view";
    const std::string categories =
        c->domain != "participatie" && rng_() % 3 == 0 ? R"(,"categories":["health"])" : "";
    if (c->domain == "wmo" && rng_() % 20 == 0) {
      return EventJson(emp, "provide", {c->citizen}, c->domain, "wat", PurposeFor(c->domain), c->id,
                       R"(,"recipient":{"id":"zorg-oost","kind":"processor","country":"NL"})");
    }
    return EventJson(emp, action, {c->citizen}, c->domain, "wat", PurposeFor(c->domain), c->id,
                     categories);
  }
  const int citizen = static_cast<int>(rng_() % citizens_.size());
  if (kind < 8) {
    const auto& emp = employees_[static_cast<size_t>(PickEmployee("burgerzaken-medewerker"))];
    return EventJson(emp, "view", {citizen}, "brp", "wat", "brp-bijhouding", "",
                     R"(,"fields":["naam","adres","geboortedatum"],"method":"person")");
  }
  if (kind < 9) {
    const auto& emp = employees_[static_cast<size_t>(PickEmployee("belastingen-medewerker"))];
    return EventJson(emp, "view", {citizen}, "belastingen", "wat", "belastingheffing", "", "");
  }
  // A permit file (wat): the role needs no relationship for it. A dat view would count for
  // behavior.browsing, as any role's dat views and searches without a relationship do.
  const auto& emp = employees_[static_cast<size_t>(PickEmployee("vergunningen-medewerker"))];
  return EventJson(emp, "view", {citizen}, "vergunningen", "wat", "vergunningverlening", "", "");
}

std::string WorldGenerator::Violation() {
  const int kind = static_cast<int>(rng_() % 9);
  const int citizen = static_cast<int>(rng_() % citizens_.size());
  const auto& wmo = employees_[static_cast<size_t>(PickEmployee("wmo-consulent"))];
  switch (kind) {
    case 0:  // browsing: a consulent views a random citizen's file without a case
      return EventJson(wmo, "view", {citizen}, "wmo", "wat", "wmo-maatwerkvoorziening", "", "");
    case 1:  // another social domain's wat-information
      return EventJson(wmo, "view", {citizen}, "jeugd", "wat", "jeugdhulp-voorziening", "", "");
    case 2:  // no purpose
      return EventJson(wmo, "search", {citizen}, "wmo", "dat", "", "", "");
    case 3: {  // a protected person
      for (size_t i = 0; i < citizens_.size(); ++i) {
        if (citizens_[i].vip) {
          const auto& bz = employees_[static_cast<size_t>(PickEmployee("burgerzaken-medewerker"))];
          return EventJson(bz, "view", {static_cast<int>(i)}, "brp", "wat", "brp-bijhouding", "",
                           R"(,"fields":["naam","adres"],"method":"person")");
        }
      }
      return EventJson(wmo, "view", {citizen}, "wmo", "wat", "wmo-maatwerkvoorziening", "", "");
    }
    case 4: {  // bulk export by a manager of personal data
      const auto& mgr = employees_[static_cast<size_t>(PickEmployee("manager-sociaal-domein"))];
      std::vector<int> many;
      many.reserve(60);
      for (int i = 0; i < 60; ++i) many.push_back(static_cast<int>(rng_() % citizens_.size()));
      return EventJson(mgr, "export", many, "wmo", "dat", "sturing-verantwoording", "", "");
    }
    case 5:  // provision without a triage decision
      return EventJson(wmo, "provide", {citizen}, "wmo", "wat", "wmo-maatwerkvoorziening", "",
                       R"(,"recipient":{"id":"advocaat-x","kind":"third_party","country":"NL"})");
    case 6:  // BRP fields outside the role's set
      return EventJson(wmo, "view", {citizen}, "brp", "wat", "wmo-toegang", "",
                       R"(,"fields":["naam","nationaliteit"],"method":"person")");
    case 7: {  // emergency access, properly reasoned
      const auto& jeugd = employees_[static_cast<size_t>(PickEmployee("jeugd-consulent"))];
      return EventJson(
          jeugd, "view", {citizen}, "jeugd", "wat", "jeugdhulp-voorziening", "",
          R"(,"emergency":{"reason":"melding acute onveiligheid kind, Veilig Thuis"})");
    }
    default: {  // the employee looks themselves up
      Employee self = wmo;
      const auto& emp = employees_[rng_() % employees_.size()];
      Citizen me{emp.bsn, emp.household, false, false};
      citizens_.push_back(me);
      std::string json = EventJson(emp, "view", {static_cast<int>(citizens_.size() - 1)}, "brp",
                                   "wat", "brp-bijhouding", "", "");
      citizens_.pop_back();
      return json;
    }
  }
}

std::string WorldGenerator::Invalid() {
  switch (rng_() % 3) {
    case 0: {  // a BSN that fails the elfproef
      std::string json = Legitimate();
      const size_t at = json.find("\"bsn\":\"");
      if (at != std::string::npos) {
        char& last = json[at + 7 + 8];
        last = last == '9' ? '0' : static_cast<char>(last + 1);
      }
      return json;
    }
    case 1:
      return fmt::format(
          R"({{"schema":"inzage.access/1","event_id":"ev-{}-{}","time":"gisteren"}})", StreamSeed(),
          counter_);
    default:
      return R"({"schema":"inzage.access/1", "truncated)";
  }
}

std::string WorldGenerator::EmployeeWithRole(const std::string& role) const {
  for (const Employee& e : employees_) {
    if (e.role == role) return e.id;
  }
  return {};
}

std::string WorldGenerator::CitizenWithCase() const {
  for (const CaseInfo& c : cases_) {
    if (!c.closed) return citizens_[static_cast<size_t>(c.citizen)].bsn;
  }
  return citizens_.empty() ? std::string() : citizens_.front().bsn;
}

}  // namespace inzage
