// Helpers shared by the store tests: synthetic stored events (and TempDir, from tests/support).
#pragma once

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "store/store.h"
#include "support/temp_dir.h"

namespace inzage::testing {

inline Pseudonym SyntheticSubject(std::uint64_t n) {
  Pseudonym p;
  std::memcpy(p.bytes.data(), &n, sizeof n);
  p.bytes[15] = 0x5a;
  return p;
}

inline StoredEvent SyntheticEvent(std::uint64_t n, TimeMicros time, const std::string& actor,
                                  const std::string& activity = "wmo-maatwerkvoorziening",
                                  int subjects = 1) {
  StoredEvent e;
  e.record.time = time;
  e.record.event_id = "ev-" + std::to_string(n);
  e.record.actor = actor;
  e.record.role = "wmo-consulent";
  e.record.department = "sociaal-domein";
  e.record.municipality = "dinkelland";
  e.record.domain = "wmo";
  e.record.activity = activity;
  e.record.case_id = "zaak-" + std::to_string(n % 1000);
  for (int i = 0; i < subjects; ++i) e.subjects.push_back(SyntheticSubject(n * 7 + i));
  return e;
}

inline RetentionTable TestRetention() {
  RetentionTable t;
  t.by_activity.emplace("wmo-maatwerkvoorziening", IsoDuration{5, 0, 0});
  t.by_activity.emplace("sturing-verantwoording", IsoDuration{2, 0, 0});
  t.fallback = IsoDuration{7, 0, 0};
  return t;
}

}  // namespace inzage::testing
