#!/usr/bin/env bash
# e2e on a real Kafka 3.9 broker: two inzaged instances in one consumer group with a rebalance
# in the middle (the second joins while the first is consuming). Every valid event must end up
# in exactly one of the two stores: the sum of what they stored equals the valid count, and
# each store verifies. (The mock cluster cannot show this: it refuses offset commits during a
# rebalance, see known traps.)
set -euo pipefail
inzaged=$1
inzage=$2
root=$3
half=${INZAGE_HANDOVER_EVENTS_HALF:-40000}
work=$(mktemp -d)
broker_dir="$work/kafka"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for n in a b; do [[ -f $work/$n.log ]] && tail -5 "$work/$n.log" >&2; done
  exit 1
}

source "$root/tests/e2e/kafka_common.sh"
bootstrap=$(kafka_up "$broker_dir" 8) || fail "the Kafka broker did not start"
"$inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events $((2 * half)) --seed 31
key_reference "$work/ref.ndjson" "$work/ref.keyed"
key_events "$work/events.ndjson" "$work/first.keyed" 0 "$half"
key_events "$work/events.ndjson" "$work/second.keyed" "$half"
kcat -P -b "$bootstrap" -t inzage.reference -K$'\t' -l "$work/ref.keyed"
kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/first.keyed"
invalid=$(replay_invalid_count "$inzage" "$work/ref.ndjson" "$work/events.ndjson")
valid=$((2 * half - invalid))

"$inzage" keygen --out "$work/key" 2>/dev/null
"$inzage" keygen --out "$work/token.key" 2>/dev/null
for n in a b; do
  cat >"$work/$n.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: handover
  properties: {session.timeout.ms: "10000", heartbeat.interval.ms: "1000"}
store: {path: "$work/store-$n"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 500
YAML
done
consumed() { grep -o "consumed [0-9]*" "$work/$1.out" 2>/dev/null | tail -1 | cut -d' ' -f2; }

"$inzaged" --config "$work/a.yaml" >"$work/a.out" 2>"$work/a.log" &
pids+=($!)
for _ in $(seq 1 120); do [[ $(consumed a || echo 0) -ge $((half / 2)) ]] && break; sleep 0.5; done
[[ $(consumed a || echo 0) -ge $((half / 2)) ]] || fail "instance a did not start consuming"
# The second instance joins mid-stream: the group rebalances, a hands over half of the
# partitions (finishing and committing its batch in flight first), and the second half of the
# events is produced while both own partitions.
"$inzaged" --config "$work/b.yaml" >"$work/b.out" 2>"$work/b.log" &
pids+=($!)
for _ in $(seq 1 120); do grep -q 'msg="assigned"' "$work/b.log" 2>/dev/null && break; sleep 0.5; done
grep -q 'msg="assigned"' "$work/b.log" || fail "instance b was never assigned partitions"
kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/second.keyed"
for _ in $(seq 1 240); do
  total=$(($(consumed a || echo 0) + $(consumed b || echo 0)))
  [[ $total -ge $((2 * half)) ]] && grep -q "consumed [1-9]" "$work/b.out" && break
  sleep 0.5
done
sleep 2
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p" || fail "an instance did not stop cleanly"; done
pids=()
grep -q 'assigned' "$work/b.log" || fail "instance b was never assigned partitions"
stored_a=$(grep 'stopped cleanly' "$work/a.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
stored_b=$(grep 'stopped cleanly' "$work/b.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
[[ $stored_b -gt 0 ]] || fail "instance b stored nothing: no handover happened"
[[ $((stored_a + stored_b)) -eq $valid ]] ||
  fail "a stored $stored_a and b $stored_b: together $((stored_a + stored_b)), expected $valid"
for n in a b; do
  "$inzage" verify --store "$work/store-$n" | grep -q ": ok:" || fail "store $n does not verify"
done
echo "handover e2e: ok (a stored $stored_a, b stored $stored_b, $valid valid events, exactly once)"
