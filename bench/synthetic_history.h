// The store drivers' synthetic history: `events` accesses, one every 3 s from t0, each by one of
// 300 employees over five activities and domains, to one subject, except that every
// (events / 10,000)th access is to `target` (the subject whose queries are measured). Subjects
// are drawn from a population of `population` citizens (Dinkelland and Tubbergen have ~47,000
// inhabitants together); population 0 gives every access a new random subject, the worst case
// for the store's size (no two entries share a pseudonym prefix).
// Committed in batches of 1,000 with a source position, as the daemon does.
// Thread safety: fills one store from one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "store/store.h"

namespace inzage::bench {

inline Status FillSyntheticHistory(Store& store, std::uint64_t events, TimeMicros t0,
                                   const Pseudonym& target, std::uint64_t population = 0) {
  std::mt19937_64 rng(7);
  const std::uint64_t every = std::max<std::uint64_t>(1, events / 10'000);
  static const char* kActivities[] = {"wmo-maatwerkvoorziening", "jeugdhulp-voorziening",
                                      "bijstand-aanvraag", "brp-bijhouding", "belastingheffing"};
  static const char* kDomains[] = {"wmo", "jeugd", "participatie", "brp", "belastingen"};
  CommitBatch batch;
  for (std::uint64_t n = 0; n < events; ++n) {
    const size_t k = rng() % 5;
    StoredEvent e;
    e.record.time = t0 + static_cast<TimeMicros>(n) * 3'000'000;
    e.record.event_id = "01JD" + std::to_string(10'000'000'000ULL + n);
    e.record.actor = "emp-" + std::to_string(1000 + rng() % 300);
    e.record.role = "wmo-consulent";
    e.record.department = "sociaal-domein";
    e.record.municipality = rng() % 2 ? "dinkelland" : "tubbergen";
    e.record.domain = kDomains[k];
    e.record.activity = kActivities[k];
    e.record.case_id = "zaak-2026-" + std::to_string(100000 + rng() % 50000);
    Pseudonym p;
    if (n % every == 0) {
      p = target;
    } else if (population == 0) {
      for (auto& b : p.bytes) b = static_cast<std::uint8_t>(rng());
    } else {
      std::mt19937_64 citizen(rng() % population + 1);  // the same bytes for the same citizen
      for (auto& b : p.bytes) b = static_cast<std::uint8_t>(citizen());
    }
    e.subjects.push_back(p);
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
