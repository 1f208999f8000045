#!/usr/bin/env bash
# e2e: `inzage generate` + `inzage replay` + `inzage check-policy` as docs/contracts.md §5 describes.
# Fails loudly on the first broken expectation.
set -euo pipefail
inzage=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events 5000 --seed 42
[[ $(wc -l <"$work/events.ndjson") -eq 5000 ]] || fail "generate wrote the wrong number of events"

# One decision per event, in input order, every verdict present.
"$inzage" replay --policy "$root/config/policy" --reference "$work/ref.ndjson" \
  --events "$work/events.ndjson" --out "$work/decisions.ndjson" --summary 2>"$work/summary"
[[ $(wc -l <"$work/decisions.ndjson") -eq 5000 ]] || fail "replay did not print one decision per event"
python3 - "$work/events.ndjson" "$work/decisions.ndjson" <<'PY'
import json, sys
events = open(sys.argv[1]).read().splitlines()
decisions = [json.loads(l) for l in open(sys.argv[2])]
seen = set()
for i, (e, d) in enumerate(zip(events, decisions)):
    try:
        eid = json.loads(e).get("event_id")
    except ValueError:
        eid = None
    if d["event_id"] is not None and eid is not None:
        assert d["event_id"] == eid, f"line {i+1}: order differs"
    assert d["verdict"] in ("allow", "review", "violation", "invalid"), d
    if d["verdict"] == "allow":
        assert d["rules"] == [] and d["explanation"], d
    else:
        assert d["rules"], d
    seen.add(d["verdict"])
assert seen == {"allow", "review", "violation", "invalid"}, seen
PY
# No BSN in any decision: no run of 9 digits at all.
if grep -Eq '[0-9]{9}' "$work/decisions.ndjson"; then fail "a decision contains a 9-digit number"; fi
grep -q "allow" "$work/summary" || fail "no summary line"
grep -q "alerts; 0 events too late" "$work/summary" || fail "no alert/late summary line"

# Windowed behaviour rules and incidents: --alerts writes one alert per line (docs/contracts.md §4), and
# the same input gives byte-identical decisions and alerts (even with another ephemeral key).
for run in 1 2; do
  "$inzage" replay --policy "$root/config/policy" --reference "$work/ref.ndjson" \
    --events "$work/events.ndjson" --out "$work/decisions.$run" --alerts "$work/alerts.$run"
done
cmp -s "$work/decisions.ndjson" "$work/decisions.1" || fail "replay decisions differ between runs"
cmp -s "$work/alerts.1" "$work/alerts.2" || fail "replay alerts differ between runs"
python3 - "$work/decisions.ndjson" "$work/alerts.1" <<'PY'
import json, re, sys
decisions = [json.loads(l) for l in open(sys.argv[1])]
fired = {r["id"] for d in decisions for r in d["rules"]}
assert "behavior.bulk_export" in fired, sorted(fired)
alerts = [json.loads(l) for l in open(sys.argv[2])]
assert alerts, "no alerts"
fields = {"alert_id", "rule", "severity", "verdict", "actor", "municipality", "first_seen",
          "last_seen", "count", "subjects", "evidence", "explanation", "policy_refs",
          "breach_deadline", "status", "policy_revision"}
ids = set()
hits = 0
for a in alerts:
    assert fields <= a.keys(), fields - a.keys()
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{8}){3}", a["alert_id"]), a["alert_id"]
    assert a["alert_id"] not in ids, a["alert_id"]
    ids.add(a["alert_id"])
    assert a["status"] == "open" and a["verdict"] in ("violation", "review"), a
    assert a["evidence"]["total"] == a["count"] and len(a["evidence"]["event_ids"]) <= 100, a
    assert a["first_seen"] <= a["last_seen"], a
    hits += a["count"]
# Every violation or review hit of a decision is in exactly one alert (input.invalid_rate aside).
expected = sum(1 for d in decisions if d["verdict"] in ("violation", "review") for r in d["rules"])
stream = sum(a["count"] for a in alerts if a["rule"] == "input.invalid_rate")
assert hits - stream == expected, (hits, stream, expected)
assert any(a["rule"] == "behavior.bulk_export" for a in alerts)
PY
if grep -Eq '[0-9]{9}' "$work/alerts.1"; then fail "an alert contains a 9-digit number"; fi

# stdin and stdout; a bad line yields an invalid decision at its position and replay goes on.
printf '%s\n' "$(head -1 "$work/events.ndjson")" '{"broken' "$(sed -n 2p "$work/events.ndjson")" |
  "$inzage" replay --policy "$root/config/policy" --reference "$work/ref.ndjson" --events - \
  >"$work/three.ndjson"
[[ $(wc -l <"$work/three.ndjson") -eq 3 ]] || fail "stdin replay: expected 3 decisions"
sed -n 2p "$work/three.ndjson" | grep -q '"verdict":"invalid"' || fail "bad line not invalid"

# Invalid policy or reference data: non-zero with a clear message.
cp -r "$root/config/policy" "$work/policy"
sed -i 's/domains: \[wmo\], info: \[wat, dat, cumulative\]/domains: [wmoo], info: [wat, dat, cumulative]/' \
  "$work/policy/roles.yaml"
if "$inzage" replay --policy "$work/policy" --reference "$work/ref.ndjson" \
  --events "$work/events.ndjson" >/dev/null 2>"$work/err"; then
  fail "replay accepted an invalid policy"
fi
grep -q 'unknown domain "wmoo"' "$work/err" || fail "policy error does not say what is wrong"
echo '{"type":"case","id":"z","subjects":["123"]}' >"$work/badref.ndjson"
if "$inzage" replay --policy "$root/config/policy" --reference "$work/badref.ndjson" \
  --events "$work/events.ndjson" >/dev/null 2>"$work/err"; then
  fail "replay accepted invalid reference data"
fi
grep -q 'badref.ndjson:1: case.subjects' "$work/err" || fail "reference error lacks file:line"

# check-policy fails when a test case fails.
cp -r "$root/config/policy/tests" "$work/tests"
sed -i '0,/expect: {verdict: allow, rules: \[\]}/s//expect: {verdict: violation, rules: [auth.unknown_actor]}/' \
  "$work/tests/allow.yaml"
if "$inzage" check-policy --policy "$root/config/policy" --tests "$work/tests" >"$work/out"; then
  fail "check-policy passed with a wrong expectation"
fi
grep -q "^FAIL " "$work/out" || fail "check-policy did not name the failing case"
echo "replay e2e: ok"
