# Shared by the real-Kafka e2e tests and bench/kafka_e2e_bench.sh (source it; needs $root).
#   kafka_up DIR EVENTS_PARTITIONS  -> starts a broker in DIR, creates inzaged's topics, prints
#                                      the bootstrap address
#   key_reference SRC DST           -> reference NDJSON to "type:id<TAB>record" (compacted topic)
#   key_events SRC DST [FROM TO]    -> events NDJSON to "actor id<TAB>event" (lines FROM..TO-1)

kafka_up() {
  local dir=$1 partitions=$2 bootstrap
  bootstrap=$("$root/scripts/kafka-broker.sh" start "$dir") || return 1
  "$root/scripts/kafka-broker.sh" create-topic "$dir" inzage.access-events "$partitions" >/dev/null
  "$root/scripts/kafka-broker.sh" create-topic "$dir" inzage.access-events.dlq 1 >/dev/null
  "$root/scripts/kafka-broker.sh" create-topic "$dir" inzage.ciso-alerts 1 >/dev/null
  "$root/scripts/kafka-broker.sh" create-topic "$dir" inzage.reference 1 compact >/dev/null
  echo "$bootstrap"
}

key_reference() {
  python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as dst:
    for line in src:
        r = json.loads(line)
        dst.write(f"{r['type']}:{r.get('id') or r.get('subject')}\t{line}")
PY
}

key_events() {
  python3 - "$1" "$2" "${3:-0}" "${4:-}" <<'PY'
import sys
lines = open(sys.argv[1]).readlines()
end = int(sys.argv[4]) if sys.argv[4] else len(lines)
with open(sys.argv[2], "w") as dst:
    for line in lines[int(sys.argv[3]):end]:
        at = line.find('"actor":{"id":"')
        key = line[at + 15:line.index('"', at + 15)] if at >= 0 else "?"
        dst.write(f"{key}\t{line}")
PY
}

# The invalid count of an offline replay of the same input: what a correct run must show.
replay_invalid_count() {
  "$1" replay --policy "$root/config/policy" --reference "$2" --events "$3" --out /dev/null \
    --summary 2>&1 | grep -E ' [0-9]+ invalid' | sed -E 's/.* ([0-9]+) invalid.*/\1/'
}
