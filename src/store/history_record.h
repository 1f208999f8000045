// HistoryRecord: one access as the store keeps it — who (actor, role, department), on whose
// behalf (municipality), what (action, domain, information level, special categories, activity,
// case, recipient) and the verdict with the rule ids that fired. No BSN and no free text:
// subjects are pseudonyms (in the key of history_subject, in the value of history_actor), and
// explanations are rebuilt from rule ids when read.
//
// Three entry forms share one header, so retention and verification read any entry alike:
//   header:  u8 version (1 to 4) | u8 form (0 = subject entry, 1 = actor entry, 2 = actor
//            group, from version 4)
//            | varint batch sequence (ties the entry to its commit for `inzage verify`)
//            | activity (retention): str before version 3, ref from version 3
//   subject entry (history_subject; the full record):
//            u8 action | u8 info | u8 verdict | u8 recipient kind (0xff = none)
//            | varint categories | actor, role, department, municipality, domain, case_id,
//            recipient | u8 rule count, u8 rule id each | varint subject count (version 2:
//            how many subjects the event had, shown to investigators; version 1 ends before)
//            | from version 5, only when one is set: u8 flags (1 = trace id, 2 = span id,
//            4 = confidential) | trace id (16 bytes) if 1 | span id (8 bytes) if 2
//            The W3C trace context lets the LDV read API (docs/interop.md) answer "this whole
//            chain of operations"; binary and absent when the event had none, so an event
//            without one costs nothing more than in version 4.
//            Versions 1 and 2 write those seven strings as str. Version 3 writes case_id as
//            str and the other six as ref: varint n, then n = 0: a str follows; n >= 1: entry
//            n of the store's dictionary (Store: meta "dict/"). These six and the activity
//            repeat in nearly every entry and have few values; as refs they take ~7 instead of
//            ~80 bytes, which every commit, flush and compaction writes (bench/README.md,
//            fifth session).
//   actor entry (history_actor; small: the rest is read from the first subject's entry):
//            u8 verdict | varint subject count | varint n | n pseudonyms of 16 bytes (n <= 100)
//   actor group (history_actor, version 4; what a commit writes for events with subjects): the
//            events of one actor with one activity on one UTC day in one commit, in key order,
//            under the key of the first of them:
//            varint count (1 to kMaxGroupEvents) | per event: [varint microseconds after the
//            event before it | str event_id: all but the first] | u8 verdict | varint subject
//            count | varint n | n pseudonyms of 16 bytes (n <= 100)
//            One memtable insert, one value and one digest per group instead of per event:
//            the per-event actor entries were 40 % of a commit's inserts (bench/README.md,
//            eighth session). A group lies within one UTC day, so within one retention and
//            verification segment (activity, day); a reader that wants an actor's events in
//            time order merges the groups of a day (Store::QueryActor).
// Time and event id are not repeated in values: keys end with them (store/keys.h).
// Strings are a varint length and at most 255 bytes. A reader rejects unknown versions and
// forms, and refs to dictionary entries it does not have (Status::Corruption), instead of
// guessing.
//
// Thread safety: values; pure functions. An Interner is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/pseudonym.h"
#include "common/status.h"
#include "common/time.h"
#include "event/access_event.h"
#include "policy/rule_catalogue.h"

namespace inzage {

// The store's dictionary: entry n (n >= 1) is at index n - 1. Entries are only ever appended,
// and each commit that appends publishes a new copy while readers keep theirs. So the entries
// live in chunks of kChunk, shared between copies: a copy costs a pointer per chunk, and an
// append copies at most the last chunk (a flat vector copied every entry on every such commit,
// quadratic while a varied stream fills the dictionary). Thread safety: a value; copies may be
// read from several threads, each is changed by one.
class StringTable {
 public:
  static constexpr size_t kChunk = 1024;

  StringTable() = default;
  StringTable(std::initializer_list<std::string_view> entries) {
    for (std::string_view e : entries) push_back(std::string(e));
  }

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] const std::string& operator[](size_t i) const {
    return (*chunks_[i / kChunk])[i % kChunk];
  }
  [[nodiscard]] const std::string& back() const { return (*this)[size_ - 1]; }

  void push_back(std::string entry) {
    if (size_ % kChunk == 0) {
      chunks_.push_back(std::make_shared<std::vector<std::string>>());
      chunks_.back()->reserve(kChunk);
    } else if (chunks_.back().use_count() > 1) {
      // Shared with an earlier copy (a reader's): that copy must not see the new entry.
      auto own = std::make_shared<std::vector<std::string>>(*chunks_.back());
      own->reserve(kChunk);
      chunks_.back() = std::move(own);
    }
    chunks_.back()->push_back(std::move(entry));
    ++size_;
  }

