// BehaviorDetector: the windowed behaviour rules of the catalogue (docs/rules.md,
// "Behaviour"), per actor, in event time: behavior.volume_spike, behavior.browsing,
// behavior.off_hours and behavior.bulk_export. It runs after Decider::Decide on the same
// Decision, adds its hits with the policy's switches and severities, and brings the verdict up
// to date (FinishVerdict) when it added any.
//
// Semantics (the choices where the policy is silent are marked "choice"):
// - Windows slide in event time: the window of an event holds the events of the last `window`
//   up to and including it, i.e. times in (t - window, t]. Per actor, times are made monotone:
//   an event at most `allowed_lateness` older than the actor's latest event time (the watermark)
//   counts as if it happened at the watermark (choice: it may stay in a window up to the
//   lateness too long, never too short); an older event is late: it is decided without the
//   windowed rules, changes no state and is counted in late_events(). off_hours and the
//   one-event part of bulk_export need no window and apply to late events too (choice).
// - volume_spike: distinct subjects of any action in the volume window exceed
//   max(floor, factor × baseline). The baseline is the median of the actor's hourly counts of
//   completed clock hours (UTC hours, which are Amsterdam's hours too) in which the actor was
//   active (choice: idle hours are not "seen"; the last kBaselineHours active hours are kept);
//   it applies once baseline_min_hours hours were seen. The hourly count is the window count
//   taken at the hour's last microsecond, which is that hour's distinct subjects for the default
//   1-hour window.
// - browsing: distinct subjects that nothing explains (Decision::unexplained_mask, filled by
//   the decider for view and search) in the browsing window reach N.
// - bulk_export: an export or print whose record_count (else its number of subjects) exceeds
//   N, or distinct subjects of exports and prints in the bulk window exceeding N.
// - Firing: a window rule fires on the event that takes its count over the limit and then on
//   every event that adds a subject new to that window while the count stays over it; events
//   that only repeat known subjects do not fire again (incidents aggregate the rest). The hit
//   carries the count (subject_count) and the limit; kWindowDetailEstimated marks a count that
//   is an estimate.
// - off_hours: the event's local time in Europe/Amsterdam is outside the actor's working_hours
//   ([from, to), minute resolution), or on a Saturday or Sunday unless a role of the actor has
//   working_hours_all_week. An actor without working_hours (and a processor) is never
//   off-hours. A citizen reading their own history is never looked at by these rules, nor is an
//   actor the reference data does not know (choice: auth.unknown_actor already fires on each of
//   its events, and invented actor ids must not create state).
// Counting is exact up to each rule's limit and bounded beyond (sliding_distinct.h documents
// the approximation), so memory per actor is bounded whatever the number of subjects.
//
// State: per actor, created on first sight. SerializeActorState/RestoreActorState give a
// compact, versioned binary record (below) without any BSN (pseudonyms only) for the store's
// `state` column family; dirty_actors() lists the actors changed since ClearDirty(), so the
// store can write them in the same batch as the events. Restoring and continuing gives the same
// decisions as an uninterrupted run.
//
// Ownership: borrows the Policy and ReferenceData (they must outlive the detector and not change
// during Observe). Thread safety: none; one detector per consumer thread (events are keyed by
// actor, so an actor's state lives in one place). Observe does not allocate once an actor's
// state has grown to its working size.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "detect/local_clock.h"
#include "detect/sliding_distinct.h"
#include "event/access_event.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "policy/reference_data.h"

namespace inzage {

class BehaviorDetector {
 public:
  // Active hours whose counts form the baseline: about four working weeks of 40 hours.
  static constexpr std::uint32_t kBaselineHours = 160;
  // Exact subjects per window: the rule's limit + 1, within these bounds. The exact set grows
  // only as far as an actor's window needs, so the generous minimum costs a light actor nothing;
  // it keeps estimates (which depend on the pseudonym key, hyperloglog.h) out of the decisions of
  // all but actors with more than a thousand subjects in a window.
  static constexpr std::uint32_t kMinExactCapacity = 1024;
  static constexpr std::uint32_t kMaxExactCapacity = 4096;
  // RuleHit::detail of behavior.bulk_export (plus kWindowDetailEstimated on any window rule).
  static constexpr std::uint32_t kBulkOneEvent = 0;
  static constexpr std::uint32_t kBulkWindow = kWindowDetailBulkWindow;
  // First byte of a serialized actor state.
  static constexpr std::uint8_t kStateFormatVersion = 1;

  BehaviorDetector(const Policy* policy, const ReferenceData* reference);
  // A reloaded policy: settings and thresholds apply from the next event; the windows keep
  // what they hold. The policy must outlive the detector or the next SetPolicy.
  void SetPolicy(const Policy* policy) { policy_ = policy; }
  BehaviorDetector(const BehaviorDetector&) = delete;
  BehaviorDetector& operator=(const BehaviorDetector&) = delete;
  BehaviorDetector(BehaviorDetector&&) = delete;  // dirty_actors() views its own map
  BehaviorDetector& operator=(BehaviorDetector&&) = delete;
  ~BehaviorDetector();

  // OK, or why off-hours cannot be evaluated (no time zone database); check after construction.
  [[nodiscard]] const Status& status() const { return status_; }

