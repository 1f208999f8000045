#!/usr/bin/env bash
# tests/ops/policy_reload_test.sh SOURCE_DIR BUILD_DIR
#
# SIGHUP reloads the policy only when it loads, validates and passes its own policy tests:
#   1. a policy with a YAML error is refused: the running revision stays, the failure metric
#      counts it, the log says why;
#   2. a policy whose tests fail is refused the same way;
#   3. a good policy is swapped in: the revision metric changes, and alerts raised after the
#      swap carry the new policy_revision.
# Runs `inzaged --demo` with a copy of the policy on free loopback ports. Fails loudly.
set -euo pipefail
root=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
build=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
work=$(mktemp -d /tmp/inzage-reload-XXXXXX)
pid=""
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "policy_reload: FAIL: $*" >&2
  tail -20 "$work/daemon.err" >&2 || true
  exit 1
}
export NO_PROXY='*' no_proxy='*'

cp -r "$root/config/policy" "$work/policy"
cat >"$work/inzaged.yaml" <<YAML
policy_dir: "$work/policy"
YAML
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$build/inzaged" --demo --config "$work/inzaged.yaml" --state-dir "$work/state" \
  --listen "127.0.0.1:$port" --demo-seconds 300 >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "inzaged exited early"
  sleep 0.5
done
revision() { curl -fsS "$url/metrics" | sed -n 's/^inzage_policy_info{revision="\([0-9a-f]*\)"} 1$/\1/p'; }
reloads() { curl -fsS "$url/metrics" | sed -n "s/^inzage_policy_reloads_total{result=\"$1\"} \([0-9]*\)$/\1/p"; }
count_is() { [[ $(reloads "$1") == "$2" ]]; } # RESULT N
wait_for() { # COMMAND... : until it succeeds, 30 s at most (re-run each time)
  for _ in $(seq 1 60); do "$@" && return 0; sleep 0.5; done
  return 1
}
rev0=$(revision)
[[ -n $rev0 ]] || fail "no inzage_policy_info metric"
echo "policy_reload: running revision $rev0"

# 1. A YAML syntax error.
cp "$work/policy/roles.yaml" "$work/roles.yaml.good"
echo "roles: [unclosed" >>"$work/policy/roles.yaml"
kill -HUP "$pid"
wait_for count_is failure 1 || fail "a broken policy was not counted as a failed reload"
[[ $(revision) == "$rev0" ]] || fail "a broken policy replaced the running one"
grep -q 'policy not reloaded, the running policy stays" error="the policy has YAML syntax errors' "$work/daemon.err" ||
  fail "the log does not say why the reload failed"
cp "$work/roles.yaml.good" "$work/policy/roles.yaml"

# 2. A policy whose own tests fail.
sed 's/expect: {verdict: allow, rules: \[\]}/expect: {verdict: violation, rules: []}/' \
  "$work/policy/tests/allow.yaml" >"$work/policy/tests/zz-wrong.yaml"
kill -HUP "$pid"
wait_for count_is failure 2 || fail "a policy failing its tests was not refused"
[[ $(revision) == "$rev0" ]] || fail "a policy failing its tests replaced the running one"
grep -q 'policy test(s) failed' "$work/daemon.err" || fail "the log does not name the failing tests"
rm "$work/policy/tests/zz-wrong.yaml"
kill -0 "$pid" 2>/dev/null || fail "inzaged died during a refused reload"

# 3. A good change (a comment is enough to change the content hash).
echo "# reviewed $(date -u +%F)" >>"$work/policy/policy.yaml"
kill -HUP "$pid"
wait_for count_is success 1 || fail "a good policy was not reloaded"
rev1=$(revision)
[[ -n $rev1 && $rev1 != "$rev0" ]] || fail "the revision did not change after a reload ($rev0 -> $rev1)"
grep -q "policy reloaded\" old_revision=$rev0 policy_revision=$rev1" "$work/daemon.err" ||
  fail "no log line for the reload"
# Decisions after the swap carry the new revision: new alerts name it.
source "$work/state/demo-tokens.env"
newer() {
  curl -fsS -H "Authorization: Bearer $CISO_TOKEN" "$url/v1/alerts?limit=1000" | grep -q "\"policy_revision\":\"$rev1\""
}
wait_for newer || fail "no alert raised after the swap carries the new policy_revision"
kill -TERM "$pid"
wait "$pid" || fail "inzaged did not stop cleanly after the reloads"
pid=""
echo "policy_reload: ok (refused a broken and a failing policy, swapped $rev0 -> $rev1)"
