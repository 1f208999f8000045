#!/usr/bin/env bash
# tests/api/peers_e2e_test.sh SOURCE_DIR BUILD_DIR
#
# Scale-out with two daemons on loopback: shard A (demo world seed 1) and shard B (seed 2, so
# its events and event ids differ) share the pseudonym key, the token key and the peers' own
# key, as the shards of one deployment do. A has B as its peer. An investigation of one citizen asked at A returns
# entries stored by both shards, merged newest first, each event once; when B is gone the
# answer is marked partial and names B. Fails loudly.
set -euo pipefail
root=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
build=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
work=$(mktemp -d /tmp/inzage-peers-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "peers_e2e: FAIL: $*" >&2
  tail -n 5 "$work"/a.err "$work"/b.err >&2 || true
  exit 1
}
export NO_PROXY='*' no_proxy='*'
# shellcheck source=tests/support/wait.sh
source "$root/tests/support/wait.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pa=$(free_port)
pb=$(free_port)

mkdir -p "$work/a" "$work/b"
"$build/inzage" keygen --out "$work/a/pseudonym.key" >/dev/null
"$build/inzage" keygen --out "$work/a/token.key" >/dev/null
"$build/inzage" keygen --out "$work/peer.key" >/dev/null
cp -p "$work/a/pseudonym.key" "$work/a/token.key" "$work/b/"
cat >"$work/a.yaml" <<YAML
api: {peers: ["http://127.0.0.1:$pb"], peer_timeout_ms: 1000, peer_key_file: "$work/peer.key"}
YAML
cat >"$work/b.yaml" <<YAML
api: {peer_key_file: "$work/peer.key"}
YAML
"$build/inzaged" --demo --demo-seed 2 --config "$work/b.yaml" --state-dir "$work/b" --listen "127.0.0.1:$pb" \
  --demo-seconds 200 >"$work/b.out" 2>"$work/b.err" &
pid_b=$!
pids+=("$pid_b")
"$build/inzaged" --demo --config "$work/a.yaml" --state-dir "$work/a" --listen "127.0.0.1:$pa" \
  --demo-seconds 200 >"$work/a.out" 2>"$work/a.err" &
pids+=($!)
for port in "$pa" "$pb"; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || fail "daemon on port $port not ready"
done
# shellcheck disable=SC1091
source "$work/a/demo-tokens.env"
bsn=$(python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; p+="="*(-len(p)%4); print(json.loads(base64.urlsafe_b64decode(p))["sub"])' "$CITIZEN_TOKEN")
from=$(date -u -d '-14 days' +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
ask() {
  curl -fsS -H "Authorization: Bearer $CISO_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"bsn\":\"$bsn\",\"from\":\"$from\",\"to\":\"$to\",\"limit\":1000}" \
    "http://127.0.0.1:$pa/v1/subjects/accesses"
}
# Both shards store the citizen's history as their demo streams flow: ask until each has some.
both_hold_history() {
  ask >"$work/both.json" || fail "the investigation at shard A failed"
  grep -q '"event_id":"ev-1-' "$work/both.json" && grep -q '"event_id":"ev-2-' "$work/both.json"
}
wait_until 60 "entries of both shards in the answer at shard A" both_hold_history ||
  fail "the answer lacks a shard's entries: $(head -c 600 "$work/both.json")"
python3 - "$work/both.json" <<'PY' || fail "the merged answer is wrong: $(head -c 600 "$work/both.json")"
import json, sys
body = json.load(open(sys.argv[1]))
ids = [e["event_id"] for e in body["entries"]]
times = [e["time"] for e in body["entries"]]
assert body["partial"] is False and body["unavailable_peers"] == [], body["unavailable_peers"]
assert any(i.startswith("ev-1-") for i in ids), "no entry stored by shard A"
assert any(i.startswith("ev-2-") for i in ids), "no entry stored by shard B"
assert len(ids) == len(set(ids)), "an event appears twice"
assert times == sorted(times, reverse=True), "not newest first"
print(f"peers_e2e: merged {sum(i.startswith('ev-1-') for i in ids)} entries of A "
      f"and {sum(i.startswith('ev-2-') for i in ids)} of B")
PY

kill -TERM "$pid_b"
wait "$pid_b" || true
ask >"$work/partial.json" || fail "the investigation failed without its peer"
python3 - "$work/partial.json" "http://127.0.0.1:$pb" <<'PY' || fail "no partial marker: $(head -c 600 "$work/partial.json")"
import json, sys
body = json.load(open(sys.argv[1]))
assert body["partial"] is True
assert body["unavailable_peers"] == [sys.argv[2]], body["unavailable_peers"]
assert not any(e["event_id"].startswith("ev-2-") for e in body["entries"])
PY
echo "peers_e2e: ok (scatter-gather over two daemons; partial answer without the peer)"
