#!/usr/bin/env bash
# ops e2e: a real Prometheus scrapes `inzaged --demo` and loads the inzage alerting rules.
#  1. inzaged --demo listens on a free loopback port; GET /readyz answers 200;
#  2. GET /metrics passes `promtool check metrics`;
#  3. prometheus (Debian package) scrapes it every second with config/prometheus/inzage-alerts.yml
#     loaded: inzage_events_consumed_total > 0, up == 1, inzage_ready == 1, and /api/v1/rules
#     lists group `inzage` with every alert of the file evaluating without error;
#  4. every inzage_* metric an alert expression uses has a series in /metrics (a counter that
#     appears only with its first increment is never seen by increase(), so that alert could not
#     fire), and so does inzage_policy_reloads_total{result="failure"}.
# Loopback only. Every failure says why and exits 1; nothing is skipped.
# Usage: prometheus_scrape_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
(($# == 2)) || fail "usage: $0 SOURCE_DIR BUILD_DIR"
src=$1
inzaged="$2/inzaged"
rules="$src/config/prometheus/inzage-alerts.yml"
[[ -x $inzaged ]] || fail "$inzaged is not an executable (is $2 the build dir?)"
[[ -f $rules ]] || fail "$rules not found (is $src the source dir?)"
for tool in curl python3 promtool prometheus; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found: scripts/bootstrap.sh installs it (Debian packages curl python3 prometheus)"
done

work=$(mktemp -d)
inzaged_pid=""
prometheus_pid=""
# Stops what this script started (by pid), then removes the scratch directory.
stop() { # pid name
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do # 30 s: inzaged drains its batch on SIGTERM
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.3
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "warning: $2 (pid $pid) ignored SIGTERM for 30 s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((rc != 0)); then
    for log in inzaged prometheus; do
      if [[ -s $work/$log.log ]]; then
        echo "--- last lines of $log.log ---" >&2
        tail -n 30 "$work/$log.log" >&2
      fi
    done
  fi
  stop "$prometheus_pid" prometheus
  stop "$inzaged_pid" inzaged
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# GET on loopback; never through a proxy from the environment.
get() { curl --noproxy '*' -sS --max-time 5 "$@"; }
alive() { # pid name
  kill -0 "$1" 2>/dev/null || fail "$2 exited early (see its log below)"
}
now() { date +%s; }

# Two distinct free loopback ports, held open together while they are chosen.
read -r port pport < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()') || fail "could not pick free loopback ports (python3 socket bind)"
[[ -n $port && -n $pport ]] || fail "could not pick free loopback ports"
echo "inzaged on 127.0.0.1:$port, prometheus on 127.0.0.1:$pport, scratch $work"

# 1. inzaged --demo, ready within 60 s. --demo-seconds bounds its life if cleanup cannot run.
"$inzaged" --demo --state-dir "$work/state" --listen "127.0.0.1:$port" --demo-seconds 90 \
  >"$work/inzaged.log" 2>&1 &
inzaged_pid=$!
deadline=$(($(now) + 60))
code=""
while :; do
  alive "$inzaged_pid" inzaged
  code=$(get -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" 2>/dev/null) || true
  [[ $code == 200 ]] && break
  (($(now) < deadline)) || fail "GET /readyz did not answer 200 within 60 s (last status: ${code:-none})"
  sleep 0.5
done
echo "inzaged: /readyz 200 after $((60 - (deadline - $(now)))) s"

# 2. /metrics is valid Prometheus text format.
get -f "http://127.0.0.1:$port/metrics" >"$work/metrics.txt" || fail "GET /metrics failed"
grep -q '^inzage_build_info{' "$work/metrics.txt" || fail "/metrics has no inzage_build_info"
# RocksDB's memory, read at scrape time: the store has written its first rows by now.
grep -qE '^inzage_store_memory_bytes\{kind="memtables"\} [1-9]' "$work/metrics.txt" ||
  fail "/metrics has no non-zero inzage_store_memory_bytes{kind=\"memtables\"}"
# The dictionary may still be empty this early (no event committed yet): present is enough.
grep -qE '^inzage_store_dictionary_entries [0-9]' "$work/metrics.txt" ||
  fail "/metrics has no inzage_store_dictionary_entries"
grep -qE '^inzage_store_inline_strings_total [0-9]' "$work/metrics.txt" ||
  fail "/metrics has no inzage_store_inline_strings_total"
# Backpressure pauses: none in this short run, but the counter is exported.
grep -qE '^inzage_consumption_pauses_total [0-9]' "$work/metrics.txt" ||
  fail "/metrics has no inzage_consumption_pauses_total"
# The batch-size histogram reaches the default batch of 20,000 events.
grep -q '^inzage_store_batch_events_bucket{le="20000"}' "$work/metrics.txt" ||
  fail "/metrics: inzage_store_batch_events has no 20000 bucket"
promtool check metrics <"$work/metrics.txt" || fail "promtool check metrics rejected /metrics"
echo "inzaged: /metrics has $(grep -c '^inzage_' "$work/metrics.txt") inzage_ samples and passes promtool check metrics"

# 3. A real Prometheus with the rules. Its data and config live in the scratch directory.
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - "$rules"
scrape_configs:
  - job_name: inzaged
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
promtool check config "$work/prometheus.yml" >/dev/null || fail "promtool check config rejected the test's prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
api="http://127.0.0.1:$pport/api/v1"

# Prints the largest value of an instant query's result, or nothing when it has no series.
query_max() {
  get -f -G "$api/query" --data-urlencode "query=$1" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d["data"]["result"] if d.get("status") == "success" else []
if r:
    print(max(float(s["value"][1]) for s in r))' 2>/dev/null || true
}

deadline=$(($(now) + 60))
consumed=""
up=""
ready=""
while :; do
  alive "$inzaged_pid" inzaged
  alive "$prometheus_pid" prometheus
  consumed=$(query_max 'inzage_events_consumed_total{job="inzaged"}')
  up=$(query_max 'up{job="inzaged"}')
  ready=$(query_max 'inzage_ready{job="inzaged"}')
  if [[ -n $consumed && -n $up && -n $ready ]] &&
    python3 -c 'import sys; c, u, r = map(float, sys.argv[1:]); sys.exit(0 if c > 0 and u == 1 and r == 1 else 1)' \
      "$consumed" "$up" "$ready"; then
    break
  fi
  (($(now) < deadline)) || fail "within 60 s Prometheus did not see inzage_events_consumed_total > 0, up == 1 and inzage_ready == 1 (got consumed=${consumed:-none} up=${up:-none} ready=${ready:-none})"
  sleep 1
done
echo "prometheus: up=$up inzage_ready=$ready inzage_events_consumed_total=$consumed"
# Once events are committed, their history entries refer to dictionary entries.
deadline=$(($(now) + 30))
entries=""
while :; do
  alive "$inzaged_pid" inzaged
  entries=$(query_max 'inzage_store_dictionary_entries{job="inzaged"}')
  if [[ -n $entries ]] &&
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)' "$entries"; then
    break
  fi
  (($(now) < deadline)) || fail "within 30 s inzage_store_dictionary_entries stayed ${entries:-absent}"
  sleep 1
done
echo "prometheus: inzage_store_dictionary_entries=$entries"

# The rule group is loaded and every alert of the file has been evaluated without error.
mapfile -t expected < <(sed -nE 's/^[[:space:]]*-[[:space:]]*alert:[[:space:]]*([A-Za-z0-9_]+).*/\1/p' "$rules")
((${#expected[@]} > 0)) || fail "no alerts found in $rules"
deadline=$(($(now) + 30))
while :; do
  alive "$prometheus_pid" prometheus
  get -f "$api/rules" >"$work/rules.json" 2>/dev/null || echo '{}' >"$work/rules.json"
  if python3 - "$work/rules.json" "${expected[@]}" >"$work/rules.txt" 2>&1 <<'PY'; then
import json, sys
path, expected = sys.argv[1], sys.argv[2:]
try:
    groups = json.load(open(path))["data"]["groups"]
except (ValueError, KeyError, TypeError):
    sys.exit("no rule groups in the answer yet")
group = next((g for g in groups if g["name"] == "inzage"), None)
if group is None:
    sys.exit("group inzage is not loaded (groups: %s)" % [g["name"] for g in groups])
rules = {r["name"]: r for r in group["rules"] if r["type"] == "alerting"}
missing = sorted(set(expected) - set(rules))
if missing:
    sys.exit("group inzage lacks alerts %s" % missing)
for name in expected:
    r = rules[name]
    print("  %-32s health=%-7s state=%s" % (name, r["health"], r["state"]))
bad = [n for n in expected if rules[n]["health"] != "ok"]
if bad:
    sys.exit("not (yet) evaluated without error: %s" % ", ".join(
        "%s (%s%s)" % (n, rules[n]["health"],
                       ": " + rules[n]["lastError"] if rules[n].get("lastError") else "")
        for n in bad))
# The inzage_* metric names the alert expressions read.
import re
names = sorted({m for n in expected for m in re.findall(r"\binzage_[a-z0-9_]+", rules[n]["query"])})
with open(path + ".metrics", "w") as f:
    f.write("\n".join(names) + "\n")
PY
    break
  fi
  (($(now) < deadline)) || fail "/api/v1/rules within 30 s: $(tail -n 1 "$work/rules.txt")"
  sleep 1
done
echo "prometheus: group inzage loaded, ${#expected[@]} alerts evaluated:"
cat "$work/rules.txt"

# 4. Every metric an alert reads has a series; counters must start at 0, not appear on their
# first increment. Reporters of lag may need a few seconds after the partitions are assigned.
mapfile -t needed <"$work/rules.json.metrics"
deadline=$(($(now) + 30))
while :; do
  alive "$inzaged_pid" inzaged
  get -f "http://127.0.0.1:$port/metrics" >"$work/metrics.txt" || fail "GET /metrics failed"
  absent=()
  for name in "${needed[@]}" inzage_build_info inzage_events_consumed_total inzage_policy_info; do
    grep -qE "^${name}(\{| )" "$work/metrics.txt" || absent+=("$name")
  done
  grep -qE '^inzage_policy_reloads_total\{([^}]*,)?result="failure"' "$work/metrics.txt" ||
    absent+=('inzage_policy_reloads_total{result="failure"}')
  ((${#absent[@]} == 0)) && break
  (($(now) < deadline)) || fail "no series in /metrics for: ${absent[*]} (an alert that reads a missing series can never fire; export it at 0 from the start)"
  sleep 1
done
promtool check metrics <"$work/metrics.txt" || fail "promtool check metrics rejected the later /metrics"
echo "inzaged: /metrics has series for all ${#needed[@]} metrics the alerts read: ${needed[*]}"
echo "prometheus scrape e2e: ok"
