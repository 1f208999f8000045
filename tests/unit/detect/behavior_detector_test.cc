// BehaviorDetector on hand-built worlds: every windowed rule at its threshold and one below,
// the baseline warm-up, sliding windows, late events, working hours across daylight-saving
// changes, state round trips and the dirty-actor list.
#include "detect/behavior_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "detect_test_util.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using ::testing::HasSubstr;
using testing_util::Bsn;
using testing_util::kHour;
using testing_util::kMinute;
using testing_util::T;

struct Spec {
  std::string actor = "emp-1042";
  Action action = Action::kView;
  std::string domain = "wmo";
  InfoLevel info = InfoLevel::kWat;
  std::string purpose = "wmo-maatwerkvoorziening";
  std::string case_id;
  std::vector<int> subjects = {1};
  TimeMicros time = 0;
  std::uint32_t record_count = 0;  // 0: the number of subjects
};

struct Outcome {
  Decision decision;
  std::string json;
  [[nodiscard]] bool Fired(RuleId id) const { return decision.Fired(id); }
  [[nodiscard]] const RuleHit* Hit(RuleId id) const {
    for (size_t i = 0; i < decision.hit_count; ++i) {
      if (decision.hits[i].rule == id) return &decision.hits[i];
    }
    return nullptr;
  }
};

class BehaviorDetectorTest : public ::testing::Test {
 protected:
  void SetUp() override { Load(testing_util::kPolicyDir); }

  void Load(const std::string& policy_dir) {
    auto p = LoadPolicy(policy_dir);
    ASSERT_TRUE(p.ok()) << p.status().message();
    policy_ = *p;
    reference_ = std::make_unique<ReferenceData>(&key_);
    for (const char* id : {"emp-1042", "emp-1043"}) {
      Add(Sub(R"({"type":"employee","id":"%s","roles":["wmo-consulent"],"team":"wmo-1",)"
              R"("department":"sociaal-domein","municipalities":["dinkelland","tubbergen"],)"
              R"("working_hours":"07:00-19:00"})",
              id));
    }
    for (const char* id : {"bz-1", "bz-2"}) {
      Add(Sub(R"({"type":"employee","id":"%s","roles":["burgerzaken-medewerker"],)"
              R"("team":"bz","department":"burgerzaken","municipalities":["dinkelland"],)"
              R"("working_hours":"08:00-17:00"})",
              id));
    }
    // No working hours: never off-hours.
    Add(R"({"type":"employee","id":"night-1","roles":["burgerzaken-medewerker"],"team":"bz",)"
        R"("department":"burgerzaken","municipalities":["dinkelland"]})");
    Add(Sub(R"({"type":"case","id":"zaak-1","municipality":"dinkelland","domain":"wmo",)"
            R"("status":"open","closed_at":null,"subjects":["%s"],"team":"wmo-1",)"
            R"("assignees":[{"actor":"emp-1042","role":"behandelaar"}]})",
            Bsn(0).c_str()));
    reference_->Resolve(*policy_);
    decider_ = std::make_unique<Decider>(policy_.get(), reference_.get());
    detector_ = std::make_unique<BehaviorDetector>(policy_.get(), reference_.get());
    ASSERT_TRUE(detector_->status().ok()) << detector_->status().message();
  }

  static std::string Sub(const char* pattern, const char* a) {
    std::string out(pattern);
    out.replace(out.find("%s"), 2, a);
    return out;
  }

