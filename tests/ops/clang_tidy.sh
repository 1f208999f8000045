#!/usr/bin/env bash
# clang-tidy over every source file of src/, with the checks of .clang-tidy (bugprone,
# performance, concurrency and a few more; warnings are errors). Needs a clang build's
# compile_commands.json: tests/ops/clang_tidy.sh BUILD_DIR [JOBS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: clang_tidy.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}
[[ -f $build/compile_commands.json ]] || {
  echo "clang_tidy: $build/compile_commands.json missing (configure a clang preset first)" >&2
  exit 1
}
mapfile -t files < <(find src -name '*.cc' | sort)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run-clang-tidy prints each file's findings; it exits non-zero when any check fired.
if run-clang-tidy-14 -quiet -p "$build" -j "$jobs" "${files[@]}" >"$log" 2>&1; then
  echo "clang_tidy: ${#files[@]} files clean"
  exit 0
fi
grep -E "(error|warning):" "$log" | sort -u | head -100 >&2
echo "clang_tidy: findings in the files above (full output: run this script again)" >&2
exit 1
