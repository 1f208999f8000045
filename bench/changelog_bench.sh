#!/usr/bin/env bash
# bench/changelog_bench.sh [EMPLOYEES] [EVENTS] — the state changelog (kafka.topics.state,
# docs/scale-out.md) against a real Kafka broker (scripts/kafka-broker.sh):
#   restore   one instance consumes EVENTS generated events (default 300,000) of EMPLOYEES
#             actors (default 8,000, with 1,000 citizens: the generator's BSN range holds 9,000) on one partition and stops cleanly; a second instance, on
#             a store of its own, is then assigned that partition and restores its state from
#             the changelog before it consumes. Printed: actors and records restored, the
#             restore's milliseconds (its log line) and that time per 10,000 actors.
#   takeover  two static members share 4 partitions; one is SIGKILLed and not restarted. Printed:
#             seconds from the kill until the other holds all 4 partitions (the session timeout,
#             20 s, comes first) and how long restoring each one took: once from the topic, once
#             from a standby's warm copy (kafka.standby).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
employees=${1:-8000}
events=${2:-300000}
build="$root/build"
work=$(mktemp -d)
broker_dir="$work/kafka"
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true; if [[ -n ${KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi' EXIT
source "$root/tests/support/wait.sh"
source "$root/tests/e2e/kafka_common.sh"

bootstrap=$("$root/scripts/kafka-broker.sh" start "$broker_dir")
for t in one four; do
  n=$([[ $t == one ]] && echo 1 || echo 4)
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" "events-$t" "$n" >/dev/null
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" "state-$t" "$n" compact >/dev/null
done
# A state topic belongs to one consumer group: each takeover run has its own.
for mode in topic standby; do
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" "state-four-$mode" 4 compact >/dev/null
done
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.access-events.dlq 1 >/dev/null
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.ciso-alerts 1 >/dev/null
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.reference 1 compact >/dev/null
"$build/inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events "$events" --employees "$employees" --citizens 1000 --seed 7 >/dev/null
key_reference "$work/ref.ndjson" "$work/ref.keyed"
key_events "$work/events.ndjson" "$work/events.keyed"
produce_reference "$bootstrap" "$work"
for t in one four; do kcat -P -b "$bootstrap" -t "events-$t" -K$'\t' -l "$work/events.keyed"; done
"$build/inzage" keygen --out "$work/key" 2>/dev/null
"$build/inzage" keygen --out "$work/token.key" 2>/dev/null
echo "machine: $(nproc) cores; broker: Kafka $("$root/scripts/kafka-broker.sh" version); $events events of $employees employees"

# config NAME TOPICS GROUP [INSTANCE]
config() {
  cat >"$work/$1.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: $3
  instance_name: ${4:-$1}
  topics: {events: events-$2, state: state-$2}
store: {path: "$work/store-$1"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 200
YAML
}
start() {
  "$build/inzaged" --config "$work/$1.yaml" >"$work/$1.out" 2>"$work/$1.log" &
  pids+=($!)
  eval "pid_$1=$!"
}
consumed() { { grep -o 'consumed [0-9]*' "$work/$1.out" 2>/dev/null || true; } | awk '{n = $2} END {print n + 0}'; }
consumed_all() { (($(consumed "$1") >= $2)); }
restores() { grep -c 'partition state restored from the changelog' "$work/$1.log" 2>/dev/null || true; }

# restore: a writes the changelog of one partition, b (another group, so nothing is committed
# for it) restores it.
config a one writer
start a
wait_until 600 "the writer consuming every event" consumed_all a "$events" || exit 1
kill -TERM "$pid_a"
wait "$pid_a"
config b one reader
start b
wait_until 120 "the reader restoring the partition" eval '(($(restores b) >= 1))' || exit 1
line=$(grep 'partition state restored from the changelog' "$work/b.log")
actors=$(sed -E 's/.* actors=([0-9]+).*/\1/' <<<"$line")
# Reading the records (read_ms) and applying them (ms).
read_ms=$(sed -E 's/.* read_ms=([0-9]+).*/\1/' <<<"$line")
ms=$(($(sed -E 's/.* ms=([0-9]+).*/\1/' <<<"$line") + read_ms))
echo "restore: $actors actors, $(sed -E 's/.* incidents=([0-9]+).*/\1/' <<<"$line") incidents, $(sed -E 's/.* records=([0-9]+).*/\1/' <<<"$line") records read and applied in $ms ms ($read_ms ms reading): $(awk -v m="$ms" -v a="$actors" 'BEGIN {printf "%.0f", m * 10000 / a}') ms per 10,000 actors"
kill -TERM "$pid_b"
wait "$pid_b"

# takeover: c and d share 4 partitions; c is killed for good. Once with d restoring from the
# topic, once with d a standby (kafka.standby).
for mode in ${TAKEOVER_MODES:-topic standby}; do
  config c four "pair-$mode"
  config d four "pair-$mode"
  sed -i "s/state: state-four}/state: state-four-$mode}/" "$work/c.yaml" "$work/d.yaml"
  if [[ $mode == standby ]]; then sed -i 's/^  topics:/  standby: true\n  topics:/' "$work/d.yaml"; fi
  rm -rf "$work/store-c" "$work/store-d"
  start c
  wait_until 120 "c consuming" eval '(($(consumed c) >= 1))' || exit 1
  start d
  wait_until 120 "d holding 2 partitions" eval '(($(grep -c "msg=\"assigned\"" "$work/d.log") >= 2))' || exit 1
  wait_until 120 "both at the end" eval '(($(consumed c) + $(consumed d) >= events))' || exit 1
  kill -9 "$pid_c"
  killed=$(date +%s.%N)
  wait_until 120 "d holding all 4 partitions" eval '(($(grep -c "msg=\"assigned\"" "$work/d.log") >= 4))' || exit 1
  held=$(awk -v a="$killed" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  echo "takeover after a SIGKILL, from the $mode: d held all 4 partitions ${held} s after the kill;" \
    "c's 2 partitions: $(grep 'partition state restored' "$work/d.log" | tail -2 | sed -E 's/.* actors=([0-9]+).* read_ms=([0-9]+) ms=([0-9]+).*/\1 actors, \2 ms reading, \3 ms applying;/' | xargs)"
  kill -TERM "$pid_d"
  wait "$pid_d"
done
