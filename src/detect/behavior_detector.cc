#include "detect/behavior_detector.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "policy/decider.h"

namespace inzage {
namespace {

constexpr TimeMicros kMicrosPerHour = 3600 * kMicrosPerSecond;

constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// A window of at least one microsecond (a policy may say PT0S; a window must hold the event).
TimeMicros Window(TimeMicros configured) { return std::max<TimeMicros>(1, configured); }

std::uint32_t ClampToU32(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, UINT32_MAX));
}

// Median of sorted[0, n); the mean of the two middle values when n is even.
double MedianOfSorted(const std::uint32_t* sorted, std::uint32_t n) {
  if (n == 0) return 0;
  const size_t mid = n / 2;
  if (n % 2 == 1) return sorted[mid];
  return (static_cast<double>(sorted[mid - 1]) + sorted[mid]) / 2;
}

std::uint32_t Estimated(const SlidingDistinct& w) { return w.exact() ? 0 : kWindowDetailEstimated; }

std::uint32_t CapacityFor(std::uint64_t limit) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
      limit + 1, BehaviorDetector::kMinExactCapacity, BehaviorDetector::kMaxExactCapacity));
}

}  // namespace

BehaviorDetector::BehaviorDetector(const Policy* policy, const ReferenceData* reference)
    : policy_(policy), reference_(reference) {
  auto clock = LocalClock::Load();
  if (clock.ok()) {
    clock_.emplace(std::move(clock).value());
  } else {
    status_ = clock.status();
  }
}

BehaviorDetector::~BehaviorDetector() = default;

BehaviorDetector::ActorState& BehaviorDetector::StateOf(std::string_view actor,
                                                        std::string_view* key) {
  auto it = actors_.find(actor);
  if (it == actors_.end()) it = actors_.emplace(std::string(actor), ActorState{}).first;
  *key = it->first;  // node-based map: the key's address is stable
  return it->second;
}

void BehaviorDetector::Fire(Decision* d, RuleId id, std::uint32_t first_subject,
                            std::uint64_t count, std::uint32_t detail, std::uint32_t limit) const {
  const RuleSetting& setting = policy_->rule(id);
  if (!setting.enabled || d->hit_count >= Decision::kMaxHits) return;
  d->hits[d->hit_count++] =
      RuleHit{id, setting.severity, first_subject, ClampToU32(count), detail, nullptr, limit};
}

void BehaviorDetector::Observe(const AccessEvent& e, Decision* d) {
  if (d->verdict == Verdict::kInvalid || e.actor_kind == ActorKind::kCitizen) return;
  const Thresholds& th = policy_->thresholds();
  const std::uint8_t hits_before = d->hit_count;
  const Actor* actor = reference_->FindActor(e.actor_id);
  // An actor the reference data does not know gets auth.unknown_actor on every event and no
  // state here: a flood of invented actor ids must not grow memory.
  if (actor == nullptr && reference_->FindProcessor(e.actor_id) == nullptr) return;

  OffHours(e, actor, d);

  const bool exporting = e.action == Action::kExport || e.action == Action::kPrint;
  const std::uint32_t records =
      e.record_count > 0 ? e.record_count : static_cast<std::uint32_t>(e.subjects.size());
  const bool bulk_one =
      exporting && records > static_cast<std::uint32_t>(std::max(0, th.bulk_export_subjects));

  std::string_view key;
  ActorState& s = StateOf(e.actor_id, &key);
  if (s.has_events && e.time < s.watermark - th.allowed_lateness) {
    ++late_events_;
    if (bulk_one) {
      Fire(d, RuleId::kBehaviorBulkExport, 0, records, kBulkOneEvent,
           static_cast<std::uint32_t>(th.bulk_export_subjects));
    }
  } else {
    if (!s.dirty) {
      s.dirty = true;
      dirty_.push_back(key);
    }
    if (partition_ >= 0 && s.partition != partition_) {
      s.partition = partition_;
      s.moved = true;
    }
    Windows(e, d, s, exporting, bulk_one, records);
  }
  if (d->hit_count != hits_before) FinishVerdict(d);
}

