// SubjectLru: an exact set of subject pseudonyms, each with the event time it was last seen,
// kept in last-seen order (oldest first). The exact part of a sliding distinct-subject window
// (sliding_distinct.h): a window expires subjects from the old end and touches them at the new
// end, both O(1).
//
// Layout: entries live in a slab (std::vector, indices stable, a free list reuses them) linked
// into a doubly-linked list by last-seen time; an open-addressing table (linear probing,
// backward-shift deletion) maps a pseudonym to its entry. Pseudonyms are keyed hashes, so their
// first 8 bytes are used directly as the hash. Memory grows with the largest size the set ever
// had (the owner caps it), never per lookup; no allocation once that size was reached.
//
// Contract: times given to Touch and PushNewest never decrease (the detector feeds event times
// made monotone per actor), so the list is sorted by last-seen time.
// Thread safety: none; owned by one actor's state.
#pragma once

#include <cstdint>
#include <vector>

#include "common/pseudonym.h"
#include "common/time.h"

namespace inzage {

class SubjectLru {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct Entry {
    Pseudonym subject;
    TimeMicros last_seen = 0;
  };

  [[nodiscard]] std::uint32_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  // The entry index of a subject, or kNone.
  [[nodiscard]] std::uint32_t Find(const Pseudonym& subject) const;
  // Sets an entry's last-seen time (not earlier than the newest entry's) and makes it newest.
  void Touch(std::uint32_t index, TimeMicros t);
  // Adds a subject that is not in the set as the newest entry.
  void PushNewest(const Pseudonym& subject, TimeMicros t);
  // The oldest entry; the set must not be empty.
  [[nodiscard]] const Entry& Oldest() const { return nodes_[head_].entry; }
  void PopOldest();
  void Clear();

  // Calls f(const Entry&) from the oldest entry to the newest.
  template <typename F>
  void ForEachOldestFirst(F&& f) const {
    for (std::uint32_t i = head_; i != kNone; i = nodes_[i].next) f(nodes_[i].entry);
  }

  // Heap bytes held (slab and table), for memory accounting.
  [[nodiscard]] size_t MemoryBytes() const;

 private:
  struct Node {
    Entry entry;
    std::uint32_t prev = kNone;
    std::uint32_t next = kNone;
  };

  [[nodiscard]] size_t Home(const Pseudonym& subject) const;
  void Unlink(std::uint32_t index);
  void LinkNewest(std::uint32_t index);
  void IndexInsert(std::uint32_t node);
  void IndexErase(std::uint32_t node);
  void Rehash(size_t slots);

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> table_;  // node indices; kNone = empty; size is a power of two
  std::uint32_t head_ = kNone;        // oldest
  std::uint32_t tail_ = kNone;        // newest
  std::uint32_t free_ = kNone;        // free list through Node::next
  std::uint32_t size_ = 0;
};

}  // namespace inzage
