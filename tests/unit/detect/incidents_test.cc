// Incident aggregation into alerts (docs/contracts.md §4), the alert lifecycle (every legal and
// illegal transition), alert JSON and the alert record.
#include "detect/incidents.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "detect_test_util.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing_util::Bsn;
using testing_util::kHour;
using testing_util::kMinute;
using testing_util::T;

class AggregationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = LoadPolicy(testing_util::kPolicyDir);
    ASSERT_TRUE(p.ok()) << p.status().message();
    policy_ = *p;
    ASSERT_OK(reference_.Apply(R"({"type":"employee","id":"emp-1042","roles":["wmo-consulent"],)"
                               R"("team":"wmo-1","municipalities":["dinkelland","tubbergen"]})"));
    reference_.Resolve(*policy_);
    tracker_ = std::make_unique<IncidentTracker>(policy_.get(), &reference_);
  }

  // A view of wat-information without a case (ntk.no_relationship) of the given subjects.
  void Violate(const std::string& event_id, TimeMicros t, std::vector<int> subjects = {1},
               const std::string& actor = "emp-1042") {
    std::vector<Pseudonym> ps;
    for (int i : subjects) ps.push_back(key_.Pseudonymise(Bsn(i)));
    AccessEvent e;
    e.event_id = event_id;
    e.time = t;
    e.municipality = "dinkelland";
    e.actor_id = actor;
    e.subjects = ps;
    e.domain = "wmo";
    e.purpose = "wmo-maatwerkvoorziening";
    Decision d;
    Decider(policy_.get(), &reference_).Decide(e, &d);
    tracker_->Observe(e, d);
  }
  IncidentTracker& tracker() { return *tracker_; }
  void AddEmployee(const std::string& id) {
    ASSERT_OK(reference_.Apply(R"({"type":"employee","id":")" + id +
                               R"(","roles":["wmo-consulent"],"team":"wmo-1",)"
                               R"("municipalities":["dinkelland","tubbergen"]})"));
    reference_.Resolve(*policy_);
  }

  Pseudonymizer key_{"incidents-test-key-incidents-test-key-0123"};
  std::shared_ptr<const Policy> policy_;
  ReferenceData reference_{&key_};
  std::unique_ptr<IncidentTracker> tracker_;
};

const TimeMicros kStart = T("2026-11-24T10:00:00Z");

// Alert ids are derived, not stored counters: a restored incident is found again by its id, so
// the derivation must never change between versions: the first 16 bytes of
// SHA-256("emp-1042|ntk.no_relationship|2026-11-24T10:00:00Z"), computed with Python's hashlib.
TEST(AlertIdTest, IsAStableDigestOfActorRuleAndStart) {
  EXPECT_EQ(AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart),
            "f1d4f197-fe3e6b51-0628b5bf-895669bc");
}

TEST_F(AggregationTest, HitsOfOneActorAndRuleWithinTheWindowBecomeOneAlert) {
  Violate("e-1", kStart, {1});
  Violate("e-2", kStart + kHour, {2, 1});
  Violate("e-3", kStart + 24 * kHour, {3});  // exactly the window after the start: still in
  ASSERT_EQ(tracker().alerts().size(), 1u);
  const Alert& a = tracker().alerts().front();
  EXPECT_EQ(a.rule, RuleId::kNtkNoRelationship);
  EXPECT_EQ(a.alert_id, AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart));
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.subjects.Count(), 3u);
  EXPECT_THAT(a.evidence, ::testing::ElementsAre("e-1", "e-2", "e-3"));
  EXPECT_EQ(a.first_seen, kStart);
  EXPECT_EQ(a.last_seen, kStart + 24 * kHour);
  EXPECT_EQ(a.breach_deadline(), kStart + 72 * kHour);
  EXPECT_EQ(a.severity, Severity::kMedium);
  EXPECT_EQ(a.status, AlertStatus::kOpen);
  EXPECT_EQ(a.version, 3u);
  EXPECT_EQ(a.policy_revision, policy_->revision());
  EXPECT_THAT(a.explanation, HasSubstr("emp-1042 viewed wat-information (wmo)"));

  // One microsecond later than the window: a new incident with a new id; the old one stops.
  Violate("e-4", kStart + 24 * kHour + 1, {4});
  ASSERT_EQ(tracker().alerts().size(), 2u);
  EXPECT_FALSE(tracker().alerts()[0].aggregating);
  const Alert& b = tracker().alerts()[1];
  EXPECT_EQ(b.alert_id, AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart + 24 * kHour + 1));
  EXPECT_NE(b.alert_id, tracker().alerts()[0].alert_id);
  EXPECT_EQ(b.count, 1u);
}

