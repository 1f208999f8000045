#!/usr/bin/env bash
# e2e against a real Apache Kafka 3.9 broker (single KRaft node on loopback, started here by
# scripts/kafka-broker.sh from Maven Central jars): 100,000 events produced with kcat, decided
# by inzaged, checked in the store, the dead-letter topic and the daemon's own counts.
# Fails (never skips) when the broker cannot start.
set -euo pipefail
inzaged=$1
inzage=$2
root=$3
events=${INZAGE_E2E_EVENTS:-100000}
work=$(mktemp -d)
broker_dir="$work/kafka"
daemon_pid=""
cleanup() {
  [[ -n $daemon_pid ]] && kill -9 "$daemon_pid" 2>/dev/null || true
  "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $work/inzaged.log ]] && tail -20 "$work/inzaged.log" >&2
  exit 1
}

bootstrap=$("$root/scripts/kafka-broker.sh" start "$broker_dir") ||
  fail "the Kafka broker did not start (see above)"
echo "broker at $bootstrap"
for t in "inzage.access-events 4" "inzage.access-events.dlq 1" "inzage.ciso-alerts 1"; do
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" $t >/dev/null
done
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.reference 1 compact >/dev/null

"$inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events "$events" --seed 21
# Keys: reference records by type:id, events by actor id (contracts §1-2); tab-separated.
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/ref.ndjson") as src, open(f"{w}/ref.keyed", "w") as dst:
    for line in src:
        r = json.loads(line)
        dst.write(f"{r['type']}:{r.get('id') or r.get('subject')}\t{line}")
with open(f"{w}/events.ndjson") as src, open(f"{w}/events.keyed", "w") as dst:
    for line in src:
        key = "?"
        at = line.find('"actor":{"id":"')
        if at >= 0:
            key = line[at + 15:line.index('"', at + 15)]
        dst.write(f"{key}\t{line}")
PY
kcat -P -b "$bootstrap" -t inzage.reference -K$'\t' -l "$work/ref.keyed"
kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/events.keyed"

# What a correct run must show: the invalid count from an offline replay of the same input.
invalid=$("$inzage" replay --policy "$root/config/policy" --reference "$work/ref.ndjson" \
  --events "$work/events.ndjson" --out /dev/null --summary 2>&1 |
  grep -E ' [0-9]+ invalid' | sed -E 's/.* ([0-9]+) invalid.*/\1/')
valid=$((events - invalid))

"$inzage" keygen --out "$work/key" 2>/dev/null
cat >"$work/inzaged.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: e2e
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
policy_dir: "$root/config/policy"
summary_interval_ms: 500
YAML
"$inzaged" --check-config --config "$work/inzaged.yaml" >/dev/null
"$inzaged" --config "$work/inzaged.yaml" >"$work/inzaged.out" 2>"$work/inzaged.log" &
daemon_pid=$!
for _ in $(seq 1 240); do
  if grep -q "consumed $events " "$work/inzaged.out" 2>/dev/null; then break; fi
  kill -0 "$daemon_pid" 2>/dev/null || fail "inzaged exited early"
  sleep 0.5
done
grep -q "consumed $events " "$work/inzaged.out" || fail "inzaged did not consume all $events events"
sleep 1
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "inzaged did not exit 0 after SIGTERM"
daemon_pid=""
grep -q 'msg="stopped cleanly"' "$work/inzaged.log" || fail "no clean shutdown line"

stored=$(grep 'msg="stopped cleanly"' "$work/inzaged.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
[[ $stored -eq $valid ]] || fail "store holds $stored events, expected $valid"
"$inzage" verify --store "$work/store" | grep -q ": ok:" || fail "the store does not verify"
dead=$(kcat -C -b "$bootstrap" -t inzage.access-events.dlq -o beginning -e -q -f '%o\n' | wc -l)
[[ $dead -eq $invalid ]] || fail "dead-letter topic holds $dead messages, expected $invalid"
kcat -C -b "$bootstrap" -t inzage.access-events.dlq -o beginning -c 1 -e -q \
  -f '%h\n' | grep -q "inzage.reason=" || fail "dead letters lack the reason header"
echo "kafka e2e: ok ($events events, $valid stored, $invalid dead letters)"
