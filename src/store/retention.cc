#include "store/retention.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "store/dictionary.h"
#include "store/history_record.h"
#include "store/keys.h"

namespace inzage {
namespace {

class RetentionFilter : public rocksdb::CompactionFilter {
 public:
  RetentionFilter(std::shared_ptr<const RetentionTable> table,
                  std::shared_ptr<const StringTable> dictionary, TimeMicros now, bool subject_keys)
      : table_(std::move(table)),
        dictionary_(std::move(dictionary)),
        now_(now),
        subject_keys_(subject_keys) {}
  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    std::uint64_t seq = 0;
    std::string_view activity;
    const std::string_view suffix =
        keys::HistoryKeySuffix(std::string_view(key.data(), key.size()), subject_keys_);
    if (suffix.empty() || !HistoryRecord::PeekHeader(std::string_view(value.data(), value.size()),
                                                     &seq, &activity, dictionary_.get())) {
      return false;  // never drop what we cannot read: verify will report it
    }
    return now_ >= table_->ExpiryOf(activity, keys::GetTime(suffix));
  }
  const char* Name() const override { return "inzage.RetentionFilter"; }

 private:
  std::shared_ptr<const RetentionTable> table_;
  std::shared_ptr<const StringTable> dictionary_;
  TimeMicros now_;
  bool subject_keys_;
};

}  // namespace

RetentionTable RetentionTable::FromPolicy(const Policy& policy) {
  RetentionTable t;
  for (const auto& [id, activity] : policy.activities()) {
    t.by_activity.emplace(id, activity.retention);
    if (activity.retention.ApproxMicros() > t.fallback.ApproxMicros()) {
      t.fallback = activity.retention;
    }
  }
  return t;
}

std::string RetentionTable::Encode() const {
  std::string out;
  auto line = [&out](std::string_view id, const IsoDuration& d) {
    out.append(id);
    out += '\t' + std::to_string(d.years) + '\t' + std::to_string(d.months) + '\t' +
           std::to_string(d.fixed_micros) + '\n';
  };
  line("*", fallback);
  std::vector<std::string_view> ids;
  for (const auto& [id, d] : by_activity) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids) line(id, by_activity.find(id)->second);
  return out;
}

bool RetentionTable::Decode(std::string_view text, RetentionTable* out) {
  *out = RetentionTable{};
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return false;
    std::string line(text.substr(0, nl));
    text.remove_prefix(nl + 1);
    char id[256];
    int years = 0, months = 0;
    long long fixed = 0;
    if (std::sscanf(line.c_str(), "%255[^\t]\t%d\t%d\t%lld", id, &years, &months, &fixed) != 4) {
      return false;
    }
    const IsoDuration d{years, months, fixed};
    if (std::string_view(id) == "*") {
      out->fallback = d;
    } else {
      out->by_activity.emplace(id, d);
    }
  }
  return true;
}

TimeMicros RetentionTable::ExpiryOf(std::string_view activity, TimeMicros event_time) const {
  auto it = by_activity.find(activity);
  const IsoDuration& d = it == by_activity.end() ? fallback : it->second;
  if (d.years == 0 && d.months == 0 && d.fixed_micros == 0) return INT64_MAX;  // none configured
  const TimeMicros day_end = (UtcDay(event_time) + 1) * kMicrosPerDay;
  return d.AddTo(day_end);
}

RetentionFilterFactory::RetentionFilterFactory(RetentionTable table,
                                               std::function<TimeMicros()> now,
                                               std::shared_ptr<SharedDictionary> dictionary)
    : table_(std::make_shared<const RetentionTable>(std::move(table))),
      now_(std::move(now)),
      dictionary_(std::move(dictionary)) {}

void RetentionFilterFactory::Set(RetentionTable table) {
  MutexLock lock(&mu_);
  table_ = std::make_shared<const RetentionTable>(std::move(table));
}

std::shared_ptr<const RetentionTable> RetentionFilterFactory::Get() const {
  MutexLock lock(&mu_);
  return table_;
}

std::unique_ptr<rocksdb::CompactionFilter> RetentionFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& context) {
  // Entries refer only to dictionary entries published before they were written, so a
  // snapshot taken now resolves every entry this compaction reads.
  return std::make_unique<RetentionFilter>(Get(), dictionary_->Get(), now_(),
                                           context.column_family_id == subject_cf_id_);
}

}  // namespace inzage
