#!/usr/bin/env bash
# tests/ops/format_test.sh SOURCE_DIR — every C++ file is formatted as .clang-format says
# (clang-format 14, the one scripts/bootstrap.sh installs). Prints the files to reformat.
set -euo pipefail
root=${1:?usage: $0 SOURCE_DIR}
command -v clang-format-14 >/dev/null || { echo "clang-format-14 not found (scripts/bootstrap.sh installs clang-14 tools)" >&2; exit 1; }
cd "$root"
mapfile -t files < <(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'bench/*.h' 2>/dev/null ||
  find src tests bench -name '*.cc' -o -name '*.h')
if ! clang-format-14 --dry-run --Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/inzage-format.log"; then
  grep -o '^[^:]*' "${TMPDIR:-/tmp}/inzage-format.log" | sort -u | sed 's/^/needs clang-format-14 -i: /' >&2
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format says"