// A citizen's report is an alert of its own: never aggregated with a decided rule's incident
// nor with another report, stored at once and then dropped from memory.
TEST_F(AggregationTest, CitizenReportsAreAlertsOfTheirOwn) {
  Violate("e-1", kStart, {1});
  CitizenReport report;
  report.event_id = "e-1";
  report.event_time = kStart;
  report.actor = "emp-1042";
  report.municipality = "dinkelland";
  report.department = "sociaal-domein";
  report.subject = key_.Pseudonymise(Bsn(1));
  report.text = "ik ken deze medewerker niet";
  report.severity = Severity::kHigh;
  report.reported_at = kStart + kHour;
  tracker().ClearDirty();
  const Alert& a = tracker().AddCitizenReport(report);
  EXPECT_EQ(a.rule, RuleId::kCitizenReported);
  EXPECT_EQ(a.verdict, Verdict::kReview);
  EXPECT_EQ(a.severity, Severity::kHigh);
  EXPECT_EQ(a.actor, "emp-1042");
  EXPECT_EQ(a.department, "sociaal-domein");
  EXPECT_THAT(a.evidence, ::testing::ElementsAre("e-1"));
  EXPECT_EQ(a.count, 1u);
  EXPECT_EQ(a.subjects.Count(), 1u);
  EXPECT_EQ(a.version, 1u);
  EXPECT_EQ(a.first_seen, kStart) << "the access's time";
  EXPECT_EQ(a.last_seen, kStart);
  EXPECT_EQ(a.breach_deadline(), kStart + kHour + 72 * kHour) << "counted from the report";
  EXPECT_FALSE(a.aggregating);
  EXPECT_THAT(a.explanation, HasSubstr("\"ik ken deze medewerker niet\""));
  EXPECT_EQ(a.policy_revision, policy_->revision());
  EXPECT_EQ(a.explanation.find(report.subject.Hex()), std::string::npos);
  EXPECT_EQ(a.alert_id.find(report.subject.Hex()), std::string::npos);
  const std::string id = a.alert_id;
  ASSERT_EQ(tracker().dirty_alerts().size(), 1u);
  EXPECT_TRUE(tracker().HasNewVersion(id));
  // The same report again is the same alert; a later one of the same entry is another.
  EXPECT_EQ(&tracker().AddCitizenReport(report), tracker().Find(id));
  report.reported_at += 1;
  report.text.clear();
  const Alert& again = tracker().AddCitizenReport(report);
  EXPECT_NE(again.alert_id, id);
  EXPECT_THAT(again.explanation, HasSubstr("no text given"));
  ASSERT_EQ(tracker().alerts().size(), 3u);
  EXPECT_EQ(tracker().alerts()[0].count, 1u) << "the rule's incident is untouched";
  // Once stored, the reports leave memory; the incident still aggregating stays.
  tracker().ClearDirty();
  EXPECT_EQ(tracker().EvictSettled(), 2u);
  EXPECT_EQ(tracker().Find(id), nullptr);
  EXPECT_EQ(tracker().alerts().size(), 1u);
}

TEST_F(AggregationTest, OtherActorsAndAllowedDecisionsAreSeparateOrIgnored) {
  ASSERT_OK(reference_.Apply(R"({"type":"employee","id":"emp-2","roles":["wmo-consulent"],)"
                             R"("team":"wmo-1","municipalities":["dinkelland"]})"));
  reference_.Resolve(*policy_);
  Violate("e-1", kStart);
  Violate("e-2", kStart, {1}, "emp-2");
  EXPECT_EQ(tracker().alerts().size(), 2u);
  // An allowed decision raises nothing.
  AccessEvent e;
  e.event_id = "ok";
  Decision allow;
  allow.Reset("ok");
  tracker().Observe(e, allow);
  EXPECT_EQ(tracker().alerts().size(), 2u);
}

