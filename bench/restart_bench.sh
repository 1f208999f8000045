#!/usr/bin/env bash
# bench/restart_bench.sh [EVENTS] — how long an inzaged that was SIGKILLed waits, once restarted,
# before it consumes again (issue: scale-out, target: consuming again within 10 s of a SIGKILL).
# Against a real Kafka broker (scripts/kafka-broker.sh, 4 partitions) holding EVENTS generated
# events (default 2,000,000), for each mode in MODES (default "static dynamic dynamic-45s"):
#   static       kafka.instance_name set: a static group member (group.instance.id)
#   dynamic      no instance name, inzaged's session defaults (session.timeout.ms 20000)
#   dynamic-45s  no instance name, librdkafka's default session (45 s), as before
# inzaged starts on a fresh store and group, is killed (SIGKILL) once it has consumed 200,000
# events, and is started again after RESTART_DELAY seconds (default 5: systemd's RestartSec).
# Printed per mode: kill -> ready again, kill -> consuming again (its status line, every
# 100 ms, counts events consumed since the restart).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
events=${1:-2000000}
modes=${MODES:-static dynamic dynamic-45s}
delay=${RESTART_DELAY:-5}
build="$root/build"
work=$(mktemp -d)
broker_dir="$work/kafka"
pid=
trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

source "$root/tests/e2e/kafka_common.sh"
bootstrap=$(kafka_up "$broker_dir" 4)
generate_world "$build/inzage" "$work" "$events" 5
produce_world "$bootstrap" "$work"
"$build/inzage" keygen --out "$work/key" 2>/dev/null
"$build/inzage" keygen --out "$work/token.key" 2>/dev/null
echo "machine: $(nproc) cores; broker: Kafka $("$root/scripts/kafka-broker.sh" version); $events events on 4 partitions; restart $delay s after the kill"

# The consumed count of the newest status line in FILE (0 before the first).
consumed() { { grep -o 'consumed [0-9]*' "$1" 2>/dev/null || true; } | awk '{n = $2} END {print n + 0}'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

for mode in $modes; do
  instance="" session=""
  case $mode in
    static) instance="  instance_name: bench-host" ;;
    dynamic) ;;
    dynamic-45s) session='  consumer_properties: {session.timeout.ms: "45000", heartbeat.interval.ms: "3000"}' ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
  rm -rf "$work/store"
  cat >"$work/inzaged.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: restart-$mode
$instance
$session
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 100
YAML
  "$build/inzaged" --config "$work/inzaged.yaml" >"$work/out.1" 2>"$work/log.1" &
  pid=$!
  deadline=$((SECONDS + 120))
  until (($(consumed "$work/out.1") >= 200000)); do
    kill -0 $pid 2>/dev/null || { tail "$work/log.1"; exit 1; }
    ((SECONDS < deadline)) || { echo "$mode: no progress within 120 s" >&2; exit 1; }
    sleep 0.05
  done
  kill -9 $pid
  killed_at=$(now)
  wait $pid 2>/dev/null || true
  before=$(consumed "$work/out.1")
  sleep "$delay"
  "$build/inzaged" --config "$work/inzaged.yaml" >"$work/out.2" 2>"$work/log.2" &
  pid=$!
  ready="" deadline=$((SECONDS + 180))
  until (($(consumed "$work/out.2") > 0)); do
    kill -0 $pid 2>/dev/null || { tail "$work/log.2"; exit 1; }
    ((SECONDS < deadline)) || { echo "$mode: not consuming within 180 s of the restart" >&2; exit 1; }
    [[ -z $ready ]] && grep -q '"ready"' "$work/log.2" && ready=$(since "$killed_at")
    sleep 0.05
  done
  consuming=$(since "$killed_at")
  [[ -z $ready ]] && ready=$consuming
  kill -TERM $pid
  wait $pid || true
  pid=
  printf '%-12s killed after %d events; kill -> ready %5.1f s, kill -> consuming again %5.1f s (restart %d s after the kill)\n' \
    "$mode" "$before" "$ready" "$consuming" "$delay"
done
