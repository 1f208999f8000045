#!/usr/bin/env bash
# e2e: keygen, ingest (twice: the second adds nothing), query by subject and actor, verify,
# backup and restore, as an operator would run them (docs/contracts.md §5).
set -euo pipefail
inzage=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
policy="$root/config/policy"

"$inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events 3000 --seed 11
"$inzage" keygen --out "$work/key"
[[ $(stat -c %a "$work/key") == 600 ]] || fail "key file is not mode 0600"

out=$("$inzage" ingest --policy "$policy" --reference "$work/ref.ndjson" --store "$work/store" \
  --key-file "$work/key" --events "$work/events.ndjson" 2>/dev/null)
echo "$out"
stored=$(sed -E 's/.*: ([0-9]+) events stored.*/\1/' <<<"$out")
[[ $stored -gt 2900 ]] || fail "too few events stored: $stored"
again=$("$inzage" ingest --policy "$policy" --reference "$work/ref.ndjson" --store "$work/store" \
  --key-file "$work/key" --events "$work/events.ndjson" 2>/dev/null)
grep -q ": 0 events stored" <<<"$again" || fail "re-ingesting the same file added events: $again"

# The subject of the first event: its accesses, newest first, with a count line.
bsn=$(head -1 "$work/events.ndjson" | grep -o '"bsn":"[0-9]*"' | head -1 | cut -d'"' -f4)
"$inzage" query --store "$work/store" --key-file "$work/key" --subject "$bsn" \
  --from 2026-01-01T00:00:00Z --to 2027-01-01T00:00:00Z >"$work/q.txt"
tail -1 "$work/q.txt" | grep -Eq '^[1-9][0-9]* entries$' || fail "subject query found nothing"
if grep -q "$bsn" "$work/q.txt"; then fail "query output contains the BSN"; fi
actor=$(head -1 "$work/events.ndjson" | grep -o '"actor":{"id":"[^"]*"' | cut -d'"' -f6)
"$inzage" query --store "$work/store" --key-file "$work/key" --actor "$actor" \
  --from 2026-01-01T00:00:00Z --to 2027-01-01T00:00:00Z --json --policy "$policy" \
  >"$work/a.json" 2>"$work/a.count"
# The API's investigation entry (schemas/openapi.yaml InvestigationEntry), one per line.
python3 - "$work/a.json" <<'PY' || fail "query --json is not the API's investigation entry"
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert {"time", "event_id", "actor", "role", "activity", "verdict", "rules", "subject_count"} <= e.keys(), e
    assert isinstance(e["rules"], list) and isinstance(e["activity"]["name"], str), e
PY
grep -Eq '^[1-9][0-9]* entries$' "$work/a.count" || fail "actor query found nothing"

"$inzage" verify --store "$work/store" | grep -q ": ok:" || fail "verify did not pass"

# Another key must be refused, not silently find nothing.
"$inzage" keygen --out "$work/other-key"
if "$inzage" query --store "$work/store" --key-file "$work/other-key" --subject "$bsn" \
  --from 2026-01-01T00:00:00Z --to 2027-01-01T00:00:00Z 2>"$work/err"; then
  fail "a store opened with another pseudonym key"
fi
grep -q "pseudonym key id" "$work/err" || fail "wrong-key error does not say why"

"$inzage" backup --store "$work/store" --to "$work/backup" 2>"$work/backup.err"
if grep -q "level=warn\|level=error" "$work/backup.err"; then
  fail "a healthy backup logs warnings: $(head -2 "$work/backup.err")"
fi
"$inzage" restore --from "$work/backup" --store "$work/restored"
"$inzage" verify --store "$work/restored" | grep -q ": ok:" || fail "restored store does not verify"
# Restoring over a store that exists needs --force.
if "$inzage" restore --from "$work/backup" --store "$work/restored" 2>"$work/err"; then
  fail "restore replaced an existing store without --force"
fi
grep -q "exists and is not empty" "$work/err" || fail "restore over a store does not say why"
"$inzage" restore --from "$work/backup" --store "$work/restored" --force >/dev/null
# The table has a header row.
head -1 "$work/q.txt" | grep -q '^TIME ' || fail "query's table has no header row"
n1=$(tail -1 "$work/q.txt")
n2=$("$inzage" query --store "$work/restored" --key-file "$work/key" --subject "$bsn" \
  --from 2026-01-01T00:00:00Z --to 2027-01-01T00:00:00Z | tail -1)
[[ "$n1" == "$n2" ]] || fail "restored store answers differently ($n1 vs $n2)"
echo "store e2e: ok"