  void Add(const std::string& record) {
    Status st = reference_->Apply(record);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  Outcome Run(const Spec& s) {
    std::vector<Pseudonym> subjects;
    for (int i : s.subjects) subjects.push_back(key_.Pseudonymise(Bsn(i)));
    const std::string id = "e-" + std::to_string(++events_);
    AccessEvent e;
    e.event_id = id;
    e.time = s.time;
    e.municipality = "dinkelland";
    e.actor_id = s.actor;
    e.action = s.action;
    e.subjects = subjects;
    e.system = "suite4sd";
    e.domain = s.domain;
    e.info = s.info;
    e.record_count =
        s.record_count > 0 ? s.record_count : static_cast<std::uint32_t>(s.subjects.size());
    e.purpose = s.purpose;
    e.case_id = s.case_id;
    Outcome out;
    decider_->Decide(e, &out.decision);
    detector_->Observe(e, &out.decision);
    out.json = DecisionToJson(out.decision, &e, *policy_, *reference_);
    out.decision.event_id = {};  // views the local id
    return out;
  }

  // A view of subject n by `actor` at time t with no case (unexplained for a consulent).
  Outcome View(const std::string& actor, int subject, TimeMicros t) {
    Spec s;
    s.actor = actor;
    s.subjects = {subject};
    s.time = t;
    return Run(s);
  }
  // A BRP consultation by a burgerzaken employee (explained by the role).
  Outcome Brp(const std::string& actor, std::vector<int> subjects, TimeMicros t,
              Action action = Action::kView, std::uint32_t record_count = 0) {
    Spec s;
    s.actor = actor;
    s.action = action;
    s.domain = "brp";
    s.purpose = action == Action::kView ? "brp-bijhouding" : "brp-verstrekking";
    s.subjects = std::move(subjects);
    s.time = t;
    s.record_count = record_count;
    return Run(s);
  }

  Pseudonymizer key_{"behavior-detector-test-key-0123456789abcdef"};
  std::shared_ptr<const Policy> policy_;
  std::unique_ptr<ReferenceData> reference_;
  std::unique_ptr<Decider> decider_;
  std::unique_ptr<BehaviorDetector> detector_;
  int events_ = 0;
};

const TimeMicros kTuesday10 = T("2026-11-24T10:00:00Z");  // 11:00 in Amsterdam (CET)

// --- behavior.browsing ---------------------------------------------------------------------

TEST_F(BehaviorDetectorTest, BrowsingFiresAtTheTenthUnexplainedSubjectNotTheNinth) {
  for (int i = 1; i <= 9; ++i) {
    const Outcome o = View("emp-1042", i, kTuesday10 + i * kMinute);
    EXPECT_TRUE(o.Fired(RuleId::kNtkNoRelationship));
    EXPECT_FALSE(o.Fired(RuleId::kBehaviorBrowsing)) << "subject " << i;
  }
  const Outcome tenth = View("emp-1042", 10, kTuesday10 + 10 * kMinute);
  ASSERT_TRUE(tenth.Fired(RuleId::kBehaviorBrowsing));
  EXPECT_EQ(tenth.Hit(RuleId::kBehaviorBrowsing)->subject_count, 10u);
  EXPECT_EQ(tenth.Hit(RuleId::kBehaviorBrowsing)->limit, 10u);
  EXPECT_EQ(tenth.Hit(RuleId::kBehaviorBrowsing)->severity, Severity::kMedium);
  EXPECT_EQ(tenth.decision.verdict, Verdict::kViolation);
  EXPECT_THAT(tenth.json,
              HasSubstr("emp-1042 searched or viewed 10 distinct subjects within 1 h "
                        "that no case, team case, consent or role explains (limit 10)"));
  // A known subject again: no new alert-worthy fact. A new one while above: fires again.
  EXPECT_FALSE(View("emp-1042", 3, kTuesday10 + 11 * kMinute).Fired(RuleId::kBehaviorBrowsing));
  EXPECT_TRUE(View("emp-1042", 11, kTuesday10 + 12 * kMinute).Fired(RuleId::kBehaviorBrowsing));
}

TEST_F(BehaviorDetectorTest, BrowsingCountsOwnDomainDatSearchesWithoutACase) {
  // dat of the own domain needs no relationship (the decision allows it) but still counts as
  // unexplained for browsing (docs/rules.md, Clarifications).
  Spec s;
  s.action = Action::kSearch;
  s.info = InfoLevel::kDat;
  s.purpose = "wmo-toegang";
  for (int i = 1; i <= 9; ++i) {
    s.subjects = {i};
    s.time = kTuesday10 + i * kMinute;
    const Outcome o = Run(s);
    EXPECT_EQ(o.decision.verdict, Verdict::kAllow) << o.json;
    EXPECT_EQ(o.decision.unexplained_count, 1u);
  }
  s.subjects = {10};
  s.time = kTuesday10 + 10 * kMinute;
  const Outcome o = Run(s);
  EXPECT_EQ(o.decision.hits[0].rule, RuleId::kBehaviorBrowsing);
  EXPECT_EQ(o.decision.hit_count, 1);
  EXPECT_EQ(o.decision.verdict, Verdict::kViolation);
}

TEST_F(BehaviorDetectorTest, BrowsingIgnoresAccessThatACaseOrARoleExplains) {
  for (int i = 0; i < 30; ++i) {
    Spec s;
    s.subjects = {0};  // zaak-1 assigns emp-1042
    s.case_id = "zaak-1";
    s.time = kTuesday10 + i * kMinute;
    EXPECT_EQ(Run(s).decision.unexplained_count, 0u);
    // The BRP office needs no relationship: its role explains every lookup.
    const Outcome brp = Brp("bz-1", {100 + i}, kTuesday10 + i * kMinute);
    EXPECT_EQ(brp.decision.unexplained_count, 0u);
    EXPECT_FALSE(brp.Fired(RuleId::kBehaviorBrowsing));
  }
}

TEST_F(BehaviorDetectorTest, BrowsingCountsOnlyTheUnexplainedSubjectsOfAnEvent) {
  Spec s;
  s.subjects = {0, 1, 2};  // subject 0 has a case of emp-1042
  s.time = kTuesday10;
  const Outcome o = Run(s);
  EXPECT_EQ(o.decision.unexplained_count, 2u);
  EXPECT_EQ(o.decision.unexplained_mask, 0b110u);
  // Seven more unexplained make nine; subject 0 never counts.
  s.subjects = {0, 3, 4, 5, 6, 7, 8, 9};
  s.time += kMinute;
  EXPECT_FALSE(Run(s).Fired(RuleId::kBehaviorBrowsing));
  s.subjects = {0, 10};
  s.time += kMinute;
  EXPECT_TRUE(Run(s).Fired(RuleId::kBehaviorBrowsing));
}

TEST_F(BehaviorDetectorTest, BrowsingBeyondTheDecisionMaskAsksTheDecider) {
  // 70 subjects: those past the 64-bit mask are classified by Decider::HasRelationship.
  Spec s;
  s.time = kTuesday10;
  s.subjects.clear();
  for (int i = 1; i <= 64; ++i) s.subjects.push_back(0);  // explained (a case), 64 times
  for (int i = 1; i <= 9; ++i) s.subjects.push_back(i);   // positions 64..72: unexplained
  Outcome o = Run(s);
  EXPECT_EQ(o.decision.unexplained_count, 9u);
  EXPECT_EQ(o.decision.unexplained_mask, 0u);
  EXPECT_FALSE(o.Fired(RuleId::kBehaviorBrowsing));
  s.subjects.push_back(10);
  s.time += kMinute;
  o = Run(s);
  ASSERT_TRUE(o.Fired(RuleId::kBehaviorBrowsing));
  EXPECT_EQ(o.Hit(RuleId::kBehaviorBrowsing)->first_subject, 73u);
}

TEST_F(BehaviorDetectorTest, WindowHoldsTheLastHourUpToAndIncludingTheEvent) {
  // Nine subjects from t0 on, the tenth exactly one hour after the first: the first has left
  // the window (t - 1 h, t].
  const TimeMicros t0 = kTuesday10;
  for (int i = 1; i <= 9; ++i) View("emp-1042", i, t0 + (i - 1) * 6 * kMinute);
  EXPECT_FALSE(View("emp-1042", 10, t0 + kHour).Fired(RuleId::kBehaviorBrowsing));
  // One microsecond earlier, the first is still in.
  for (int i = 1; i <= 9; ++i) View("emp-1043", i, t0 + (i - 1) * 6 * kMinute);
  EXPECT_TRUE(View("emp-1043", 10, t0 + kHour - 1).Fired(RuleId::kBehaviorBrowsing));
}

TEST_F(BehaviorDetectorTest, BrowsingWindowAcrossTheSpringDaylightSavingChange) {
  // 2026-03-29 01:00Z: 02:00 CET becomes 03:00 CEST. Ten lookups from 00:31Z to 01:25Z are 54
  // real minutes apart but 01:31 to 03:25 on the wall clock: still one window.
  for (int i = 0; i < 9; ++i) {
    EXPECT_FALSE(View("emp-1042", i + 1, T("2026-03-29T00:31:00Z") + i * 6 * kMinute)
                     .Fired(RuleId::kBehaviorBrowsing));
  }
  EXPECT_TRUE(View("emp-1042", 10, T("2026-03-29T01:25:00Z")).Fired(RuleId::kBehaviorBrowsing));
}

TEST_F(BehaviorDetectorTest, BrowsingWindowAcrossTheAutumnDaylightSavingChange) {
  // 2026-10-25 01:00Z: 03:00 CEST becomes 02:00 CET. The first lookup at 02:10 CEST (00:10Z)
  // and the next nine at 02:05-02:11 CET (01:05Z-01:11Z) look one minute apart on the wall
  // clock, but the first is 61 real minutes old: the window holds nine, the eleventh makes ten.
  EXPECT_FALSE(View("emp-1042", 1, T("2026-10-25T00:10:00Z")).Fired(RuleId::kBehaviorBrowsing));
  for (int i = 2; i <= 9; ++i) {
    View("emp-1042", i, T("2026-10-25T01:05:00Z") + (i - 2) * 30 * kMicrosPerSecond);
  }
  EXPECT_FALSE(View("emp-1042", 10, T("2026-10-25T01:11:00Z")).Fired(RuleId::kBehaviorBrowsing));
  EXPECT_TRUE(View("emp-1042", 11, T("2026-10-25T01:11:30Z")).Fired(RuleId::kBehaviorBrowsing));
}

// --- behavior.volume_spike -----------------------------------------------------------------

TEST_F(BehaviorDetectorTest, VolumeFiresAboveTheFloorNotAtIt) {
  for (int i = 1; i <= 40; ++i) {
    EXPECT_FALSE(Brp("bz-1", {i}, kTuesday10 + i * kMinute / 2).Fired(RuleId::kBehaviorVolumeSpike))
        << i;
  }
  const Outcome o = Brp("bz-1", {41}, kTuesday10 + 21 * kMinute);
  ASSERT_TRUE(o.Fired(RuleId::kBehaviorVolumeSpike));
  EXPECT_EQ(o.Hit(RuleId::kBehaviorVolumeSpike)->subject_count, 41u);
  EXPECT_EQ(o.Hit(RuleId::kBehaviorVolumeSpike)->limit, 40u);
  EXPECT_THAT(o.json, HasSubstr("bz-1 accessed 41 distinct subjects within 1 h, more than the "
                                "limit of 40"));
  EXPECT_FALSE(o.Fired(RuleId::kBehaviorBrowsing));  // every lookup explained by the role
  // One event with 41 subjects does the same.
  std::vector<int> many;
  for (int i = 0; i < 41; ++i) many.push_back(200 + i);
  EXPECT_TRUE(Brp("bz-2", many, kTuesday10).Fired(RuleId::kBehaviorVolumeSpike));
}

TEST_F(BehaviorDetectorTest, VolumeBaselineAppliesAfterFiveHoursOnly) {
  // Hours 10..13 (UTC; four completed hours): 30 distinct subjects each, in the first half hour.
  int next = 1;
  const TimeMicros h10 = kTuesday10;
  for (int h = 0; h < 4; ++h) {
    for (int i = 0; i < 30; ++i) Brp("bz-1", {next++}, h10 + h * kHour + i * kMinute);
  }
  // In hour 14 four hours are seen: the warm-up is not over, only the floor applies. (Events
  // start at 14:30, when hour 13's subjects have left the one-hour window.)
  const TimeMicros h14 = h10 + 4 * kHour + 30 * kMinute;
  Brp("bz-1", {next++}, h14);
  auto stats = detector_->Stats("bz-1");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->hours_seen, 4u);
  EXPECT_FALSE(stats->baseline.has_value());
  EXPECT_EQ(stats->volume_limit, 40u);
  for (int i = 1; i < 40; ++i) {
    EXPECT_FALSE(
        Brp("bz-1", {next++}, h14 + i * 20 * kMicrosPerSecond).Fired(RuleId::kBehaviorVolumeSpike));
  }
  EXPECT_TRUE(Brp("bz-1", {next++}, h14 + 15 * kMinute).Fired(RuleId::kBehaviorVolumeSpike));
  // Hour 15: five hours seen (30, 30, 30, 30, 41): baseline = median 30, limit max(40, 4 × 30).
  const TimeMicros h15 = h10 + 5 * kHour + 46 * kMinute;
  Brp("bz-1", {next++}, h15);
  stats = detector_->Stats("bz-1");
  EXPECT_EQ(stats->hours_seen, 5u);
  ASSERT_TRUE(stats->baseline.has_value());
  EXPECT_DOUBLE_EQ(*stats->baseline, 30);
  EXPECT_EQ(stats->volume_limit, 120u);
  for (int i = 1; i < 120; ++i) {
    ASSERT_FALSE(
        Brp("bz-1", {next++}, h15 + i * 5 * kMicrosPerSecond).Fired(RuleId::kBehaviorVolumeSpike))
        << i;
  }
  const Outcome o = Brp("bz-1", {next++}, h15 + 11 * kMinute);
  ASSERT_TRUE(o.Fired(RuleId::kBehaviorVolumeSpike));
  EXPECT_EQ(o.Hit(RuleId::kBehaviorVolumeSpike)->subject_count, 121u);
  EXPECT_EQ(o.Hit(RuleId::kBehaviorVolumeSpike)->limit, 120u);
}

