#!/usr/bin/env bash
# tests/api/api_e2e_test.sh SOURCE_DIR BUILD_DIR
#
# The HTTP API as a newcomer meets it: `inzaged --demo` on a free loopback port, the curl lines
# it prints, every response validated against schemas/openapi.yaml, a bounded schemathesis run
# over the whole API, the reads showing up in the store as accesses, and no BSN in any log
# line, metric or response. Fails loudly (exit 1, the reason) and never skips.
set -euo pipefail

root=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
build=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
work=$(mktemp -d /tmp/inzage-api-e2e-XXXXXX)
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
  echo "api_e2e: FAIL: $*" >&2
  [[ -f $work/daemon.err ]] && tail -20 "$work/daemon.err" >&2
  exit 1
}
export NO_PROXY='*' no_proxy='*'
source "$root/tests/support/wait.sh"

venv=$("$root/scripts/python-venv.sh") || fail "cannot prepare the Python venv (scripts/python-venv.sh)"
py="$venv/bin/python"
validate() { # METHOD PATH_TEMPLATE STATUS FILE
  "$py" "$root/tests/api/openapi_validate.py" "$root/schemas/openapi.yaml" response "$@" ||
    fail "response of $1 $2 ($3) does not match schemas/openapi.yaml: $(head -c 400 "$4")"
}
"$py" "$root/tests/api/openapi_validate.py" "$root/schemas/openapi.yaml" check >/dev/null ||
  fail "schemas/openapi.yaml is not a valid OpenAPI document"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/inzaged" --demo --state-dir "$work/state" --listen "127.0.0.1:$port" --demo-seconds 240 \
  >"$work/daemon.out" 2>"$work/daemon.err" &
pid=$!
url="http://127.0.0.1:$port"
ready() {
  kill -0 "$pid" 2>/dev/null || fail "inzaged exited early"
  curl -fsS "$url/readyz" >/dev/null 2>&1
}
wait_until 60 "inzaged becoming ready" ready || fail "see above"
[[ -f $work/state/demo-tokens.env ]] || fail "the demo did not write its tokens"
# shellcheck disable=SC1091
source "$work/state/demo-tokens.env"
grep -qF 'curl -s -H "Authorization: Bearer $CITIZEN_TOKEN"' "$work/daemon.out" ||
  fail "the demo printed no curl line"

req() { # NAME METHOD PATH [TOKEN] [BODY] -> $work/NAME.body, prints the status
  local name=$1 method=$2 path=$3 token=${4:-} body=${5:-}
  local args=(-s -o "$work/$name.body" -w '%{http_code}' -X "$method")
  [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  curl "${args[@]}" "$url$path"
}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
from=$(date -u -d '-14 days' +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
period="from=$from&to=$to"

# The citizen's own view: entries, newest first, no subject and no employee id. Readiness comes
# before the demo history is committed, so wait (with a deadline) for the first entries.
entries=0
citizen_has_entries() {
  [[ $(req me GET "/v1/me/accesses?$period&limit=50" "$CITIZEN_TOKEN") == 200 ]] ||
    fail "citizen view: $(cat "$work/me.body")"
  entries=$("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entries"]))' "$work/me.body")
  ((entries > 0))
}
wait_until 60 "the demo citizen having accesses to show" citizen_has_entries || fail "see above"
validate GET /v1/me/accesses 200 "$work/me.body"
[[ $(req me_csv GET "/v1/me/accesses.csv?$period&limit=5" "$CITIZEN_TOKEN") == 200 ]] || fail "csv export"
head -1 "$work/me_csv.body" | grep -q '^time,local_time,municipality,department,role,action' || fail "csv header"

# "I don't recognise this access": a report on the first entry by an employee becomes a
# citizen.reported alert that the CISO can open under the reference the citizen got.
entry=""
employee_entry() {
  [[ $(req mine GET "/v1/me/accesses?$period&limit=1000" "$CITIZEN_TOKEN") == 200 ]] || fail "citizen view"
  entry=$("$py" -c 'import json,sys; print(next((e["entry"] for e in json.load(open(sys.argv[1]))["entries"] if not e["own_read"]), ""))' "$work/mine.body")
  [[ -n $entry ]]
}
wait_until 60 "an access by an employee for the demo citizen to report" employee_entry ||
  fail "see above"
[[ $(req report POST /v1/me/reports "$CITIZEN_TOKEN" "{\"entry\":\"$entry\",\"text\":\"e2e: bel 0612345678\"}") == 202 ]] ||
  fail "citizen report: $(cat "$work/report.body")"
