# Shared by the real-Kafka e2e tests and the benchmarks that start a broker (source it; needs
# $root).
#   kafka_up DIR EVENTS_PARTITIONS  -> starts a broker in DIR, creates inzaged's topics, prints
#                                      the bootstrap address
#   key_reference SRC DST           -> reference NDJSON to "type:id<TAB>record" (compacted topic)
#   key_events SRC DST [FROM TO]    -> events NDJSON to "actor id<TAB>event" (lines FROM..TO-1)
#   generate_world INZAGE DIR EVENTS SEED
#                                   -> DIR/ref.ndjson, DIR/events.ndjson (`inzage generate`) and
#                                      their keyed forms DIR/ref.keyed, DIR/events.keyed
#   produce_reference BOOTSTRAP DIR -> DIR/ref.keyed to the reference topic
#   produce_world BOOTSTRAP DIR     -> that, and DIR/events.keyed to the events topic

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

generate_world() {
  local inzage=$1 dir=$2 events=$3 seed=$4
  "$inzage" generate --reference-out "$dir/ref.ndjson" --events-out "$dir/events.ndjson" \
    --events "$events" --seed "$seed"
  key_reference "$dir/ref.ndjson" "$dir/ref.keyed"
  key_events "$dir/events.ndjson" "$dir/events.keyed"
}

produce_reference() {
  local bootstrap=$1 dir=$2
  # An idempotent producer first: a broker started a moment ago answers the first request for a
  # producer id with "coordinator load in progress" for ~0.8 s, which inzaged's dead-letter
  # producer would otherwise wait out while it is being measured.
  kcat -P -b "$bootstrap" -X enable.idempotence=true -t inzage.reference -K$'\t' -l "$dir/ref.keyed"
}

produce_world() {
  local bootstrap=$1 dir=$2
  produce_reference "$bootstrap" "$dir"
  kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$dir/events.keyed"
}
