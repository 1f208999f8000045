// Store commit throughput (issue: history store): batches of 1,000 one-subject events, WAL on,
// no fsync, into a fresh RocksDB in /tmp. Items/s = events/s.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "store/store.h"

namespace inzage {
namespace {

StoredEvent BenchEvent(std::uint64_t n, std::mt19937_64& rng) {
  static const char* kActivities[] = {"wmo-maatwerkvoorziening", "jeugdhulp-voorziening",
                                      "bijstand-aanvraag", "brp-bijhouding", "belastingheffing"};
  static const char* kDomains[] = {"wmo", "jeugd", "participatie", "brp", "belastingen"};
  const size_t k = rng() % 5;
  StoredEvent e;
  e.record.time = 1'795'000'000'000'000 + static_cast<TimeMicros>(n) * 20'000;
  e.record.event_id = "01JD2Q9V6N3K4M5P" + std::to_string(1'000'000'000 + n);
  e.record.actor = "emp-" + std::to_string(1000 + rng() % 300);
  e.record.role = "wmo-consulent";
  e.record.department = "sociaal-domein";
  e.record.municipality = rng() % 2 ? "dinkelland" : "tubbergen";
  e.record.domain = kDomains[k];
  e.record.activity = kActivities[k];
  e.record.case_id = "zaak-2026-" + std::to_string(100000 + rng() % 5000);
  Pseudonym p;
  for (auto& b : p.bytes) b = static_cast<std::uint8_t>(rng());
  e.subjects.push_back(p);
  return e;
}

void BM_StoreCommit1000(benchmark::State& state) {
  const std::string dir = "/tmp/inzage-bench-commit-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.key_id = "bench";
  auto store = Store::Open(dir, o);
  if (!store.ok()) {
    state.SkipWithError(store.status().message().c_str());
    return;
  }
  std::mt19937_64 rng(1);
  std::uint64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    CommitBatch batch;
    batch.events.reserve(1000);
    for (int i = 0; i < 1000; ++i) batch.events.push_back(BenchEvent(n++, rng));
    batch.positions = {{"inzage.access-events", 0, static_cast<std::int64_t>(n)}};
    state.ResumeTiming();
    auto r = (*store)->Commit(batch);
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_StoreCommit1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace inzage