TEST_F(BehaviorDetectorTest, IdleHoursAreNotPartOfTheBaseline) {
  // Active 10:00 and then 15:00: hours 11..14 had no events and are not "seen".
  Brp("bz-1", {1, 2, 3}, kTuesday10);
  Brp("bz-1", {4}, kTuesday10 + 5 * kHour);
  EXPECT_EQ(detector_->Stats("bz-1")->hours_seen, 1u);
}

// --- behavior.bulk_export --------------------------------------------------------------------

TEST_F(BehaviorDetectorTest, BulkExportOfOneEventAboveFiftyRecords) {
  EXPECT_FALSE(
      Brp("bz-1", {1}, kTuesday10, Action::kExport, 50).Fired(RuleId::kBehaviorBulkExport));
  const Outcome o = Brp("bz-1", {2}, kTuesday10 + kMinute, Action::kExport, 51);
  ASSERT_TRUE(o.Fired(RuleId::kBehaviorBulkExport));
  EXPECT_EQ(o.Hit(RuleId::kBehaviorBulkExport)->detail, BehaviorDetector::kBulkOneEvent);
  EXPECT_EQ(o.Hit(RuleId::kBehaviorBulkExport)->severity, Severity::kHigh);
  EXPECT_THAT(o.json,
              HasSubstr("bz-1 exported 51 records in one event, more than the limit of 50"));
  // Without record_count the subjects count; print counts like export; view does not.
  std::vector<int> fifty_one;
  for (int i = 0; i < 51; ++i) fifty_one.push_back(300 + i);
  EXPECT_TRUE(
      Brp("bz-2", fifty_one, kTuesday10, Action::kPrint).Fired(RuleId::kBehaviorBulkExport));
  EXPECT_FALSE(Brp("night-1", fifty_one, kTuesday10).Fired(RuleId::kBehaviorBulkExport));
}