TEST_F(AggregationTest, EveryFiredRuleOfADecisionIsItsOwnIncidentWithTheHighestSeverity) {
  // A decision built by hand, to control the severities.
  AccessEvent e;
  e.event_id = "e-1";
  e.time = kStart;
  e.actor_id = "emp-1042";
  e.municipality = "dinkelland";
  const Pseudonym p = key_.Pseudonymise(Bsn(1));
  e.subjects = std::span<const Pseudonym>(&p, 1);
  e.domain = "wmo";
  Decision d;
  d.Reset("e-1");
  d.hits[0] = RuleHit{RuleId::kBehaviorOffHours, Severity::kLow};
  d.hits[1] = RuleHit{RuleId::kBehaviorBrowsing, Severity::kMedium, 0, 10, 0, nullptr, 10};
  d.hit_count = 2;
  FinishVerdict(&d);
  tracker().Observe(e, d);
  d.hits[0].severity = Severity::kHigh;  // a later hit with a raised severity (policy reload)
  e.time += kMinute;
  e.event_id = "e-2";
  tracker().Observe(e, d);
  ASSERT_EQ(tracker().alerts().size(), 2u);
  EXPECT_EQ(tracker().alerts()[0].rule, RuleId::kBehaviorOffHours);
  EXPECT_EQ(tracker().alerts()[0].verdict, Verdict::kReview);
  EXPECT_EQ(tracker().alerts()[0].severity, Severity::kHigh);
  EXPECT_EQ(tracker().alerts()[1].rule, RuleId::kBehaviorBrowsing);
  EXPECT_EQ(tracker().alerts()[1].verdict, Verdict::kViolation);
}

TEST_F(AggregationTest, EvidenceKeepsTheFirstHundredIdsAndTheTotal) {
  for (int i = 0; i < 150; ++i) Violate("e-" + std::to_string(i), kStart + i * kMinute, {i % 7});
  const Alert& a = tracker().alerts().front();
  EXPECT_EQ(a.evidence.size(), 100u);
  EXPECT_EQ(a.evidence.front(), "e-0");
  EXPECT_EQ(a.evidence.back(), "e-99");
  EXPECT_EQ(a.count, 150u);
  EXPECT_EQ(a.subjects.Count(), 7u);
  const json j = json::parse(AlertToJson(a));
  EXPECT_EQ(j["evidence"]["event_ids"].size(), 100u);
  EXPECT_EQ(j["evidence"]["total"], 150);
}

TEST_F(AggregationTest, DistinctSubjectsStayBoundedBeyondTheExactSet) {
  std::vector<int> many;
  for (int i = 0; i < 2000; ++i) many.push_back(i);
  Violate("bulk", kStart, many);
  const Alert& a = tracker().alerts().front();
  EXPECT_FALSE(a.subjects.exact());
  EXPECT_NEAR(static_cast<double>(a.subjects.Count()), 2000, 2000 * 0.2);
  EXPECT_LT(SerializeAlert(a).size(), 1024u);
}

