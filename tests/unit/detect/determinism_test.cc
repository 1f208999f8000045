// Determinism of decide + behaviour detection + incidents: the same input twice gives
// byte-identical decisions and alerts, and a run interrupted (all state serialized, restored
// into fresh components) and resumed gives the same decisions and alerts as an uninterrupted
// run. The input is a generated day of realistic work with streams mixed in that make every
// windowed rule fire, push a window past its exact capacity (sketch state) and arrive late.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "app/world_generator.h"
#include "detect/behavior_detector.h"
#include "detect/incidents.h"
#include "detect_test_util.h"
#include "event/event_parser.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using testing_util::Bsn;
using testing_util::kMinute;

constexpr const char* kKey = "determinism-test-key-determinism-test-key-01";

std::string Event(const std::string& id, TimeMicros t, const std::string& actor,
                  const std::string& action, const std::vector<int>& subjects,
                  const std::string& domain, const std::string& info, const std::string& purpose) {
  std::string list;
  for (int s : subjects) {
    if (!list.empty()) list += ',';
    list += fmt::format(R"({{"bsn":"{}"}})", Bsn(s));
  }
  return fmt::format(
      R"({{"schema":"inzage.access/1","event_id":"{}","time":"{}","municipality":"dinkelland",)"
      R"("actor":{{"id":"{}","kind":"employee"}},"action":"{}","subjects":[{}],)"
      R"("resource":{{"system":"suite4sd","domain":"{}","info":"{}"}},"purpose":"{}"}})",
      id, FormatRfc3339(t), actor, action, list, domain, info, purpose);
}

struct World {
  std::vector<std::string> reference;
  std::vector<std::string> events;
};

World MakeWorld() {
  WorldGenerator::Options o;
  o.seed = 11;
  o.start_micros = *ParseRfc3339("2026-11-23T07:00:00Z");
  o.violations_per_mille = 150;
  o.invalid_per_mille = 5;
  WorldGenerator gen(o);
  World w;
  w.reference = gen.ReferenceRecords();
  for (const char* id : {"tst-browser", "tst-late"}) {
    w.reference.push_back(
        fmt::format(R"({{"type":"employee","id":"{}","roles":["wmo-consulent"],"team":"wmo-9",)"
                    R"("municipalities":["dinkelland"],"working_hours":"08:00-16:00"}})",
                    id));
  }
  w.reference.push_back(
      R"({"type":"employee","id":"tst-bulk","roles":["burgerzaken-medewerker"],"team":"bz-9",)"
      R"("municipalities":["dinkelland"],"working_hours":"08:00-16:00"})");
  std::mt19937 rng(3);
  TimeMicros last = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string line = gen.NextEvent();
    if (auto at = line.find("\"time\":\""); at != std::string::npos) {
      if (auto t = ParseRfc3339(line.substr(at + 8, line.find('"', at + 8) - at - 8))) last = *t;
    }
    w.events.push_back(std::move(line));
    if (last == 0) continue;
    const std::string id = fmt::format("tst-{}", i);
    if (i % 7 == 0) {  // browsing (and off-hours: the actor starts at 08:00, stops at 16:00)
      w.events.push_back(Event(id, last, "tst-browser", "view", {static_cast<int>(rng() % 3000)},
                               "wmo", "wat", "wmo-maatwerkvoorziening"));
    } else if (i % 97 == 0) {  // volume far past the exact capacity, and bulk exports
      std::vector<int> many;
      for (int k = 0; k < 1000; ++k) many.push_back(static_cast<int>(rng() % 8000));
      w.events.push_back(Event(id, last, "tst-bulk", i % 2 == 0 ? "export" : "view", many, "brp",
                               "dat", "brp-verstrekking"));
    } else if (i % 13 == 0) {  // late events: 4 minutes (accepted) or 20 minutes (late) old
      w.events.push_back(Event(id, last - (i % 2 == 0 ? 4 : 20) * kMinute, "tst-late", "search",
                               {static_cast<int>(rng() % 3000)}, "wmo", "dat", "wmo-toegang"));
      w.events.push_back(Event(id + "b", last, "tst-late", "search",
                               {static_cast<int>(rng() % 3000)}, "wmo", "dat", "wmo-toegang"));
    }
  }
  return w;
}

