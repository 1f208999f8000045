#!/usr/bin/env bash
# End-to-end benchmark against a real Kafka 3.9 broker on loopback (issue: inzaged):
#   1. produce N generated events (default 1,000,000) with kcat,
#   2. the floor: kafka_floor consumes them and writes raw bytes to RocksDB (WAL on),
#   3. inzaged consumes the same messages (another group): parse, decide, store (WAL on),
# and prints both rates side by side. Usage: bench/kafka_e2e_bench.sh [EVENTS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
events=${1:-1000000}
build="$root/build"
work=$(mktemp -d)
broker_dir="$work/kafka"
trap '"$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

bootstrap=$("$root/scripts/kafka-broker.sh" start "$broker_dir")
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.access-events 4 >/dev/null
for t in inzage.access-events.dlq inzage.ciso-alerts; do
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" "$t" 1 >/dev/null
done
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.reference 1 compact >/dev/null
"$build/inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events "$events" --seed 5
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/ref.ndjson") as src, open(f"{w}/ref.keyed", "w") as dst:
    for line in src:
        r = json.loads(line)
        dst.write(f"{r['type']}:{r.get('id') or r.get('subject')}\t{line}")
with open(f"{w}/events.ndjson") as src, open(f"{w}/events.keyed", "w") as dst:
    for line in src:
        at = line.find('"actor":{"id":"')
        key = line[at + 15:line.index('"', at + 15)] if at >= 0 else "?"
        dst.write(f"{key}\t{line}")
PY
kcat -P -b "$bootstrap" -t inzage.reference -K$'\t' -l "$work/ref.keyed"
kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/events.keyed"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "events: $events ($(du -h "$work/events.ndjson" | cut -f1) of JSON), broker: Kafka $("$root/scripts/kafka-broker.sh" version)"

"$build/kafka_floor" "$bootstrap" inzage.access-events floor "$events" "$work/floor-db"

"$build/inzage" keygen --out "$work/key" 2>/dev/null
cat >"$work/inzaged.yaml" <<YAML
kafka: {brokers: "$bootstrap", group_id: bench}
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
policy_dir: "$root/config/policy"
summary_interval_ms: 500
YAML
"$build/inzaged" --config "$work/inzaged.yaml" >"$work/out" 2>"$work/log" &
pid=$!
until grep -q "consumed $events " "$work/out" 2>/dev/null; do
  kill -0 $pid 2>/dev/null || { tail "$work/log"; exit 1; }
  sleep 0.2
done
kill -TERM $pid
wait $pid
grep 'stopped cleanly' "$work/log" | sed -E 's/.*consumed=([0-9]+).*first_to_last_message_s=([0-9.]+) events_per_s=([0-9]+).*/inzaged: \1 events in \2 s = \3 events\/s (parse + decide + store, WAL on)/'