TEST_F(AggregationTest, AlertJsonFollowsTheContract) {
  Violate("e-1", kStart, {1});
  Violate("e-2", kStart + kMinute, {2});
  const std::string line = AlertToJson(tracker().alerts().front());
  const json j = json::parse(line);
  for (const char* field :
       {"alert_id", "rule", "severity", "verdict", "actor", "municipality", "first_seen",
        "last_seen", "count", "subjects", "evidence", "explanation", "policy_refs",
        "breach_deadline", "status", "policy_revision"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["rule"], "ntk.no_relationship");
  EXPECT_EQ(j["severity"], "medium");
  EXPECT_EQ(j["verdict"], "violation");
  EXPECT_EQ(j["actor"], "emp-1042");
  EXPECT_EQ(j["municipality"], "dinkelland");
  EXPECT_EQ(j["first_seen"], "2026-11-24T10:00:00Z");
  EXPECT_EQ(j["last_seen"], "2026-11-24T10:01:00Z");
  EXPECT_EQ(j["breach_deadline"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["subjects"], 2);
  EXPECT_EQ(j["policy_refs"], json::array({"§2.2.4", "Bijlage 4 do 3"}));
  EXPECT_EQ(j["status"], "open");
  EXPECT_TRUE(std::regex_match(j["alert_id"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}")));
  // No BSN, and no run of nine digits at all.
  EXPECT_FALSE(std::regex_search(line, std::regex("[0-9]{9}")));
}

// A stream hit's actor is its source partition: no employee, and the alert id follows the
// partition (ingest/invalid_rate_state.h).
TEST_F(AggregationTest, StreamHitsNameTheirSourceAsActor) {
  tracker().ObserveStreamHit(RuleId::kInputInvalidRate, "stream:events/0", kStart, "bad-1",
                             "12 of 240 invalid");
  tracker().ObserveStreamHit(RuleId::kInputInvalidRate, "stream:events/0", kStart + kMinute, "",
                             "13 of 250");
  ASSERT_EQ(tracker().alerts().size(), 1u);
  const json j = json::parse(AlertToJson(tracker().alerts().front()));
  EXPECT_EQ(j["actor"], "stream:events/0");
  EXPECT_TRUE(j["municipality"].is_null());
  EXPECT_EQ(j["severity"], "high");
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["evidence"]["event_ids"], json::array({"bad-1"}));
  EXPECT_EQ(j["explanation"], "12 of 240 invalid");
}

TEST_F(AggregationTest, DirtyAlertsAreListedUntilCleared) {
  Violate("e-1", kStart);
  Violate("e-2", kStart + kMinute);
  ASSERT_EQ(tracker().dirty_alerts().size(), 1u);
  const std::string id = tracker().alerts().front().alert_id;
  EXPECT_EQ(tracker().dirty_alerts()[0]->alert_id, id);
  tracker().ClearDirty();
  EXPECT_TRUE(tracker().dirty_alerts().empty());
  ASSERT_OK(tracker().Transition(id, AlertStatus::kAcknowledged, "ciso-1", kStart, "kijk ik na"));
  EXPECT_EQ(tracker().dirty_alerts().size(), 1u);
}

TEST_F(AggregationTest, RecordRoundTripsAndRestoreContinuesTheIncident) {
  Violate("e-1", kStart, {1});
  ASSERT_OK(tracker().Transition(tracker().alerts().front().alert_id, AlertStatus::kAcknowledged,
                                 "ciso-1", kStart + kHour, "wordt onderzocht"));
  const Alert& a = tracker().alerts().front();
  const std::string record = SerializeAlert(a);
  auto parsed = ParseAlert(record);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(AlertToJson(*parsed), AlertToJson(a));
  EXPECT_EQ(SerializeAlert(*parsed), record);
  EXPECT_EQ(record.find(Bsn(1)), std::string::npos);

  // A fresh tracker (a restarted daemon) continues the incident from the record.
  tracker_ = std::make_unique<IncidentTracker>(policy_.get(), &reference_);
  ASSERT_OK(tracker().Restore(std::move(parsed).value()));
  Violate("e-2", kStart + 2 * kHour, {2});
  ASSERT_EQ(tracker().alerts().size(), 1u);
  EXPECT_EQ(tracker().alerts().front().count, 2u);
  EXPECT_EQ(tracker().alerts().front().status, AlertStatus::kAcknowledged);

  // The partition of the latest hit is in the record (not in the JSON), and an incident
  // restored elsewhere keeps it.
  tracker().set_partition(4);
  Violate("e-3", kStart + 3 * kHour, {3});
  EXPECT_EQ(tracker().alerts().front().partition, 4);
  ASSERT_EQ(tracker().AggregatingOf(4).size(), 1u);
  EXPECT_TRUE(tracker().AggregatingOf(5).empty());
  auto moved = ParseAlert(SerializeAlert(tracker().alerts().front()));
  ASSERT_OK(moved);
  EXPECT_EQ(moved->partition, 4);
  EXPECT_EQ(AlertToJson(*moved).find("partition"), std::string::npos);
  // A record of format 2 (before the partition) reads as partition -1.
  std::string v2 = record;
  v2[0] = 2;
  v2.pop_back();  // the svarint -1 of the partition is one byte
  auto old = ParseAlert(v2);
  ASSERT_OK(old);
  EXPECT_EQ(old->partition, -1);
  EXPECT_EQ(old->alert_id, moved->alert_id);

  // Corrupt records are refused with Corruption.
  for (size_t cut = 0; cut < record.size(); ++cut) {
    EXPECT_EQ(ParseAlert(record.substr(0, cut)).status().code(), Status::Code::kCorruption) << cut;
  }
  std::string bad = record;
  bad[0] = 7;
  EXPECT_THAT(ParseAlert(bad).status().message(), HasSubstr("unknown format version 7"));
}

// --- lifecycle ---------------------------------------------------------------------------------

Alert NewAlert() {
  Alert a;
  a.alert_id = "a-1";
  a.rule = RuleId::kBehaviorBrowsing;
  a.version = 1;
  return a;
}

TEST_F(AggregationTest, EvictingSettledAlertsKeepsTheOpenIncidentsAggregating) {
  Violate("e-1", kStart, {1});
  Violate("e-2", kStart + 24 * kHour + 1, {2});  // settles the first incident, opens another
  ASSERT_EQ(tracker().alerts().size(), 2u);
  EXPECT_EQ(tracker().EvictSettled(), 0u) << "not while alerts are dirty (unsaved)";
  tracker().ClearDirty();
  EXPECT_EQ(tracker().EvictSettled(), 1u);
  ASSERT_EQ(tracker().alerts().size(), 1u);
  const std::string open_id =
      AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart + 24 * kHour + 1);
  ASSERT_NE(tracker().Find(open_id), nullptr);
  EXPECT_EQ(tracker().Find(AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart)), nullptr);
  // The open incident still aggregates: the next hit joins it, no new alert.
  Violate("e-3", kStart + 25 * kHour, {3});
  ASSERT_EQ(tracker().alerts().size(), 1u);
  EXPECT_EQ(tracker().Find(open_id)->count, 2u);
  ASSERT_EQ(tracker().dirty_alerts().size(), 1u);
  EXPECT_EQ(tracker().dirty_alerts()[0]->alert_id, open_id);
  // A status change of a settled alert: the pipeline reloads it from the store first.
  const std::string settled_id = AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart);
  EXPECT_EQ(
      tracker().Transition(settled_id, AlertStatus::kAcknowledged, "ciso", kStart, "x").code(),
      Status::Code::kNotFound);
  Alert stored;
  stored.alert_id = settled_id;
  stored.rule = RuleId::kNtkNoRelationship;
  stored.actor = "emp-1042";
  stored.window_start = kStart;
  stored.aggregating = false;
  auto parsed = ParseAlert(SerializeAlert(stored));
  ASSERT_OK(parsed);
  ASSERT_OK(tracker().Restore(std::move(parsed).value()));
  EXPECT_OK(tracker().Transition(settled_id, AlertStatus::kAcknowledged, "ciso", kStart, "x"));
  Violate("e-4", kStart + 26 * kHour, {4});
  EXPECT_EQ(tracker().Find(open_id)->count, 3u) << "the reloaded alert does not take new hits";
}

