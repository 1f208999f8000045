#!/usr/bin/env bash
# tests/ui/run.sh — the pages' browser tests (tests/ui/*.mjs) in Debian's Chromium through
# playwright-core, against a running `inzaged --demo`:
#
#   INZAGE_URL=http://127.0.0.1:8080 CITIZEN_LOGIN_URL=... CONSOLE_LOGIN_URL=... \
#   CITIZEN_TOKEN=... CISO_TOKEN=... [PRIVACY_OFFICER_TOKEN=...] [OIDC_ISSUER=...] tests/ui/run.sh
#
#   tests/ui/run.sh --env-file FILE   the same variables from a shell file (demo-tokens.env)
#   tests/ui/run.sh --mock            against tests/ui/mock/server.mjs, a stand-in for the API
#                                     (checks the pages and the tests without a daemon; the
#                                     tests that put real events into the demo's Kafka fail
#                                     there: select the others with --test-name-pattern)
#   tests/ui/run.sh --mock --oidc     and with scripts/oidc-mock.sh's issuer (needs java, mvn)
#   tests/ui/run.sh ... -- ARGS       more arguments for node --test (--test-name-pattern=...)
#
# INZAGE_SCREENSHOTS: where the screenshots go (default tests/ui/screenshots, gitignored).
# INZAGE_CHROMIUM: the browser (default /usr/bin/chromium).
# Ends with "ui: N passed, N failed, N skipped"; exits non-zero when a test failed, was skipped
# (or left as todo, or cancelled) or none ran: a test that needs a service fails, it never passes
# by skipping.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)

die() {
  echo "ui-tests: $*" >&2
  exit 1
}
log() { echo "ui-tests: $*" >&2; }

mock=0
oidc=0
env_file=""
node_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --mock) mock=1 ;;
    --oidc) oidc=1 ;;
    --env-file)
      env_file=${2:?--env-file needs a file}
      shift
      ;;
    --)
      shift
      node_args=("$@")
      break
      ;;
    *)
      sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
  shift
done

"$root/scripts/ui-deps.sh"
chromium=${INZAGE_CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || die "$chromium not found: apt-get install chromium (scripts/bootstrap.sh installs it)"

work=$(mktemp -d /tmp/inzage-ui-tests-XXXXXX)
mock_pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n $mock_pid ]] && kill -0 "$mock_pid" 2>/dev/null; then
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  if ((oidc)); then "$root/scripts/oidc-mock.sh" stop "$work/oidc" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export NO_PROXY='*' no_proxy='*'

if [[ -n $env_file ]]; then
  [[ -f $env_file ]] || die "no file $env_file"
  set -a
  # shellcheck disable=SC1090
  source "$env_file"
  set +a
fi

if ((mock)); then
  if ((oidc)); then
    OIDC_ISSUER=$("$root/scripts/oidc-mock.sh" start "$work/oidc") || die "the OIDC mock did not start"
    export OIDC_ISSUER MOCK_OIDC_ISSUER=$OIDC_ISSUER
  fi
  node "$root/tests/ui/mock/server.mjs" --port 0 --write-env "$work/mock.env" >"$work/mock.log" 2>&1 &
  mock_pid=$!
  for _ in $(seq 1 100); do
    [[ -s $work/mock.env ]] && break
    kill -0 "$mock_pid" 2>/dev/null || die "the mock server exited: $(tail -5 "$work/mock.log")"
    sleep 0.1
  done
  [[ -s $work/mock.env ]] || die "the mock server did not start"
  set -a
  # shellcheck disable=SC1091
  source "$work/mock.env"
  set +a
  log "against the mock API at $INZAGE_URL${OIDC_ISSUER:+ (OIDC issuer $OIDC_ISSUER)}"
fi

for v in INZAGE_URL CITIZEN_TOKEN CISO_TOKEN; do
  [[ -n ${!v:-} ]] || die "$v is not set (run against inzaged --demo, or use --mock)"
done
curl -fsS -o /dev/null --max-time 10 "$INZAGE_URL/ui/citizen/" ||
  die "$INZAGE_URL/ui/citizen/ does not answer"

export INZAGE_SCREENSHOTS=${INZAGE_SCREENSHOTS:-$here/screenshots}
mkdir -p "$INZAGE_SCREENSHOTS"
tap=$work/results.tap
set +e
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "${node_args[@]}" "$here/ui.test.mjs"
rc=$?
set -e

count() { sed -nE "s/^# $1 ([0-9]+)$/\\1/p" "$tap" | tail -1; }
pass=$(count pass)
fail=$(count fail)
skip=$(count skipped)
todo=$(count todo)
cancelled=$(count cancelled)
pass=${pass:-0} fail=${fail:-0} skip=${skip:-0} todo=${todo:-0} cancelled=${cancelled:-0}
fail=$((fail + cancelled))
# Tests left out by --test-name-pattern are reported as skipped: those are not counted.
unselected=$(grep -cE '^ *ok [0-9]+ - .* # SKIP test name does not match pattern$' "$tap" || true)
skip=$((skip - ${unselected:-0}))
log "screenshots in $INZAGE_SCREENSHOTS"
echo "ui: $pass passed, $fail failed, $skip skipped"
if [[ ! -s $tap ]] || ! grep -qE '^# pass [0-9]+$' "$tap"; then
  log "node --test wrote no summary (results unknown)"
  exit 1
fi
if ((skip + todo > 0)); then
  # The skipped tests, by name, from the TAP report.
  grep -E '^ *(not )?ok [0-9]+ - .* # (SKIP|TODO)' "$tap" | grep -v 'does not match pattern$' | sed -E 's/^ *//' >&2 || true
  log "$((skip + todo)) test(s) skipped or todo: a skipped test counts as a failure"
  exit 1
fi
if ((rc == 0 && pass == 0)); then
  log "no test ran"
  exit 1
fi
exit "$rc"
