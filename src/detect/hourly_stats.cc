#include "detect/hourly_stats.h"

#include <algorithm>

#include "detect/state_codec.h"

namespace inzage {
namespace {

constexpr std::uint8_t kVersion = 1;

}  // namespace

std::string HourCounts::Encode() const {
  std::string out;
  StateWriter w(&out);
  w.U8(kVersion);
  w.Varint(allow);
  w.Varint(review);
  w.Varint(violation);
  w.Varint(invalid);
  size_t n = 0;
  for (std::uint64_t c : rules) n += c != 0 ? 1 : 0;
  w.Varint(n);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i] == 0) continue;
    w.U8(static_cast<std::uint8_t>(i));
    w.Varint(rules[i]);
  }
  w.Varint(violations_by_department.size());
  for (const auto& [department, count] : violations_by_department) {
    w.String(department);
    w.Varint(count);
  }
  return out;
}

bool HourCounts::Decode(std::string_view row, HourCounts* out) {
  StateReader r(row);
  if (r.U8() != kVersion) return false;
  out->allow = r.Varint();
  out->review = r.Varint();
  out->violation = r.Varint();
  out->invalid = r.Varint();
  const std::uint64_t n = r.Varint();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    const std::uint8_t rule = r.U8();
    const std::uint64_t count = r.Varint();
    if (rule >= kRuleCount) return false;
    out->rules[rule] = count;
  }
  const std::uint64_t m = r.Varint();
  for (std::uint64_t i = 0; i < m && r.ok(); ++i) {
    std::string department = r.String(256);
    out->violations_by_department[std::move(department)] = r.Varint();
  }
  return r.ok() && r.AtEnd();
}

std::string HourlyStats::KeyOf(std::int64_t hour) {
  std::string key(kKeyPrefix);
  const auto u = static_cast<std::uint64_t>(hour) ^ (std::uint64_t{1} << 63);  // sorts signed
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(u >> shift));
  return key;
}

HourCounts& HourlyStats::At(std::int64_t hour) {
  if (hour == last_hour_ && last_ != nullptr) return *last_;
  last_hour_ = hour;
  auto [it, fresh] = hours_.try_emplace(hour);
  if (fresh && load_) {
    if (auto row = load_(KeyOf(hour))) (void)HourCounts::Decode(*row, &it->second);
  }
  last_ = &it->second;
  // Keep the newest hours only: a late event's older hour is read back by key when needed.
  while (hours_.size() > kHoursKept && hours_.begin()->first != hour) {
    const std::int64_t dropped = hours_.begin()->first;
    if (std::find(changed_.begin(), changed_.end(), dropped) != changed_.end()) break;
    hours_.erase(hours_.begin());
  }
  return *last_;
}

void HourlyStats::Observe(TimeMicros event_time, const Decision& decision,
                          std::string_view department) {
  const std::int64_t hour = HourOf(event_time);
  HourCounts& h = At(hour);
  if (changed_.empty() || changed_.back() != hour) {
    if (std::find(changed_.begin(), changed_.end(), hour) == changed_.end()) {
      changed_.push_back(hour);
    }
  }
  switch (decision.verdict) {
    case Verdict::kAllow:
      ++h.allow;
      break;
    case Verdict::kReview:
      ++h.review;
      break;
    default:
      ++h.violation;
      auto it = h.violations_by_department.find(department);
      if (it == h.violations_by_department.end()) {
        h.violations_by_department.emplace(std::string(department), 1);
      } else {
        ++it->second;
      }
      break;
  }
  for (size_t i = 0; i < decision.hit_count; ++i) {
    ++h.rules[static_cast<size_t>(decision.hits[i].rule)];
  }
}

void HourlyStats::ObserveInvalid(TimeMicros stream_time) {
  const std::int64_t hour = HourOf(stream_time);
  ++At(hour).invalid;
  if (std::find(changed_.begin(), changed_.end(), hour) == changed_.end()) {
    changed_.push_back(hour);
  }
}

bool HourlyStats::Restore(std::string_view key, std::string_view row) {
  if (key.size() != kKeyPrefix.size() + 8 || key.substr(0, kKeyPrefix.size()) != kKeyPrefix) {
    return false;
  }
  std::uint64_t u = 0;
  for (size_t i = kKeyPrefix.size(); i < key.size(); ++i) {
    u = (u << 8) | static_cast<unsigned char>(key[i]);
  }
  const auto hour = static_cast<std::int64_t>(u ^ (std::uint64_t{1} << 63));
  HourCounts counts;
  if (!HourCounts::Decode(row, &counts)) return true;  // ours, unreadable: start it afresh
  hours_[hour] = std::move(counts);
  while (hours_.size() > kHoursKept) hours_.erase(hours_.begin());
  last_ = nullptr;
  last_hour_ = INT64_MIN;
  return true;
}

void HourlyStats::TakeChanged(std::vector<std::pair<std::string, std::string>>* rows) {
  for (std::int64_t hour : changed_) {
    auto it = hours_.find(hour);
    if (it != hours_.end()) rows->emplace_back(KeyOf(hour), it->second.Encode());
  }
  changed_.clear();
}

}  // namespace inzage
