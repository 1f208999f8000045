#!/usr/bin/env bash
# ./scripts/demo.sh — install what is missing, build, and run inzage on the embedded default:
# the shipped Noaberkracht policy, a generated world (employees, citizens, cases, consents,
# triage decisions, processors) and a generated stream of access events, decided offline by
# `inzage replay`. (The Kafka daemon inzaged is not built yet; this shows the decision engine
# that it will run.)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh
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
echo "Decisions: $out/decisions.ndjson (one per event, contracts §3). No decision contains a BSN:"
if grep -Eq '[0-9]{9}' "$out/decisions.ndjson"; then echo "  FOUND A 9-DIGIT NUMBER"; exit 1; fi
echo "  checked: no 9-digit number in any decision."
