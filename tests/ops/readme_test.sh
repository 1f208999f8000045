#!/usr/bin/env bash
# tests/ops/readme_test.sh SOURCE_DIR BUILD_DIR
#
# Keeps README.md true: runs, exactly as written, every shell block the README marks with
#   <!-- readme-test: tool -->   in a scratch directory (build/ and config/ link to the real
#                                ones), one block after the other in one shell
#   <!-- readme-test: demo -->   against `build/inzaged --demo` started there as the README
#                                says, once its first alert is in
# Each block runs under `set -euo pipefail`, with curl failing on an HTTP error status
# (--fail-with-body), so a README line that errs fails this test and is named. Also fails when
# the README has no marked block of either kind, or when a relative link in it points nowhere.
set -euo pipefail
root=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
build=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
readme=$root/README.md
work=$(mktemp -d /tmp/inzage-readme-XXXXXX)
pid=""
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "readme: FAIL: $*" >&2
  exit 1
}
export NO_PROXY='*' no_proxy='*'
source "$root/tests/support/wait.sh"

# The marked blocks, each to its own file: $work/blocks/<kind>-<n>.sh
mkdir -p "$work/blocks"
awk -v dir="$work/blocks" '
  /^<!-- readme-test: [a-z]+ -->$/ { kind = $3; next }
  kind != "" && /^```sh$/ { n[kind]++; file = dir "/" kind "-" n[kind] ".sh"; inblock = 1; next }
  inblock && /^```$/ { inblock = 0; kind = ""; close(file); next }
  inblock { print > file; next }
  { kind = "" }
' "$readme"
ls "$work/blocks"/tool-*.sh >/dev/null 2>&1 || fail "README.md has no <!-- readme-test: tool --> block"
ls "$work/blocks"/demo-*.sh >/dev/null 2>&1 || fail "README.md has no <!-- readme-test: demo --> block"

ln -s "$build" "$work/build"
ln -s "$root/config" "$work/config"
prelude='set -euo pipefail
curl() { command curl --fail-with-body --max-time 30 "$@"; }'

run_block() { # FILE: runs it in $work, shows where it failed
  local file=$1 name
  name=$(basename "$file" .sh)
  if ! (cd "$work" && bash -c "$prelude
$(cat "$file")") >"$work/$name.out" 2>&1; then
    echo "--- README block $name:" >&2
    cat "$file" >&2
    echo "--- its output (last 20 lines):" >&2
    tail -20 "$work/$name.out" >&2
    fail "a README command block failed: $name"
  fi
  echo "readme: $name ok ($(wc -l <"$file") lines)"
}

# The tool blocks run in one directory, in order: later blocks use what earlier ones made.
for f in $(ls "$work/blocks"/tool-*.sh | sort -V); do run_block "$f"; done
grep -Eq '^[1-9][0-9]* entries$' "$work/tool-1.out" || fail "the README's query found no entries"

# The demo, started as the README says, on a free port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && exec build/inzaged --demo --listen "127.0.0.1:$port") >"$work/demo.out" 2>"$work/demo.err" &
pid=$!
tokens=$work/demo-out/state/demo-tokens.env
first_alert_written() {
  kill -0 "$pid" 2>/dev/null || fail "inzaged --demo exited: $(tail -5 "$work/demo.err")"
  [[ -f $tokens ]] && grep -q '^ALERT_ACTOR=' "$tokens"
}
wait_until 180 "the demo writing ALERT_ID/ALERT_ACTOR" first_alert_written || fail "see above"
for f in $(ls "$work/blocks"/demo-*.sh | sort -V); do run_block "$f"; done
# The demo's lines must have returned data, not only 200s.
grep -q '"entries":\[{' "$work/demo-1.out" || fail "the citizen's lines returned no entries"
grep -q '"status":"acknowledged"' "$work/demo-1.out" || fail "the alert was not acknowledged"
grep -q '^inzage_decisions_total' "$work/demo-1.out" || fail "no decisions in /metrics"
# Relative links must name files of the repository.
while read -r link; do
  target=${link%%#*}
  [[ -z $target || $target == http* ]] && continue
  [[ -e $root/$target ]] || fail "README.md links to $target, which does not exist"
done < <(grep -oE '\]\([^)]+\)' "$readme" | sed -E 's/^\]\((.*)\)$/\1/')

echo "readme: ok"
