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

source "$root/tests/support/wait.sh"
source "$root/tests/e2e/kafka_common.sh"
bootstrap=$(kafka_up "$broker_dir" 4) || fail "the Kafka broker did not start (see above)"
echo "broker at $bootstrap"
generate_world "$inzage" "$work" "$events" 21
produce_world "$bootstrap" "$work"

invalid=$(replay_invalid_count "$inzage" "$work/ref.ndjson" "$work/events.ndjson")
valid=$((events - invalid))

"$inzage" keygen --out "$work/key" 2>/dev/null
"$inzage" keygen --out "$work/token.key" 2>/dev/null
cat >"$work/inzaged.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: e2e
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 500
YAML
"$inzaged" --check-config --config "$work/inzaged.yaml" >/dev/null
"$inzaged" --config "$work/inzaged.yaml" >"$work/inzaged.out" 2>"$work/inzaged.log" &
daemon_pid=$!
consumed_all() {
  kill -0 "$daemon_pid" 2>/dev/null || fail "inzaged exited early"
  grep -q "consumed $events " "$work/inzaged.out" 2>/dev/null
}
wait_until 120 "inzaged consuming all $events events" consumed_all || fail "see above"
# SIGTERM drains: the batch in flight and the dead letters are committed before the exit.
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