// Memory follows the incidents still aggregating: one whose window is over (by the latest
// event time of any actor, allowed lateness after it) ends without a new version and leaves
// memory once stored, and the actor with it.
TEST_F(AggregationTest, IncidentsWhoseWindowIsOverLeaveMemory) {
  const TimeMicros lateness = policy_->thresholds().allowed_lateness;
  AddEmployee("emp-other");
  AddEmployee("emp-third");
  Violate("e-1", kStart, {1});
  Violate("e-2", kStart + kHour, {2}, "emp-other");
  tracker().ClearDirty();
  EXPECT_EQ(tracker().Settle(), 0u);
  // Another actor's event moves time on; emp-1042's incident is over, emp-other's not yet.
  Violate("e-3", kStart + 24 * kHour + lateness + 1, {3}, "emp-third");
  const std::string first = AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart);
  const std::uint64_t version = tracker().Find(first)->version;
  // A watermark held back (a partition consumed behind the others) ends nothing yet.
  EXPECT_EQ(tracker().Settle(kStart + 24 * kHour), 0u);
  EXPECT_TRUE(tracker().Find(first)->aggregating);
  EXPECT_EQ(tracker().Settle(), 1u);
  EXPECT_FALSE(tracker().Find(first)->aggregating);
  EXPECT_EQ(tracker().Find(first)->version, version) << "ending is no new version";
  EXPECT_FALSE(tracker().HasNewVersion(first)) << "its content did not change";
  EXPECT_TRUE(tracker().HasNewVersion(
      AlertId("emp-third", RuleId::kNtkNoRelationship, kStart + 24 * kHour + lateness + 1)));
  tracker().ClearDirty();
  EXPECT_EQ(tracker().EvictSettled(), 1u);
  EXPECT_EQ(tracker().Find(first), nullptr);
  EXPECT_EQ(tracker().aggregating(), 2u);
  // emp-1042 hits again (within what would have been its window): a new incident.
  Violate("e-4", kStart + 2 * kHour, {4});
  EXPECT_NE(tracker().Find(AlertId("emp-1042", RuleId::kNtkNoRelationship, kStart + 2 * kHour)),
            nullptr);
  // Hours later everything is over: nothing stays.
  Violate("e-5", kStart + 100 * kHour, {5}, "emp-third");
  tracker().Settle();
  tracker().ClearDirty();
  tracker().EvictSettled();
  EXPECT_EQ(tracker().alerts().size(), 1u) << "only the incident e-5 opened";
}

