// jemalloc's options for the shipped binaries, read by jemalloc when the process starts. Include
// from a main file only (it defines the variable jemalloc looks for); without jemalloc linked
// (the sanitizer builds) nothing reads it. MALLOC_CONF in the environment still overrides it.
//
// background_thread:true, muzzy_decay_ms:10000: freed pages go back to the kernel in two steps,
// each after 10 s unused (MADV_FREE, then MADV_DONTNEED), done by jemalloc's own background
// thread, not by the thread that frees. Debian's jemalloc drops them with MADV_DONTNEED at once
// (muzzy_decay_ms:0), and the daemon's steady churn (every batch allocated by the consume thread,
// freed by the writer) then faulted and zeroed fresh pages all the time: a quarter of the consume
// thread's CPU and 15 % in all (bench/README.md, "Fourth session"). Keeping them for ever
// (muzzy_decay_ms:-1, until 2026-12-06) avoided that but let RSS grow with the pages the
// allocator held: 1.48x from 5 M to 20 M events while the live heap stayed flat. With the decay
// RSS holds still (1.05x) and the end-to-end rate is the same or better (bench/README.md, "Memory
// that does not grow").
#pragma once

// The name jemalloc looks up (C linkage).
extern "C" {
// NOLINTNEXTLINE(readability-identifier-naming): jemalloc's name for it, not ours
const char* malloc_conf = "background_thread:true,muzzy_decay_ms:10000";
}
