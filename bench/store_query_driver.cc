// Store driver (issue: history store): fills a store with N events (default 10,000,000, one
// subject each, drawn from a population of P citizens, default 50,000, or a new random subject
// for every event with P = 0; one chosen subject gets 10,000 of them), compacts it fully, and
// reports
//   - commit throughput over the whole fill (batches of 1,000, WAL on, no fsync),
//   - bytes per stored event on disk after full compaction,
//   - subject query latency p50/p99: first page (1,000 newest) and all 10,000 entries, right
//     after the fill (the LSM shape ingest leaves: memtables and several L0 files) and again
//     after the full compaction;
//   - the LDV read API's walk: one request of 10,000 keys, and a walk of one hour of the fill;
//   - actor query latency p50/p99 (first page of 100): an employee of the fill (~1/300 of the
//     events), and a service account that then makes 200,000 accesses on one day, the most an
//     actor query merges at once (store/history_record.h, actor groups).
// Usage: store_query_driver [DIR] [EVENTS] [POPULATION]   (DIR is removed first)
#include <rocksdb/db.h>
#include <rocksdb/table_properties.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"
#include "synthetic_history.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  using namespace inzage;
  const std::string dir = argc > 1 ? argv[1] : "/tmp/inzage-store-driver";
  const std::uint64_t events = argc > 2 ? std::stoull(argv[2]) : 10'000'000;
  const std::uint64_t population = argc > 3 ? std::stoull(argv[3]) : 50'000;
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.key_id = "driver";
  auto opened = Store::Open(dir, o);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return 1;
  }
  Store& store = **opened;
  Pseudonym target;
  target.bytes.fill(0x42);
  const TimeMicros t0 = *ParseRfc3339("2026-01-01T00:00:00Z");
  const auto fill_start = Clock::now();
  if (Status st = bench::FillSyntheticHistory(store, events, t0, target, population); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  const double fill_s = Seconds(Clock::now() - fill_start);
  std::printf("population: %s\n", population == 0
                                      ? "a new subject for every event"
                                      : (std::to_string(population) + " citizens").c_str());
  std::printf("fill: %llu events in %.1f s = %.0f events/s (batches of 1,000, WAL, no fsync)\n",
              static_cast<unsigned long long>(events), fill_s,
              static_cast<double>(events) / fill_s);

  // Subject query latency, first page and all pages; false when a query fails.
  const TimeMicros t_end = t0 + static_cast<TimeMicros>(events) * 3'000'000;
  const auto query_latencies = [&](const char* when) {
    std::string l0;
    store.raw_db()->GetProperty(store.column_family("history_subject"),
                                "rocksdb.num-files-at-level0", &l0);
    for (const bool all : {false, true}) {
      std::vector<double> micros;
      size_t found = 0;
      for (int q = 0; q < (all ? 200 : 1000); ++q) {
        const auto s = Clock::now();
        std::string cursor;
        found = 0;
        do {
          auto page = store.QuerySubject(target, t0, t_end, 1000, cursor);
          if (!page.ok()) return false;
          found += page->entries.size();
          cursor = all ? page->next_cursor : "";
        } while (!cursor.empty());
        micros.push_back(Seconds(Clock::now() - s) * 1e6);
      }
      std::sort(micros.begin(), micros.end());
      std::printf("subject query %s, %s L0 files (%s, %zu entries): p50 %.0f us, p99 %.0f us\n",
                  when, l0.c_str(), all ? "all pages" : "first page of 1,000", found,
                  micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
    }
    return true;
  };
  if (!query_latencies("after the fill")) return 1;

  const auto compact_start = Clock::now();
  if (Status st = store.CompactAll(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  std::uintmax_t bytes = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() == ".sst") bytes += f.file_size();
  }
  std::printf(
      "full compaction: %.1f s; %.1f MB of SST files = %.1f bytes per stored event "
      "(both indexes)\n",
      Seconds(Clock::now() - compact_start), static_cast<double>(bytes) / 1e6,
      static_cast<double>(bytes) / static_cast<double>(events));

  for (const char* cf : {"history_subject", "history_actor", "meta"}) {
    std::string size;
    store.raw_db()->GetProperty(store.column_family(cf), "rocksdb.total-sst-files-size", &size);
    std::printf("  %-16s %8.1f bytes per event\n", cf,
                std::stod(size.empty() ? "0" : size) / static_cast<double>(events));
    // Where the bytes go: compressed data blocks, index, filters, and what went in (raw).
    rocksdb::TablePropertiesCollection tables;
    if (!store.raw_db()->GetPropertiesOfAllTables(store.column_family(cf), &tables).ok()) continue;
    rocksdb::TableProperties sum;
    for (const auto& [file, props] : tables) sum.Add(*props);
    const auto per = [&](std::uint64_t v) {
      return static_cast<double>(v) / static_cast<double>(events);
    };
    std::printf(
        "    data %.1f, index %.1f, filter %.1f; raw keys %.1f, raw values %.1f (%llu entries)\n",
        per(sum.data_size), per(sum.index_size), per(sum.filter_size), per(sum.raw_key_size),
        per(sum.raw_value_size), static_cast<unsigned long long>(sum.num_entries));
  }
  if (!query_latencies("after full compaction")) return 1;

  // The LDV read API's walk (store/history_scan.cc): what one request of 10,000 keys costs when
  // nothing matches (a trace no access has), and a whole walk of one hour of the fill, where the
  // period lets it skip with a seek per subject.
  {
    std::array<std::uint8_t, 16> trace{};
    trace[0] = 1;
    SubjectScan scan;
    scan.from = t0;
    scan.to = t_end;
    scan.limit = 1000;
    scan.max_visited = 10000;
    scan.match = [&](const HistoryRecord& r) { return r.has_trace_id && r.trace_id == trace; };
    std::vector<double> micros;
    for (int q = 0; q < 200; ++q) {
      const auto s = Clock::now();
      auto page = store.ScanSubjects(scan);
      if (!page.ok()) return 1;
      micros.push_back(Seconds(Clock::now() - s) * 1e6);
      scan.after = page->next;
      if (scan.after.empty()) break;
    }
    std::sort(micros.begin(), micros.end());
    std::printf("ldv walk, a request of 10,000 keys, nothing matching: p50 %.0f us, p99 %.0f us\n",
                micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
    scan.after.clear();
    scan.from = t0 + (t_end - t0) / 2;
    scan.to = scan.from + 3600 * kMicrosPerSecond;
    scan.match = nullptr;
    size_t requests = 0, visited = 0, found = 0;
    const auto s = Clock::now();
    do {
      auto page = store.ScanSubjects(scan);
      if (!page.ok()) return 1;
      ++requests;
      visited += page->visited;
      found += page->entries.size();
      scan.after = page->next;
    } while (!scan.after.empty());
    std::printf(
        "ldv walk of one hour (%zu entries): %zu requests of <= 10,000 keys, %zu keys read, "
        "%.0f ms in all\n",
        found, requests, visited, Seconds(Clock::now() - s) * 1e3);
  }

  // Actor queries: an actor's events of one UTC day are merged before its page is cut.
  const auto actor_latency = [&](const std::string& actor, const char* what) {
    std::vector<double> micros;
    size_t found = 0;
    for (int q = 0; q < 200; ++q) {
      const auto s = Clock::now();
      auto page = store.QueryActor(actor, INT64_MIN / 2, INT64_MAX / 2, 100, "");
      if (!page.ok()) return false;
      found = page->entries.size();
      micros.push_back(Seconds(Clock::now() - s) * 1e6);
    }
    std::sort(micros.begin(), micros.end());
    std::printf("actor query, %s (first page, %zu entries): p50 %.0f us, p99 %.0f us\n", what,
                found, micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
    return true;
  };
  if (!actor_latency("emp-1000", "an employee of the fill")) return 1;
  {
    std::mt19937_64 rng(11);
    const TimeMicros day = t_end + kMicrosPerDay - t_end % kMicrosPerDay;
    CommitBatch batch;
    for (std::uint64_t n = 0; n < 200'000; ++n) {
      StoredEvent e = bench::SyntheticAccess(rng, day + static_cast<TimeMicros>(n) * 400'000,
                                             "svc-" + std::to_string(n), 50000);
      e.record.actor = "svc-export";
      e.subjects.push_back(bench::SyntheticCitizen(rng, population));
      batch.events.push_back(std::move(e));
      if (batch.events.size() == 1000) {
        batch.positions = {{"driver", 0, static_cast<std::int64_t>(events + n + 1)}};
        if (auto r = store.Commit(batch); !r.ok()) return 1;
        batch = CommitBatch{};
      }
    }
  }
  if (!actor_latency("svc-export", "200,000 accesses on one day")) return 1;
  opened->reset();
  if (argc <= 1) std::filesystem::remove_all(dir);
  return 0;
}
