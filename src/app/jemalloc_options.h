// jemalloc's options for the shipped binaries, read by jemalloc when the process starts. Include
// from a main file only (it defines the variable jemalloc looks for); without jemalloc linked
// (the sanitizer builds) nothing reads it. MALLOC_CONF in the environment still overrides it.
//
// muzzy_decay_ms:-1: freed pages, once past the dirty decay (10 s), are handed to the kernel with
// MADV_FREE and left there; Debian's jemalloc otherwise drops them with MADV_DONTNEED at once, and
// the daemon's steady churn (every batch allocated by the consume thread, freed by the writer)
// then faulted and zeroed fresh pages all the time: a quarter of the consume thread's CPU and 15 %
// in all (bench/README.md, "Fourth session"). MADV_FREE pages still go back to the system when it
// needs memory; until then RSS counts them, so it stays near its peak after a burst.
#pragma once

// The name jemalloc looks up (C linkage).
extern "C" {
// NOLINTNEXTLINE(readability-identifier-naming)
const char* malloc_conf = "muzzy_decay_ms:-1";
}