TEST_F(BehaviorDetectorTest, BulkExportOfManySubjectsWithinTheWindow) {
  int next = 1;
  for (int k = 0; k < 5; ++k) {
    std::vector<int> ten;
    for (int i = 0; i < 10; ++i) ten.push_back(next++);
    EXPECT_FALSE(Brp("bz-1", ten, kTuesday10 + k * kMinute, Action::kExport)
                     .Fired(RuleId::kBehaviorBulkExport));
  }
  // Re-exporting known subjects adds nothing; the 51st distinct subject fires.
  EXPECT_FALSE(Brp("bz-1", {1, 2, 3}, kTuesday10 + 6 * kMinute, Action::kExport)
                   .Fired(RuleId::kBehaviorBulkExport));
  const Outcome o = Brp("bz-1", {next++}, kTuesday10 + 7 * kMinute, Action::kPrint);
  ASSERT_TRUE(o.Fired(RuleId::kBehaviorBulkExport));
  EXPECT_EQ(o.Hit(RuleId::kBehaviorBulkExport)->detail, BehaviorDetector::kBulkWindow);
  EXPECT_EQ(o.Hit(RuleId::kBehaviorBulkExport)->subject_count, 51u);
  EXPECT_THAT(o.json, HasSubstr("exported or printed 51 distinct subjects within 1 h"));
  // An hour after the first exports they have left the window.
  EXPECT_FALSE(Brp("bz-1", {next++}, kTuesday10 + kHour + 5 * kMinute, Action::kExport)
                   .Fired(RuleId::kBehaviorBulkExport));
}

