// Property-based test of Decide: random worlds and random events over the shipped policy, and
// invariants that docs/rules.md states, checked on every event:
//   - an allow names the explanation that made it legitimate;
//   - an allow has no fired rule whose verdict is violation (or review);
//   - the same event with a valid emergency reason gains no rule but special.emergency_access,
//     and has neither ntk.no_relationship nor special.no_basis;
//   - removing a subject's consent never turns a violation into an allow;
//   - the decision does not depend on the order of the event's subjects.
//
// The seed differs per run and is printed with the run count; INZAGE_PROPERTY_SEED repeats a run,
// INZAGE_PROPERTY_EVENTS changes its length (default 20,000 events, well under a second).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "event/bsn.h"
#include "event/event_parser.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "policy/rule_catalogue.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using nlohmann::json;

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// Valid BSNs from the 9999xxxxx test range.
std::vector<std::string> TestBsns(size_t n) {
  std::vector<std::string> out;
  for (int i = 0; out.size() < n && i < 100'000; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "9999%05d", i);
    if (IsValidBsn(buf)) out.emplace_back(buf);
  }
  return out;
}

template <typename T>
const T& Pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[rng() % v.size()];
}

// A small random world: employees of every role, cases, consents, processors, triages, flags.
class RandomWorld {
 public:
  RandomWorld(const Policy& policy, std::mt19937_64& rng) : policy_(policy), rng_(rng) {
    bsns_ = TestBsns(40);
    for (const Role& r : policy.roles()) roles_.push_back(r.id);
    for (const Domain& d : policy.domains()) domains_.push_back(d.id);
    for (const auto& [id, a] : policy.activities()) activities_.push_back(id);
    std::sort(activities_.begin(), activities_.end());  // map order is not stable
    const std::vector<std::string> teams = {"t-1", "t-2", "t-3"};
    for (size_t i = 0; i < 16; ++i) {
      const std::string id = "emp-" + std::to_string(i);
      json e = {{"type", "employee"},
                {"id", id},
                {"roles", {roles_[i % roles_.size()]}},
                {"team", Pick(rng_, teams)},
                {"department", "d"},
                {"municipalities",
                 rng_() % 4 == 0 ? json{"dinkelland"} : json{"dinkelland", "tubbergen"}},
                {"household", "hh-" + std::to_string(rng_() % 6)}};
      if (rng_() % 3 == 0) e["bsn"] = bsns_[30 + i % 10];  // some employees are subjects too
      if (rng_() % 4 == 0) e["roles"].push_back(Pick(rng_, roles_));
      records_.push_back(e);
      actors_.push_back(id);
      employee_roles_.emplace_back(id, e["roles"].get<std::vector<std::string>>());
    }
    records_.push_back({{"type", "processor"},
                        {"id", "proc-ok"},
                        {"name", "P"},
                        {"country", "NL"},
                        {"agreement",
                         {{"id", "a-1"},
                          {"valid_from", "2025-01-01"},
                          {"valid_until", "2027-12-31"},
                          {"purposes", {"wmo-maatwerkvoorziening", "jeugdhulp-voorziening"}}}},
                        {"outside_eu_permission", false}});
    records_.push_back({{"type", "processor"},
                        {"id", "proc-us"},
                        {"name", "Q"},
                        {"country", "US"},
                        {"agreement", nullptr},
                        {"outside_eu_permission", false}});
    for (int i = 0; i < 24; ++i) {
      const std::string id = "zaak-" + std::to_string(i);
      json c = {{"type", "case"},
                {"id", id},
                {"municipality", rng_() % 2 == 0 ? "dinkelland" : "tubbergen"},
                {"domain", Pick(rng_, domains_)},
                {"team", Pick(rng_, teams)},
                {"subjects", json::array()},
                {"assignees", json::array()}};
      const int status = static_cast<int>(rng_() % 4);
      c["status"] = status == 0 ? "closed" : "open";
      c["closed_at"] = status == 0
                           ? (rng_() % 2 == 0 ? "2026-11-10T00:00:00Z" : "2026-06-01T00:00:00Z")
                           : json(nullptr);
      for (int s = 0; s < 1 + static_cast<int>(rng_() % 3); ++s) {
        c["subjects"].push_back(Pick(rng_, bsns_));
      }
      for (int a = 0; a < static_cast<int>(rng_() % 3); ++a) {
        c["assignees"].push_back(
            {{"actor", Pick(rng_, actors_)}, {"role", rng_() % 2 ? "behandelaar" : "regisseur"}});
      }
      records_.push_back(c);
      cases_.push_back(id);
      if (rng_() % 2 == 0) {
        records_.push_back({{"type", "triage"},
                            {"id", "tri-" + std::to_string(i)},
                            {"case", id},
                            {"moment", 2},
                            {"recipient", rng_() % 2 ? "proc-ok" : "gemeente-x"},
                            {"categories", rng_() % 2 ? json{"health"} : json::array()},
                            {"decided_by", "emp-0"},
                            {"decided_at", "2026-03-01T10:00:00Z"}});
      }
    }
    for (int i = 0; i < 30; ++i) {
      const std::string subject = Pick(rng_, bsns_);
      const std::string id = "c-" + std::to_string(i);
      records_.push_back(
          {{"type", "consent"},
           {"id", id},
           {"subject", subject},
           {"purpose", Pick(rng_, activities_)},
           {"categories", rng_() % 2 ? json{"health"} : json::array()},
           {"given_at", "2026-01-05T09:00:00Z"},
           {"withdrawn_at", rng_() % 5 == 0 ? json("2026-11-01T00:00:00Z") : json(nullptr)}});
      consents_.push_back({id, subject});
    }
    for (int i = 0; i < 10; ++i) {
      const int f = static_cast<int>(rng_() % 4);
      json flags = json::array();
      if (f == 1 || f == 3) flags.push_back("vip");
      if (f == 2 || f == 3) flags.push_back("brp_secret");
      records_.push_back({{"type", "subject"},
                          {"subject", bsns_[static_cast<size_t>(i) * 3]},
                          {"household", "hh-" + std::to_string(rng_() % 6)},
                          {"flags", flags}});
    }
    for (const json& r : records_) {
      if (r["type"] == "case") case_records_.push_back(&r);
    }
  }

