// Retention of access history: how long each activity's entries are kept (RetentionTable, from
// the register of processing activities in the policy), and the compaction filter that drops
// expired entries from both history column families.
//
// An entry expires a whole segment at a time: the activity's retention counted from the end of
// the event's UTC day, so every entry of one (activity, day) segment of the integrity chain
// expires at once and Verify can skip the segment (integrity_chain.h). Queries hide expired
// entries before compaction removes them; periodic compaction (rocksdb_options.cc) makes the
// filter visit cold files. The table the writer used is kept in meta ("retention"), so tools
// without the policy (verify) apply the same one.
//
// Ownership: the Store owns the filter factory; RocksDB shares it and asks it for a filter at
// every compaction of a history column family. Thread safety: RetentionTable is a value;
// RetentionFilterFactory may be used from any thread (Set swaps the table under a lock).
#pragma once

#include <rocksdb/compaction_filter.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/string_map.h"
#include "common/time.h"
#include "policy/policy.h"

namespace inzage {

class SharedDictionary;

// Activity id -> retention of its access history; unknown activities get `fallback`.
struct RetentionTable {
  StringMap<IsoDuration> by_activity;
  IsoDuration fallback;  // the longest retention in the register: never drop too early

  static RetentionTable FromPolicy(const Policy& policy);
  // Text form kept in the store's meta, so tools without the policy (verify) apply the same
  // retention the writer did.
  [[nodiscard]] std::string Encode() const;
  static bool Decode(std::string_view text, RetentionTable* out);
  [[nodiscard]] bool empty() const { return by_activity.empty(); }
  [[nodiscard]] TimeMicros ExpiryOf(std::string_view activity, TimeMicros event_time) const;
};

// Gives every compaction of a history column family a filter that drops expired entries, with
// the retention table and the clock of the moment it starts. Also the store's one source of
// "now" and of the current table for queries and Verify, so all three agree on what expired.
class RetentionFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  RetentionFilterFactory(RetentionTable table, std::function<TimeMicros()> now,
                         std::shared_ptr<SharedDictionary> dictionary);
  // history_subject keys start with a pseudonym, history_actor keys with an actor id.
  void SetSubjectColumnFamilyId(std::uint32_t id) { subject_cf_id_ = id; }

  void Set(RetentionTable table);
  [[nodiscard]] std::shared_ptr<const RetentionTable> Get() const;
  [[nodiscard]] TimeMicros Now() const { return now_(); }

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "inzage.RetentionFilterFactory"; }

 private:
  mutable Mutex mu_;
  std::shared_ptr<const RetentionTable> table_ GUARDED_BY(mu_);
  const std::function<TimeMicros()> now_;
  const std::shared_ptr<SharedDictionary> dictionary_;
  std::atomic<std::uint32_t> subject_cf_id_{UINT32_MAX};
};

}  // namespace inzage
