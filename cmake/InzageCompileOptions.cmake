# Warnings and sanitizers live on an INTERFACE target that project targets link, so that
# third-party headers and global flags stay untouched (osquery's approach).
add_library(inzage_options INTERFACE)
target_compile_options(inzage_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
# simdjson picks its SIMD kernel at compile time (SIMDJSON_BUILTIN_IMPLEMENTATION):
# without a -march it falls back to scalar code. Its haswell kernel needs AVX2, BMI, PCLMUL and
# LZCNT, i.e. -march=haswell (2013); that covers every server a municipality still runs. Set
# INZAGE_MARCH to "" for older hardware (slower parsing, same results).
set(INZAGE_MARCH "haswell" CACHE STRING "Target ISA (-march) for project code; empty for none")
if(INZAGE_MARCH)
  target_compile_options(inzage_options INTERFACE -march=${INZAGE_MARCH})
endif()
if(INZAGE_WERROR)
  target_compile_options(inzage_options INTERFACE -Werror)
endif()
# GCC 12 reports false -Wrestrict errors inside libstdc++ for `"literal" + std::string` at -O3
# (GCC bug 105329); the warning is useless there until GCC 13.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(inzage_options INTERFACE -Wno-restrict)
endif()
# clang checks the GUARDED_BY/REQUIRES annotations of common/mutex.h; with INZAGE_WERROR a
# violation fails the build.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(inzage_options INTERFACE -Wthread-safety)
endif()
if(INZAGE_SANITIZE)
  target_compile_options(inzage_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(inzage_options INTERFACE -fsanitize=address,undefined)
endif()
if(INZAGE_TSAN)
  target_compile_options(inzage_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(inzage_options INTERFACE -fsanitize=thread)
endif()
if(INZAGE_FUZZ)
  target_compile_options(inzage_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
