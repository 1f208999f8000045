#!/usr/bin/env bash
# End-to-end benchmark against a real Kafka 3.9 broker on loopback (issue: inzaged):
#   1. produce N generated events (default 4,000,000) with kcat,
#   2. the floor: kafka_floor consumes them and writes raw bytes to RocksDB (WAL on),
#   3. inzaged consumes the same messages (another group): parse, decide, store (WAL on),
# and prints both rates side by side, with the CPU seconds of inzaged and of the broker while
# inzaged ran, per thread, and inzaged's peak RSS. Usage: bench/kafka_e2e_bench.sh [EVENTS]
# The default of 4,000,000 events runs long enough for RocksDB's compactions to take their share
# (a run of 1,000,000 ends before the first one: a burst rate, not a sustained one).
# Environment: BATCH_MAX_EVENTS sets pipeline.batch_max_events (default: inzaged's own);
# STATE_TOPIC=1 runs inzaged with the state changelog (kafka.topics.state, 4 partitions);
# READ_PROBE_SECONDS=N also measures API reads under the full ingest load: 5 s after the
# daemon starts, bench/read_probe.py reads a citizen's first page and the CISO's alert list,
# alternating, one request every 50 ms for N seconds (each one an audited access, stored), and
# prints p50/p99 per kind after the run; the citizens' read limit is off for it.
# FORMAT=otlp-proto measures the same path for LDV spans (docs/interop.md): the events are
# recorded as an LDV source system records them (tests/interop/ldv_producer.py: the OpenTelemetry
# SDK, a span per processing and a child span per subject, SPANS_PER_MESSAGE spans (500) per
# ExportTraceServiceRequest, as the Collector's Kafka exporter batches them) on the topic
# otlp_spans; the rate is then accesses (child spans) per second. The SDK makes about 20,000
# spans a second in Python, so the default is 1,000,000 events there. The policy's
# interop.without_subject is set to skip for the run: otherwise every message, each holding
# parent spans without a subject, is also copied to the dead-letter topic.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
format=${FORMAT:-inzage}
if [[ $format == otlp-proto ]]; then events=${1:-1000000}; else events=${1:-4000000}; fi
build="$root/build"
work=$(mktemp -d)
broker_dir="$work/kafka"
pid=
# inzaged too, if a step fails while it runs (its store is in $work).
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

source "$root/tests/e2e/kafka_common.sh"
bootstrap=$(kafka_up "$broker_dir" 4)
state=""
if [[ -n ${STATE_TOPIC:-} ]]; then
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.state 4 compact >/dev/null
  state="  topics: {state: inzage.state}"
fi
generate_world "$build/inzage" "$work" "$events" 5
produce_reference "$bootstrap" "$work"
topic=inzage.access-events
messages=$events
policy_dir="$root/config/policy"
inputs=""
if [[ $format == otlp-proto ]]; then
  topic=otlp_spans
  "$root/scripts/kafka-broker.sh" create-topic "$broker_dir" "$topic" 4 >/dev/null
  venv=$("$root/scripts/python-venv.sh")
  cp -r "$root/config/policy" "$work/policy"
  sed -i 's/^  without_subject: dead_letter/  without_subject: skip/' "$work/policy/interop.yaml"
  policy_dir="$work/policy"
  started=$(date +%s)
  "$venv/bin/python" "$root/tests/interop/ldv_producer.py" --events "$work/events.ndjson" \
    --policy "$policy_dir" --out "$work/msg" --only otlp-proto \
    --spans-per-message "${SPANS_PER_MESSAGE:-500}" --bootstrap "$bootstrap" \
    --topic-proto "$topic" >"$work/produced.json"
  messages=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"]["otlp-proto"])' \
    "$work/produced.json")
  echo "otlp-proto: $(cat "$work/produced.json") in $(($(date +%s) - started)) s" \
    "($(du -h "$work/msg.otlp-proto" | cut -f1) of OTLP protobuf)"
  inputs="  inputs: [{topic: $topic, format: otlp-proto}]"
else
  kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/events.keyed"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "events: $events ($(du -h "$work/events.ndjson" | cut -f1) of JSON), format $format, broker: Kafka $("$root/scripts/kafka-broker.sh" version)"

"$build/kafka_floor" "$bootstrap" "$topic" floor "$messages" "$work/floor-db"

"$build/inzage" keygen --out "$work/key" 2>/dev/null
"$build/inzage" keygen --out "$work/token.key" 2>/dev/null
cat >"$work/inzaged.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: bench
$inputs
$state
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$policy_dir"
summary_interval_ms: 500
YAML
if [[ ${READ_PROBE_SECONDS:-0} -gt 0 ]]; then
  echo "api: {listen: \"127.0.0.1:0\", token_key_file: \"$work/token.key\", citizen_reads_per_minute: 0}" >"$work/api.yaml"
  sed -i '/^api:/d' "$work/inzaged.yaml"
  cat "$work/api.yaml" >>"$work/inzaged.yaml"