  friend bool operator==(const StringTable& a, const StringTable& b) {
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.size_; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

 private:
  std::vector<std::shared_ptr<std::vector<std::string>>> chunks_;
  size_t size_ = 0;
};

// Chooses how EncodeTo writes a dictionary-eligible string: the number of its dictionary entry,
// or 0 to write it inline (e.g. when the dictionary is full).
class Interner {
 public:
  virtual ~Interner() = default;
  virtual std::uint32_t Intern(std::string_view s) = 0;
};

struct HistoryRecord {
  static constexpr std::uint8_t kVersion = 5;  // writes 5, reads 1 to 5
  static constexpr size_t kMaxActorSubjects = 100;
  static constexpr size_t kMaxGroupEvents = 256;
  // The time span of one actor group: a UTC day. A shorter span (it must divide a day) bounds
  // the events an actor query merges, but groups fewer events in a backlog: one hour measured
  // 262,000 against 283,000 events/s for a day (bench/README.md, eighth session).
  static constexpr TimeMicros kGroupSpan = kMicrosPerDay;
  static_assert(kMicrosPerDay % kGroupSpan == 0);
  // The start of the group span holding t (rounded down, also before 1970). Times beyond
  // ±2^62 µs (146,000 years; none is valid) are clamped first, so that neither this nor
  // start + kGroupSpan can overflow on a corrupt key.
  static constexpr TimeMicros GroupStart(TimeMicros t) {
    constexpr TimeMicros kLimit = TimeMicros{1} << 62;
    t = t < -kLimit ? -kLimit : (t > kLimit ? kLimit : t);
    return (t >= 0 ? t : t - kGroupSpan + 1) / kGroupSpan * kGroupSpan;
  }

  std::uint64_t batch_seq = 0;
  TimeMicros time = 0;
  Action action = Action::kView;
  InfoLevel info = InfoLevel::kWat;
  Verdict verdict = Verdict::kAllow;
  std::uint8_t recipient_kind = 0xff;  // RecipientKind, or 0xff
  CategorySet categories = 0;
  std::string event_id;
  std::string actor;
  std::string role;
  std::string department;
  std::string municipality;
  std::string domain;
  std::string activity;
  std::string case_id;
  std::string recipient;
  std::vector<RuleId> rules;
  std::uint32_t subject_count = 0;
  std::vector<Pseudonym> subjects;  // history_actor only; at most kMaxActorSubjects
  // Subject entries from version 5: the event's W3C trace context, and whether the record itself
  // was confidential (VNG vertrouwelijkheid); all zero and false when absent.
  bool has_trace_id = false;
  bool has_span_id = false;
  bool confidential = false;
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};

  enum class Form : std::uint8_t { kSubjectEntry = 0, kActorEntry = 1, kActorGroup = 2 };

  // One event of an actor group: its record (time, event id, verdict) and all its subjects, of
  // which the first kMaxActorSubjects are kept.
  struct GroupItem {
    const HistoryRecord* record = nullptr;
    std::span<const Pseudonym> subjects;
  };

  // Without an interner every string is written inline. Forms 0 and 1 only.
  void EncodeTo(Form form, std::string* out, Interner* interner = nullptr) const;
  // An actor group of 1 to kMaxGroupEvents items in key order (time, then event id), all of one
  // activity; its key is the first item's.
  static void EncodeActorGroup(std::uint64_t batch_seq, std::string_view activity,
                               std::span<const GroupItem> items, std::string* out,
                               Interner* interner = nullptr);
  // Decodes a value of form 0 or 1; time and event_id are taken from the entry's key suffix
  // (time 8 | id), which the caller passes. `dictionary` resolves refs (version 3 on); without
  // one, an entry with refs is reported as Corruption. An actor group is InvalidArgument here:
  // it holds several records (DecodeEntry).
  static Status Decode(std::string_view key_suffix, std::string_view value, HistoryRecord* out,
                       Form* form = nullptr, const StringTable* dictionary = nullptr);
  // Any form: the records of an entry, appended to `out` (one, or a group's in key order). The
  // records of a group carry what an actor entry does (no actor: it is in the key's prefix).
  static Status DecodeEntry(std::string_view key_suffix, std::string_view value,
                            std::vector<HistoryRecord>* out,
                            const StringTable* dictionary = nullptr);
  // The time of an entry's newest event without decoding it (an actor group's last member; the
  // key's time for the other forms). False when the value is malformed.
  static bool PeekLastTime(std::string_view key_suffix, std::string_view value, TimeMicros* last);
  // Only what retention and verification need (no copies; `activity` may point into the
  // dictionary). False when malformed or when it refers to an entry `dictionary` lacks.
  static bool PeekHeader(std::string_view value, std::uint64_t* batch_seq,
                         std::string_view* activity, const StringTable* dictionary = nullptr);
};

}  // namespace inzage
