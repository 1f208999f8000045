#!/usr/bin/env bash
# Soak benchmark: does inzaged's memory grow with the events it has seen? Runs inzaged while
# events flow, samples its RSS and the events consumed every few seconds, and prints the curve,
# the slope (MB per million events, least squares over the samples from 5 M on) and RSS at the
# end against RSS at 5 M events (the target: within 10 %), both as a whole and less what
# RocksDB holds (its block cache fills towards its configured capacity as the store grows).
#
#   bench/soak_rss.sh demo  [EVENTS]   inzaged --demo: its embedded mock cluster and generator,
#                                      with years of history (--demo-history-days) to flow
#   bench/soak_rss.sh kafka [EVENTS]   a real Kafka broker on loopback (as bench/kafka_e2e_bench.sh);
#                                      the events are generated and produced while inzaged
#                                      consumes them, so the disk holds them once (the broker's log)
# EVENTS defaults to 20,000,000. SAMPLE_S sets the sampling interval (default 5). The curve is
# also written to $SOAK_CSV when set (events,rss_kb,seconds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-demo}
events=${2:-20000000}
sample_s=${SAMPLE_S:-5}
build="$root/build"
work=$(mktemp -d)
pid=
producer=
broker_dir="$work/kafka"
# Every step may fail (the producer may be gone already) without ending the cleanup early under
# `set -e`: the broker was once left running after a run whose producer had finished.
cleanup() {
  [[ -n $producer ]] && kill "$producer" 2>/dev/null || true
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  [[ $mode == kafka ]] && "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

case $mode in
demo)
  # The demo makes ~6,000 events per generated day before it follows the clock: enough days of
  # history that the stream does not run dry before EVENTS.
  days=$((events / 4000 + 14))
  ((days > 20000)) && days=20000
  "$build/inzaged" --demo --demo-history-days "$days" --state-dir "$work/state" >"$work/out" 2>"$work/log" &
  pid=$!
  ;;
kafka)
  source "$root/tests/e2e/kafka_common.sh"
  bootstrap=$(kafka_up "$broker_dir" 4)
  "$build/inzage" generate --reference-out "$work/ref.ndjson" --events-out /dev/null \
    --events 1 --seed 5 >/dev/null
  key_reference "$work/ref.ndjson" "$work/ref.keyed"
  kcat -P -b "$bootstrap" -X enable.idempotence=true -t inzage.reference -K$'\t' -l "$work/ref.keyed"
  "$build/inzage" keygen --out "$work/key" 2>/dev/null
  "$build/inzage" keygen --out "$work/token.key" 2>/dev/null
  cat >"$work/inzaged.yaml" <<YAML
kafka: {brokers: "$bootstrap", group_id: soak}
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 1000
YAML
  "$build/inzaged" --config "$work/inzaged.yaml" >"$work/out" 2>"$work/log" &
  pid=$!
  # Keyed by actor id, as producers do (docs/contracts.md §1); the same seed as the reference.
  ("$build/inzage" generate --reference-out /dev/null --events-out - --events "$events" \
    --seed 5 2>/dev/null |
    awk '{ at = index($0, "\"actor\":{\"id\":\""); k = substr($0, at + 15);
           k = substr(k, 1, index(k, "\"") - 1); print k "\t" $0 }' |
    kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -z lz4 -X linger.ms=50) &
  producer=$!
  ;;
*)
  echo "usage: $0 demo|kafka [EVENTS]" >&2
  exit 2
  ;;
esac