TEST_F(AggregationTest, PastTheCapTheOldestIncidentsEndEarlyAndAreCounted) {
  tracker().set_max_aggregating(10);
  for (int i = 0; i < 25; ++i) AddEmployee("emp-" + std::to_string(i));
  for (int i = 0; i < 25; ++i) {
    Violate("e-" + std::to_string(i), kStart + i * kMinute, {i}, "emp-" + std::to_string(i));
  }
  tracker().ClearDirty();
  EXPECT_EQ(tracker().Settle(), 16u) << "down to 90 % of the cap";
  EXPECT_EQ(tracker().closed_early(), 16u);
  tracker().ClearDirty();
  tracker().EvictSettled();
  EXPECT_EQ(tracker().alerts().size(), 9u);
  EXPECT_EQ(tracker().aggregating(), 9u);
  for (const Alert& a : tracker().alerts()) {
    EXPECT_GE(a.window_start, kStart + 16 * kMinute) << "the ones that started first went";
  }
  // An ended incident's actor hits again: a new incident, not the old one.
  Violate("e-again", kStart + 30 * kMinute, {1}, "emp-0");
  EXPECT_NE(tracker().Find(AlertId("emp-0", RuleId::kNtkNoRelationship, kStart + 30 * kMinute)),
            nullptr);
}

TEST_F(AggregationTest, AnIncidentTakesItsActorsDepartmentFromTheReferenceData) {
  ASSERT_OK(reference_.Apply(R"({"type":"employee","id":"emp-7","roles":["wmo-consulent"],)"
                             R"("team":"wmo-1","department":"sociaal-domein",)"
                             R"("municipalities":["dinkelland"]})"));
  reference_.Resolve(*policy_);
  Violate("e-1", kStart, {1}, "emp-7");
  Violate("e-2", kStart, {1}, "emp-unknown");
  const Alert* a = tracker().Find(AlertId("emp-7", RuleId::kNtkNoRelationship, kStart));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->department, "sociaal-domein");
  EXPECT_EQ(json::parse(AlertToJson(*a))["department"], "sociaal-domein");
  auto parsed = ParseAlert(SerializeAlert(*a));
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->department, "sociaal-domein");
  for (const Alert& other : tracker().alerts()) {
    if (other.actor == "emp-unknown") {
      EXPECT_TRUE(json::parse(AlertToJson(other))["department"].is_null());
    }
  }
}

// Records of format 1 (before departments) still read, as department unknown.
TEST_F(AggregationTest, AlertRecordsOfFormatOneStillRead) {
  Violate("e-1", kStart, {1});
  const Alert& a = tracker().alerts().front();
  std::string bytes = SerializeAlert(a);
  ASSERT_TRUE(a.department.empty());
  // Format 3 ends with the partition (-1: one svarint byte), format 2 with the department (an
  // empty string: one zero byte); format 1 lacks both.
  ASSERT_EQ(bytes.back(), '\x01');
  bytes.pop_back();
  ASSERT_EQ(bytes.back(), '\0');
  bytes.pop_back();
  bytes[0] = 1;
  auto old = ParseAlert(bytes);
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ(old->alert_id, a.alert_id);
  EXPECT_EQ(old->count, a.count);
  bytes[0] = 4;
  EXPECT_FALSE(ParseAlert(bytes).ok()) << "an unknown format is refused";
}