void BehaviorDetector::OffHours(const AccessEvent& e, const Actor* actor, Decision* d) {
  if (!clock_ || !policy_->rule(RuleId::kBehaviorOffHours).enabled) return;
  if (actor == nullptr || !actor->working_minutes) return;
  const LocalTime local = clock_->ToLocal(e.time);
  bool all_week = false;
  for (Mask64 m = actor->roles; m != 0; m &= m - 1) {
    all_week = all_week ||
               policy_->roles()[static_cast<size_t>(std::countr_zero(m))].working_hours_all_week;
  }
  const auto [from, to] = *actor->working_minutes;
  const bool weekend = local.weekday >= 5;
  if ((weekend && !all_week) || local.minute_of_day < from || local.minute_of_day >= to) {
    Fire(d, RuleId::kBehaviorOffHours, 0, 0,
         static_cast<std::uint32_t>(local.weekday * 1440 + local.minute_of_day), 0);
  }
}

double BehaviorDetector::VolumeLimit(const ActorState& s) const {
  const Thresholds& th = policy_->thresholds();
  double limit = th.volume_floor;
  if (s.hours_seen >= static_cast<std::uint64_t>(std::max(0, th.volume_baseline_min_hours))) {
    limit = std::max(limit, th.volume_factor * s.baseline);
  }
  return limit;
}

void BehaviorDetector::CloseHour(ActorState& s) const {
  const TimeMicros window = Window(policy_->thresholds().volume_window);
  const TimeMicros last = (s.hour + 1) * kMicrosPerHour - 1;  // the hour's last microsecond
  s.volume.Expire(last - window);
  AddHourlyCount(s, ClampToU32(s.volume.Count(last - window)));
  ++s.hours_seen;
}

void BehaviorDetector::AddHourlyCount(ActorState& s, std::uint32_t count) {
  std::uint32_t* const sorted = s.sorted.data();
  std::uint32_t n = s.hourly_size;
  if (n == kBaselineHours) {
    // The ring is full: the oldest count leaves, from the ring and from the sorted copy.
    const std::uint32_t oldest = s.hourly[s.hourly_next];
    std::uint32_t* at = std::lower_bound(sorted, sorted + n, oldest);
    std::copy(at + 1, sorted + n, at);
    --n;
    s.hourly[s.hourly_next] = count;
    s.hourly_next = (s.hourly_next + 1) % kBaselineHours;
  } else {
    s.hourly[s.hourly_size++] = count;
  }
  std::uint32_t* at = std::upper_bound(sorted, sorted + n, count);
  std::copy_backward(at, sorted + n, sorted + n + 1);
  *at = count;
  s.baseline = MedianOfSorted(sorted, s.hourly_size);
}

bool BehaviorDetector::Unexplained(const AccessEvent& e, const Decision& d, std::uint32_t i) const {
  if (i < Decision::kUnexplainedMaskBits) return (d.unexplained_mask >> i & 1) != 0;
  // Beyond the mask: only when some subject there is unexplained, ask the decider again.
  if (d.unexplained_count == static_cast<std::uint32_t>(std::popcount(d.unexplained_mask))) {
    return false;
  }
  return !Decider(policy_, reference_).HasRelationship(e, i);
}