  // Applies the windowed rules to a decided event (Decider::Decide on the same event first) and
  // updates the actor's state. Events of one actor must come in consumption order. An invalid
  // decision is left alone.
  void Observe(const AccessEvent& event, Decision* decision);

  // Events decided without the windowed rules because they were too late (a metric).
  [[nodiscard]] std::uint64_t late_events() const { return late_events_; }
  [[nodiscard]] size_t actor_count() const { return actors_.size(); }

  // Actors whose state changed since the last ClearDirty(), in order of first change. The views
  // stay valid while the detector lives.
  [[nodiscard]] std::span<const std::string_view> dirty_actors() const { return dirty_; }
  void ClearDirty();
  // Every actor with state, sorted (for full snapshots).
  [[nodiscard]] std::vector<std::string_view> ActorIds() const;

  // The input partition whose events Observe gets next (-1: none, an access the daemon made
  // itself). Each actor remembers the partition of its latest event: its state belongs to that
  // partition and follows it to another instance (ingest/state_changelog.h).
  void set_partition(std::int32_t partition) { partition_ = partition; }
  // The actor's partition (-1: none known); `moved` says whether it changed since ClearDirty.
  [[nodiscard]] std::int32_t PartitionOf(std::string_view actor, bool* moved = nullptr) const;
  // Sets an actor's partition as restored (not marked as moved); creates no state.
  void RestorePartition(std::string_view actor, std::int32_t partition);
  // The actors whose latest event came from `partition`, sorted.
  [[nodiscard]] std::vector<std::string_view> ActorsOf(std::int32_t partition) const;
  // Drops the state of the actors of `partition` (it moved to another instance, or is restored
  // from the changelog). Only with no dirty actors (after ClearDirty): the dirty list views
  // the map's keys. Returns how many were dropped.
  size_t DropPartition(std::int32_t partition);

  // Actor state record, all integers varints (state_codec.h), times relative to the watermark:
  //   u8 version (kStateFormatVersion)
  //   u8 flags (bit 0: the actor has accepted events)
  //   svarint watermark (latest event time, UTC µs)
  //   svarint hour (UTC hour number of the watermark)
  //   varint hours_seen, varint n, n × varint hourly count (oldest first, n <= kBaselineHours)
  //   3 × SlidingDistinct (volume, browsing, bulk export; sliding_distinct.h)
  // False when the actor has no state.
  [[nodiscard]] bool SerializeActorState(std::string_view actor, std::string* out) const;
  // Replaces the actor's state by a serialized one (not marked dirty). Corruption when the
  // record is malformed or of an unknown version; the actor's state is then left empty.
  [[nodiscard]] Status RestoreActorState(std::string_view actor, std::string_view bytes);

  // What the detector knows about an actor (tests, investigations, metrics).
  struct ActorStats {
    TimeMicros watermark = 0;
    std::uint64_t hours_seen = 0;
    std::optional<double> baseline;  // once baseline_min_hours hours were seen
    std::uint32_t volume_limit = 0;  // the current volume_spike limit
    bool volume_exact = true;        // the volume count is exact (no overflow)
    size_t memory_bytes = 0;         // heap and inline bytes of the actor's state
  };
  [[nodiscard]] std::optional<ActorStats> Stats(std::string_view actor) const;

 private:
  struct ActorState {
    bool has_events = false;
    bool dirty = false;
    bool moved = false;           // partition changed since ClearDirty
    std::int32_t partition = -1;  // of the latest event (set_partition)
    TimeMicros watermark = 0;     // latest accepted event time (made monotone)
    std::int64_t hour = 0;        // UTC hour number of the watermark
    std::uint64_t hours_seen = 0;
    // Counts of the last kBaselineHours active hours, a ring; `hourly_next` is the oldest once
    // the ring is full.
    std::array<std::uint32_t, kBaselineHours> hourly{};
    std::uint32_t hourly_size = 0;
    std::uint32_t hourly_next = 0;
    // The same counts kept sorted, so that the median costs nothing and an update is a small
    // memmove (sorting 160 counts at every completed hour was a third of the detector's cost).
    std::array<std::uint32_t, kBaselineHours> sorted{};
    double baseline = 0;  // median of `hourly`
    SlidingDistinct volume;
    SlidingDistinct browsing;
    SlidingDistinct bulk;
  };

  ActorState& StateOf(std::string_view actor, std::string_view* key);
  void OffHours(const AccessEvent& e, const Actor* actor, Decision* d);
  void Windows(const AccessEvent& e, Decision* d, ActorState& s, bool exporting, bool bulk_one,
               std::uint32_t records);
  void CloseHour(ActorState& s) const;
  static void AddHourlyCount(ActorState& s, std::uint32_t count);
  [[nodiscard]] double VolumeLimit(const ActorState& s) const;
  [[nodiscard]] bool Unexplained(const AccessEvent& e, const Decision& d, std::uint32_t i) const;
  void Fire(Decision* d, RuleId id, std::uint32_t first_subject, std::uint64_t count,
            std::uint32_t detail, std::uint32_t limit) const;
  static size_t MemoryOf(const ActorState& s);

  const Policy* policy_;
  const ReferenceData* reference_;
  std::optional<LocalClock> clock_;
  Status status_;
  StringMap<ActorState> actors_;
  std::vector<std::string_view> dirty_;
  std::int32_t partition_ = -1;
  std::uint64_t late_events_ = 0;
};

}  // namespace inzage
