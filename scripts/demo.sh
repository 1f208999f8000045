#!/usr/bin/env bash
# ./scripts/demo.sh — install what is missing, build, and run inzage on the embedded default:
# the shipped Noaberkracht policy and a generated world (employees, citizens, cases, consents,
# triage decisions, processors). First `inzage replay` decides a generated day offline and shows
# what fired; then the daemon `inzaged --demo` runs for INZAGE_DEMO_SECONDS (default 30) on an
# embedded Kafka (librdkafka's mock cluster) with a generated stream, printing a status line
# every 2 s; finally `inzage query` shows one citizen's "who viewed my data" from its store.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh
./scripts/ui-deps.sh  # the web pages' pinned npm packages (styles, fonts, charts)
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/inzage-ccache}
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target inzage inzaged

events=${INZAGE_DEMO_EVENTS:-200000}
out=demo-out
mkdir -p "$out"

echo
echo "== 1. The policy: config/policy/*.yaml, validated and its test cases run"
build/inzage check-policy --policy config/policy --tests config/policy/tests

echo
echo "== 2. A generated world and $events access events"
build/inzage generate --reference-out "$out/reference.ndjson" --events-out "$out/events.ndjson" \
  --events "$events" --seed 1
echo "reference records: $(wc -l <"$out/reference.ndjson"), events: $(wc -l <"$out/events.ndjson")"

echo
echo "== 3. Every event decided: inzage replay"
start=$(date +%s.%N)
build/inzage replay --policy config/policy --reference "$out/reference.ndjson" \
  --events "$out/events.ndjson" --out "$out/decisions.ndjson" --summary
end=$(date +%s.%N)
python3 - "$out/decisions.ndjson" "$start" "$end" <<'PY'
import collections, json, sys
decisions = [json.loads(line) for line in open(sys.argv[1])]
seconds = float(sys.argv[3]) - float(sys.argv[2])
print(f"{len(decisions)} decisions in {seconds:.2f} s ({len(decisions) / seconds:,.0f} events/s, "
      "parse + decide + JSON output, one core)")
rules = collections.Counter(r["id"] for d in decisions for r in d["rules"])
print("\nrules that fired most:")
for rule, n in rules.most_common(12):
    print(f"  {n:7d}  {rule}")
print("\none decision of each kind:")
shown = set()
for d in decisions:
    if d["verdict"] not in shown:
        shown.add(d["verdict"])
        print("  " + json.dumps(d, ensure_ascii=False))
PY
echo
echo "Decisions: $out/decisions.ndjson (one per event, docs/contracts.md §3). No decision contains a BSN:"
if grep -Eq '[0-9]{9}' "$out/decisions.ndjson"; then echo "  FOUND A 9-DIGIT NUMBER"; exit 1; fi
echo "  checked: no 9-digit number in any decision."

echo
echo "== 4. The daemon on an embedded Kafka: inzaged --demo (Ctrl-C stops it early)"
rm -rf "$out/state"
# While it runs, use the HTTP API as a citizen and as the CISO would (the daemon prints the
# same curl lines, with tokens it signed itself, for you to try in another terminal).
(
  for _ in $(seq 1 60); do [[ -f $out/state/demo-tokens.env ]] && break; sleep 0.5; done
  sleep 10
  # shellcheck disable=SC1091
  source "$out/state/demo-tokens.env" || exit 0
  from=$(date -u -d '-14 days' +%FT%TZ)
  to=$(date -u -d '+1 day' +%FT%TZ)
  echo
  echo "-- API, as the citizen (GET /v1/me/accesses, newest 3):"
  curl -s --noproxy '*' -H "Authorization: Bearer $CITIZEN_TOKEN" \
    "$INZAGE_URL/v1/me/accesses?from=$from&to=$to&limit=3" |
    python3 -c 'import json,sys; [print("  " + json.dumps(e, ensure_ascii=False)) for e in json.load(sys.stdin)["entries"]]'
  echo "-- API, as the CISO (GET /v1/alerts?status=open&severity=high, first):"
  curl -s --noproxy '*' -H "Authorization: Bearer $CISO_TOKEN" \
    "$INZAGE_URL/v1/alerts?status=open&severity=high&limit=1" |
    python3 -c 'import json,sys; [print("  " + json.dumps(a, ensure_ascii=False)[:400] + " ...") for a in json.load(sys.stdin)["alerts"]]'
  echo "-- /metrics:"
  curl -s --noproxy '*' "$INZAGE_URL/metrics" | grep -E '^inzage_(decisions_total|alerts_breach)' | sed 's/^/  /'
  echo
) &
api_tour=$!
build/inzaged --demo --demo-seconds "${INZAGE_DEMO_SECONDS:-30}" --state-dir "$out/state" \
  2>"$out/inzaged.log"
wait "$api_tour" || true
tail -1 "$out/inzaged.log"
build/inzage verify --store "$out/state/store"

echo
echo "== 5. Who viewed my data? One generated citizen's accesses, from the daemon's store"
bsn=$(python3 - "$out/state/store" <<'PY'
import json
# The citizens of the demo world (seed 1) are the generator's; pick one that has a case.
for line in open("demo-out/reference.ndjson"):
    r = json.loads(line)
    if r.get("type") == "case" and r.get("status") == "open":
        print(r["subjects"][0]); break
PY
)
build/inzage query --store "$out/state/store" --key-file "$out/state/pseudonym.key" \
  --subject "$bsn" --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z | tail -8
