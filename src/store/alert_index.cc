// The alert index (store/alert_index.h): its encodings, Commit's phase that keeps it, the
// counts kept in memory, the list's walk over it, and its rebuild for stores that predate it.
#include "store/alert_index.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <queue>
#include <unordered_map>

#include "store/commit_phases.h"
#include "store/keys.h"
#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {
namespace alert_index {
namespace {

void PutShortString(std::string* out, std::string_view s) {
  const size_t n = std::min<size_t>(s.size(), 0xffff);
  out->push_back(static_cast<char>(n >> 8));
  out->push_back(static_cast<char>(n & 0xff));
  out->append(s.substr(0, n));
}

bool GetShortString(std::string_view* in, std::string_view* s) {
  if (in->size() < 2) return false;
  const size_t n = (static_cast<size_t>(static_cast<unsigned char>((*in)[0])) << 8) |
                   static_cast<unsigned char>((*in)[1]);
  if (in->size() < 2 + n) return false;
  *s = in->substr(2, n);
  in->remove_prefix(2 + n);
  return true;
}

}  // namespace

std::string EntryPrefix(std::uint8_t status, std::uint8_t severity) {
  std::string k;
  k.push_back(kEntry);
  k.push_back(static_cast<char>(status));
  k.push_back(static_cast<char>(severity));
  return k;
}

std::string EntryKey(std::uint8_t status, std::uint8_t severity, TimeMicros deadline,
                     std::string_view id) {
  std::string k = EntryPrefix(status, severity);
  keys::PutTime(&k, deadline);
  k.append(id);
  return k;
}

std::string EntryValue(const AlertIndexFields& f) {
  std::string v;
  v.push_back(static_cast<char>(f.rule));
  PutShortString(&v, f.municipality);
  PutShortString(&v, f.department);
  return v;
}

bool ParseEntryValue(std::string_view value, std::uint8_t* rule, std::string_view* municipality,
                     std::string_view* department) {
  if (value.empty()) return false;
  *rule = static_cast<std::uint8_t>(value[0]);
  value.remove_prefix(1);
  return GetShortString(&value, municipality) && GetShortString(&value, department) &&
         value.empty();
}

bool ParseEntryKey(std::string_view key, TimeMicros* deadline, std::string_view* id) {
  if (key.size() < 3 + 8) return false;
  *deadline = keys::GetTime(key.substr(3));
  *id = key.substr(3 + 8);
  return true;
}

std::string RefKey(std::string_view id) {
  std::string k;
  k.push_back(kRef);
  k.append(id);
  return k;
}

std::string RefValue(const AlertIndexFields& f) {
  std::string v;
  v.push_back(static_cast<char>(f.status));
  v.push_back(static_cast<char>(f.severity));
  keys::PutTime(&v, f.deadline);
  v.push_back(f.aggregating ? 1 : 0);
  return v;
}

bool ParseRefValue(std::string_view value, AlertIndexFields* f) {
  if (value.size() != 11) return false;
  f->status = static_cast<std::uint8_t>(value[0]);
  f->severity = static_cast<std::uint8_t>(value[1]);
  f->deadline = keys::GetTime(value.substr(2));
  f->aggregating = value[10] != 0;
  return true;
}

std::string AggregatingKey(std::string_view id) {
  std::string k;
  k.push_back(kAggregating);
  k.append(id);
  return k;
}

std::string CountKey(std::uint8_t status, std::uint8_t severity, TimeMicros hour) {
  std::string k;
  k.push_back(kCount);
  k.push_back(static_cast<char>(status));
  k.push_back(static_cast<char>(severity));
  keys::PutTime(&k, hour);
  return k;
}

bool ParseCountKey(std::string_view key, std::uint8_t* status, std::uint8_t* severity,
                   TimeMicros* hour) {
  if (key.size() != 3 + 8 || key[0] != kCount) return false;
  *status = static_cast<std::uint8_t>(key[1]);
  *severity = static_cast<std::uint8_t>(key[2]);
  *hour = keys::GetTime(key.substr(3));
  return true;
}

}  // namespace alert_index

namespace {

std::string CountValue(std::uint64_t n) {
  std::string v(8, '\0');
  std::memcpy(v.data(), &n, 8);
  return v;
}

// The list's order (alert_index.h): deadline, then severity descending, then id.
bool ListBefore(TimeMicros d1, std::uint8_t s1, std::string_view id1, TimeMicros d2,
                std::uint8_t s2, std::string_view id2) {
  if (d1 != d2) return d1 < d2;
  if (s1 != s2) return s1 > s2;
  return id1 < id2;
}

}  // namespace

