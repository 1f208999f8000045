// Decide with state (issue: behaviour detection and incidents). Target: Decide + the windowed
// behaviour rules <= 2 µs per event on one core on the realistic mix. The world is the one of
// decide_bench.cc (generator, 20 % violations), parsed once into an EventArena; each pass over
// the events is shifted by whole weeks of event time, so the detector always sees time moving
// forward (no event is late) and per-actor state stays in its steady shape.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "app/world_generator.h"
#include "detect/alert.h"
#include "detect/behavior_detector.h"
#include "detect/incidents.h"
#include "event/event_arena.h"
#include "event/event_parser.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"

namespace inzage {
namespace {

constexpr TimeMicros kWeek = 7 * kMicrosPerDay;

struct World {
  Pseudonymizer key{"bench-key-bench-key-bench-key-bench-key"};
  std::shared_ptr<const Policy> policy;
  std::unique_ptr<ReferenceData> reference;
  EventArena arena{64 << 20};
  std::vector<AccessEvent> events;
  TimeMicros lap = 0;  // shift per pass: the span of the events rounded up to whole weeks

  World() {
    policy = LoadPolicy(std::string(INZAGE_SOURCE_DIR) + "/config/policy").value();
    WorldGenerator::Options o;
    o.seed = 7;
    o.start_micros = *ParseRfc3339("2026-11-23T07:00:00Z");
    o.violations_per_mille = 200;
    o.invalid_per_mille = 0;
    WorldGenerator gen(o);
    reference = std::make_unique<ReferenceData>(&key);
    for (const auto& r : gen.ReferenceRecords()) {
      if (!reference->Apply(r).ok()) std::abort();
    }
    if (!reference
             ->Apply(R"({"type":"system","id":"sys-batch","roles":["burgerzaken-medewerker"],)"
                     R"("municipalities":["dinkelland"]})")
             .ok()) {
      std::abort();
    }
    reference->Resolve(*policy);
    EventParser parser(&key);
    for (int i = 0; i < 100000; ++i) {
      const std::string line = gen.NextEvent();
      AccessEvent e;
      if (!parser.Parse(line, &e).ok()) continue;
      events.push_back(arena.Copy(e));
    }
    const TimeMicros span = events.back().time - events.front().time;
    lap = (span / kWeek + 1) * kWeek;
  }
};

World& TheWorld() {
  static World w;
  return w;
}

void BM_DecideAndDetectRealisticMix(benchmark::State& state) {
  World& w = TheWorld();
  const Decider decider(w.policy.get(), w.reference.get());
  BehaviorDetector detector(w.policy.get(), w.reference.get());
  Decision d;
  size_t i = 0;
  TimeMicros shift = 0;
  std::uint64_t windowed = 0;
  for (auto _ : state) {
    AccessEvent e = w.events[i];
    e.time += shift;
    decider.Decide(e, &d);
    detector.Observe(e, &d);
    benchmark::DoNotOptimize(d.verdict);
    windowed += d.Fired(RuleId::kBehaviorVolumeSpike) || d.Fired(RuleId::kBehaviorBrowsing) ||
                d.Fired(RuleId::kBehaviorBulkExport) || d.Fired(RuleId::kBehaviorOffHours);
    if (++i == w.events.size()) {
      i = 0;
      shift += w.lap;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["windowed_hit_share"] =
      static_cast<double>(windowed) / static_cast<double>(state.iterations());
  state.counters["late"] = static_cast<double>(detector.late_events());
  state.counters["actors"] = static_cast<double>(detector.actor_count());
}
BENCHMARK(BM_DecideAndDetectRealisticMix);

void BM_DecideDetectAndAggregateRealisticMix(benchmark::State& state) {
  World& w = TheWorld();
  const Decider decider(w.policy.get(), w.reference.get());
  BehaviorDetector detector(w.policy.get(), w.reference.get());
  IncidentTracker incidents(w.policy.get(), w.reference.get());
  Decision d;
  size_t i = 0;
  TimeMicros shift = 0;
  for (auto _ : state) {
    AccessEvent e = w.events[i];
    e.time += shift;
    decider.Decide(e, &d);
    detector.Observe(e, &d);
    incidents.Observe(e, d);
    benchmark::DoNotOptimize(d.verdict);
    if (++i == w.events.size()) {
      i = 0;
      shift += w.lap;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["alerts"] = static_cast<double>(incidents.alerts().size());
}
BENCHMARK(BM_DecideDetectAndAggregateRealisticMix);

// The worst case for one actor: every event a new subject, so the volume window stays past its
// exact capacity and every subject also goes into the sketch.
void BM_DetectOneActorOverflowing(benchmark::State& state) {
  World& w = TheWorld();
  BehaviorDetector detector(w.policy.get(), w.reference.get());
  Decision d;
  std::uint64_t n = 0;
  Pseudonym p;
  AccessEvent e;
  e.event_id = "bench";
  e.actor_id = "sys-batch";
  e.actor_kind = ActorKind::kSystem;
  e.subjects = std::span<const Pseudonym>(&p, 1);
  for (auto _ : state) {
    ++n;
    // A fresh, uniformly distributed pseudonym (splitmix64), like an HMAC output.
    for (int half = 0; half < 2; ++half) {
      std::uint64_t z = 2 * n + static_cast<std::uint64_t>(half) + 0x9e3779b97f4a7c15ULL;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      std::memcpy(p.bytes.data() + 8 * half, &z, 8);
    }
    e.time = static_cast<TimeMicros>(n) * 20'000;  // 50 events a second
    d.Reset(e.event_id);
    detector.Observe(e, &d);
    benchmark::DoNotOptimize(d.hit_count);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["state_bytes"] = static_cast<double>(detector.Stats("sys-batch")->memory_bytes);
}
BENCHMARK(BM_DetectOneActorOverflowing);

// The id of a new incident: SHA-256 over actor, rule and window start (once per ~15 events of
// the benchmark stream).
void BM_AlertId(benchmark::State& state) {
  TimeMicros start = 1'795'000'000'000'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(AlertId("emp-1042", RuleId::kNtkNoRelationship, start));
    start += 1'000'000;
  }
}
BENCHMARK(BM_AlertId);

}  // namespace
}  // namespace inzage