TEST(AlertLifecycleTest, EveryLegalTransitionIsAcceptedAndRecorded) {
  const std::vector<std::vector<AlertStatus>> paths = {
      {AlertStatus::kAcknowledged, AlertStatus::kConfirmedBreach, AlertStatus::kReported},
      {AlertStatus::kAcknowledged, AlertStatus::kConfirmedBreach, AlertStatus::kReported,
       AlertStatus::kClosed},
      {AlertStatus::kAcknowledged, AlertStatus::kDismissed},
      {AlertStatus::kAcknowledged, AlertStatus::kClosed},
      {AlertStatus::kDismissed},
  };
  for (const auto& path : paths) {
    Alert a = NewAlert();
    TimeMicros t = kStart;
    for (AlertStatus to : path) {
      const AlertStatus from = a.status;
      Status st = TransitionAlert(&a, to, "ciso-1", t, "reden");
      ASSERT_TRUE(st.ok()) << st.message();
      EXPECT_EQ(a.status, to);
      EXPECT_EQ(a.history.back().from, from);
      EXPECT_EQ(a.history.back().to, to);
      EXPECT_EQ(a.history.back().by, "ciso-1");
      EXPECT_EQ(a.history.back().at, t);
      EXPECT_EQ(a.history.back().why, "reden");
      t += kMinute;
    }
    EXPECT_EQ(a.version, 1 + path.size());
    const json j = json::parse(AlertToJson(a));
    EXPECT_EQ(j["status_history"].size(), path.size());
    EXPECT_EQ(j["status"], kAlertStatusNames[static_cast<size_t>(path.back())]);
  }
}

TEST(AlertLifecycleTest, EveryIllegalTransitionIsRefusedAndChangesNothing) {
  const std::set<std::pair<AlertStatus, AlertStatus>> legal = {
      {AlertStatus::kOpen, AlertStatus::kAcknowledged},
      {AlertStatus::kOpen, AlertStatus::kDismissed},
      {AlertStatus::kAcknowledged, AlertStatus::kDismissed},
      {AlertStatus::kAcknowledged, AlertStatus::kConfirmedBreach},
      {AlertStatus::kConfirmedBreach, AlertStatus::kReported},
      {AlertStatus::kReported, AlertStatus::kClosed},
      {AlertStatus::kAcknowledged, AlertStatus::kClosed},
  };
  int refused = 0;
  for (size_t f = 0; f < kAlertStatusNames.size(); ++f) {
    for (size_t t = 0; t < kAlertStatusNames.size(); ++t) {
      const auto from = static_cast<AlertStatus>(f), to = static_cast<AlertStatus>(t);
      EXPECT_EQ(TransitionAllowed(from, to), legal.count({from, to}) == 1);
      if (legal.count({from, to}) == 1) continue;
      Alert a = NewAlert();
      a.status = from;
      Status st = TransitionAlert(&a, to, "ciso-1", kStart, "reden");
      EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition);
      EXPECT_THAT(st.message(), HasSubstr(std::string("cannot change status from ") +
                                          std::string(kAlertStatusNames[f]) + " to " +
                                          std::string(kAlertStatusNames[t])));
      EXPECT_EQ(a.status, from);
      EXPECT_TRUE(a.history.empty());
      EXPECT_EQ(a.version, 1u);
      ++refused;
    }
  }
  EXPECT_EQ(refused, 36 - 7);
  Alert a = NewAlert();
  a.status = AlertStatus::kClosed;
  EXPECT_THAT(TransitionAlert(&a, AlertStatus::kOpen, "x", 0, "y").message(),
              HasSubstr("allowed from closed: none, it is final"));
}

TEST(AlertLifecycleTest, WhoAndWhyAreRequired) {
  Alert a = NewAlert();
  EXPECT_EQ(TransitionAlert(&a, AlertStatus::kAcknowledged, "", kStart, "reden").code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(TransitionAlert(&a, AlertStatus::kAcknowledged, "ciso-1", kStart, "").code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(a.status, AlertStatus::kOpen);
  EXPECT_TRUE(a.history.empty());
}

TEST_F(AggregationTest, TransitionOfAnUnknownAlertIsNotFound) {
  EXPECT_EQ(tracker().Transition("nope", AlertStatus::kAcknowledged, "c", 0, "w").code(),
            Status::Code::kNotFound);
}

TEST(AlertIdTest, DeterministicAndDistinct) {
  EXPECT_EQ(AlertId("emp-1", RuleId::kBehaviorBrowsing, kStart),
            AlertId("emp-1", RuleId::kBehaviorBrowsing, kStart));
  EXPECT_NE(AlertId("emp-1", RuleId::kBehaviorBrowsing, kStart),
            AlertId("emp-1", RuleId::kBehaviorBrowsing, kStart + 1));
  EXPECT_NE(AlertId("emp-1", RuleId::kBehaviorBrowsing, kStart),
            AlertId("emp-2", RuleId::kBehaviorBrowsing, kStart));
  EXPECT_NE(AlertId("emp-1", RuleId::kBehaviorBrowsing, kStart),
            AlertId("emp-1", RuleId::kBehaviorVolumeSpike, kStart));
}

}  // namespace
}  // namespace inzage
