#!/usr/bin/env bash
# e2e of the Dutch logging standards against a real Apache Kafka 3.9 broker: accesses recorded by
# source systems built to the standards (tests/interop/ldv_producer.py: LDV spans made with the
# OpenTelemetry SDK and encoded with its own OTLP encoders, batched one request per message as the
# Collector's Kafka exporter writes them; VNG Verwerkingsacties), on three topics with their
# formats. Checks that inzaged decides exactly what `inzage replay` decides for the same messages,
# that every bad record reaches the dead-letter topic with its reason (one dead letter per
# message), that the store verifies, and that the LDV read API follows a trace.
# Fails (never skips) when the broker cannot start.
set -euo pipefail
inzaged=$1
inzage=$2
root=$3
events=${INZAGE_LDV_E2E_EVENTS:-3000}
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

venv=$("$root/scripts/python-venv.sh") || fail "the Python venv could not be made"
source "$root/tests/e2e/kafka_common.sh"
source "$root/tests/support/wait.sh"
# An OTLP request of 10,000 spans is several MB: the broker must take such messages.
export INZAGE_KAFKA_EXTRA_PROPS="message.max.bytes=20971520
replica.fetch.max.bytes=20971520"
bootstrap=$(kafka_up "$broker_dir" 1) || fail "the Kafka broker did not start (see above)"
for t in otlp_spans otlp_json_spans vng.verwerkingsacties; do
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" "$t" 1 >/dev/null
done
echo "broker at $bootstrap"
"$inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events "$events" --seed 31 >/dev/null
key_reference "$work/ref.ndjson" "$work/ref.keyed"
kcat -P -b "$bootstrap" -t inzage.reference -K$'\t' -l "$work/ref.keyed"
"$venv/bin/python" "$root/tests/interop/ldv_producer.py" --events "$work/events.ndjson" \
  --policy "$root/config/policy" --out "$work/msg" --bad --bootstrap "$bootstrap" \
  >"$work/produced.json" || fail "the producer failed"
cat "$work/produced.json"

# What a correct run decides: the same messages, replayed offline, one format at a time (each
# actor's events are on one topic, so the windowed rules see them in the same order).
declare -A want=([allow]=0 [review]=0 [violation]=0 [invalid]=0)
for f in otlp-proto otlp-json vng-verwerkingsactie; do
  summary=$("$inzage" replay --policy "$root/config/policy" --reference "$work/ref.ndjson" \
    --events "$work/msg.$f" --format "$f" --summary 2>&1)
  line=$(head -1 <<<"$summary")
  for v in allow review violation invalid; do
    n=$(sed -E "s/.* ([0-9]+) $v.*/\1/" <<<"$line")
    want[$v]=$((want[$v] + n))
  done
done
stored_want=$((want[allow] + want[review] + want[violation]))
dead_want=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["dead_letters"].values()))' \
  "$work/produced.json")
messages=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["messages"].values()))' \
  "$work/produced.json")

"$inzage" keygen --out "$work/key" 2>/dev/null
"$inzage" keygen --out "$work/token.key" 2>/dev/null
cat >"$work/inzaged.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: ldv-e2e
  inputs:
    - {topic: otlp_spans, format: otlp-proto}
    - {topic: otlp_json_spans, format: otlp-json}
    - {topic: vng.verwerkingsacties, format: vng-verwerkingsactie}
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 500
YAML
"$inzaged" --check-config --config "$work/inzaged.yaml" >/dev/null
"$inzaged" --config "$work/inzaged.yaml" >"$work/inzaged.out" 2>"$work/inzaged.log" &
daemon_pid=$!
consumed_all() {  # consumed_all OUT WHICH: the daemon's status line counts every message
  kill -0 "$daemon_pid" 2>/dev/null || fail "inzaged ($2) exited early"
  grep -q "consumed $messages " "$1" 2>/dev/null
}
wait_until 120 "inzaged consuming all $messages messages" consumed_all "$work/inzaged.out" "first run" ||
  fail "see above"
status=$(grep "consumed $messages " "$work/inzaged.out" | tail -1)
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "inzaged did not exit 0 after SIGTERM"
daemon_pid=""