const World& TheWorld() {
  static const World w = MakeWorld();
  return w;
}

// Everything one run needs; a checkpoint moves state from one Pipeline into a fresh one.
class Pipeline {
 public:
  Pipeline(const Policy* policy, const ReferenceData* reference)
      : policy_(policy),
        reference_(reference),
        key_(kKey),
        parser_(&key_),
        decider_(policy, reference),
        detector_(policy, reference),
        incidents_(policy, reference) {}

  void Run(const std::vector<std::string>& lines, size_t from, size_t to, std::string* out) {
    AccessEvent e;
    Decision d;
    for (size_t i = from; i < to; ++i) {
      if (parser_.Parse(lines[i], &e).ok()) {
        decider_.Decide(e, &d);
        detector_.Observe(e, &d);
        incidents_.Observe(e, d);
        *out += DecisionToJson(d, &e, *policy_, *reference_);
        for (size_t h = 0; h < d.hit_count; ++h) ++fired_[static_cast<size_t>(d.hits[h].rule)];
      } else {
        Decider::DecideInvalid(parser_.last_event_id(), "invalid", &d);
        *out += DecisionToJson(d, nullptr, *policy_, *reference_);
      }
      out->push_back('\n');
    }
  }

  // Serializes every actor state and every alert, as the store would, and restores them into
  // `next` (a freshly started process).
  void CheckpointInto(Pipeline* next) {
    std::string bytes;
    for (std::string_view actor : detector_.ActorIds()) {
      ASSERT_TRUE(detector_.SerializeActorState(actor, &bytes));
      ASSERT_OK(next->detector_.RestoreActorState(actor, bytes));
    }
    for (const Alert& a : incidents_.alerts()) {
      auto parsed = ParseAlert(SerializeAlert(a));
      ASSERT_TRUE(parsed.ok()) << parsed.status().message();
      ASSERT_OK(next->incidents_.Restore(std::move(parsed).value()));
    }
    next->late_before_ = detector_.late_events() + late_before_;
    next->fired_ = fired_;
  }

  [[nodiscard]] std::string Alerts() const {
    std::string out;
    for (const Alert& a : incidents_.alerts()) out += AlertToJson(a) + "\n";
    return out;
  }
  [[nodiscard]] std::uint64_t late_events() const { return late_before_ + detector_.late_events(); }
  [[nodiscard]] std::uint64_t fired(RuleId id) const { return fired_[static_cast<size_t>(id)]; }
  BehaviorDetector& detector() { return detector_; }

 private:
  const Policy* policy_;
  const ReferenceData* reference_;
  Pseudonymizer key_;
  EventParser parser_;
  Decider decider_;
  BehaviorDetector detector_;
  IncidentTracker incidents_;
  std::uint64_t late_before_ = 0;
  std::array<std::uint64_t, kRuleCount> fired_{};
};

class DeterminismTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = LoadPolicy(testing_util::kPolicyDir);
    ASSERT_OK(p);
    policy_ = *p;
    reference_ = std::make_unique<ReferenceData>(&key_);
    for (const auto& r : TheWorld().reference) ASSERT_TRUE(reference_->Apply(r).ok()) << r;
    reference_->Resolve(*policy_);
  }
  std::unique_ptr<Pipeline> NewPipeline() {
    return std::make_unique<Pipeline>(policy_.get(), reference_.get());
  }

  Pseudonymizer key_{kKey};
  std::shared_ptr<const Policy> policy_;
  std::unique_ptr<ReferenceData> reference_;
};

