#!/usr/bin/env bash
# bench/api_bench.sh [EVENTS] — the HTTP API under load (issue: HTTP API, performance).
# Runs build/api_query_driver on a store of EVENTS accesses (default 10,000,000; the store is
# kept in /tmp/inzage-api-bench and reused while EVENTS is the same), which reports the citizen
# query latency p50/p99 for the subject with 10,000 entries, then keeps serving while wrk
# measures requests/s and latency on loopback: one connection (latency), then 16 connections
# over 2 threads (throughput). Every request is a citizen's first page of 100 entries, and
# every request is recorded as an access (a store commit), as in production.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
events=${1:-10000000}
dir=/tmp/inzage-api-bench
command -v wrk >/dev/null || { echo "wrk not found (scripts/bootstrap.sh installs it)" >&2; exit 1; }
rm -f "$dir/url" "$dir/citizen.token"
"$root/build/api_query_driver" "$dir" "$events" 60 &
driver=$!
trap 'kill $driver 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do
  [[ -s $dir/url ]] && break
  kill -0 $driver 2>/dev/null || { echo "driver stopped" >&2; exit 1; }
  sleep 0.5
done
url=$(cat "$dir/url")
token=$(cat "$dir/citizen.token")
echo "== wrk, 1 connection, 10 s (latency of one request at a time)"
wrk -t1 -c1 -d10s --latency -H "Authorization: Bearer $token" "$url"
echo "== wrk, 16 connections on 2 threads, 20 s (throughput)"
wrk -t2 -c16 -d20s --latency -H "Authorization: Bearer $token" "$url"
kill $driver 2>/dev/null || true
wait $driver 2>/dev/null || true