for v in allow review violation; do
  got=$(sed -E "s/.* $v ([0-9]+).*/\1/" <<<"$status")
  [[ $got -eq ${want[$v]} ]] || fail "inzaged decided $got $v, replay ${want[$v]} ($status)"
done
stored=$(grep 'msg="stopped cleanly"' "$work/inzaged.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
[[ $stored -eq $stored_want ]] || fail "store holds $stored accesses, expected $stored_want"
"$inzage" verify --store "$work/store" | grep -q ": ok:" || fail "the store does not verify"
dead=$(kcat -C -b "$bootstrap" -t inzage.access-events.dlq -o beginning -e -q -f '%o\n' | wc -l)
[[ $dead -eq $dead_want ]] || fail "dead-letter topic holds $dead messages, expected $dead_want"
kcat -C -b "$bootstrap" -t inzage.access-events.dlq -o beginning -e -q -f '%h\n' >"$work/dlq.headers"
for reason in "no actor: the span has none of" "dpl.core.processing_activity_id is missing" \
  "dpl.core.data_subject_id_type \\\\\"A-nummer\\\\\" is not a type inzage knows" \
  "malformed OTLP protobuf" "names no data subject"; do
  grep -q -- "$reason" "$work/dlq.headers" || fail "no dead letter names: $reason"
done
grep -q "inzage.source.format=otlp-proto" "$work/dlq.headers" || fail "dead letters lack the format"

# A redelivered message stores nothing twice: every message again, byte for byte (a producer's
# retry, a Collector's re-export), read by the same group after a restart. Every span's event id
# is its trace and span id, so the store finds each access already there.
"$venv/bin/python" "$root/tests/interop/ldv_producer.py" --events "$work/events.ndjson" \
  --policy "$root/config/policy" --out "$work/msg" --resend --bootstrap "$bootstrap" >/dev/null
"$inzaged" --config "$work/inzaged.yaml" >"$work/inzaged2.out" 2>"$work/inzaged2.log" &
daemon_pid=$!
wait_until 120 "the second run reading the copies" consumed_all "$work/inzaged2.out" "second run" ||
  fail "see above"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "inzaged (second run) did not exit 0"
daemon_pid=""
stored2=$(grep 'msg="stopped cleanly"' "$work/inzaged2.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
[[ $stored2 -eq 0 ]] || fail "the redelivered messages stored $stored2 accesses again"
# The LDV read API, as a privacy officer and another organisation's logbook would use it: the
# traces the SDK made come back span for span, found by trace, subject and activity; a VNG record
# by its subject. A daemon of its own, after the counts above: each answer is stored as an access.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s/listen: \"127.0.0.1:0\"/listen: \"127.0.0.1:$port\"/" "$work/inzaged.yaml"
"$inzaged" --config "$work/inzaged.yaml" >"$work/inzaged3.out" 2>"$work/inzaged3.log" &
daemon_pid=$!
ready() {
  kill -0 "$daemon_pid" 2>/dev/null || fail "inzaged (read API run) exited early"
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1
}
wait_until 60 "the read API run becoming ready" ready || fail "see above"
read_summary=$("$venv/bin/python" "$root/tests/interop/ldv_read_check.py" \
  --api "http://127.0.0.1:$port" --token-key "$work/token.key" --messages "$work/msg" \
  --spec "$root/schemas/openapi.yaml") || fail "the LDV read API did not give back the produced traces"
echo "read API: $read_summary"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "inzaged (read API run) did not exit 0"
daemon_pid=""
reads=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["recorded_reads"])' "$read_summary")
stored3=$(grep 'msg="stopped cleanly"' "$work/inzaged3.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
[[ $stored3 -eq $reads ]] || fail "the read API answered $reads times but stored $stored3 accesses"
"$inzage" verify --store "$work/store" | grep -q ": ok:" || fail "the store does not verify after the reads"
echo "ldv e2e: ok ($messages messages, $stored accesses stored, $dead dead letters, decisions as replay, redelivery stored nothing, read API: $read_summary)"
