// EventArena: keeps AccessEvents alive beyond the parser's next message.
//
// EventParser's events view its reused buffers, valid until the next parse. A batch that is
// decided and committed together (the daemon's consume loop, benchmarks) copies each event into
// an arena: one bump allocation per string, no per-field heap allocation, all released at once
// by Reset() when the batch is done.
//
// Ownership: events returned by Copy view the arena; they are valid until Reset or destruction.
// Thread safety: not thread-safe; one arena per batch/thread.
#pragma once

#include <memory_resource>
#include <span>
#include <string_view>

#include "event/access_event.h"

namespace inzage {

class EventArena {
 public:
  explicit EventArena(size_t initial_bytes = 1 << 20) : resource_(initial_bytes) {}
  EventArena(const EventArena&) = delete;
  EventArena& operator=(const EventArena&) = delete;

  [[nodiscard]] AccessEvent Copy(const AccessEvent& e);
  void Reset() { resource_.release(); }

 private:
  std::string_view CopyString(std::string_view s);
  template <typename T>
  std::span<const T> CopySpan(std::span<const T> s);

  std::pmr::monotonic_buffer_resource resource_;
};

}  // namespace inzage