echo "machine: $(nproc) cores; mode: $mode; events: $events; a sample every ${sample_s} s"
start=$(date +%s)
samples="$work/samples"
: >"$samples"
consumed=0
while ((consumed < events)); do
  sleep "$sample_s"
  kill -0 $pid 2>/dev/null || { tail "$work/log"; exit 1; }
  consumed=$( (grep -o 'consumed [0-9]*' "$work/out" || true) | tail -1 | awk '{print $2}')
  consumed=${consumed:-0}
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  # What RocksDB holds (memtables, block cache, table readers), from the daemon's metrics: the
  # rest of RSS is inzaged's own memory and the allocator's.
  if [[ -z ${metrics_url:-} ]]; then
    metrics_url=$( (grep -o 'http listener bound" url=[^ ]*' "$work/log" || true) | head -1 | sed 's/.*url=//')
  fi
  rocks=0 heap=0
  if [[ -n $metrics_url ]]; then
    metrics=$(curl -fsS --max-time 5 --noproxy '*' "$metrics_url/metrics" || true)
    rocks=$(awk '/^inzage_store_memory_bytes/ {s += $NF} END {printf "%d", s / 1024}' <<<"$metrics")
    # The live heap (jemalloc's allocated bytes; RocksDB's memtables and cache are part of it).
    heap=$(awk '/^inzage_allocator_bytes\{kind="allocated"\}/ {printf "%d", $NF / 1024}' <<<"$metrics")
  fi
  echo "$consumed $rss $(($(date +%s) - start)) $rocks ${heap:-0}" >>"$samples"
  printf '%6.2f M events  RSS %6.0f MB  RocksDB %5.0f MB  rest %5.0f MB  live heap %5.0f MB  (%d s)\n' \
    "$(echo "$consumed / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
    "$(echo "$rocks / 1024" | bc -l)" "$(echo "($rss - $rocks) / 1024" | bc -l)" \
    "$(echo "${heap:-0} / 1024" | bc -l)" "$(($(date +%s) - start))"
done
if [[ -n $metrics_url ]]; then
  (curl -fsS --max-time 5 --noproxy '*' "$metrics_url/metrics" || true) |
    grep -E '^inzage_(store_memory_bytes|incidents_in_memory|incidents_closed_early_total|consumer_lag_messages)' |
    sed 's/^/  /' || true
fi
kill -TERM $pid
wait $pid || true
pid=
[[ -n ${SOAK_CSV:-} ]] && awk 'BEGIN {print "events,rss_kb,seconds,rocksdb_kb,heap_kb"} {print $1 "," $2 "," $3 "," $4 "," $5}' "$samples" >"$SOAK_CSV"
# RSS swings with RocksDB's memtables (filled, flushed): compare means over windows, not single
# samples. "At 5 M" is the mean of the samples from 4 M to 6 M events, "at the end" the mean of
# the last 2 M events' samples.
awk -v target="$events" '
  { e[NR] = $1; r[NR] = $2; o[NR] = $2 - $4; h[NR] = $5 }
  END {
    for (i = 1; i <= NR; i++) {
      if (e[i] >= 4000000 && e[i] <= 6000000) { n5++; s5 += r[i]; q5 += o[i]; h5 += h[i] }
      if (e[i] >= e[NR] - 2000000) { ne++; se += r[i]; qe += o[i]; he += h[i] }
      if (e[i] >= 5000000) { n++; sx += e[i] / 1e6; sy += r[i] / 1024; sxx += (e[i] / 1e6) ^ 2; sxy += e[i] / 1e6 * r[i] / 1024 }
      if (r[i] > peak) peak = r[i]
    }
    if (n >= 2 && n * sxx - sx * sx > 0) printf "slope from 5 M on: %.1f MB per million events (%d samples)\n", (n * sxy - sx * sy) / (n * sxx - sx * sx), n
    if (n5 && ne) printf "RSS mean at 4-6 M: %.0f MB; over the last 2 M (to %.1f M): %.0f MB; ratio %.3f (target <= 1.10); peak %.0f MB\n", s5 / n5 / 1024, e[NR] / 1e6, se / ne / 1024, (se / ne) / (s5 / n5), peak / 1024
    if (n5 && ne) printf "RSS less RocksDB (memtables, block cache, table readers): %.0f MB at 4-6 M, %.0f MB over the last 2 M; ratio %.3f\n", q5 / n5 / 1024, qe / ne / 1024, (qe / ne) / (q5 / n5)
    if (n5 && ne && h5 > 0) printf "live heap (jemalloc allocated): %.0f MB at 4-6 M, %.0f MB over the last 2 M; ratio %.3f\n", h5 / n5 / 1024, he / ne / 1024, (he / ne) / (h5 / n5)
  }' "$samples"