fi
if [[ -n ${BATCH_MAX_EVENTS:-} ]]; then
  echo "pipeline: {batch_max_events: $BATCH_MAX_EVENTS}" >>"$work/inzaged.yaml"
fi
# CPU seconds (user + system) of a process so far, from /proc/PID/stat.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
broker_pid=$(<"$broker_dir/broker.pid")
broker_before=$(cpu_s "$broker_pid")
"$build/inzaged" --config "$work/inzaged.yaml" >"$work/out" 2>"$work/log" &
pid=$!
probe=
if [[ ${READ_PROBE_SECONDS:-0} -gt 0 ]]; then
  sleep 5
  url=$(grep -o 'http listener bound" url=[^ ]*' "$work/log" | head -1 | sed 's/.*url=//')
  # A citizen with history: a subject of the first generated event.
  bsn=$(grep -m1 -o '"bsn":"[0-9]*"' "$work/events.ndjson" | grep -o '[0-9]*')
  echo "API reads under full ingest, ${READ_PROBE_SECONDS} s: a citizen's first page and the CISO's alert list, alternating, one every 50 ms:"
  python3 "$root/bench/read_probe.py" "$url" "$work/token.key" "$bsn" "$READ_PROBE_SECONDS" 0.05 \
    >"$work/probe" 2>&1 &
  probe=$!
fi
until grep -q "consumed $messages " "$work/out" 2>/dev/null; do
  kill -0 $pid 2>/dev/null || { tail "$work/log"; exit 1; }
  sleep 0.2
done
inzaged_cpu=$(cpu_s $pid)
broker_cpu=$(awk -v a="$broker_before" -v b="$(cpu_s "$broker_pid")" 'BEGIN {printf "%.2f", b - a}')
peak_rss=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
# CPU seconds per thread name (librdkafka's broker threads summed), largest first.
by_thread=$(for t in "/proc/$pid/task/"*; do
  printf '%s %s\n' "$(<"$t/comm")" "$(sed 's/.*) //' "$t/stat" | awk -v hz="$(getconf CLK_TCK)" '{print ($12 + $13) / hz}')"
done | sed -E 's/^rdk:broker[^ ]*/rdk:broker*/' |
  awk '{s[$1] += $2} END {for (n in s) if (s[n] >= 0.05) printf "%s %.2f\n", n, s[n]}' | sort -k2 -rn | xargs -r printf '%s %s s, ')
# What RocksDB holds of that RSS, from the daemon's own metrics (the listener's URL is logged).
# Informational: a missing line or a failed scrape leaves it empty rather than ending the run.
url=$(grep -o 'http listener bound" url=[^ ]*' "$work/log" | head -1 | sed 's/.*url=//' || true)
store_memory=$( (curl -fsS --max-time 5 --noproxy '*' "$url/metrics" || true) |
  awk -F'[{}"]' '/^inzage_store_memory_bytes/ {split($NF, v, " "); printf "%s %.0f MB, ", $3, v[1] / 1048576}')
if [[ -n $probe ]]; then
  wait "$probe" || true
  sed 's/^/  /' "$work/probe"
fi
kill -TERM $pid
wait $pid
pid=
if [[ $format == otlp-proto ]]; then
  grep 'stopped cleanly' "$work/log" | sed -E 's/.*consumed=([0-9]+) stored=([0-9]+).*first_to_last_message_s=([0-9.]+).*/\1 \2 \3/' |
    awk '{printf "inzaged: %d OTLP messages, %d accesses stored in %.3f s = %.0f accesses/s (decode + map + decide + store, WAL on)\n", $1, $2, $3, $2 / $3}'
else
  grep 'stopped cleanly' "$work/log" | sed -E 's/.*consumed=([0-9]+).*first_to_last_message_s=([0-9.]+) events_per_s=([0-9]+).*/inzaged: \1 events in \2 s = \3 events\/s (parse + decide + store, WAL on)/'
fi
echo "cpu while inzaged ran (from its start, so start-up included): inzaged ${inzaged_cpu} s," \
  "Kafka broker ${broker_cpu} s; inzaged peak RSS ${peak_rss}"
echo "inzaged cpu by thread: ${by_thread%, }"
echo "store memory at the end: ${store_memory%, }"
# RocksDB logs (warn level) when it slows or stops writes because compaction is behind.
stalls=$(grep -ciE 'stalling writes|stopping writes' "$work/log" || true)
echo "rocksdb write stalls logged: ${stalls}"
# Backpressure from the alert relay (outbox above its limit) pauses consumption.
echo "consumption paused (alert relay behind): $(grep -c 'consumption paused' "$work/log" || true) times"
grep -oiE '(stalling|stopping) writes because [^0-9]*' "$work/log" | sort | uniq -c | sed 's/^/  /' || true
