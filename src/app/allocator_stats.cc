#include "app/allocator_stats.h"

#include <cstddef>

// jemalloc's control interface, declared weak: in a binary without jemalloc it is null.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace inzage::app {
namespace {

std::uint64_t ReadSize(const char* name) {
  size_t value = 0;
  size_t length = sizeof value;
  if (mallctl(name, &value, &length, nullptr, 0) != 0) return 0;
  return value;
}

}  // namespace

AllocatorStats AllocatorStats::Read() {
  AllocatorStats s;
  if (mallctl == nullptr) return s;
  // The statistics are a snapshot taken when the epoch advances.
  std::uint64_t epoch = 1;
  size_t length = sizeof epoch;
  if (mallctl("epoch", &epoch, &length, &epoch, length) != 0) return s;
  s.available = true;
  s.allocated = ReadSize("stats.allocated");
  s.active = ReadSize("stats.active");
  s.resident = ReadSize("stats.resident");
  s.retained = ReadSize("stats.retained");
  return s;
}

}  // namespace inzage::app