// --- behavior.off_hours ------------------------------------------------------------------------

TEST_F(BehaviorDetectorTest, OffHoursOutsideWorkingHoursInAmsterdamTime) {
  // Tuesday 24 November 2026, CET (UTC+1); emp-1042 works 07:00-19:00.
  const Outcome early = View("emp-1042", 0, T("2026-11-24T05:59:00Z"));  // 06:59
  ASSERT_TRUE(early.Fired(RuleId::kBehaviorOffHours));
  EXPECT_EQ(early.Hit(RuleId::kBehaviorOffHours)->severity, Severity::kLow);
  EXPECT_THAT(early.json, HasSubstr("emp-1042 accessed personal data on Tuesday at 06:59 "
                                    "(Europe/Amsterdam), outside their working hours 07:00-19:00"));
  EXPECT_FALSE(View("emp-1042", 0, T("2026-11-24T06:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(View("emp-1042", 0, T("2026-11-24T17:59:59Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_TRUE(View("emp-1042", 0, T("2026-11-24T18:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  // Saturday: off-hours whatever the time.
  const Outcome saturday = View("emp-1042", 0, T("2026-11-28T10:00:00Z"));
  EXPECT_TRUE(saturday.Fired(RuleId::kBehaviorOffHours));
  EXPECT_THAT(saturday.json, HasSubstr("on Saturday at 11:00"));
  // An allowed access that is only off-hours is reviewed, not a violation.
  Spec s;
  s.subjects = {0};
  s.case_id = "zaak-1";
  s.time = T("2026-11-24T20:00:00Z");
  EXPECT_EQ(Run(s).decision.verdict, Verdict::kReview);
}

TEST_F(BehaviorDetectorTest, UnknownActorsGetNoState) {
  // auth.unknown_actor fires on every event; invented actor ids must not grow the detector.
  for (int i = 0; i < 100; ++i) {
    const Outcome o = View("ghost-" + std::to_string(i), i, kTuesday10 + i);
    EXPECT_TRUE(o.Fired(RuleId::kAuthUnknownActor));
  }
  EXPECT_EQ(detector_->actor_count(), 0u);
  EXPECT_TRUE(detector_->dirty_actors().empty());
}

TEST_F(BehaviorDetectorTest, AnActorWithoutWorkingHoursIsNeverOffHours) {
  EXPECT_FALSE(Brp("night-1", {1}, T("2026-11-29T03:00:00Z")).Fired(RuleId::kBehaviorOffHours));
}

class AllWeekTest : public BehaviorDetectorTest {
 protected:
  void SetUp() override {
    policy_copy_.Replace(
        "roles.yaml", "    name: \"Medewerker burgerzaken\"\n",
        "    name: \"Medewerker burgerzaken\"\n    working_hours_all_week: true\n");
    Load(policy_copy_.dir());
  }
  testing_util::PolicyCopy policy_copy_;
};

TEST_F(AllWeekTest, WeekendIsNotOffHoursForARoleThatWorksAllWeek) {
  // bz-1 works 08:00-17:00, every day.
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-11-28T10:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-11-28T06:30:00Z")).Fired(RuleId::kBehaviorOffHours));
  // emp-1042 (wmo-consulent) still has weekends off.
  EXPECT_TRUE(View("emp-1042", 0, T("2026-11-28T10:00:00Z")).Fired(RuleId::kBehaviorOffHours));
}

TEST_F(AllWeekTest, WorkingHoursFollowTheSpringDaylightSavingChange) {
  // Saturday 28 March 2026 is CET (UTC+1), Sunday 29 March from 01:00Z CEST (UTC+2).
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-03-28T06:30:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-03-28T07:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  // 05:59Z is 07:59 CEST (off), 06:00Z is 08:00 CEST (working). A fixed +1 offset would say
  // 06:59 and 07:00, both off.
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-03-29T05:59:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-03-29T06:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-03-29T14:59:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-03-29T15:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  // Monday 30 March: emp-1042 starts at 07:00 CEST = 05:00Z.
  EXPECT_TRUE(View("emp-1042", 0, T("2026-03-30T04:59:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(View("emp-1042", 0, T("2026-03-30T05:00:00Z")).Fired(RuleId::kBehaviorOffHours));
}

TEST_F(AllWeekTest, WorkingHoursFollowTheAutumnDaylightSavingChange) {
  // Sunday 25 October 2026: CEST until 01:00Z, then CET (UTC+1).
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-10-24T05:59:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-10-24T06:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  // 06:59Z is 07:59 CET (off), 07:00Z is 08:00 CET. A fixed +2 offset would say 08:59 and 09:00.
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-10-25T06:59:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-10-25T07:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(Brp("bz-1", {1}, T("2026-10-25T15:59:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_TRUE(Brp("bz-1", {1}, T("2026-10-25T16:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  // Friday 23 October (CEST) and Monday 26 October (CET) for emp-1042 (07:00-19:00).
  EXPECT_FALSE(View("emp-1042", 0, T("2026-10-23T05:00:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_TRUE(View("emp-1042", 0, T("2026-10-26T05:30:00Z")).Fired(RuleId::kBehaviorOffHours));
  EXPECT_FALSE(View("emp-1042", 0, T("2026-10-26T06:00:00Z")).Fired(RuleId::kBehaviorOffHours));
}

TEST(LocalClockTest, AmsterdamAroundBothTransitions) {
  auto clock = LocalClock::Load();
  ASSERT_TRUE(clock.ok()) << clock.status().message();
  auto at = [&](const char* t) { return clock->ToLocal(T(t)); };
  EXPECT_EQ(at("2026-03-29T00:59:59Z").minute_of_day, 1 * 60 + 59);  // 01:59 CET
  EXPECT_EQ(at("2026-03-29T01:00:00Z").minute_of_day, 3 * 60);       // 03:00 CEST
  EXPECT_EQ(at("2026-10-25T00:59:59Z").minute_of_day, 2 * 60 + 59);  // 02:59 CEST
  EXPECT_EQ(at("2026-10-25T01:00:00Z").minute_of_day, 2 * 60);       // 02:00 CET again
  EXPECT_EQ(at("2026-10-25T01:00:00Z").weekday, 6);                  // Sunday
  EXPECT_EQ(at("2026-11-23T23:30:00Z").weekday, 1);                  // Tuesday 00:30 local
  EXPECT_EQ(at("2026-11-23T23:30:00Z").minute_of_day, 30);
  EXPECT_FALSE(LocalClock::Load("Europe/Nowhere").ok());
}

// --- late events -----------------------------------------------------------------------------

TEST_F(BehaviorDetectorTest, LateEventsSkipTheWindowedRulesAndAreCounted) {
  const TimeMicros t0 = T("2026-11-24T06:00:00Z");  // 07:00 local
  for (int i = 1; i <= 9; ++i) View("emp-1042", i, t0 + i * kMinute);
  const TimeMicros watermark = t0 + 9 * kMinute;
  // Exactly the allowed lateness (5 minutes) old: accepted, and it makes ten.
  EXPECT_EQ(detector_->late_events(), 0u);
  // One microsecond more is late: decided without the windowed rules (no browsing although it
  // would be the tenth) and counted; off-hours (not windowed) still applies: 06:59 local.
  const Outcome late = View("emp-1042", 10, T("2026-11-24T05:59:00Z"));
  EXPECT_EQ(detector_->late_events(), 1u);
  EXPECT_FALSE(late.Fired(RuleId::kBehaviorBrowsing));
  EXPECT_TRUE(late.Fired(RuleId::kBehaviorOffHours));
  EXPECT_TRUE(late.Fired(RuleId::kNtkNoRelationship));
  EXPECT_FALSE(View("emp-1042", 11, watermark - 5 * kMinute - 1).Fired(RuleId::kBehaviorBrowsing));
  EXPECT_EQ(detector_->late_events(), 2u);
  // The late subjects were not counted: the window still holds nine.
  const Outcome in_time = View("emp-1042", 12, watermark - 5 * kMinute);
  EXPECT_EQ(detector_->late_events(), 2u);
  ASSERT_TRUE(in_time.Fired(RuleId::kBehaviorBrowsing));
  EXPECT_EQ(in_time.Hit(RuleId::kBehaviorBrowsing)->subject_count, 10u);
  EXPECT_EQ(detector_->Stats("emp-1042")->watermark, watermark);
}

TEST_F(BehaviorDetectorTest, LateExportsStillFireTheOneEventBulkRule) {
  Brp("bz-1", {1}, kTuesday10);
  const Outcome o = Brp("bz-1", {2}, kTuesday10 - kHour, Action::kExport, 500);
  EXPECT_EQ(detector_->late_events(), 1u);
  EXPECT_TRUE(o.Fired(RuleId::kBehaviorBulkExport));
}

// --- policy switches -------------------------------------------------------------------------

TEST(BehaviorDetectorPolicyTest, ASwitchedOffRuleDoesNotFireAndSeverityOverridesApply) {
  testing_util::PolicyCopy copy;
  copy.Replace(
      "policy.yaml", "rules: {}",
      "rules: {behavior.off_hours: {enabled: false}, behavior.browsing: {severity: high}}");
  auto policy = LoadPolicy(copy.dir());
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  Pseudonymizer key("behavior-detector-test-key-0123456789abcdef");
  ReferenceData reference(&key);
  ASSERT_OK(reference.Apply(R"({"type":"employee","id":"emp-1","roles":["wmo-consulent"],)"
                            R"("team":"wmo-1","municipalities":["dinkelland"],)"
                            R"("working_hours":"07:00-19:00"})"));
  reference.Resolve(**policy);
  const Decider decider(policy->get(), &reference);
  BehaviorDetector detector(policy->get(), &reference);
  Decision d;
  for (int i = 0; i < 10; ++i) {
    const Pseudonym p = key.Pseudonymise(Bsn(i));
    AccessEvent e;
    e.event_id = "e";
    e.time = T("2026-11-28T23:00:00Z") + i;  // Sunday night
    e.municipality = "dinkelland";
    e.actor_id = "emp-1";
    e.subjects = std::span<const Pseudonym>(&p, 1);
    e.domain = "wmo";
    e.purpose = "wmo-maatwerkvoorziening";
    decider.Decide(e, &d);
    detector.Observe(e, &d);
    EXPECT_FALSE(d.Fired(RuleId::kBehaviorOffHours));
  }
  ASSERT_TRUE(d.Fired(RuleId::kBehaviorBrowsing));
  for (size_t i = 0; i < d.hit_count; ++i) {
    if (d.hits[i].rule == RuleId::kBehaviorBrowsing) {
      EXPECT_EQ(d.hits[i].severity, Severity::kHigh);
    }
  }
}

// --- state: dirty actors, serialisation ----------------------------------------------------------

TEST_F(BehaviorDetectorTest, DirtyActorsAreListedOnceUntilCleared) {
  View("emp-1042", 1, kTuesday10);
  Brp("bz-1", {1}, kTuesday10);
  View("emp-1042", 2, kTuesday10 + 1);
  EXPECT_THAT(std::vector<std::string_view>(detector_->dirty_actors().begin(),
                                            detector_->dirty_actors().end()),
              ::testing::ElementsAre("emp-1042", "bz-1"));
  detector_->ClearDirty();
  EXPECT_TRUE(detector_->dirty_actors().empty());
  // A late event changes no state.
  View("emp-1042", 3, kTuesday10 - kHour);
  EXPECT_TRUE(detector_->dirty_actors().empty());
  Brp("bz-1", {2}, kTuesday10 + kMinute);
  EXPECT_THAT(std::vector<std::string_view>(detector_->dirty_actors().begin(),
                                            detector_->dirty_actors().end()),
              ::testing::ElementsAre("bz-1"));
}

// State follows its partition (ingest/state_changelog.h): each actor remembers the partition of
// its latest event, and a partition's actors can be listed and let go.
TEST_F(BehaviorDetectorTest, ActorsRememberTheirPartitionAndAPartitionCanBeDropped) {
  detector_->set_partition(3);
  View("emp-1042", 1, kTuesday10);
  detector_->set_partition(5);
  View("emp-1043", 2, kTuesday10);
  bool moved = false;
  EXPECT_EQ(detector_->PartitionOf("emp-1042", &moved), 3);
  EXPECT_TRUE(moved);
  EXPECT_EQ(detector_->PartitionOf("nobody", &moved), -1);
  EXPECT_FALSE(moved);
  EXPECT_THAT(detector_->ActorsOf(3), ::testing::ElementsAre("emp-1042"));
  EXPECT_EQ(detector_->DropPartition(3), 0u) << "dirty actors are viewed: not now";
  detector_->ClearDirty();
  EXPECT_EQ(detector_->PartitionOf("emp-1042", &moved), 3);
  EXPECT_FALSE(moved) << "ClearDirty ends the move";

  // An access the daemon made itself has no partition: the actor keeps its own.
  detector_->set_partition(-1);
  View("emp-1042", 2, kTuesday10 + kMinute);
  EXPECT_EQ(detector_->PartitionOf("emp-1042"), 3);
  // Restoring the windows keeps the partition; RestorePartition sets it.
  std::string blob;
  ASSERT_TRUE(detector_->SerializeActorState("emp-1042", &blob));
  ASSERT_OK(detector_->RestoreActorState("emp-1042", blob));
  EXPECT_EQ(detector_->PartitionOf("emp-1042"), 3);
  detector_->ClearDirty();

  EXPECT_EQ(detector_->DropPartition(3), 1u);
  EXPECT_EQ(detector_->PartitionOf("emp-1042"), -1);
  EXPECT_EQ(detector_->PartitionOf("emp-1043"), 5);
  ASSERT_OK(detector_->RestoreActorState("emp-1042", blob));
  detector_->RestorePartition("emp-1042", 7);
  EXPECT_EQ(detector_->PartitionOf("emp-1042"), 7);
}

TEST_F(BehaviorDetectorTest, SerializedStateRestoresToTheSameBehaviour) {
  for (int i = 1; i <= 9; ++i) View("emp-1042", i, kTuesday10 + i * kMinute);
  for (int h = 0; h < 6; ++h) Brp("bz-1", {h, h + 100}, kTuesday10 + h * kHour);
  std::string emp, bz;
  ASSERT_TRUE(detector_->SerializeActorState("emp-1042", &emp));
  ASSERT_TRUE(detector_->SerializeActorState("bz-1", &bz));
  std::string none;
  EXPECT_FALSE(detector_->SerializeActorState("nobody", &none));

  BehaviorDetector restored(policy_.get(), reference_.get());
  ASSERT_OK(restored.RestoreActorState("emp-1042", emp));
  ASSERT_OK(restored.RestoreActorState("bz-1", bz));
  EXPECT_TRUE(restored.dirty_actors().empty());
  std::string again;
  ASSERT_TRUE(restored.SerializeActorState("bz-1", &again));
  EXPECT_EQ(again, bz);
  EXPECT_EQ(restored.Stats("bz-1")->baseline, detector_->Stats("bz-1")->baseline);
  // The restored detector fires exactly where the original does.
  detector_ = std::make_unique<BehaviorDetector>(policy_.get(), reference_.get());
  ASSERT_OK(detector_->RestoreActorState("emp-1042", emp));
  EXPECT_TRUE(View("emp-1042", 10, kTuesday10 + 10 * kMinute).Fired(RuleId::kBehaviorBrowsing));
  // A serialized state has no BSN, plain or otherwise.
  for (int i = 0; i <= 10; ++i) {
    EXPECT_EQ(emp.find(Bsn(i)), std::string::npos);
    EXPECT_EQ(bz.find(Bsn(i)), std::string::npos);
  }
}

TEST_F(BehaviorDetectorTest, CorruptOrUnknownStateIsRefused) {
  View("emp-1042", 1, kTuesday10);
  std::string state;
  ASSERT_TRUE(detector_->SerializeActorState("emp-1042", &state));
  std::string bad_version = state;
  bad_version[0] = 9;
  Status st = detector_->RestoreActorState("emp-1042", bad_version);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_THAT(st.message(), HasSubstr("unknown format version 9"));
  for (size_t cut = 1; cut < state.size(); ++cut) {
    EXPECT_EQ(detector_->RestoreActorState("emp-1042", state.substr(0, cut)).code(),
              Status::Code::kCorruption)
        << cut;
  }
  EXPECT_EQ(detector_->RestoreActorState("emp-1042", state + "x").code(),
            Status::Code::kCorruption);
  EXPECT_OK(detector_->RestoreActorState("emp-1042", state));
}

}  // namespace
}  // namespace inzage
