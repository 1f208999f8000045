#!/usr/bin/env bash
# tests/api/schemathesis_run.sh BASE_URL TOKEN_CITIZEN TOKEN_CISO [TOKEN_PEER]
#
# Fuzzes a running inzaged with schemathesis against schemas/openapi.yaml: every response must
# not be a server error (5xx) and must match its documented schema. Runs, each bounded in time:
#   1. the citizen operations (/v1/me/...) with TOKEN_CITIZEN;
#   2. every other operation except /v1/internal/... with TOKEN_CISO (alerts, investigations,
#      /healthz, /readyz, /metrics);
#   3. /v1/internal/... with TOKEN_PEER, only when it is given.
# Generated data is both valid and invalid (schemathesis mode "all"); a POST of a status change
# only reaches an alert if the fuzzer guesses its id, so a test daemon's alerts stay as they are.
#
# Only loopback: BASE_URL must be http(s)://127.0.0.1, localhost or [::1] with an optional port;
# proxies from the environment are ignored; the spec is read from the local file.
#
# Environment (all optional):
#   INZAGE_ST_EXAMPLES  max test cases per operation and phase (default 25)
#   INZAGE_ST_TIMEOUT   hard limit per run in seconds, enforced with timeout(1) (default 300)
#   INZAGE_ST_SEED      random seed (default 1: reproducible runs)
#   INZAGE_ST_CHECKS    schemathesis checks (default not_a_server_error,response_schema_conformance)
#   INZAGE_ST_PHASES    schemathesis phases (default examples,coverage,fuzzing)
#   INZAGE_ST_REPORT_DIR  when set, a JUnit XML report per run is written there
#   INZAGE_OPENAPI      the spec (default schemas/openapi.yaml)
#   INZAGE_VENV         the venv of scripts/python-venv.sh (created/updated when needed)
# Exit status: 0 when every run passed, 1 when a run failed or timed out, 2 on a usage error.
set -euo pipefail

usage() {
  echo "usage: $0 BASE_URL TOKEN_CITIZEN TOKEN_CISO [TOKEN_PEER]" >&2
  exit 2
}
(($# == 3 || $# == 4)) || usage

root=$(cd "$(dirname "$0")/../.." && pwd)
base_url=${1%/}
token_citizen=$2
token_ciso=$3
token_peer=${4:-}

loopback='^https?://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?$'
if [[ ! $base_url =~ $loopback ]]; then
  echo "schemathesis_run: refusing BASE_URL '$base_url': only http(s)://127.0.0.1, localhost" \
    "or [::1] (with an optional port and no path) are allowed" >&2
  exit 2
fi
for t in "$token_citizen" "$token_ciso" ${token_peer:+"$token_peer"}; do
  if [[ -z $t || $t =~ [[:space:][:cntrl:]] ]]; then
    echo "schemathesis_run: a token is empty or contains whitespace or control characters" >&2
    exit 2
  fi
done

spec=${INZAGE_OPENAPI:-$root/schemas/openapi.yaml}
examples=${INZAGE_ST_EXAMPLES:-25}
limit=${INZAGE_ST_TIMEOUT:-300}
seed=${INZAGE_ST_SEED:-1}
checks=${INZAGE_ST_CHECKS:-not_a_server_error,response_schema_conformance}
phases=${INZAGE_ST_PHASES:-examples,coverage,fuzzing}
report_dir=${INZAGE_ST_REPORT_DIR:-}
[[ -f $spec ]] || { echo "schemathesis_run: no spec at $spec" >&2; exit 2; }
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
if [[ -n $report_dir ]]; then mkdir -p "$report_dir" && report_dir=$(cd "$report_dir" && pwd); fi

venv=$("$root/scripts/python-venv.sh")
st=$venv/bin/schemathesis

# Run in an empty directory so nothing (reports, caches) lands in the source tree.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
cd "$workdir"

# No proxy may divert requests off the machine.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'

failed=()
run() {  # run NAME TOKEN FILTER-ARGS...
  local name=$1 token=$2
  shift 2
  local args=(
    run "$spec" --url "$base_url"
    --checks "$checks" --phases "$phases"
    --max-examples "$examples" --seed "$seed" --workers 1
    --generation-database none --generation-with-security-parameters false
    --request-timeout 10 --no-color
    -H "Authorization: Bearer $token"
    "$@"
  )
  if [[ -n $report_dir ]]; then
    args+=(--report junit --report-junit-path "$report_dir/schemathesis-$name.xml")
  fi
  echo "== schemathesis: $name (at most ${limit}s)"
  local rc=0
  timeout --kill-after=10 "$limit" "$st" "${args[@]}" || rc=$?
  if ((rc == 124 || rc == 137)); then
    echo "schemathesis_run: $name: timed out after ${limit}s" >&2
    failed+=("$name")
  elif ((rc != 0)); then
    failed+=("$name")
  fi
}

run citizen "$token_citizen" --include-path-regex '^/v1/me/'
run staff "$token_ciso" --exclude-path-regex '^/v1/(me|internal)/'
if [[ -n $token_peer ]]; then
  run peer "$token_peer" --include-path-regex '^/v1/internal/'
fi

if ((${#failed[@]} > 0)); then
  echo "schemathesis_run: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis_run: all runs passed"
