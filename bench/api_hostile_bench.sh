#!/usr/bin/env bash
# bench/api_hostile_bench.sh [SAMPLES] — the API's latency under hostile load: 1,000 idle and 50
# slowloris connections held against `inzaged --demo` (tests/api/hostile_load.py) while /readyz
# and a citizen's first page are asked for SAMPLES times each (default 1000). Prints p50, p99
# and max of each, and whether p99 is under the 100 ms target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
samples=${1:-1000}
report=$(mktemp /tmp/inzage-hostile-XXXXXX.json)
trap 'rm -f "$report"' EXIT
python3 "$root/tests/api/hostile_load.py" --inzaged "$root/build/inzaged" --samples "$samples" \
  --report "$report" >/dev/null
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['idle_connections']} idle + {r['trickling_connections']} trickling connections; "
      f"tricklers cut off after {r['trickle_closed_within_s']} s (deadline {r['request_timeout_ms']} ms)")
for name in ("readyz", "citizen_first_page"):
    s = r[name]
    verdict = "within" if s["p99_ms"] < 100 else "OVER"
    print(f"  {name:20s} n={s['n']:5d}  p50 {s['p50_ms']:7.2f} ms  p99 {s['p99_ms']:7.2f} ms  "
          f"max {s['max_ms']:7.2f} ms  ({verdict} the 100 ms p99 target)")
PY
