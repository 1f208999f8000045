#include "detect/subject_lru.h"

#include <bit>

namespace inzage {

size_t SubjectLru::Home(const Pseudonym& subject) const {
  // Fibonacci hashing of the pseudonym's first bytes: a keyed hash is uniform already, the
  // multiplication keeps structured input (tests, benchmarks, a bad key file) from building one
  // long probe run. The table size is a power of two, so the top bits index it.
  const std::uint64_t h = PseudonymHash{}(subject)*0x9E3779B97F4A7C15ULL;
  return static_cast<size_t>(h >> (64 - std::countr_zero(table_.size())));
}

std::uint32_t SubjectLru::Find(const Pseudonym& subject) const {
  if (size_ == 0) return kNone;
  const size_t mask = table_.size() - 1;
  for (size_t i = Home(subject);; i = (i + 1) & mask) {
    const std::uint32_t node = table_[i];
    if (node == kNone) return kNone;
    if (nodes_[node].entry.subject == subject) return node;
  }
}

void SubjectLru::Unlink(std::uint32_t index) {
  Node& n = nodes_[index];
  if (n.prev != kNone) {
    nodes_[n.prev].next = n.next;
  } else {
    head_ = n.next;
  }
  if (n.next != kNone) {
    nodes_[n.next].prev = n.prev;
  } else {
    tail_ = n.prev;
  }
  n.prev = n.next = kNone;
}

void SubjectLru::LinkNewest(std::uint32_t index) {
  Node& n = nodes_[index];
  n.prev = tail_;
  n.next = kNone;
  if (tail_ != kNone) {
    nodes_[tail_].next = index;
  } else {
    head_ = index;
  }
  tail_ = index;
}

void SubjectLru::Touch(std::uint32_t index, TimeMicros t) {
  nodes_[index].entry.last_seen = t;
  if (index == tail_) return;
  Unlink(index);
  LinkNewest(index);
}

void SubjectLru::PushNewest(const Pseudonym& subject, TimeMicros t) {
  std::uint32_t index;
  if (free_ != kNone) {
    index = free_;
    free_ = nodes_[index].next;
  } else {
    index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
    // Keep the table at most half full.
    if (nodes_.size() * 2 > table_.size()) Rehash(table_.empty() ? 16 : table_.size() * 2);
  }
  nodes_[index].entry = Entry{subject, t};
  LinkNewest(index);
  IndexInsert(index);
  ++size_;
}

void SubjectLru::PopOldest() {
  const std::uint32_t index = head_;
  IndexErase(index);
  Unlink(index);
  nodes_[index].next = free_;
  free_ = index;
  --size_;
}

void SubjectLru::Clear() {
  nodes_.clear();
  table_.clear();
  head_ = tail_ = free_ = kNone;
  size_ = 0;
}

void SubjectLru::IndexInsert(std::uint32_t node) {
  const size_t mask = table_.size() - 1;
  size_t i = Home(nodes_[node].entry.subject);
  while (table_[i] != kNone) i = (i + 1) & mask;
  table_[i] = node;
}

void SubjectLru::IndexErase(std::uint32_t node) {
  const size_t mask = table_.size() - 1;
  size_t i = Home(nodes_[node].entry.subject);
  while (table_[i] != node) i = (i + 1) & mask;
  // Backward-shift deletion: move later members of the probe run into the hole when their home
  // slot does not lie cyclically in (hole, j].
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (table_[j] == kNone) break;
    const size_t home = Home(nodes_[table_[j]].entry.subject);
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    table_[i] = table_[j];
    i = j;
  }
  table_[i] = kNone;
}

void SubjectLru::Rehash(size_t slots) {
  table_.assign(slots, kNone);
  for (std::uint32_t i = head_; i != kNone; i = nodes_[i].next) IndexInsert(i);
}

size_t SubjectLru::MemoryBytes() const {
  return nodes_.capacity() * sizeof(Node) + table_.capacity() * sizeof(std::uint32_t);
}

}  // namespace inzage
