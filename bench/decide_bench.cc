// Decide() cost on a realistic mix (issue: policy engine). Target: >= 1,000,000 decisions/s on
// one core. The events come from the world generator with 20 % violations (so about 80 % are
// allowed), parsed once up front and kept in an EventArena, so only Decide is timed.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "app/world_generator.h"
#include "event/event_arena.h"
#include "event/event_parser.h"
#include "policy/decider.h"
#include "policy/policy_loader.h"

namespace inzage {
namespace {

struct World {
  Pseudonymizer key{"bench-key-bench-key-bench-key-bench-key"};
  std::shared_ptr<const Policy> policy;
  std::unique_ptr<ReferenceData> reference;
  EventArena arena{64 << 20};
  std::vector<AccessEvent> events;
  std::vector<std::string> lines;
  double allowed_share = 0;

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
    reference->Resolve(*policy);
    EventParser parser(&key);
    const Decider decider(policy.get(), reference.get());
    Decision d;
    size_t allowed = 0;
    for (int i = 0; i < 100000; ++i) {
      lines.push_back(gen.NextEvent());
      AccessEvent e;
      if (!parser.Parse(lines.back(), &e).ok()) continue;
      events.push_back(arena.Copy(e));
      decider.Decide(events.back(), &d);
      allowed += d.verdict == Verdict::kAllow ? 1 : 0;
    }
    allowed_share = static_cast<double>(allowed) / static_cast<double>(events.size());
  }
};

World& TheWorld() {
  static World w;
  return w;
}

void BM_DecideRealisticMix(benchmark::State& state) {
  World& w = TheWorld();
  const Decider decider(w.policy.get(), w.reference.get());
  Decision d;
  size_t i = 0;
  for (auto _ : state) {
    decider.Decide(w.events[i], &d);
    benchmark::DoNotOptimize(d.verdict);
    if (++i == w.events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allowed_share"] = w.allowed_share;
}
BENCHMARK(BM_DecideRealisticMix);

void BM_ParseAndDecideRealisticMix(benchmark::State& state) {
  World& w = TheWorld();
  const Decider decider(w.policy.get(), w.reference.get());
  EventParser parser(&w.key);
  AccessEvent e;
  Decision d;
  size_t i = 0;
  for (auto _ : state) {
    if (parser.Parse(w.lines[i], &e).ok()) decider.Decide(e, &d);
    benchmark::DoNotOptimize(d.verdict);
    if (++i == w.lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndDecideRealisticMix);

}  // namespace
}  // namespace inzage
