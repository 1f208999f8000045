// Store's queries: a subject's history (history_subject, one entry per subject and event) and an
// actor's (history_actor, actor groups), newest first, a page at a time. A page ends with the
// cursor of its last entry (store/cursor.h) and the next one continues strictly below it.
// Neither returns expired entries, which compaction may not have removed yet (retention.h).
#include <rocksdb/db.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "store/cursor.h"
#include "store/dictionary.h"
#include "store/keys.h"
#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {
namespace {

// The key suffix below which a page continues: the cursor's position (strictly below it), or
// every key at or before `to`.
Result<std::string> PageBound(const std::string& cursor, TimeMicros to) {
  if (!cursor.empty()) {
    std::optional<PagePosition> position = ParseCursor(cursor);
    if (!position) return Status::InvalidArgument("cursor is not one this store handed out");
    return position->KeySuffix();
  }
  std::string bound;
  keys::PutTime(&bound, to);
  bound.append(256, '\xff');
  return bound;
}

bool Newer(const HistoryRecord& a, const HistoryRecord& b) {
  return a.time != b.time ? a.time > b.time : a.event_id > b.event_id;
}

// One page of an actor's history. An entry holds its first event's key; an actor group's later
// events sort after it, within the group span (history_record.h). So the entries are read newest
// first by their keys, a span's records gathered, and each span's records sorted before they
// are handed out.
class ActorPageBuilder {
 public:
  enum class Next { kMore, kPageFull, kDone };

  struct Window {
    TimeMicros from = 0;
    TimeMicros to = 0;
    std::string_view below;  // the page bound (PageBound)
    bool inclusive = false;  // whether `below` itself is on the page (no cursor)
    size_t limit = 0;
  };

  ActorPageBuilder(const std::string& actor, const Window& window, rocksdb::DB* db,
                   rocksdb::ColumnFamilyHandle* subject_cf, const RetentionTable& retention,
                   TimeMicros now, const StringTable& dictionary)
      : actor_(actor),
        window_(window),
        db_(db),
        subject_cf_(subject_cf),
        retention_(retention),
        now_(now),
        dictionary_(dictionary) {}

  // Takes the entry (key suffix after the actor prefix, value) that comes next, newest first.
  // kPageFull: the page is complete (page() holds it); kDone: no older entry can be on it.
  Result<Next> Add(std::string_view suffix, std::string_view value);
  // Hands out what is gathered; the page is then complete.
  Result<QueryPage> Finish();
  QueryPage& page() { return page_; }

 private:
  const std::string& SuffixOf(const HistoryRecord& r);
  bool OnPage(const HistoryRecord& r);
  void KeepNewest();
  Result<bool> HandOut();
  Status AddDetails(QueryEntry* entry) const;

  const std::string& actor_;
  const Window window_;
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const subject_cf_;
  const RetentionTable& retention_;
  const TimeMicros now_;
  const StringTable& dictionary_;
  QueryPage page_;
  std::vector<HistoryRecord> span_records_;
  std::string suffix_;  // SuffixOf's buffer
  TimeMicros span_ = 0;
  // The time of the oldest record kept after pruning this span (INT64_MIN: none pruned yet).
  TimeMicros oldest_kept_ = INT64_MIN;
};

Result<ActorPageBuilder::Next> ActorPageBuilder::Add(std::string_view suffix,
                                                     std::string_view value) {
  const TimeMicros start = HistoryRecord::GroupStart(keys::GetTime(suffix.substr(0, 8)));
  if (!span_records_.empty() && start != span_) {
    auto more = HandOut();
    if (!more.ok()) return more.status();
    if (!*more) return Next::kPageFull;
  }
  if (start != span_) oldest_kept_ = INT64_MIN;
  span_ = start;
  // Every event of this span and the ones before it is older than `from`.
  if (start + HistoryRecord::kGroupSpan <= window_.from) return Next::kDone;
  // Enough newer records are kept for the page: an entry whose newest event is older than
  // all of them cannot reach it (this keeps a page of a busy actor's day from decoding it all).
  TimeMicros entry_last = 0;
  if (oldest_kept_ != INT64_MIN && HistoryRecord::PeekLastTime(suffix, value, &entry_last) &&
      entry_last < oldest_kept_) {
    return Next::kMore;
  }
  const size_t before = span_records_.size();
  Status st = HistoryRecord::DecodeEntry(suffix, value, &span_records_, &dictionary_);
  if (!st.ok()) return st;
  span_records_.erase(
      std::remove_if(span_records_.begin() + static_cast<std::ptrdiff_t>(before),
                     span_records_.end(), [this](const HistoryRecord& r) { return !OnPage(r); }),
      span_records_.end());
  KeepNewest();
  return Next::kMore;
}

Result<QueryPage> ActorPageBuilder::Finish() {
  auto more = HandOut();
  if (!more.ok()) return more.status();
  return std::move(page_);
}

const std::string& ActorPageBuilder::SuffixOf(const HistoryRecord& r) {
  suffix_.clear();
  keys::PutTime(&suffix_, r.time);
  suffix_.append(r.event_id);
  return suffix_;
}

// In the period, below the bound, and not expired.
bool ActorPageBuilder::OnPage(const HistoryRecord& r) {
  const std::string& s = SuffixOf(r);
  return !(r.time < window_.from || r.time > window_.to ||
           (window_.inclusive ? std::string_view(s) > window_.below
                              : std::string_view(s) >= window_.below) ||
           now_ >= retention_.ExpiryOf(r.activity, r.time));
}

// A span may hold an actor's whole day: memory follows the page, not the day. Only the newest
// records that can still reach this page (and tell whether a next one exists) stay.
void ActorPageBuilder::KeepNewest() {
  const size_t room = window_.limit - page_.entries.size();  // at least 1 here
  if (room < SIZE_MAX / 4 && span_records_.size() > 2 * room + 66) {
    std::nth_element(span_records_.begin(),
                     span_records_.begin() + static_cast<std::ptrdiff_t>(room + 1),
                     span_records_.end(), Newer);
    span_records_.resize(room + 1);
    oldest_kept_ = INT64_MAX;
    for (const HistoryRecord& r : span_records_) oldest_kept_ = std::min(oldest_kept_, r.time);
  }
}

// Hands out the gathered records newest first; false once the page is full.
Result<bool> ActorPageBuilder::HandOut() {
  std::sort(span_records_.begin(), span_records_.end(), Newer);
  for (HistoryRecord& r : span_records_) {
    if (page_.entries.size() == window_.limit) {
      page_.next_cursor =
          CursorOf(page_.entries.back().record.time, page_.entries.back().record.event_id);
      return false;
    }
    QueryEntry& entry = page_.entries.emplace_back();
    entry.record = std::move(r);
    entry.record.actor = actor_;
    if (entry.record.subjects.empty()) continue;  // a full record of its own
    if (Status st = AddDetails(&entry); !st.ok()) return st;
  }
  span_records_.clear();
  return true;
}

// The actor's record is small; the details live in the first subject's entry.
Status ActorPageBuilder::AddDetails(QueryEntry* entry) const {
  std::string details;
  const std::string subject_key =
      keys::SubjectKey(entry->record.subjects[0], entry->record.time, entry->record.event_id);
  rocksdb::Status gs = db_->Get(rocksdb::ReadOptions(), subject_cf_, subject_key, &details);
  if (gs.IsNotFound()) return Status::Ok();
  if (!gs.ok()) return FromRocks(gs, "query actor details");
  HistoryRecord full;
  Status st = HistoryRecord::Decode(std::string_view(subject_key).substr(16), details, &full,
                                    nullptr, &dictionary_);
  if (!st.ok()) return st;
  full.subjects = std::move(entry->record.subjects);
  full.subject_count = entry->record.subject_count;
  entry->record = std::move(full);
  return Status::Ok();
}

}  // namespace