// For each alert row: where the index had it (its ref), where it goes now; moves the entry, the
// ref and the aggregating mark, and the counts of both places. Rows repeated within the batch
// move from where the earlier one put them.
Status Store::WriteAlertIndex(const CommitBatch& batch, CommitWork* work, rocksdb::WriteBatch* wb) {
  if (batch.alerts.empty()) return Status::Ok();
  rocksdb::ColumnFamilyHandle* cf = cfs_.at("alert_index");
  std::unordered_map<std::string_view, AlertIndexFields> in_batch;
  auto& counts = work->alert_counts;
  const auto count_of = [&](const AlertCountKey& key) -> std::uint64_t& {
    auto it = counts.find(key);
    if (it == counts.end()) {
      std::uint64_t now = 0;
      {
        MutexLock lock(&alert_counts_mu_);
        const auto kept = alert_counts_.find(key);
        if (kept != alert_counts_.end()) now = kept->second;
      }
      it = counts.emplace(key, now).first;
    }
    return it->second;
  };
  std::string ref_value;
  for (const AlertRow& row : batch.alerts) {
    const AlertIndexFields& to = row.index;
    std::optional<AlertIndexFields> from;
    if (auto it = in_batch.find(row.id); it != in_batch.end()) {
      from = it->second;
    } else {
      rocksdb::Status s =
          db_->Get(rocksdb::ReadOptions(), cf, alert_index::RefKey(row.id), &ref_value);
      if (s.ok()) {
        AlertIndexFields f;
        if (!alert_index::ParseRefValue(ref_value, &f)) {
          return Status::Corruption("alert index: malformed entry of alert " + row.id);
        }
        from = f;
      } else if (!s.IsNotFound()) {
        return FromRocks(s, "read alert index");
      }
    }
    const bool moved = !from || from->status != to.status || from->severity != to.severity ||
                       from->deadline != to.deadline;
    if (from && moved) {
      wb->Delete(cf, alert_index::EntryKey(from->status, from->severity, from->deadline, row.id));
      std::uint64_t& n =
          count_of({from->status, from->severity, alert_index::HourOf(from->deadline)});
      n -= std::min<std::uint64_t>(n, 1);
    }
    if (moved) {
      ++count_of({to.status, to.severity, alert_index::HourOf(to.deadline)});
    }
    // The entry's value (rule, municipality, department) is written every time: cheap, and it
    // keeps the entry right whatever changed.
    wb->Put(cf, alert_index::EntryKey(to.status, to.severity, to.deadline, row.id),
            alert_index::EntryValue(to));
    wb->Put(cf, alert_index::RefKey(row.id), alert_index::RefValue(to));
    if (to.aggregating) {
      wb->Put(cf, alert_index::AggregatingKey(row.id), rocksdb::Slice());
    } else if (!from || from->aggregating) {
      wb->Delete(cf, alert_index::AggregatingKey(row.id));
    }
    in_batch[row.id] = to;
  }
  for (const auto& [key, n] : counts) {
    const std::string k =
        alert_index::CountKey(std::get<0>(key), std::get<1>(key), std::get<2>(key));
    if (n == 0) {
      wb->Delete(cf, k);
    } else {
      wb->Put(cf, k, CountValue(n));
    }
  }
  return Status::Ok();
}

Status Store::LoadAlertCounts() {
  auto it_cf = cfs_.find("alert_index");
  if (it_cf == cfs_.end()) return Status::Ok();  // read-only, over a store from before the index
  std::string marker;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_.at("meta"),
                               std::string(alert_index::kCompleteMetaKey), &marker);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read alert index marker");
  bool complete = s.ok();
  if (s.IsNotFound()) {
    // A new store (no alerts yet) starts complete; an older one waits for RebuildAlertIndex.
    std::unique_ptr<rocksdb::Iterator> alerts(
        db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("alerts")));
    alerts->SeekToFirst();
    if (!alerts->status().ok()) return FromRocks(alerts->status(), "read alerts");
    if (!alerts->Valid() && !options_.read_only) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      s = db_->Put(wo, cfs_.at("meta"), std::string(alert_index::kCompleteMetaKey), "1");
      if (!s.ok()) return FromRocks(s, "mark alert index complete");
      complete = true;
    }
  }
  std::map<AlertCountKey, std::uint64_t> counts;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), it_cf->second));
  const std::string prefix(1, alert_index::kCount);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::uint8_t status = 0;
    std::uint8_t severity = 0;
    TimeMicros hour = 0;
    if (!alert_index::ParseCountKey(std::string_view(it->key().data(), it->key().size()), &status,
                                    &severity, &hour) ||
        it->value().size() != 8) {
      return Status::Corruption("alert index: malformed count");
    }
    std::uint64_t n = 0;
    std::memcpy(&n, it->value().data(), 8);
    counts[{status, severity, hour}] = n;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read alert counts");
  MutexLock lock(&alert_counts_mu_);
  SetAlertCounts(std::move(counts));
  alert_index_complete_ = complete;
  return Status::Ok();
}

