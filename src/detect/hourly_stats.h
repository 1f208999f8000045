// HourlyStats: what the console's overview charts, counted per hour of event time as the
// pipeline decides: decisions by verdict, invalid messages, how often each rule fired, and
// violations by department. Each hour is a row in the store's `state` column family, written
// with the batch that changed it and read back on start, so a page load reads a few dozen rows
// by key and never scans anything.
//
// Row "stats/hour/<big-endian hours since 1970>": u8 version (1), varint allow, review,
// violation, invalid, varint n + n × (u8 rule, varint count), varint m + m × (string
// department, varint violations).
//
// Ownership: a value. Thread safety: none; the pipeline's consume thread keeps one.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "policy/decision.h"
#include "policy/rule_catalogue.h"

namespace inzage {

struct HourCounts {
  std::uint64_t allow = 0, review = 0, violation = 0, invalid = 0;
  std::array<std::uint64_t, kRuleCount> rules{};
  std::map<std::string, std::uint64_t, std::less<>> violations_by_department;

  [[nodiscard]] std::string Encode() const;
  [[nodiscard]] static bool Decode(std::string_view row, HourCounts* out);
};

class HourlyStats {
 public:
  static constexpr std::string_view kKeyPrefix = "stats/hour/";
  static constexpr size_t kHoursKept = 48;  // in memory; older hours live in the store only

  static std::string KeyOf(std::int64_t hour);  // hours since 1970
  static std::int64_t HourOf(TimeMicros t) {
    return t >= 0 ? t / (3600 * kMicrosPerSecond)
                  : -((-t + 3600 * kMicrosPerSecond - 1) / (3600 * kMicrosPerSecond));
  }

  // Reads a stored row by key (the store's `state` column family): an hour that left memory
  // and gets an event again (a late one, a backfill) continues from its stored counts.
  using Loader = std::function<std::optional<std::string>(const std::string& key)>;
  void set_loader(Loader loader) { load_ = std::move(loader); }

  void Observe(TimeMicros event_time, const Decision& decision, std::string_view department);
  void ObserveInvalid(TimeMicros stream_time);

  // A stored row (key and value); rows of other kinds are not this class's (false).
  [[nodiscard]] bool Restore(std::string_view key, std::string_view row);
  // The rows of the hours that changed since the last call.
  void TakeChanged(std::vector<std::pair<std::string, std::string>>* rows);

 private:
  HourCounts& At(std::int64_t hour);

  Loader load_;
  std::map<std::int64_t, HourCounts> hours_;
  std::vector<std::int64_t> changed_;
  std::int64_t last_hour_ = INT64_MIN;
  HourCounts* last_ = nullptr;
};

}  // namespace inzage