TEST_F(DeterminismTest, TheSameInputTwiceGivesByteIdenticalDecisionsAndAlerts) {
  const auto& lines = TheWorld().events;
  auto a = NewPipeline(), b = NewPipeline();
  std::string decisions_a, decisions_b;
  a->Run(lines, 0, lines.size() / 2, &decisions_a);
  // Mid-day the bulk actor's volume window is far past its exact capacity (a sketch is in use).
  EXPECT_FALSE(a->detector().Stats("tst-bulk")->volume_exact);
  a->Run(lines, lines.size() / 2, lines.size(), &decisions_a);
  b->Run(lines, 0, lines.size(), &decisions_b);
  EXPECT_EQ(decisions_a, decisions_b);
  EXPECT_EQ(a->Alerts(), b->Alerts());
  // The input exercises what it should: every windowed rule fired and some events were late.
  for (RuleId id : {RuleId::kBehaviorBrowsing, RuleId::kBehaviorVolumeSpike,
                    RuleId::kBehaviorOffHours, RuleId::kBehaviorBulkExport}) {
    EXPECT_GT(a->fired(id), 0u) << InfoOf(id).id;
  }
  EXPECT_GT(a->late_events(), 0u);
  std::printf(
      "%zu events; %llu late; alerts: %zu bytes; browsing %llu, volume %llu, off-hours "
      "%llu, bulk %llu hits\n",
      lines.size(), static_cast<unsigned long long>(a->late_events()), a->Alerts().size(),
      static_cast<unsigned long long>(a->fired(RuleId::kBehaviorBrowsing)),
      static_cast<unsigned long long>(a->fired(RuleId::kBehaviorVolumeSpike)),
      static_cast<unsigned long long>(a->fired(RuleId::kBehaviorOffHours)),
      static_cast<unsigned long long>(a->fired(RuleId::kBehaviorBulkExport)));
  // Neither decisions nor alerts carry a 9-digit number (a BSN would be one).
  EXPECT_FALSE(std::regex_search(decisions_a, std::regex("[0-9]{9}")));
  EXPECT_FALSE(std::regex_search(a->Alerts(), std::regex("[0-9]{9}")));
}

TEST_F(DeterminismTest, AnInterruptedAndResumedRunGivesTheSameDecisionsAndAlerts) {
  const auto& lines = TheWorld().events;
  auto whole = NewPipeline();
  std::string expected;
  whole->Run(lines, 0, lines.size(), &expected);

  // Interrupted at three points, each time everything serialized and restored into a fresh
  // pipeline, as after a crash and restart from the store.
  auto run = NewPipeline();
  std::string resumed;
  const std::vector<size_t> cuts = {lines.size() / 4, lines.size() / 2, lines.size() * 3 / 4 + 17,
                                    lines.size()};
  size_t from = 0;
  for (size_t cut : cuts) {
    run->Run(lines, from, cut, &resumed);
    from = cut;
    if (cut == lines.size()) break;
    auto next = NewPipeline();
    run->CheckpointInto(next.get());
    run = std::move(next);
  }
  EXPECT_EQ(resumed, expected);
  EXPECT_EQ(run->Alerts(), whole->Alerts());
  EXPECT_EQ(run->late_events(), whole->late_events());
}

TEST_F(DeterminismTest, CheckpointsAfterEveryFewHundredEventsChangeNothing) {
  const auto& lines = TheWorld().events;
  const size_t n = lines.size() / 3;  // a third of the day keeps the test short
  auto whole = NewPipeline();
  std::string expected;
  whole->Run(lines, 0, n, &expected);
  auto run = NewPipeline();
  std::string resumed;
  for (size_t from = 0; from < n; from += 373) {
    run->Run(lines, from, std::min(n, from + 373), &resumed);
    auto next = NewPipeline();
    run->CheckpointInto(next.get());
    run = std::move(next);
  }
  EXPECT_EQ(resumed, expected);
  EXPECT_EQ(run->Alerts(), whole->Alerts());
}

}  // namespace
}  // namespace inzage
