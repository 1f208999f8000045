#!/usr/bin/env bash
# e2e through a secured Kafka listener, as a municipality runs it: TLS with a CA made here,
# SASL SCRAM-SHA-512, and ACLs that grant the user `inzaged` only its own topics and group
# (scripts/kafka-broker.sh start-secure). 20,000 events flow through; the SASL password comes
# from a credential file (kafka.secret_files), never from the YAML. Then the two ways start-up
# must stop with a clear message: a wrong password, and a CA that did not sign the broker.
# Fails (never skips) when the broker cannot start.
set -euo pipefail
inzaged=$1
inzage=$2
root=$3
events=${INZAGE_E2E_EVENTS:-20000}
work=$(mktemp -d)
broker_dir="$work/kafka"
daemon_pid=""
cleanup() {
  [[ -n $daemon_pid ]] && kill -9 "$daemon_pid" 2>/dev/null || true
  "$root/scripts/kafka-broker.sh" stop "$broker_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $work/inzaged.log ]] && tail -20 "$work/inzaged.log" >&2
  exit 1
}

source "$root/tests/e2e/kafka_common.sh"
source "$root/tests/support/wait.sh"
broker=$root/scripts/kafka-broker.sh
bootstrap=$("$broker" start-secure "$broker_dir") || fail "the secure Kafka broker did not start"
echo "secure broker at $bootstrap"
for topic in inzage.access-events:4 inzage.access-events.dlq:1 inzage.ciso-alerts:1; do
  "$broker" create-topic "$broker_dir" "${topic%%:*}" "${topic##*:}" >/dev/null
done
"$broker" create-topic "$broker_dir" inzage.reference 1 compact >/dev/null
# What inzaged may do, and nothing more: read its inputs, write its outputs, use its groups.
acl() { "$broker" acl "$broker_dir" --add --allow-principal User:inzaged "$@" >/dev/null; }
acl --operation Read --operation Describe --topic inzage.access-events
acl --operation Read --operation Describe --topic inzage.reference
acl --operation Write --operation Describe --topic inzage.access-events.dlq
acl --operation Write --operation Describe --topic inzage.ciso-alerts
acl --operation Read --operation Describe --group e2e --resource-pattern-type prefixed

"$inzage" generate --reference-out "$work/ref.ndjson" --events-out "$work/events.ndjson" \
  --events "$events" --seed 23
key_reference "$work/ref.ndjson" "$work/ref.keyed"
key_events "$work/events.ndjson" "$work/events.keyed"
admin=(-F "$broker_dir/admin-kcat.conf" -b "$bootstrap")
kcat -P "${admin[@]}" -t inzage.reference -K$'\t' -l "$work/ref.keyed"
kcat -P "${admin[@]}" -t inzage.access-events -K$'\t' -l "$work/events.keyed"
invalid=$(replay_invalid_count "$inzage" "$work/ref.ndjson" "$work/events.ndjson")
valid=$((events - invalid))

"$inzage" keygen --out "$work/key" 2>/dev/null
"$inzage" keygen --out "$work/token.key" 2>/dev/null
mkdir -m 0700 "$work/credentials"
install -m 0600 "$broker_dir/secrets/inzaged.password" "$work/credentials/kafka-sasl.password"
write_config() {  # write_config CA_FILE
  cat >"$work/inzaged.yaml" <<YAML
kafka:
  brokers: "$bootstrap"
  group_id: e2e
  properties:
    security.protocol: SASL_SSL
    sasl.mechanisms: SCRAM-SHA-512
    sasl.username: inzaged
    ssl.ca.location: "$1"
  secret_files:
    sasl.password: \${CREDENTIALS_DIRECTORY}/kafka-sasl.password
store: {path: "$work/store"}
pseudonym_key_file: "$work/key"
api: {listen: "127.0.0.1:0", token_key_file: "$work/token.key"}
policy_dir: "$root/config/policy"
summary_interval_ms: 500
YAML
}
write_config "$broker_dir/tls/ca.pem"
export CREDENTIALS_DIRECTORY=$work/credentials  # as systemd's LoadCredential= sets it

# A password inline in kafka.properties is refused before anything starts.
sed 's/^    sasl.username: inzaged$/&\n    sasl.password: inline/' "$work/inzaged.yaml" >"$work/inline.yaml"
if "$inzaged" --check-config --config "$work/inline.yaml" 2>"$work/inline.err"; then
  fail "a password in kafka.properties was accepted"
fi
grep -q "kafka.properties.sasl.password: is a secret" "$work/inline.err" ||
  fail "the inline password's refusal does not say why: $(cat "$work/inline.err")"

"$inzaged" --check-config --config "$work/inzaged.yaml" >/dev/null
"$inzaged" --config "$work/inzaged.yaml" >"$work/inzaged.out" 2>"$work/inzaged.log" &
daemon_pid=$!
consumed_all() {
  kill -0 "$daemon_pid" 2>/dev/null || fail "inzaged exited early"
  grep -q "consumed $events " "$work/inzaged.out" 2>/dev/null
}
wait_until 240 "inzaged consuming all $events events" consumed_all || fail "see above"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "inzaged did not exit 0 after SIGTERM"
daemon_pid=""
stored=$(grep 'msg="stopped cleanly"' "$work/inzaged.log" | sed -E 's/.* stored=([0-9]+).*/\1/')
[[ $stored -eq $valid ]] || fail "store holds $stored events, expected $valid"
dead=$(kcat -C "${admin[@]}" -t inzage.access-events.dlq -o beginning -e -q -f '%o\n' | wc -l)
[[ $dead -eq $invalid ]] || fail "dead-letter topic holds $dead messages, expected $invalid"
alerts=$(kcat -C "${admin[@]}" -t inzage.ciso-alerts -o beginning -e -q -f '%o\n' | wc -l)
[[ $alerts -gt 0 ]] || fail "no alert reached the CISO topic through the secured listener"
if grep -q "$(cat "$work/credentials/kafka-sasl.password")" "$work/inzaged.log" "$work/inzaged.out"; then
  fail "the SASL password appears in inzaged's output"
fi
echo "secured flow: $events events, $stored stored, $dead dead letters, $alerts alert messages"

# start-up must stop, with the reason, on a wrong password and on an untrusted certificate.
expect_refusal() {  # expect_refusal WHAT PATTERN
  local rc=0
  timeout 60 "$inzaged" --config "$work/inzaged.yaml" >/dev/null 2>"$work/refused.log" || rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$1: inzaged did not stop at start-up (exit $rc)"
  grep -q "$2" "$work/refused.log" || fail "$1: no clear reason: $(tail -3 "$work/refused.log")"
  echo "$1: stopped at start-up: $(grep -o 'msg="[^"]*"' "$work/refused.log" | tail -1)"
}
printf 'not-the-password\n' >"$work/credentials/kafka-sasl.password"
expect_refusal "wrong password" "refused inzaged's credentials"
install -m 0600 "$broker_dir/secrets/inzaged.password" "$work/credentials/kafka-sasl.password"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj "/CN=some other CA" -keyout "$work/other-ca.key" -out "$work/other-ca.pem" 2>/dev/null
write_config "$work/other-ca.pem"
expect_refusal "untrusted broker certificate" "TLS with the Kafka brokers failed"
echo "kafka secure e2e: ok"