Result<QueryPage> Store::QuerySubject(const Pseudonym& subject, TimeMicros from, TimeMicros to,
                                      size_t limit, const std::string& cursor,
                                      const Visible& visible) const {
  if (limit == 0) return QueryPage{};
  const std::string prefix = keys::SubjectPrefix(subject);
  auto bound = PageBound(cursor, to);
  if (!bound.ok()) return bound.status();
  const std::string upper = prefix + *bound;
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_.at("history_subject")));
  it->SeekForPrev(upper);
  if (!cursor.empty() && it->Valid() && it->key() == rocksdb::Slice(upper)) it->Prev();
  const auto table = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();
  const auto dictionary = Dictionary();
  QueryPage page;
  for (; it->Valid(); it->Prev()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
    const TimeMicros t = keys::GetTime(key.substr(prefix.size(), 8));
    if (t < from) break;
    if (t > to) continue;
    QueryEntry entry;
    Status st = HistoryRecord::Decode(key.substr(prefix.size()),
                                      std::string_view(it->value().data(), it->value().size()),
                                      &entry.record, nullptr, dictionary.get());
    if (!st.ok()) return st;
    if (now >= table->ExpiryOf(entry.record.activity, entry.record.time)) continue;
    if (visible && !visible(entry.record)) continue;
    entry.subject = subject;
    if (page.entries.size() == limit) {
      page.next_cursor =
          CursorOf(page.entries.back().record.time, page.entries.back().record.event_id);
      break;
    }
    page.entries.push_back(std::move(entry));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "query");
  return page;
}

Result<QueryPage> Store::QueryActor(const std::string& actor, TimeMicros from, TimeMicros to,
                                    size_t limit, const std::string& cursor) const {
  if (actor.empty() || actor.size() > 255) return Status::InvalidArgument("bad actor id");
  if (limit == 0) return QueryPage{};
  const std::string prefix = keys::ActorPrefix(actor);
  auto bound = PageBound(cursor, to);
  if (!bound.ok()) return bound.status();
  const std::string upper = prefix + *bound;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("history_actor")));
  it->SeekForPrev(upper);
  // An entry at the cursor holds only events at or after it.
  if (!cursor.empty() && it->Valid() && it->key() == rocksdb::Slice(upper)) it->Prev();
  const auto table = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();
  const auto dictionary = Dictionary();
  ActorPageBuilder builder(actor, {from, to, *bound, cursor.empty(), limit}, db_.get(),
                           cfs_.at("history_subject"), *table, now, *dictionary);
  for (; it->Valid(); it->Prev()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
    auto next = builder.Add(key.substr(prefix.size()),
                            std::string_view(it->value().data(), it->value().size()));
    if (!next.ok()) return next.status();
    if (*next == ActorPageBuilder::Next::kPageFull) return std::move(builder.page());
    if (*next == ActorPageBuilder::Next::kDone) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "query");
  return builder.Finish();
}

}  // namespace inzage
