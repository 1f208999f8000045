#!/usr/bin/env bash
# e2e on a real Kafka 3.9 broker: three inzaged instances (a, b, c), static members of one
# group, on 12 partitions, with the state changelog (kafka.topics.state). The input goes out in
# four parts, so that each change of the group falls in the middle of the stream:
#   1. a consumes alone;
#   2. b and c join (each restores its partitions' state from the changelog a wrote);
#   3. b is SIGKILLed in the middle of a batch, at a point its status line reports, and
#      restarted at once (its own store is the newest copy);
#   4. c stops cleanly (its partitions' state goes to a and b through the changelog);
#   5. c starts again and takes partitions back, restoring them from the changelog.
# Then:
#   - the alerts (by id, newest version) equal those of `inzage replay --alerts` over the same
#     stream on one instance, input.invalid_rate aside (its window is per partition, so a
#     replay of the whole stream has other windows);
#   - every valid event is in exactly one store (`inzage verify` counts add up);
#   - one citizen's accesses, asked through each instance, are the same and complete: the
#     instances find each other on the membership topic (kafka.topics.membership), there is no
#     peer list in their configuration.
# Last, c is retired: its history is handed to a's store (`inzage hand-over`, twice: the
# second run stores nothing) and c is published as retired (`inzage retire`). Before that, a
# query through a restarted a is marked partial (c is stopped, its history unreachable); after
# it, the query through a and b is complete, with c gone for good.
# With a fourth argument "standby", every instance is a standby (kafka.standby): partitions are
# taken over from its warm copy of the changelog, and the same must hold.
set -euo pipefail
inzaged=$1
inzage=$2
root=$3
standby=${4:-}
part=${INZAGE_CHAOS_EVENTS_PART:-12000}
work=$(mktemp -d)
broker_dir="$work/kafka"
declare -A pid=()
cleanup() {
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true
  if [[ -n ${INZAGE_KEEP_WORK:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for n in a b b2 c c2 a3 a4 b4; do [[ -f $work/$n.log ]] && { echo "-- $n.log" >&2; tail -5 "$work/$n.log" >&2; }; done
  exit 1
}
source "$root/tests/support/wait.sh"
source "$root/tests/e2e/kafka_common.sh"
export NO_PROXY='*' no_proxy='*'

bootstrap=$(kafka_up "$broker_dir" 12) || fail "the Kafka broker did not start"
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.state 12 compact >/dev/null
"$root/scripts/kafka-broker.sh" create-topic "$broker_dir" inzage.members 1 compact >/dev/null
generate_world "$inzage" "$work" $((4 * part)) 41
produce_reference "$bootstrap" "$work"
for i in 0 1 2 3; do
  sed -n "$((i * part + 1)),$(((i + 1) * part))p" "$work/events.keyed" >"$work/part$i.keyed"
done
produce_part() { kcat -P -b "$bootstrap" -t inzage.access-events -K$'\t' -l "$work/part$1.keyed"; }
# One instance's view of the same stream: its decisions and alerts.
"$inzage" replay --policy "$root/config/policy" --reference "$work/ref.ndjson" \
  --events "$work/events.ndjson" --out "$work/decisions.ndjson" \
  --alerts "$work/replay-alerts.ndjson" 2>/dev/null
invalid=$(grep -c '"verdict":"invalid"' "$work/decisions.ndjson" || true)
valid=$((4 * part - invalid))

"$inzage" keygen --out "$work/key" 2>/dev/null
"$inzage" keygen --out "$work/token.key" 2>/dev/null
"$inzage" keygen --out "$work/peer.key" 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A port=([a]=$(free_port) [b]=$(free_port) [c]=$(free_port))
for n in a b c; do
  cat >"$work/$n.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: chaos
  instance_name: instance-$n
  topics: {state: inzage.state, membership: inzage.members}
  standby: $([[ $standby == standby ]] && echo true || echo false)
store: {path: "$work/store-$n"}
pseudonym_key_file: "$work/key"
api:
  listen: "127.0.0.1:${port[$n]}"
  token_key_file: "$work/token.key"
  advertise_url: "http://127.0.0.1:${port[$n]}"
  peer_key_file: "$work/peer.key"
policy_dir: "$root/config/policy"
summary_interval_ms: 100
YAML
done
# start NAME CONFIG: inzaged with NAME.out (status lines) and NAME.log.
start() {
  "$inzaged" --config "$work/$2.yaml" >"$work/$1.out" 2>"$work/$1.log" &
  pid[$1]=$!
}
alive() { kill -0 "${pid[$1]}" 2>/dev/null || fail "instance $1 exited: $(tail -3 "$work/$1.log")"; }
consumed() { { grep -o "consumed [0-9]*" "$work/$1.out" 2>/dev/null || echo "consumed 0"; } | tail -1 | cut -d' ' -f2; }
stored() { { grep -o "stored [0-9]*" "$work/$1.out" 2>/dev/null || echo "stored 0"; } | tail -1 | cut -d' ' -f2; }
storing_at_least() { alive "$1" && (($(stored "$1") >= $2)); }
count() { grep -c "msg=\"$2\"" "$work/$1.log" 2>/dev/null || true; }
consuming_at_least() { alive "$1" && (($(consumed "$1") >= $2)); }
holding() { alive "$1" && (($(count "$1" assigned) - $(count "$1" revoked) == $2)); }
lag() {
  curl -fsS --max-time 5 "http://127.0.0.1:${port[$2]}/metrics" |
    awk '/^inzage_consumer_lag_messages\{/ {n++; s += $NF} END {if (n == 0) print -1; else print s}'
}
# caught_up NAME:CONFIG...: each instance holds partitions and is at their end.
caught_up() {
  local nc
  for nc in "$@"; do
    alive "${nc%%:*}"
    [[ $(lag "${nc%%:*}" "${nc##*:}") == 0 ]] || return 1
  done
}
# answering NAME...: each instance is alive and ready (NAME's first letter names its port).
answering() {
  local n
  for n in "$@"; do
    alive "$n"
    curl -fs --max-time 2 "http://127.0.0.1:${port[${n:0:1}]}/readyz" >/dev/null || return 1
  done
}
stop() {
  kill -TERM "${pid[$1]}"
  wait "${pid[$1]}" || fail "instance $1 did not stop cleanly"
  unset "pid[$1]"
}

# 1. a alone, on all 12 partitions.
produce_part 0
start a a
wait_until 120 "instance a consuming $((part / 2)) events" consuming_at_least a $((part / 2)) || fail "see above"

# 2. b and c join: each takes 4 partitions and restores their state from the changelog.
start b b
start c c
wait_until 120 "b and c holding 4 partitions each" eval 'holding b 4 && holding c 4' || fail "see above"
echo "b and c joined: $(count b 'partition state restored from the changelog') and $(count c 'partition state restored from the changelog') partitions restored from the changelog"
produce_part 1

# 3. b is killed in the middle of its stream, once it reports batches stored (the next ones
#    are being built and written), and restarted at once.
wait_until 120 "instance b storing $((part / 8)) events" storing_at_least b $((part / 8)) || fail "see above"
kill -9 "${pid[b]}"
wait "${pid[b]}" 2>/dev/null || true
echo "b killed after consuming $(consumed b) events, $(stored b) of them stored"
start b2 b
wait_until 60 "the restarted b holding its 4 partitions" holding b2 4 || fail "see above"
produce_part 2
wait_until 120 "the restarted b consuming" consuming_at_least b2 1 || fail "see above"

# 4. c stops cleanly: a and b take its partitions over from the changelog.
stop c
wait_until 120 "a and b holding 6 partitions each" eval 'holding a 6 && holding b2 6' || fail "see above"
produce_part 3
wait_until 240 "a and b at the end of their partitions" caught_up a:a b2:b || fail "see above"

# 5. c comes back and takes partitions again, restoring them from the changelog.
start c2 c
wait_until 120 "c holding 4 partitions again" holding c2 4 || fail "see above"
wait_until 240 "all three at the end of their partitions" caught_up a:a b2:b c2:c || fail "see above"
for n in a b2 c2; do
  echo "$n: $(count "$n" 'partition state restored from the changelog') partitions restored from the changelog, $(count "$n" 'partition state kept from the store; changelog refreshed') kept from its store with a refresh"
done

if [[ $standby == standby ]]; then
  from_topic=$(cat "$work"/{a,b,b2,c,c2}.log | grep 'partition state restored' | grep -vc 'from=standby' || true)
  [[ $from_topic -eq 0 ]] || fail "$from_topic partitions were read from the topic, not the standby copy"
fi

# citizen_query PARTIAL PORT...: one citizen's accesses through each instance: the same,
# complete answer; with PARTIAL "partial", the answer must say that a part is missing instead.
cat >"$work/citizen_query.py" <<'PY'
import base64, collections, hashlib, hmac, json, sys, time, urllib.request
work, partial, ports = sys.argv[1], sys.argv[2] == "partial", sys.argv[3:]
invalid = set()
for line in open(f"{work}/decisions.ndjson"):
    d = json.loads(line)
    if d["verdict"] == "invalid":
        invalid.add(d["event_id"])
by_bsn = collections.defaultdict(set)
for line in open(f"{work}/events.ndjson"):
    try:
        e = json.loads(line)
        if e["event_id"] in invalid:
            continue
        for s in e.get("subjects", []):
            by_bsn[s["bsn"]].add(e["event_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        continue  # one of the generator's invalid events

bsn, expected = max(by_bsn.items(), key=lambda kv: len(kv[1]))
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
secret = bytes.fromhex(open(f"{work}/token.key").read().strip())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": "ciso-chaos", "role": "ciso", "aud": "inzage",
                       "exp": int(time.time()) + 600}).encode())
token = f"{head}.{body}.{b64(hmac.new(secret, f'{head}.{body}'.encode(), hashlib.sha256).digest())}"
for port in ports:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/subjects/accesses",
        data=json.dumps({"bsn": bsn, "from": "2026-11-01T00:00:00Z", "to": "2026-12-31T00:00:00Z",
                         "limit": 1000}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    answer = json.load(urllib.request.urlopen(req, timeout=30))
    got = [e["event_id"] for e in answer["entries"]]
    if partial:
        assert answer["partial"] and answer["unavailable_peers"], f"port {port}: not partial"
        print(f"citizen query: port {port} answers partial, unavailable {answer['unavailable_peers']}")
        continue
    assert not answer["partial"], f"port {port}: partial, {answer['unavailable_peers']}"
    assert len(got) == len(set(got)), f"port {port}: an event twice"
    # The investigations asked through the instances are accesses to this citizen too
    # (event ids "api-..."): recorded by design, shown like any other.
    investigations = {i for i in got if i.startswith("api-")}
    missing, extra = expected - set(got), set(got) - expected - investigations
    assert not missing and not extra, f"port {port}: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
if not partial:
    print(f"citizen query: {len(expected)} accesses of one citizen, the same through {len(ports)} instances")
PY
citizen_query() { python3 "$work/citizen_query.py" "$work" "$@"; }
citizen_query complete "${port[a]}" "${port[b]}" "${port[c]}" ||
  fail "the citizen's history is not complete through every instance"

for n in a b2 c2; do kill -TERM "${pid[$n]}"; done
for n in a b2 c2; do wait "${pid[$n]}" || fail "instance $n did not stop cleanly"; done
pid=()

# Exactly once across the stores.
total=0
for n in a b c; do
  "$inzage" verify --store "$work/store-$n" >"$work/verify-$n" || fail "store $n does not verify: $(cat "$work/verify-$n")"
  stored=$(sed -E 's/.* ([0-9]+) events in .*/\1/' "$work/verify-$n")
  echo "store $n: $stored events"
  total=$((total + stored))
done
# Each instance also stored the investigation asked through it: an access of its own.
[[ $total -eq $((valid + 3)) ]] ||
  fail "the stores hold $total events together, expected $valid and the 3 investigations"

# The alerts equal those of one instance replaying the whole stream.
kcat -C -b "$bootstrap" -t inzage.ciso-alerts -e -q -f '%s\n' >"$work/alerts.topic"
python3 - "$work/alerts.topic" "$work/replay-alerts.ndjson" <<'PY' || fail "the alerts differ from one instance's"
import json, sys
def newest(path):
    out = {}
    for line in open(path):
        if not line.strip():
            continue
        a = json.loads(line)
        # input.invalid_rate: per partition (above); ciso-chaos: the investigations' own.
        if a["rule"] == "input.invalid_rate" or a["actor"] == "ciso-chaos":
            continue
        if a["alert_id"] not in out or a["version"] > out[a["alert_id"]]["version"]:
            out[a["alert_id"]] = a
    return out
daemon, replay = newest(sys.argv[1]), newest(sys.argv[2])
key = lambda a: (a["rule"], a["actor"], a["count"], a["first_seen"], a["last_seen"])
missing = [i for i in replay if i not in daemon]
extra = [i for i in daemon if i not in replay]
differ = [i for i in replay if i in daemon and key(daemon[i]) != key(replay[i])]
for what, ids, src in (("missing", missing, replay), ("extra", extra, daemon), ("differ", differ, daemon)):
    for i in ids[:5]:
        print(f"{what}: {json.dumps(src[i])[:300]}", file=sys.stderr)
        if what == "differ":
            print(f"  replay: {json.dumps(replay[i])[:300]}", file=sys.stderr)
assert not missing and not extra and not differ, \
    f"{len(missing)} missing, {len(extra)} extra, {len(differ)} with other counts of {len(replay)}"
print(f"alerts: {len(replay)} incidents, the same ids and counts as one instance's replay")
PY
# 6. c retires. While it is only stopped, a query through a says that a part is missing.
start a3 a
wait_until 60 "a answering again" answering a3 || fail "see above"
citizen_query partial "${port[a]}" || fail "with c stopped, a's answer is not marked partial"
kill -TERM "${pid[a3]}"
wait "${pid[a3]}" || fail "instance a did not stop cleanly"
unset "pid[a3]"
# Its history goes to a's store (a stopped meanwhile); the second run finds it all there.
"$inzage" hand-over --from "$work/store-c" --into "$work/store-a" --key-file "$work/key" >"$work/hand-over-1" ||
  fail "hand-over: $(cat "$work/hand-over-1")"
"$inzage" hand-over --from "$work/store-c" --into "$work/store-a" --key-file "$work/key" >"$work/hand-over-2" ||
  fail "hand-over again: $(cat "$work/hand-over-2")"
cat "$work/hand-over-1" "$work/hand-over-2"
grep -q "read, 0 stored," "$work/hand-over-2" || fail "the second hand-over stored events again"
"$inzage" retire --config "$work/c.yaml" || fail "inzage retire"
after=0
for n in a b; do
  "$inzage" verify --store "$work/store-$n" >"$work/verify-$n" || fail "store $n does not verify after the hand-over"
  after=$((after + $(sed -E 's/.* ([0-9]+) events in .*/\1/' "$work/verify-$n")))
done
# c's events, and one more investigation: the one asked through a while c was stopped.
[[ $after -eq $((total + 1)) ]] ||
  fail "a and b hold $after events after the hand-over, expected $total and 1 investigation"
echo "after c retired: a and b hold all $after events"
start a4 a
start b4 b
wait_until 60 "a and b answering again" answering a4 b4 || fail "see above"
citizen_query complete "${port[a]}" "${port[b]}" || fail "after c retired, a citizen's history is not complete"
retired=$(curl -fsS --max-time 5 "http://127.0.0.1:${port[a]}/metrics" |
  awk '/^inzage_members\{state="retired"\}/ {print $NF + 0}')
[[ $retired == 1 ]] || fail "a's metrics count $retired retired members, expected c"
# A running instance is not retired: it would still consume, and publish itself again.
if "$inzage" retire --config "$work/a.yaml" 2>"$work/retire-a"; then
  fail "inzage retire accepted a running instance"
fi
grep -q "is running" "$work/retire-a" || fail "inzage retire refused a running instance without saying why: $(cat "$work/retire-a")"
for n in a4 b4; do kill -TERM "${pid[$n]}"; done
for n in a4 b4; do wait "${pid[$n]}" || fail "instance $n did not stop cleanly"; done
pid=()

echo "chaos e2e${standby:+ ($standby)}: ok ($valid valid events in exactly one store each, 3 instances, 12 partitions)"