  [[nodiscard]] const std::vector<json>& records() const { return records_; }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& consents() const {
    return consents_;
  }

  json Event(int n) {
    static const std::vector<std::string> kActions = {"view",   "search", "create", "update",
                                                      "delete", "export", "print",  "provide"};
    static const std::vector<std::string> kInfo = {"wat", "dat", "cumulative"};
    static const std::vector<std::string> kCategories = {"health", "criminal", "religion"};
    static const std::vector<std::string> kFields = {"naam",          "adres",    "bsn",
                                                     "nationaliteit", "kinderen", "verblijfstitel"};
    static const std::vector<std::string> kMethods = {"person", "address", "selection"};
    json e = {{"schema", "inzage.access/1"},
              {"event_id", "p-" + std::to_string(n)},
              {"time", "2026-11-24T10:15:03Z"},
              {"municipality", rng_() % 2 == 0 ? "dinkelland" : "tubbergen"},
              {"action", Pick(rng_, kActions)},
              {"subjects", json::array()},
              {"resource",
               {{"system", "s"}, {"domain", Pick(rng_, domains_)}, {"info", Pick(rng_, kInfo)}}}};
    const int who = static_cast<int>(rng_() % 20);
    if (who >= 10) {
      Plausible(&e);
    } else if (who == 0) {
      e["actor"] = {{"id", "proc-ok"}, {"kind", "processor"}};
    } else if (who == 1) {
      e["actor"] = {{"id", "proc-us"}, {"kind", "processor"}};
    } else if (who == 2) {
      e["actor"] = {{"id", "nobody"}, {"kind", "employee"}};
    } else {
      e["actor"] = {{"id", Pick(rng_, actors_)}, {"kind", "employee"}};
    }
    const int subjects = e["subjects"].empty() ? 1 + static_cast<int>(rng_() % 4) : 0;
    std::set<std::string> seen;
    for (int i = 0; i < subjects; ++i) {
      const std::string& b = Pick(rng_, bsns_);
      if (seen.insert(b).second) e["subjects"].push_back({{"bsn", b}});
    }
    const int purpose = static_cast<int>(rng_() % 12);
    if (e.contains("purpose")) {
      // chosen by Plausible
    } else if (purpose == 0) {
      e["purpose"] = nullptr;
    } else if (purpose == 1) {
      e["purpose"] = "not-registered";
    } else {
      e["purpose"] = Pick(rng_, activities_);
    }
    if (!e.contains("case_id") && rng_() % 2 == 0) e["case_id"] = Pick(rng_, cases_);
    if (rng_() % 3 == 0) {
      json cats = json::array();
      for (const auto& c : kCategories) {
        if (rng_() % 2 == 0) cats.push_back(c);
      }
      e["resource"]["categories"] = cats;
    }
    if (e["resource"]["domain"] == "brp") {
      json fields = json::array();
      for (const auto& f : kFields) {
        if (rng_() % 3 == 0) fields.push_back(f);
      }
      e["resource"]["fields"] = fields;
      if (rng_() % 2 == 0) e["resource"]["method"] = Pick(rng_, kMethods);
    }
    if (e["action"] == "provide" && rng_() % 5 != 0) {
      static const std::vector<std::string> kKinds = {"processor", "government", "third_party",
                                                      "internal"};
      e["recipient"] = {{"id", rng_() % 2 ? "proc-ok" : "gemeente-x"},
                        {"kind", Pick(rng_, kKinds)},
                        {"country", rng_() % 6 == 0 ? "US" : "NL"}};
    }
    return e;
  }

