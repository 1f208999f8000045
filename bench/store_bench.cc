// Store commit throughput (issue: history store): batches of 1,000 one-subject events, WAL on,
// no fsync, into a fresh RocksDB in /tmp. Items/s = events/s. BM_StoreCommit1000 gives every
// event a new random subject (the worst case for the memtable); BM_StoreCommit1000Citizens/N
// draws subjects from a population of N, as a municipality's stream does (each citizen's
// entries then arrive in time order, which the memtable insert hints exploit).
// BM_StoreCommit1000LateEvents/N: a population of N, and each event up to 2 s older than the
// one before it (as when an employee's accesses come from two systems that publish with a
// delay): most events are then at or before their actor's newest stored event, which the
// duplicate check must look up.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "store/store.h"
#include "synthetic_history.h"

namespace inzage {
namespace {

void CommitBatchesOf1000(benchmark::State& state, std::uint64_t population, bool late = false) {
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
    for (int i = 0; i < 1000; ++i, ++n) {
      const TimeMicros jitter = late ? static_cast<TimeMicros>(rng() % 2'000'000) : 0;
      StoredEvent e = bench::SyntheticAccess(
          rng, 1'795'000'000'000'000 + static_cast<TimeMicros>(n) * 20'000 - jitter,
          "01JD2Q9V6N3K4M5P" + std::to_string(1'000'000'000 + n), 5000);
      e.subjects.push_back(bench::SyntheticCitizen(rng, population));
      batch.events.push_back(std::move(e));
    }
    batch.positions = {{"inzage.access-events", 0, static_cast<std::int64_t>(n)}};
    state.ResumeTiming();
    auto r = (*store)->Commit(batch);
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  store->reset();
  std::filesystem::remove_all(dir);
}
void BM_StoreCommit1000(benchmark::State& state) { CommitBatchesOf1000(state, 0); }
BENCHMARK(BM_StoreCommit1000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_StoreCommit1000Citizens(benchmark::State& state) {
  CommitBatchesOf1000(state, static_cast<std::uint64_t>(state.range(0)));
}
BENCHMARK(BM_StoreCommit1000Citizens)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_StoreCommit1000LateEvents(benchmark::State& state) {
  CommitBatchesOf1000(state, static_cast<std::uint64_t>(state.range(0)), true);
}
BENCHMARK(BM_StoreCommit1000LateEvents)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace inzage

// A commit that adds a dictionary entry publishes a copy of the dictionary with it (readers keep
// the one they hold): the cost of that copy and one append, at the table's size, for the chunked
// inzage::StringTable and, for comparison, the flat vector it replaced.
template <typename Table>
void BM_DictionaryCopyAndAppend(benchmark::State& state) {
  Table table;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    table.push_back("department-" + std::to_string(i));
  }
  for (auto _ : state) {
    Table next = table;
    next.push_back("one-more-department");
    benchmark::DoNotOptimize(next.size());
  }
}
BENCHMARK(BM_DictionaryCopyAndAppend<inzage::StringTable>)->Arg(1'000)->Arg(65'000);
BENCHMARK(BM_DictionaryCopyAndAppend<std::vector<std::string>>)->Arg(1'000)->Arg(65'000);
