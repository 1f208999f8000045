// Synthetic accesses for the store benchmarks, and the store drivers' synthetic history: `events`
// accesses, one every 3 s from t0, each by one of 300 employees over five activities and domains,
// to one subject, except that every (events / 10,000)th access is to `target` (the subject whose
// queries are measured). Subjects are drawn from a population of `population` citizens (Dinkelland
// and Tubbergen have ~47,000 inhabitants together); population 0 gives every access a new random
// subject, the worst case for the store's size (no two entries share a pseudonym prefix). Committed
// in batches of 1,000 with a source position, as the daemon does. Thread safety: fills one store
// from one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "store/store.h"

namespace inzage::bench {

// One access at `time`: one of 300 employees, one of five activities and domains, one of
// `cases` cases; the caller adds the subject.
inline StoredEvent SyntheticAccess(std::mt19937_64& rng, TimeMicros time, std::string event_id,
                                   std::uint64_t cases) {
  static const char* kActivities[] = {"wmo-maatwerkvoorziening", "jeugdhulp-voorziening",
                                      "bijstand-aanvraag", "brp-bijhouding", "belastingheffing"};
  static const char* kDomains[] = {"wmo", "jeugd", "participatie", "brp", "belastingen"};
  const size_t k = rng() % 5;
  StoredEvent e;
  e.record.time = time;
  e.record.event_id = std::move(event_id);
  e.record.actor = "emp-" + std::to_string(1000 + rng() % 300);
  e.record.role = "wmo-consulent";
  e.record.department = "sociaal-domein";
  e.record.municipality = rng() % 2 ? "dinkelland" : "tubbergen";
  e.record.domain = kDomains[k];
  e.record.activity = kActivities[k];
  e.record.case_id = "zaak-2026-" + std::to_string(100000 + rng() % cases);
  return e;
}

// A citizen of a population of `population` (the same bytes for the same citizen), or a new
// random subject when `population` is 0.
inline Pseudonym SyntheticCitizen(std::mt19937_64& rng, std::uint64_t population) {
  Pseudonym p;
  if (population == 0) {
    for (auto& b : p.bytes) b = static_cast<std::uint8_t>(rng());
  } else {
    std::mt19937_64 citizen(rng() % population + 1);
    for (auto& b : p.bytes) b = static_cast<std::uint8_t>(citizen());
  }
  return p;
}

inline Status FillSyntheticHistory(Store& store, std::uint64_t events, TimeMicros t0,
                                   const Pseudonym& target, std::uint64_t population = 0) {
  std::mt19937_64 rng(7);
  const std::uint64_t every = std::max<std::uint64_t>(1, events / 10'000);
  CommitBatch batch;
  for (std::uint64_t n = 0; n < events; ++n) {
    StoredEvent e = SyntheticAccess(rng, t0 + static_cast<TimeMicros>(n) * 3'000'000,
                                    "01JD" + std::to_string(10'000'000'000ULL + n), 50000);
    e.subjects.push_back(n % every == 0 ? target : SyntheticCitizen(rng, population));
    batch.events.push_back(std::move(e));
    if (batch.events.size() == 1000 || n + 1 == events) {
      batch.positions = {{"driver", 0, static_cast<std::int64_t>(n + 1)}};
      if (auto r = store.Commit(batch); !r.ok()) return r.status();
      batch = CommitBatch{};
    }
  }
  return Status::Ok();
}

}  // namespace inzage::bench
