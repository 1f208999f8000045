#!/usr/bin/env bash
# ./scripts/test.sh — install what is missing, build, run every test.
#
#   1. Release build (GCC): unit, integration, e2e and the fuzz seed-replay tests.
#   2. clang + AddressSanitizer + UndefinedBehaviorSanitizer build: the unit and integration
#      tests again (the store, the relay and the pipeline on the mock cluster), and a bounded
#      libFuzzer run of the event parser and of each format of the logging standards (OTLP
#      protobuf, OTLP/JSON, VNG; INZAGE_FUZZ_SECONDS each, default 30). clang also checks
#      the lock annotations (-Wthread-safety, an error).
#   3. clang + ThreadSanitizer build: the pipeline, relay and HTTP API integration tests.
#   4. clang-tidy over src/ (.clang-tidy: bugprone, performance, concurrency, ...), run on one
#      core beside step 1's tests.
# Exits non-zero on any failure and ends with one summary line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh
./scripts/ui-deps.sh  # the pages' pinned npm packages (browser tests, the package)

jobs=$(nproc 2>/dev/null || echo 2)
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/inzage-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}
fuzz_seconds=${INZAGE_FUZZ_SECONDS:-30}

passed=0
failed=0
status=0

run_ctest() {  # run_ctest PRESET [ctest args...]: runs CTest and adds its counts
  local preset=$1
  shift
  local log
  log=$(mktemp)
  set +e
  ctest --preset "$preset" -j "$jobs" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local line
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1 || true)
  if [[ -n $line ]]; then
    local total fails
    fails=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + total - fails))
    failed=$((failed + fails))
  elif [[ $rc -ne 0 ]]; then
    failed=$((failed + 1))
  fi
  rm -f "$log"
  if [[ $rc -ne 0 ]]; then status=1; fi
}

echo "== release build"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
# clang-tidy needs only the sanitizer build's compile_commands.json, not its objects. It runs
# niced beside the release tests, which spend most of their time waiting on brokers and
# browsers: that takes its ~6 minutes on 2 cores off the critical path.
cmake --preset fuzz -DINZAGE_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build --preset fuzz --target inzage_otlp_proto_headers >/dev/null  # protoc's headers
tidy_log=$(mktemp)
nice -n 10 tests/ops/clang_tidy.sh build-fuzz 1 >"$tidy_log" 2>&1 &
tidy_pid=$!
run_ctest release

echo "== sanitizer build (clang, ASan + UBSan, libFuzzer)"
cmake --preset fuzz -DINZAGE_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build --preset fuzz -j "$jobs" --target inzage_unit_tests inzage_integration_tests inzage \
  event_parser_fuzzer otlp_proto_fuzzer otlp_json_fuzzer vng_fuzzer
run_ctest fuzz -L 'unit|integration|fuzz'

echo "== ThreadSanitizer build (the threads of the pipeline, the relay and the API)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target inzage_integration_tests inzaged
# The test preset sets TSAN_OPTIONS: librdkafka is not instrumented, so its own memory accesses
# are ignored (ignore_noninstrumented_modules) while its locks still order ours; the build links
# cmake/tsan_c11_threads.cc so that its C11 threads and locks are seen at all.
run_ctest tsan -L integration -R 'PipelineMock|ApiServer|HttpServer|Membership|StateChangelog'

echo "== clang-tidy (started beside the release tests)"
if wait "$tidy_pid"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi
cat "$tidy_log"
rm -f "$tidy_log"

echo "all suites: $passed passed, $failed failed"
exit $status