std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t> Store::AlertCounts() const {
  std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t> out;
  MutexLock lock(&alert_counts_mu_);
  out = alert_totals_;
  return out;
}

Result<std::uint64_t> Store::CountAlertsDeadlineBefore(const std::vector<std::uint8_t>& statuses,
                                                       TimeMicros before) const {
  const TimeMicros boundary = alert_index::HourOf(before);
  std::uint64_t total = 0;
  std::vector<std::pair<std::uint8_t, std::uint8_t>> boundary_prefixes;
  {
    MutexLock lock(&alert_counts_mu_);
    for (const auto& [key, n] : alert_counts_) {
      const auto [status, severity, hour] = key;
      if (std::find(statuses.begin(), statuses.end(), status) == statuses.end()) continue;
      if (hour < boundary) {
        total += n;
      } else if (hour == boundary) {
        boundary_prefixes.emplace_back(status, severity);
      }
    }
  }
  auto cf = cfs_.find("alert_index");
  if (cf == cfs_.end()) return total;
  // The hour `before` falls in: its entries up to `before`, at most one hour's worth.
  for (const auto& [status, severity] : boundary_prefixes) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf->second));
    const std::string prefix = alert_index::EntryPrefix(status, severity);
    std::string from = prefix;
    keys::PutTime(&from, boundary);
    for (it->Seek(from); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      TimeMicros deadline = 0;
      std::string_view id;
      if (!alert_index::ParseEntryKey(std::string_view(it->key().data(), it->key().size()),
                                      &deadline, &id) ||
          deadline >= before) {
        break;
      }
      ++total;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "read alert index");
  }
  return total;
}