void BehaviorDetector::Windows(const AccessEvent& e, Decision* d, ActorState& s, bool exporting,
                               bool bulk_one, std::uint32_t records) {
  const Thresholds& th = policy_->thresholds();
  const TimeMicros t = s.has_events ? std::max(e.time, s.watermark) : e.time;
  const std::int64_t hour = FloorDiv(t, kMicrosPerHour);
  if (s.has_events && hour != s.hour) CloseHour(s);
  s.has_events = true;
  s.hour = hour;
  s.watermark = t;
  const auto n = static_cast<std::uint32_t>(e.subjects.size());

  // behavior.volume_spike: every subject of every action.
  {
    const TimeMicros window = Window(th.volume_window);
    const double limit = VolumeLimit(s);
    const auto limit_n = static_cast<std::uint32_t>(
        std::min(std::floor(limit), static_cast<double>(UINT32_MAX - 1)));
    if (const std::uint32_t cap = CapacityFor(limit_n); cap != s.volume.capacity()) {
      s.volume.SetCapacity(cap, window);
    }
    s.volume.Expire(t - window);
    std::uint32_t first_new = n;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (s.volume.Add(e.subjects[i], t, window) && first_new == n) first_new = i;
    }
    if (first_new < n) {
      // count > limit (a real) <=> count > floor(limit) for whole counts.
      const std::uint64_t count = s.volume.Count(t - window);
      if (count > limit_n) {
        Fire(d, RuleId::kBehaviorVolumeSpike, first_new, count, Estimated(s.volume), limit_n);
      }
    }
  }

  // behavior.browsing: subjects of view and search that nothing explains.
  {
    const TimeMicros window = Window(th.browsing_window);
    const auto limit = static_cast<std::uint32_t>(std::max(1, th.browsing_subjects));
    s.browsing.Expire(t - window);
    if (d->unexplained_count > 0) {
      if (const std::uint32_t cap = CapacityFor(limit); cap != s.browsing.capacity()) {
        s.browsing.SetCapacity(cap, window);
      }
      std::uint32_t first_new = n;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (!Unexplained(e, *d, i)) continue;
        if (s.browsing.Add(e.subjects[i], t, window) && first_new == n) first_new = i;
      }
      if (first_new < n) {
        const std::uint64_t count = s.browsing.Count(t - window);
        if (count >= limit) {
          Fire(d, RuleId::kBehaviorBrowsing, first_new, count, Estimated(s.browsing), limit);
        }
      }
    }
  }

  // behavior.bulk_export: one large export or print, or many subjects exported in the window.
  {
    const TimeMicros window = Window(th.bulk_export_window);
    const auto limit = static_cast<std::uint32_t>(std::max(0, th.bulk_export_subjects));
    s.bulk.Expire(t - window);
    if (exporting) {
      if (const std::uint32_t cap = CapacityFor(limit); cap != s.bulk.capacity()) {
        s.bulk.SetCapacity(cap, window);
      }
      std::uint32_t first_new = n;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (s.bulk.Add(e.subjects[i], t, window) && first_new == n) first_new = i;
      }
      const std::uint64_t count = s.bulk.Count(t - window);
      if (bulk_one) {
        Fire(d, RuleId::kBehaviorBulkExport, 0, records, kBulkOneEvent, limit);
      } else if (first_new < n && count > limit) {
        Fire(d, RuleId::kBehaviorBulkExport, first_new, count, kBulkWindow | Estimated(s.bulk),
             limit);
      }
    }
  }
}

void BehaviorDetector::ClearDirty() {
  for (std::string_view key : dirty_) {
    auto it = actors_.find(key);
    if (it != actors_.end()) {
      it->second.dirty = false;
      it->second.moved = false;
    }
  }
  dirty_.clear();
}

std::int32_t BehaviorDetector::PartitionOf(std::string_view actor, bool* moved) const {
  auto it = actors_.find(actor);
  if (moved != nullptr) *moved = it != actors_.end() && it->second.moved;
  return it == actors_.end() ? -1 : it->second.partition;
}

void BehaviorDetector::RestorePartition(std::string_view actor, std::int32_t partition) {
  auto it = actors_.find(actor);
  if (it != actors_.end()) it->second.partition = partition;
}