 private:
  // An employee doing what one of their roles permits, for an activity of that role, on the
  // subjects of a case they are on: mostly allowed, so the allow invariants are exercised.
  void Plausible(json* e) {
    const auto& [actor, role_ids] = Pick(rng_, employee_roles_);
    (*e)["actor"] = {{"id", actor}, {"kind", "employee"}};
    const int role = policy_.RoleIndex(Pick(rng_, role_ids));
    std::vector<std::tuple<int, InfoLevel, Action>> cells;
    for (int d = 0; d < static_cast<int>(policy_.domains().size()); ++d) {
      for (size_t i = 0; i < kInfoLevelCount; ++i) {
        for (size_t a = 0; a < kActionCount; ++a) {
          const auto info = static_cast<InfoLevel>(i);
          const auto action = static_cast<Action>(a);
          if ((policy_.Cell(d, info, action).any() & (Mask64{1} << role)) != 0) {
            cells.emplace_back(d, info, action);
          }
        }
      }
    }
    if (cells.empty()) return;
    const auto& [d, info, action] = Pick(rng_, cells);
    (*e)["resource"]["domain"] = policy_.domains()[static_cast<size_t>(d)].id;
    (*e)["resource"]["info"] = std::string(kInfoLevelNames[static_cast<size_t>(info)]);
    (*e)["action"] = std::string(kActionNames[static_cast<size_t>(action)]);
    std::vector<std::string> purposes;
    for (const std::string& id : activities_) {
      const Activity* a = policy_.FindActivity(id);
      if ((a->roles & (Mask64{1} << role)) != 0 && (a->domains & (Mask64{1} << d)) != 0) {
        purposes.push_back(id);
      }
    }
    if (!purposes.empty()) (*e)["purpose"] = Pick(rng_, purposes);
    std::vector<const json*> mine;
    for (const json* c : case_records_) {
      for (const auto& a : (*c)["assignees"]) {
        if (a["actor"] == actor) mine.push_back(c);
      }
    }
    if (!mine.empty()) {
      const json& c = *Pick(rng_, mine);
      (*e)["case_id"] = c["id"];
      for (const auto& sj : c["subjects"]) (*e)["subjects"].push_back({{"bsn", sj}});
    }
  }

  const Policy& policy_;
  std::mt19937_64& rng_;
  std::vector<std::string> bsns_, roles_, domains_, activities_, actors_, cases_;
  std::vector<json> records_;
  std::vector<const json*> case_records_;  // into records_, filled once it is complete
  std::vector<std::pair<std::string, std::vector<std::string>>> employee_roles_;
  std::vector<std::pair<std::string, std::string>> consents_;  // id, subject
};

struct Outcome {
  Verdict verdict = Verdict::kAllow;
  std::set<std::string> rules;
  ExplanationKind explanation = ExplanationKind::kNone;
  std::uint32_t unexplained = 0;
  bool fired_rule_of_verdict_v_or_r = false;
};

class DeciderPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy");
    ASSERT_TRUE(p.ok()) << p.status().message();
    policy_ = *p;
  }

  Outcome Decide(const ReferenceData& reference, const json& event) {
    Status st = parser_.Parse(event.dump(), &event_);
    EXPECT_TRUE(st.ok()) << st.message() << "\n" << event.dump();
    Decision d;
    Decider(policy_.get(), &reference).Decide(event_, &d);
    Outcome o;
    o.verdict = d.verdict;
    o.explanation = d.explanation;
    o.unexplained = d.unexplained_count;
    for (size_t i = 0; i < d.hit_count; ++i) {
      o.rules.insert(std::string(InfoOf(d.hits[i].rule).id));
      const Verdict v = InfoOf(d.hits[i].rule).verdict;
      if (v == Verdict::kViolation || v == Verdict::kReview) o.fired_rule_of_verdict_v_or_r = true;
    }
    return o;
  }

  static std::string Describe(const json& event, const Outcome& o) {
    std::string rules;
    for (const auto& r : o.rules) rules += r + " ";
    return event.dump() + "\n  verdict " +
           std::string(kVerdictNames[static_cast<size_t>(o.verdict)]) + ", rules " + rules;
  }

  std::shared_ptr<const Policy> policy_;
  Pseudonymizer key_{"property-test-key-property-test-key-0000"};
  EventParser parser_{&key_};
  AccessEvent event_;
};

