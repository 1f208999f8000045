// AllocatorStats: what jemalloc holds for the process, when jemalloc is its allocator (the
// shipped binaries; the sanitizer builds and the tests run without it). It separates the live
// heap (`allocated`) from pages the allocator keeps after they were freed (`resident` less
// `active`): the second part is what makes RSS stay near its peak (app/jemalloc_options.h).
// Thread safety: Read may be called from any thread.
#pragma once

#include <cstdint>

namespace inzage::app {

struct AllocatorStats {
  bool available = false;       // false: jemalloc is not the allocator, the rest is zero
  std::uint64_t allocated = 0;  // bytes in live allocations
  std::uint64_t active = 0;     // bytes in pages that hold live allocations
  std::uint64_t resident = 0;   // bytes of the allocator's pages in RAM (includes freed ones)
  std::uint64_t retained = 0;   // virtual memory kept for reuse, not in RAM

  static AllocatorStats Read();
};

}  // namespace inzage::app
