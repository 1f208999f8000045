#!/usr/bin/env bash
# The pages' browser tests against a real inzaged: an OpenID Connect issuer (scripts/oidc-mock.sh,
# NAV's mock-oauth2-server from Maven Central) for the console's sign-in, `inzaged --demo`
# configured to trust that issuer's staff tokens, then tests/ui/run.sh in Debian's Chromium.
#   tests/ui/ui_e2e_test.sh INZAGED
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
inzaged=${1:?usage: ui_e2e_test.sh INZAGED}

fail() {
  echo "ui_e2e: FAIL: $*" >&2
  exit 1
}

work=$(mktemp -d /tmp/inzage-ui-e2e-XXXXXX)
daemon_pid=""
cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  "$root/scripts/oidc-mock.sh" stop "$work/oidc" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

issuer=$("$root/scripts/oidc-mock.sh" start "$work/oidc") || fail "the OIDC issuer did not start"
"$root/scripts/oidc-mock.sh" jwks-pem "$work/oidc" "$work/idp.pem" ||
  fail "the issuer's signing key could not be read"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/inzaged.yaml" <<YAML
api:
  listen: "127.0.0.1:$port"
  staff_tokens:
    algorithm: RS256
    key_file: "$work/idp.pem"
  oidc:
    issuer: "$issuer"
    client_id: inzage-console
summary_interval_ms: 0
YAML
"$inzaged" --demo --config "$work/inzaged.yaml" --state-dir "$work/state" >"$work/daemon.out" \
  2>"$work/daemon.err" &
daemon_pid=$!
deadline=$((SECONDS + 120))
until [[ -s $work/state/demo-tokens.env ]] && grep -q CONSOLE_LOGIN_URL "$work/state/demo-tokens.env"; do
  kill -0 "$daemon_pid" 2>/dev/null || fail "inzaged exited: $(tail -5 "$work/daemon.err")"
  ((SECONDS < deadline)) || fail "inzaged did not become ready within 120 s"
  sleep 0.2
done
# The file holds tokens and sign-in links: readable by its owner only.
mode=$(stat -c %a "$work/state/demo-tokens.env")
[[ $mode == 600 ]] || fail "demo-tokens.env has mode $mode, not 600"
# The console's tests need alerts to work with; the demo's history makes them within seconds.
until grep -q '^ALERT_ID=' "$work/state/demo-tokens.env"; do
  ((SECONDS < deadline)) || fail "no alert within 120 s"
  sleep 0.2
done

# No page load may read a whole column family: the store counts such reads (start-up's are done
# by now), and every page is loaded by the tests below.
full_scans() {
  curl -fsS --noproxy '*' "http://127.0.0.1:$port/metrics" |
    sed -nE 's/^inzage_store_full_scans_total ([0-9.e+]+)$/\1/p'
}
scans_before=$(full_scans)
[[ -n $scans_before ]] || fail "/metrics has no inzage_store_full_scans_total"
OIDC_ISSUER=$issuer "$root/tests/ui/run.sh" --env-file "$work/state/demo-tokens.env" ||
  fail "browser tests failed (screenshots in ${INZAGE_SCREENSHOTS:-tests/ui/screenshots})"
scans_after=$(full_scans)
[[ $scans_after == "$scans_before" ]] ||
  fail "the pages made the store read whole column families: inzage_store_full_scans_total $scans_before -> $scans_after"
echo "ui_e2e: whole-column-family reads while the pages were used: none ($scans_before at start)"
echo "ui_e2e: ok"