TEST_F(DeciderPropertyTest, InvariantsHoldOverRandomWorldsAndEvents) {
  const std::uint64_t seed = EnvOr("INZAGE_PROPERTY_SEED", std::random_device{}());
  const std::uint64_t events = EnvOr("INZAGE_PROPERTY_EVENTS", 20'000);
  std::printf("decider property test: seed %llu (INZAGE_PROPERTY_SEED repeats it), %llu events\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(events));
  std::mt19937_64 rng(seed);
  constexpr std::uint64_t kEventsPerWorld = 500;
  std::uint64_t checked = 0, allows = 0, violations = 0, consent_checks = 0;
  for (std::uint64_t world_no = 0; checked < events; ++world_no) {
    RandomWorld world(*policy_, rng);
    ReferenceData reference(&key_);
    for (const json& r : world.records()) {
      Status st = reference.Apply(r.dump());
      ASSERT_TRUE(st.ok()) << st.message() << "\n" << r.dump();
    }
    reference.Resolve(*policy_);
    std::vector<std::unique_ptr<ReferenceData>> without_consent;
    for (const auto& [id, subject] : world.consents()) {
      auto& without = without_consent.emplace_back(std::make_unique<ReferenceData>(&key_));
      for (const json& r : world.records()) ASSERT_OK(without->Apply(r.dump()));
      const json deletion = {{"type", "consent"}, {"id", id}, {"deleted", true}};
      ASSERT_OK(without->Apply(deletion.dump()));
      without->Resolve(*policy_);
    }
    for (std::uint64_t i = 0; i < kEventsPerWorld && checked < events; ++i, ++checked) {
      const json event = world.Event(static_cast<int>(checked));
      const Outcome o = Decide(reference, event);
      SCOPED_TRACE("seed " + std::to_string(seed) + ", event " + std::to_string(checked) + ": " +
                   Describe(event, o));

      if (o.verdict == Verdict::kAllow) {
        ++allows;
        ASSERT_NE(o.explanation, ExplanationKind::kNone) << "an allow names its explanation";
        ASSERT_FALSE(o.fired_rule_of_verdict_v_or_r) << "an allow with a rule of verdict V or R";
      }
      if (o.verdict == Verdict::kViolation) ++violations;

      json urgent = event;
      urgent["emergency"] = {{"reason", "Veilig Thuis: acuut gevaar voor het kind"}};
      const Outcome u = Decide(reference, urgent);
      for (const std::string& r : u.rules) {
        ASSERT_TRUE(o.rules.count(r) != 0 || r == "special.emergency_access")
            << "emergency access gained " << r;
      }
      ASSERT_EQ(u.rules.count("ntk.no_relationship") + u.rules.count("special.no_basis"), 0u)
          << "a valid emergency reason is reported for review instead";

      json shuffled = event;
      std::shuffle(shuffled["subjects"].begin(), shuffled["subjects"].end(), rng);
      const Outcome s = Decide(reference, shuffled);
      ASSERT_EQ(s.verdict, o.verdict) << "subject order changed the verdict";
      ASSERT_EQ(s.rules, o.rules) << "subject order changed the rules";
      ASSERT_EQ(s.unexplained, o.unexplained) << "subject order changed the unexplained count";

      if (o.verdict == Verdict::kViolation) {
        // Each consent of the event's subjects removed, one at a time.
        for (size_t c = 0; c < world.consents().size(); ++c) {
          const auto& [id, subject] = world.consents()[c];
          bool concerns = false;
          for (const auto& sj : event["subjects"]) concerns = concerns || sj["bsn"] == subject;
          if (!concerns) continue;
          ++consent_checks;
          ASSERT_NE(Decide(*without_consent[c], event).verdict, Verdict::kAllow)
              << "removing consent " << id << " turned a violation into an allow";
        }
      }
    }
  }
  std::printf(
      "decider property test: %llu events checked (%llu allow, %llu violation), %llu "
      "consent removals\n",
      static_cast<unsigned long long>(checked), static_cast<unsigned long long>(allows),
      static_cast<unsigned long long>(violations), static_cast<unsigned long long>(consent_checks));
  EXPECT_GT(allows, checked / 50) << "the generator should produce some allowed accesses";
}

}  // namespace
}  // namespace inzage