std::vector<std::string_view> BehaviorDetector::ActorsOf(std::int32_t partition) const {
  std::vector<std::string_view> ids;
  for (const auto& [id, state] : actors_) {
    if (state.partition == partition) ids.emplace_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

size_t BehaviorDetector::DropPartition(std::int32_t partition) {
  if (!dirty_.empty()) return 0;
  return std::erase_if(actors_,
                       [partition](const auto& kv) { return kv.second.partition == partition; });
}

std::vector<std::string_view> BehaviorDetector::ActorIds() const {
  std::vector<std::string_view> ids;
  ids.reserve(actors_.size());
  for (const auto& [id, state] : actors_) ids.emplace_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool BehaviorDetector::SerializeActorState(std::string_view actor, std::string* out) const {
  auto it = actors_.find(actor);
  if (it == actors_.end()) return false;
  const ActorState& s = it->second;
  out->clear();
  StateWriter w(out);
  w.U8(kStateFormatVersion);
  w.U8(s.has_events ? 1 : 0);
  w.Svarint(s.watermark);
  w.Svarint(s.hour);
  w.Varint(s.hours_seen);
  w.Varint(s.hourly_size);
  for (std::uint32_t i = 0; i < s.hourly_size; ++i) {
    const std::uint32_t at =
        s.hourly_size < kBaselineHours ? i : (s.hourly_next + i) % kBaselineHours;
    w.Varint(s.hourly[at]);
  }
  s.volume.Serialize(&w, s.watermark);
  s.browsing.Serialize(&w, s.watermark);
  s.bulk.Serialize(&w, s.watermark);
  return true;
}

Status BehaviorDetector::RestoreActorState(std::string_view actor, std::string_view bytes) {
  std::string_view key;
  ActorState& s = StateOf(actor, &key);
  ActorState fresh;
  fresh.dirty = s.dirty;  // keep the dirty list consistent
  fresh.partition = s.partition;
  StateReader r(bytes);
  const std::uint8_t version = r.U8();
  if (r.ok() && version != kStateFormatVersion) {
    s = std::move(fresh);
    return Status::Corruption("actor state of " + std::string(actor) + ": unknown format version " +
                              std::to_string(version));
  }
  const std::uint8_t flags = r.U8();
  if (flags > 1) r.Fail();
  fresh.has_events = (flags & 1) != 0;
  fresh.watermark = r.Svarint();
  fresh.hour = r.Svarint();
  if (fresh.has_events && fresh.hour != FloorDiv(fresh.watermark, kMicrosPerHour)) r.Fail();
  fresh.hours_seen = r.Varint();
  const std::uint64_t hours = r.Varint();
  if (hours > kBaselineHours || hours > fresh.hours_seen) r.Fail();
  // Written oldest first: re-adding them in order rebuilds the ring (restarting at slot 0), the
  // sorted copy and the median exactly as they were.
  for (std::uint64_t i = 0; i < hours && r.ok(); ++i) {
    const std::uint64_t v = r.Varint();
    if (v > UINT32_MAX) r.Fail();
    AddHourlyCount(fresh, static_cast<std::uint32_t>(v));
  }
  const bool windows_ok = r.ok() && fresh.volume.Restore(&r, fresh.watermark) &&
                          fresh.browsing.Restore(&r, fresh.watermark) &&
                          fresh.bulk.Restore(&r, fresh.watermark);
  if (!windows_ok || !r.AtEnd()) {
    ActorState empty;
    empty.dirty = s.dirty;
    s = std::move(empty);
    return Status::Corruption("actor state of " + std::string(actor) + ": malformed record (" +
                              std::to_string(bytes.size()) + " bytes)");
  }
  s = std::move(fresh);
  return Status::Ok();
}

size_t BehaviorDetector::MemoryOf(const ActorState& s) {
  return sizeof(ActorState) + s.volume.MemoryBytes() + s.browsing.MemoryBytes() +
         s.bulk.MemoryBytes();
}

std::optional<BehaviorDetector::ActorStats> BehaviorDetector::Stats(std::string_view actor) const {
  auto it = actors_.find(actor);
  if (it == actors_.end()) return std::nullopt;
  const ActorState& s = it->second;
  ActorStats stats;
  stats.watermark = s.watermark;
  stats.hours_seen = s.hours_seen;
  const Thresholds& th = policy_->thresholds();
  if (s.hours_seen >= static_cast<std::uint64_t>(std::max(0, th.volume_baseline_min_hours))) {
    stats.baseline = s.baseline;
  }
  stats.volume_limit = static_cast<std::uint32_t>(std::floor(VolumeLimit(s)));
  stats.volume_exact = s.volume.exact();
  stats.memory_bytes = MemoryOf(s) + it->first.capacity();
  return stats;
}

}  // namespace inzage