validate POST /v1/me/reports 202 "$work/report.body"
reference=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["reference"])' "$work/report.body")
[[ $(req reported GET "/v1/alerts/$reference" "$CISO_TOKEN") == 200 ]] || fail "the report's alert"
grep -q '"rule":"citizen.reported"' "$work/reported.body" || fail "the report's alert has another rule"
grep -q '0612345678' "$work/reported.body" && fail "the report's text was not redacted"
[[ $(req report404 POST /v1/me/reports "$CITIZEN_TOKEN" '{"entry":"not-an-entry"}') == 404 ]] ||
  fail "a report of an unknown entry was not refused with 404"
validate POST /v1/me/reports 404 "$work/report404.body"

# The CISO's queue, one alert, a status change, investigations.
alert_id=""
open_alert() {
  [[ $(req alerts GET "/v1/alerts?status=open&limit=5" "$CISO_TOKEN") == 200 ]] || fail "alert list"
  alert_id=$("$py" -c 'import json,sys; a=json.load(open(sys.argv[1]))["alerts"]; print(a[0]["alert_id"] if a else "")' "$work/alerts.body")
  [[ -n $alert_id ]]
}
wait_until 60 "an open alert in the demo" open_alert || fail "see above"
validate GET /v1/alerts 200 "$work/alerts.body"
[[ $(req alert GET "/v1/alerts/$alert_id" "$CISO_TOKEN") == 200 ]] || fail "one alert"
validate GET "/v1/alerts/{id}" 200 "$work/alert.body"
[[ $(req evidence GET "/v1/alerts/$alert_id/evidence" "$CISO_TOKEN") == 200 ]] || fail "alert evidence"
validate GET "/v1/alerts/{id}/evidence" 200 "$work/evidence.body"
"$py" -c 'import json,sys; assert json.load(open(sys.argv[1]))["entries"], "no evidence entries"' \
  "$work/evidence.body" || fail "the alert's evidence shows no entries"
[[ $(req filtered GET "/v1/alerts?severity=high&department=sociaal-domein&limit=5" "$CISO_TOKEN") == 200 ]] ||
  fail "filtered alert list"
validate GET /v1/alerts 200 "$work/filtered.body"
[[ $(req ack POST "/v1/alerts/$alert_id/status" "$CISO_TOKEN" '{"status":"acknowledged","reason":"e2e test"}') == 200 ]] ||
  fail "status change: $(cat "$work/ack.body")"
validate POST "/v1/alerts/{id}/status" 200 "$work/ack.body"
grep -q '"status":"acknowledged"' "$work/ack.body" || fail "status not changed"
[[ $(req conflict POST "/v1/alerts/$alert_id/status" "$CISO_TOKEN" '{"status":"reported","reason":"too early"}') == 409 ]] ||
  fail "a forbidden transition was not refused with 409"
