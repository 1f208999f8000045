#!/usr/bin/env bash
# e2e on a real Kafka 3.9 broker: two inzaged instances in one consumer group, each a static
# member (kafka.instance_name), on 8 partitions.
#   1. a consumes alone;
#   2. b joins mid-stream: with cooperative rebalancing a gives up only the 4 partitions b takes
#      (a's log shows 4 revoked, never 8, and nothing assigned to a again);
#   3. b is SIGKILLed mid-stream and started again at once: as a static member it gets the same
#      4 partitions straight back, and a sees no rebalance at all;
#   4. both consume to the end and stop.
# Every valid event must then be in exactly one of the two stores (the events `inzage verify`
# counts add up to the valid count), and each store verifies. (The mock cluster cannot show
# this: it refuses offset commits during a rebalance, see docs/operations.md.)
set -euo pipefail
inzaged=$1
inzage=$2
root=$3
half=${INZAGE_HANDOVER_EVENTS_HALF:-40000}
work=$(mktemp -d)
broker_dir="$work/kafka"
declare -A pid=()
cleanup() {
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for n in a b b2; do [[ -f $work/$n.log ]] && { echo "-- $n.log" >&2; tail -5 "$work/$n.log" >&2; }; done
  exit 1
}
source "$root/tests/support/wait.sh"
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
  instance_name: instance-$n
store: {path: "$work/store-$n"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 200
YAML
done
# start NAME CONFIG: inzaged with NAME.out (status lines) and NAME.log.
start() {
  "$inzaged" --config "$work/$2.yaml" >"$work/$1.out" 2>"$work/$1.log" &
  pid[$1]=$!
}
alive() { kill -0 "${pid[$1]}" 2>/dev/null || fail "instance $1 exited: $(tail -3 "$work/$1.log")"; }
consumed() { { grep -o "consumed [0-9]*" "$work/$1.out" 2>/dev/null || echo "consumed 0"; } | tail -1 | cut -d' ' -f2; }
count() { grep -c "msg=\"$2\"" "$work/$1.log" 2>/dev/null || true; }
partitions() { grep "msg=\"assigned\"" "$work/$1.log" | sed -E 's/.* partition=([0-9]+).*/\1/' | sort -n | xargs; }
consuming_at_least() { alive "$1" && (($(consumed "$1") >= $2)); }
assigned_exactly() { alive "$1" && (($(count "$1" assigned) == $2)); }
# Messages behind the end, summed over the partitions of one instance (its /metrics).
lag() {
  local url
  url=$(grep -o 'http listener bound" url=[^ ]*' "$work/$1.log" | head -1 | sed 's/.*url=//')
  curl -fsS --max-time 5 --noproxy '*' "$url/metrics" |
    awk '/^inzage_consumer_lag_messages\{/ {n++; s += $NF} END {if (n == 0) print -1; else print s}'
}
caught_up() {
  local n
  for n in "$@"; do alive "$n"; [[ $(lag "$n") == 0 ]] || return 1; done
}

# 1. a alone, on all 8 partitions.
start a a
wait_until 120 "instance a consuming $((half / 2)) events" consuming_at_least a $((half / 2)) || fail "see above"
[[ $(count a assigned) -eq 8 ]] || fail "instance a has $(count a assigned) partitions, expected 8"

# 2. b joins: cooperative-sticky moves 4 partitions and leaves a's other 4 alone.
start b b
wait_until 120 "instance b getting 4 partitions" assigned_exactly b 4 || fail "see above"
[[ $(count a revoked) -eq 4 ]] ||
  fail "instance a gave up $(count a revoked) partitions when b joined, expected only the 4 that moved"
[[ $(count a assigned) -eq 8 ]] || fail "partitions were assigned to a again: an eager rebalance"
b_partitions=$(partitions b)
echo "b joined: a gave up partitions $b_partitions and kept consuming the others"

# 3. b is killed mid-stream and restarted at once: as a static member it takes the same
#    partitions straight back, without a rebalance of a.
kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/second.keyed"
wait_until 120 "instance b consuming" consuming_at_least b 1 || fail "see above"
kill -9 "${pid[b]}"
wait "${pid[b]}" 2>/dev/null || true
killed_at=$(date +%s.%N)
start b2 b
wait_until 60 "the restarted b getting its partitions back" assigned_exactly b2 4 || fail "see above"
wait_until 60 "the restarted b consuming" consuming_at_least b2 1 || fail "see above"
echo "b restarted: consuming again $(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s after the SIGKILL"
[[ $(partitions b2) == "$b_partitions" ]] ||
  fail "the restarted b got partitions $(partitions b2), it had $b_partitions"
[[ $(count a revoked) -eq 4 && $(count a assigned) -eq 8 ]] ||
  fail "a was rebalanced by b's restart (revoked $(count a revoked), assigned $(count a assigned))"

# 4. to the end.
wait_until 240 "both instances at the end of their partitions" caught_up a b2 || fail "see above"
for n in a b2; do kill -TERM "${pid[$n]}"; done
for n in a b2; do wait "${pid[$n]}" || fail "instance $n did not stop cleanly"; done
pid=()
stored() {
  "$inzage" verify --store "$work/store-$1" >"$work/verify-$1" || fail "store $1 does not verify: $(cat "$work/verify-$1")"
  sed -E 's/.* ([0-9]+) events in .*/\1/' "$work/verify-$1"
}
stored_a=$(stored a)
stored_b=$(stored b)
[[ $stored_b -gt 0 ]] || fail "instance b stored nothing: no handover happened"
[[ $((stored_a + stored_b)) -eq $valid ]] ||
  fail "a stored $stored_a and b $stored_b: together $((stored_a + stored_b)), expected $valid"
echo "handover e2e: ok (a stored $stored_a, b stored $stored_b, $valid valid events, exactly once)"
