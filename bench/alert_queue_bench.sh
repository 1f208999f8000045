#!/usr/bin/env bash
# bench/alert_queue_bench.sh [ALERTS] — /metrics and the CISO's alert list with ALERTS alerts in
# the store (default 1,000,000; issue: alert queue at scale, target /metrics p99 < 50 ms and the
# list's first page p99 < 20 ms). Runs build/alert_queue_driver (the store is kept in
# /tmp/inzage-alert-bench and reused while ALERTS is the same), which prints its own p50/p99 of
# one request at a time, then wrk against each URL, one connection for 10 s (latency), with
# --latency for p50/p90/p99. Every list request is recorded as an access (a store commit), as in
# production.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
alerts=${1:-1000000}
dir=/tmp/inzage-alert-bench
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }
rm -f "$dir/urls" "$dir/ciso.token"
"$root/build/alert_queue_driver" "$dir" "$alerts" 120 &
driver=$!
trap 'kill $driver 2>/dev/null || true' EXIT
for _ in $(seq 1 2400); do
  [[ -s $dir/urls ]] && break
  kill -0 $driver 2>/dev/null || { echo "driver stopped" >&2; exit 1; }
  sleep 0.5
done
token=$(cat "$dir/ciso.token")
while read -r url; do
  echo "== wrk -t1 -c1 -d10s --latency $url"
  wrk -t1 -c1 -d10s --latency -H "Authorization: Bearer $token" "$url" |
    grep -E 'Requests/sec|requests in|Non-2xx|^ +(50|90|99)%'
done <"$dir/urls"
kill $driver 2>/dev/null || true
wait $driver 2>/dev/null || true