Result<AlertListPage> Store::ListAlerts(const AlertListFilter& filter, size_t limit,
                                        const std::optional<AlertListPosition>& after,
                                        size_t budget) const {
  AlertListPage page;
  auto cf = cfs_.find("alert_index");
  if (cf == cfs_.end() || limit == 0) return page;
  // One iterator per (status, severity) the filter allows, all at one snapshot, merged in list
  // order: at most statuses x severities of them, each positioned once.
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  struct Source {
    std::unique_ptr<rocksdb::Iterator> it;
    std::string prefix;
    std::uint8_t severity = 0;
    TimeMicros deadline = 0;
    std::string_view id;
  };
  std::vector<Source> sources;
  const auto load = [](Source& s) {
    if (!s.it->Valid() || !s.it->key().starts_with(s.prefix)) return false;
    return alert_index::ParseEntryKey(std::string_view(s.it->key().data(), s.it->key().size()),
                                      &s.deadline, &s.id);
  };
  std::vector<std::pair<std::uint8_t, std::uint8_t>> present;
  {
    // Only the (status, severity) pairs that hold alerts, by the counts: no iterator is
    // positioned on an empty range.
    MutexLock lock(&alert_counts_mu_);
    for (const auto& [pair, n] : alert_totals_) {
      if (filter.status && *filter.status != pair.first) continue;
      if (filter.severity && *filter.severity != pair.second) continue;
      present.push_back(pair);
    }
  }
  for (const auto& [status, severity] : present) {
    Source s;
    s.prefix = alert_index::EntryPrefix(static_cast<std::uint8_t>(status),
                                        static_cast<std::uint8_t>(severity));
    s.severity = static_cast<std::uint8_t>(severity);
    s.it.reset(db_->NewIterator(ro, cf->second));
    std::string target = s.prefix;
    if (after) {
      // Entries after the position in list order: of a higher severity (listed first at one
      // deadline) those with a later deadline; of the same, a later (deadline, id); of a
      // lower, those at the same deadline or later.
      if (severity > after->severity) {
        keys::PutTime(&target,
                      after->deadline == INT64_MAX ? after->deadline : after->deadline + 1);
      } else {
        keys::PutTime(&target, after->deadline);
        if (severity == after->severity) target.append(after->id);
      }
    }
    s.it->Seek(target);
    if (after && severity == after->severity && s.it->Valid() && s.it->key() == target) {
      s.it->Next();
    }
    sources.push_back(std::move(s));
  }
  const auto later = [&sources](size_t a, size_t b) {
    const Source& x = sources[a];
    const Source& y = sources[b];
    return ListBefore(y.deadline, y.severity, y.id, x.deadline, x.severity, x.id);
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  Status error = Status::Ok();
  for (size_t i = 0; i < sources.size(); ++i) {
    if (load(sources[i])) {
      heap.push(i);
    } else if (!sources[i].it->status().ok()) {
      error = FromRocks(sources[i].it->status(), "read alert index");
    }
  }
  std::optional<AlertListPosition> last;
  while (error.ok() && !heap.empty()) {
    if (page.ids.size() == limit) {
      page.next = last;  // more follow (they may not match the filters)
      break;
    }
    if (page.scanned == budget) {
      page.next = last;
      page.budget_exhausted = true;
      break;
    }
    const size_t i = heap.top();
    heap.pop();
    Source& s = sources[i];
    ++page.scanned;
    last = AlertListPosition{s.deadline, s.severity, std::string(s.id)};
    std::uint8_t rule = 0;
    std::string_view municipality;
    std::string_view department;
    const rocksdb::Slice v = s.it->value();
    if (alert_index::ParseEntryValue(std::string_view(v.data(), v.size()), &rule, &municipality,
                                     &department) &&
        (!filter.rule || *filter.rule == rule) &&
        (!filter.municipality || *filter.municipality == municipality) &&
        (!filter.department || *filter.department == department)) {
      page.ids.emplace_back(s.id);
    }
    s.it->Next();
    if (load(s)) {
      heap.push(i);
    } else if (!s.it->status().ok()) {
      error = FromRocks(s.it->status(), "read alert index");
    }
  }
  sources.clear();  // the iterators go before their snapshot
  db_->ReleaseSnapshot(snapshot);
  if (!error.ok()) return error;
  return page;
}

Result<std::vector<std::string>> Store::AggregatingAlertIds() const {
  std::vector<std::string> ids;
  auto cf = cfs_.find("alert_index");
  if (cf == cfs_.end()) return ids;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf->second));
  const std::string prefix(1, alert_index::kAggregating);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ids.emplace_back(it->key().data() + 1, it->key().size() - 1);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read alert index");
  return ids;
}

Status Store::RebuildAlertIndex(const AlertFieldsOf& fields_of) {
  MutexLock lock(&commit_mu_);
  if (Status st = CheckWritable(); !st.ok()) return st;
  rocksdb::ColumnFamilyHandle* cf = cfs_.at("alert_index");
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  // Whatever an interrupted rebuild left goes first; the marker is written last.
  rocksdb::Status s = db_->DeleteRange(wo, cf, std::string(1, '\0'), std::string(1, '\xff'));
  if (!s.ok()) return FromRocks(s, "clear alert index");
  std::map<AlertCountKey, std::uint64_t> counts;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("alerts")));
  rocksdb::WriteBatch wb;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view id(it->key().data(), it->key().size());
    const auto f = fields_of(id, std::string_view(it->value().data(), it->value().size()));
    if (!f) continue;
    wb.Put(cf, alert_index::EntryKey(f->status, f->severity, f->deadline, id),
           alert_index::EntryValue(*f));
    wb.Put(cf, alert_index::RefKey(id), alert_index::RefValue(*f));
    if (f->aggregating) wb.Put(cf, alert_index::AggregatingKey(id), rocksdb::Slice());
    ++counts[{f->status, f->severity, alert_index::HourOf(f->deadline)}];
    if (wb.GetDataSize() > (std::size_t{8} << 20)) {
      if (s = db_->Write(wo, &wb); !s.ok()) return FromRocks(s, "write alert index");
      wb.Clear();
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read alerts");
  for (const auto& [key, n] : counts) {
    wb.Put(cf, alert_index::CountKey(std::get<0>(key), std::get<1>(key), std::get<2>(key)),
           CountValue(n));
  }
  wb.Put(cfs_.at("meta"), std::string(alert_index::kCompleteMetaKey), "1");
  wo.sync = true;
  if (s = db_->Write(wo, &wb); !s.ok()) return FromRocks(s, "write alert index");
  MutexLock counts_lock(&alert_counts_mu_);
  SetAlertCounts(std::move(counts));
  alert_index_complete_ = true;
  return Status::Ok();
}

}  // namespace inzage