validate POST "/v1/alerts/{id}/status" 409 "$work/conflict.body"
actor=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["actor"])' "$work/alert.body")
[[ $(req actor GET "/v1/actors/$actor/accesses?$period&limit=20" "$CISO_TOKEN") == 200 ]] || fail "actor investigation"
validate GET "/v1/actors/{id}/accesses" 200 "$work/actor.body"
bsn=$("$py" -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; p+="="*(-len(p)%4); print(json.loads(base64.urlsafe_b64decode(p))["sub"])' "$CITIZEN_TOKEN")
[[ $(req subject POST /v1/subjects/accesses "$CISO_TOKEN" "{\"bsn\":\"$bsn\",\"from\":\"$from\",\"to\":\"$to\",\"limit\":10}") == 200 ]] ||
  fail "subject investigation"
validate POST /v1/subjects/accesses 200 "$work/subject.body"

# Rejections, each with a JSON error that matches the spec.
[[ $(req noauth GET "/v1/me/accesses?$period") == 401 ]] || fail "no token not refused"
validate GET /v1/me/accesses 401 "$work/noauth.body"
# The pages' routes: a session for the citizen, their context, the console's overview.
[[ $(curl -s -o "$work/session.body" -w '%{http_code}' -c "$work/cookies" -H 'X-Inzage-Request: 1' \
  -H 'Content-Type: application/json' --data "{\"token\":\"$CITIZEN_TOKEN\"}" "$url/v1/session") == 200 ]] ||
  fail "session: $(cat "$work/session.body")"
validate POST /v1/session 200 "$work/session.body"
grep -q 'inzage_session' "$work/cookies" || fail "no session cookie"
[[ $(curl -s -o "$work/context.body" -w '%{http_code}' -b "$work/cookies" "$url/v1/me/context") == 200 ]] ||
  fail "context with the session cookie"
validate GET /v1/me/context 200 "$work/context.body"
[[ $(curl -s -o "$work/out.body" -w '%{http_code}' -b "$work/cookies" -X DELETE "$url/v1/session") == 403 ]] ||
  fail "sign-out without X-Inzage-Request was not refused"
[[ $(req overview GET "/v1/overview?hours=24" "$CISO_TOKEN") == 200 ]] || fail "overview: $(cat "$work/overview.body")"
validate GET /v1/overview 200 "$work/overview.body"
[[ $(req wrongrole GET "/v1/alerts" "$CITIZEN_TOKEN") == 403 ]] || fail "citizen on the alert queue not refused"
validate GET /v1/alerts 403 "$work/wrongrole.body"
[[ $(req badperiod GET "/v1/me/accesses?from=$now&to=$from" "$CITIZEN_TOKEN") == 400 ]] || fail "bad period"
validate GET /v1/me/accesses 400 "$work/badperiod.body"
[[ $(req nothere GET /v1/nothing) == 404 ]] || fail "unknown route"
for name in health ready; do
  path=/healthz
  [[ $name == ready ]] && path=/readyz
  [[ $(req "$name" GET "$path") == 200 ]] || fail "$path"
  validate GET "$path" 200 "$work/$name.body"
done

# The reads above are accesses too: the citizen's own read and the officer's investigation show
# in the citizen's history once the pipeline has stored them (the journal made them durable
# before each answer; the history is written with the next batch).
reads_recorded() {
  req me2 GET "/v1/me/accesses?from=$from&to=$to&limit=1000" "$CITIZEN_TOKEN" >/dev/null
  grep -q '"inzage-verzoek"' "$work/me2.body" && grep -q '"privacy-onderzoek"' "$work/me2.body"
}
wait_until 30 "the citizen's read and the officer's investigation in the citizen's history" reads_recorded ||
  fail "the reads were not recorded: inzage-verzoek $(grep -c '"inzage-verzoek"' "$work/me2.body"), privacy-onderzoek $(grep -c '"privacy-onderzoek"' "$work/me2.body")"

# Property-based pass over the whole API, bounded (schemathesis against the spec).
INZAGE_VENV=$venv INZAGE_ST_EXAMPLES=${INZAGE_ST_EXAMPLES:-10} INZAGE_ST_TIMEOUT=${INZAGE_ST_TIMEOUT:-240} \
  "$root/tests/api/schemathesis_run.sh" "$url" "$CITIZEN_TOKEN" "$CISO_TOKEN" >"$work/schemathesis.out" 2>&1 ||
  {
    tail -40 "$work/schemathesis.out" >&2
    fail "schemathesis found responses that break the spec or server errors"
  }
kill -0 "$pid" 2>/dev/null || fail "inzaged died during the fuzzing pass"
grep -E "test cases|passed|Seed" "$work/schemathesis.out" | sed 's/^/api_e2e: schemathesis: /' | tail -6

# No BSN anywhere but in the citizen's own token: logs, metrics, every response body.
curl -s "$url/metrics" >"$work/metrics.body"
kill -TERM "$pid"
wait "$pid" || fail "inzaged did not stop cleanly"
pid=""
grep -q 'stopped cleanly' "$work/daemon.err" || fail "no clean stop logged"
# Every BSN of the demo world is in the 9999xxxxx test range: none may show anywhere.
grep -v "Authorization: Bearer" "$work/daemon.out" >"$work/daemon.out.notokens"
for f in "$work/daemon.err" "$work/daemon.out.notokens" "$work"/*.body; do
  if grep -Eo '[0-9]{9}' "$f" | grep -qxF "$bsn"; then fail "the citizen's BSN appears in $(basename "$f")"; fi
done
if grep -Eo '(^|[^0-9])9999[0-9]{5}([^0-9]|$)' "$work/daemon.err" "$work/metrics.body" "$work/daemon.out.notokens" | grep -q .; then
  fail "a BSN-shaped number (9999xxxxx) appears in a log line or a metric"
fi
echo "api_e2e: ok ($entries citizen entries; alert $alert_id acknowledged; schemathesis passed; no BSN in logs, metrics or responses)"
