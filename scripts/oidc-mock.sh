#!/usr/bin/env bash
# scripts/oidc-mock.sh — an OpenID Connect issuer on loopback for the console's sign-in tests:
# NAV's mock-oauth2-server (no.nav.security:mock-oauth2-server, standalone main class), its jars
# from Maven Central through `mvn`. It logs in at once (interactiveLogin: false) and issues RS256
# tokens with {"sub": "ciso-1", "aud": ["inzage"], "role": "ciso"} for any token request.
#
#   oidc-mock.sh fetch                  resolve the jars into the cache (idempotent)
#   oidc-mock.sh start DIR [PORT]       start; prints the issuer URL on stdout
#   oidc-mock.sh stop DIR               SIGTERM, wait, SIGKILL (idempotent)
#   oidc-mock.sh issuer DIR             prints the issuer URL of a running server
#   oidc-mock.sh jwks-pem DIR [FILE]    the issuer's RSA signing key as a PEM public key (the
#                                       daemon's RS256 verifier takes a PEM file); stdout or FILE
#   oidc-mock.sh version                prints the mock-oauth2-server version that would be used
#
# Environment (all optional):
#   INZAGE_OIDC_MOCK_HOME        cache root (default $HOME/.cache/inzage-oidc-mock); jars go to
#                                <root>/<version>/libs
#   INZAGE_OIDC_MOCK_VERSION     exact version (default 2.1.10)
#   INZAGE_OIDC_ISSUER_ID        the issuer's path (default noaberkracht: issuer
#                                http://127.0.0.1:PORT/noaberkracht)
#   INZAGE_OIDC_SUB, INZAGE_OIDC_ROLE, INZAGE_OIDC_AUDIENCE   the token's claims
#                                (default ciso-1, ciso, inzage)
#   INZAGE_OIDC_START_TIMEOUT    seconds to wait for the issuer to answer (default 60)
#   INZAGE_OIDC_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 15)
#   INZAGE_MVN_ARGS              extra arguments for mvn (e.g. -o, -Dmaven.repo.local=...)
#
# Files in DIR: config.json (the server's JSON_CONFIG), server.pid, issuer, server.log.
set -euo pipefail

readonly DEFAULT_VERSION=2.1.10
readonly DEP_PLUGIN_VERSION=3.6.1
readonly MAIN_CLASS=no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt

die() {
  echo "oidc-mock: $*" >&2
  exit 1
}
log() { echo "oidc-mock: $*" >&2; }

home_dir() {
  if [[ -n ${HOME:-} ]]; then
    printf '%s\n' "$HOME"
  else
    getent passwd "$(id -u)" | cut -d: -f6
  fi
}
CACHE_ROOT=${INZAGE_OIDC_MOCK_HOME:-$(home_dir)/.cache/inzage-oidc-mock}
VERSION=${INZAGE_OIDC_MOCK_VERSION:-$DEFAULT_VERSION}
ISSUER_ID=${INZAGE_OIDC_ISSUER_ID:-noaberkracht}
[[ $ISSUER_ID =~ ^[A-Za-z0-9._-]+$ ]] || die "INZAGE_OIDC_ISSUER_ID '$ISSUER_ID' must be one path segment"

libs_complete() { [[ -f $CACHE_ROOT/$1/libs/.complete ]]; }

write_pom() {  # write_pom FILE VERSION
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>inzage.test</groupId>
  <artifactId>inzage-oidc-mock</artifactId>
  <version>$2</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- the server and its runtime dependencies (netty, nimbus, logback); the jar's main class
         $MAIN_CLASS is the standalone server (no fat jar is published) -->
    <dependency><groupId>no.nav.security</groupId><artifactId>mock-oauth2-server</artifactId><version>$2</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>${DEP_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
}

# Why a Maven run failed, in one line (as scripts/kafka-broker.sh says it): its last error that
# is not Maven's generic advice, and whether the repository it names answers at all.
maven_failure() {  # maven_failure LOG
  local reason url probe
  reason=$(sed -E 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^\[ERROR\] +[^ ]' |
    grep -vE '^\[ERROR\] +(\[Help|To see the full|Re-run Maven|For more information)' |
    tail -n 1 | sed -E 's/^\[ERROR\] *//; s/ *-> \[Help [0-9]+\]$//' || true)
  [[ -n $reason ]] || reason="mvn failed without an error line (see its log)"
  url=$(grep -oE 'from/to [^ ]+ \(https?://[^)]+\)' "$1" | head -n 1 | sed -E 's/.*\((.*)\)/\1/' ||
    true)
  if [[ -z $url ]]; then
    printf '%s\n' "$reason"
  elif probe=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 15 "${url%/}/" 2>&1); then
    printf '%s (the repository %s answers: HTTP %s)\n' "$reason" "$url" "$probe"
  else
    probe=$(head -n 1 <<<"$probe")
    printf '%s (the repository %s cannot be reached: %s)\n' "$reason" "$url" "${probe#curl: }"
  fi
}

cmd_fetch() {
  command -v mvn >/dev/null || die "mvn not found (scripts/bootstrap.sh installs maven)"
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.fetch.lock"
  flock 9
  local v=$VERSION vdir=$CACHE_ROOT/$VERSION
  if ! libs_complete "$v"; then
    mkdir -p "$vdir"
    local tmp=$vdir/libs.tmp.$$
    rm -rf "$tmp"
    write_pom "$vdir/pom.xml" "$v"
    log "resolving no.nav.security:mock-oauth2-server:$v from Maven Central"
    local -a repo=()
    local pw_home
    pw_home=$(getent passwd "$(id -u)" | cut -d: -f6 || true)
    if [[ -z $pw_home || ! -w $pw_home ]] && [[ -n ${HOME:-} ]]; then
      repo=("-Dmaven.repo.local=$HOME/.m2/repository")
    fi
    # shellcheck disable=SC2086
    if ! mvn -B -Dstyle.color=never -f "$vdir/pom.xml" "${repo[@]}" ${INZAGE_MVN_ARGS:-} \
      "org.apache.maven.plugins:maven-dependency-plugin:${DEP_PLUGIN_VERSION}:copy-dependencies" \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$vdir/mvn.log" 2>&1; then
      rm -rf "$tmp"
      log "full Maven output: $vdir/mvn.log"
      die "mock-oauth2-server $v did not resolve: $(maven_failure "$vdir/mvn.log")"
    fi
    [[ -f $tmp/mock-oauth2-server-$v.jar ]] || {
      rm -rf "$tmp"
      die "mock-oauth2-server $v: mvn succeeded but mock-oauth2-server-$v.jar is missing"
    }
    if command -v unzip >/dev/null &&
      ! unzip -l "$tmp/mock-oauth2-server-$v.jar" | grep -qF "${MAIN_CLASS//.//}.class"; then
      rm -rf "$tmp"
      die "mock-oauth2-server-$v.jar has no main class $MAIN_CLASS"
    fi
    touch "$tmp/.complete"
    rm -rf "$vdir/libs"
    mv "$tmp" "$vdir/libs"
    log "mock-oauth2-server $v: $(find "$vdir/libs" -name '*.jar' | wc -l) jars in $vdir/libs"
  fi
  exec 9>&-
  echo "$vdir/libs"
}

libs_dir() {
  if libs_complete "$VERSION"; then
    echo "$CACHE_ROOT/$VERSION/libs"
  else
    cmd_fetch
  fi
}

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || die "java not found (scripts/bootstrap.sh installs default-jre-headless)"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {  # running_pid DIR: the pid in DIR/server.pid when it is alive and is DIR's server
  local pidf=$1/server.pid pid
  [[ -f $pidf ]] || return 1
  pid=$(<"$pidf")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Dinzage.oidc.dir=$1" || return 1
  fi
  echo "$pid"
}

fail_start() {  # fail_start DIR PID MESSAGE
  local dir=$1 pid=$2
  {
    echo "oidc-mock: $3"
    echo "oidc-mock: last 40 lines of $dir/server.log:"
    tail -n 40 "$dir/server.log" 2>/dev/null || true
  } >&2
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/server.pid"
  exit 1
}

json_string() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

write_config() {  # write_config FILE
  cat >"$1" <<EOF
{
  "interactiveLogin": false,
  "httpServer": "NettyWrapper",
  "tokenCallbacks": [
    {
      "issuerId": $(json_string "$ISSUER_ID"),
      "tokenExpiry": 3600,
      "requestMappings": [
        {
          "requestParam": "grant_type",
          "match": "*",
          "claims": {
            "sub": $(json_string "${INZAGE_OIDC_SUB:-ciso-1}"),
            "aud": [$(json_string "${INZAGE_OIDC_AUDIENCE:-inzage}")],
            "role": $(json_string "${INZAGE_OIDC_ROLE:-ciso}")
          }
        }
      ]
    }
  ]
}
EOF
}

# True when the issuer serves its discovery document and a JWKS with an RSA key.
issuer_answers() {  # issuer_answers ISSUER
  local meta jwks_uri
  meta=$(curl -fsS --noproxy '*' --max-time 5 "$1/.well-known/openid-configuration" 2>/dev/null) || return 1
  jwks_uri=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["jwks_uri"] if d.get("issuer")==sys.argv[2] else "")' "$meta" "$1" 2>/dev/null) || return 1
  [[ -n $jwks_uri ]] || return 1
  curl -fsS --noproxy '*' --max-time 5 "$jwks_uri" 2>/dev/null | grep -q '"kty" *: *"RSA"'
}

cmd_start() {
  [[ $# -ge 1 && $# -le 2 ]] || die "usage: start DIR [PORT]"
  mkdir -p "$1"
  local dir pid
  dir=$(cd "$1" && pwd -P)
  if pid=$(running_pid "$dir"); then
    log "already running in $dir (pid $pid)"
    cat "$dir/issuer"
    return 0
  fi
  rm -f "$dir/server.pid"
  local libs java port=${2:-}
  libs=$(libs_dir)
  java=$(java_bin)
  command -v python3 >/dev/null || die "python3 not found"
  if [[ -z $port && -f $dir/issuer ]]; then
    port=$(sed -nE 's#^http://127\.0\.0\.1:([0-9]+)/.*#\1#p' "$dir/issuer")
    [[ -n $port ]] && port_in_use "$port" && port=""
  fi
  [[ -n $port ]] || port=$(free_port)
  [[ $port =~ ^[0-9]+$ ]] || die "bad port '$port'"
  port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
  write_config "$dir/config.json"
  local issuer="http://127.0.0.1:$port/$ISSUER_ID"
  echo "$issuer" >"$dir/issuer"
  echo "=== $(date -Is) starting mock-oauth2-server $VERSION on 127.0.0.1:$port" >>"$dir/server.log"
  # setsid: its own process group (stop kills the group); output to the log only, so that
  # $(oidc-mock.sh start DIR) returns once the issuer answers. SERVER_HOSTNAME keeps it on
  # loopback (its default binds every address).
  JSON_CONFIG=$(<"$dir/config.json") SERVER_HOSTNAME=127.0.0.1 SERVER_PORT=$port LOG_LEVEL=${INZAGE_OIDC_LOG_LEVEL:-INFO} \
    setsid "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    "-Dinzage.oidc.dir=$dir" -cp "$libs/*" "$MAIN_CLASS" >>"$dir/server.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/server.pid"
  local deadline=$((SECONDS + ${INZAGE_OIDC_START_TIMEOUT:-60}))
  while :; do
    kill -0 "$pid" 2>/dev/null || fail_start "$dir" "" "mock-oauth2-server (pid $pid) exited during startup"
    issuer_answers "$issuer" && break
    ((SECONDS < deadline)) || fail_start "$dir" "$pid" "$issuer did not answer within ${INZAGE_OIDC_START_TIMEOUT:-60}s"
    sleep 0.3
  done
  log "issuer $issuer up (pid $pid, mock-oauth2-server $VERSION, ${SECONDS}s)"
  echo "$issuer"
}

cmd_stop() {
  [[ $# -eq 1 ]] || die "usage: stop DIR"
  [[ -d $1 ]] || return 0
  local dir pid
  dir=$(cd "$1" && pwd -P)
  if ! pid=$(running_pid "$dir"); then
    rm -f "$dir/server.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ${INZAGE_OIDC_STOP_TIMEOUT:-15}))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM for ${INZAGE_OIDC_STOP_TIMEOUT:-15}s; SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$dir/server.pid"
}

cmd_issuer() {
  [[ $# -eq 1 ]] || die "usage: issuer DIR"
  local dir
  dir=$(cd "$1" 2>/dev/null && pwd -P) || die "no directory $1"
  running_pid "$dir" >/dev/null || die "no mock-oauth2-server running in $1"
  cat "$dir/issuer"
}

# The JWKS's first RSA signing key as an X.509 SubjectPublicKeyInfo PEM, in plain Python (DER by
# hand: no module beyond the standard library), checked with openssl when it is there.
cmd_jwks_pem() {
  [[ $# -ge 1 && $# -le 2 ]] || die "usage: jwks-pem DIR [FILE]"
  local issuer meta jwks_uri jwks pem
  issuer=$(cmd_issuer "$1")
  meta=$(curl -fsS --noproxy '*' --max-time 10 "$issuer/.well-known/openid-configuration") ||
    die "$issuer/.well-known/openid-configuration does not answer"
  jwks_uri=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["jwks_uri"])' "$meta") ||
    die "the discovery document names no jwks_uri"
  jwks=$(curl -fsS --noproxy '*' --max-time 10 "$jwks_uri") || die "$jwks_uri does not answer"
  pem=$(python3 - "$jwks" <<'PY'
import base64, json, sys

def b64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body

def integer(raw):
    raw = raw.lstrip(b"\0") or b"\0"
    if raw[0] & 0x80:
        raw = b"\0" + raw
    return tlv(0x02, raw)

keys = [k for k in json.loads(sys.argv[1]).get("keys", [])
        if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"]
if not keys:
    sys.exit("no RSA signing key in the JWKS")
k = keys[0]
rsa = tlv(0x30, integer(b64u(k["n"])) + integer(b64u(k["e"])))
alg = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")  # rsaEncryption, NULL
spki = tlv(0x30, alg + tlv(0x03, b"\0" + rsa))
b = base64.b64encode(spki).decode()
print("-----BEGIN PUBLIC KEY-----")
for i in range(0, len(b), 64):
    print(b[i:i + 64])
print("-----END PUBLIC KEY-----")
PY
  ) || die "could not turn the JWKS of $issuer into a PEM key"
  if command -v openssl >/dev/null; then
    openssl pkey -pubin -noout <<<"$pem" 2>/dev/null || die "openssl does not read the PEM key made from the JWKS"
  fi
  if [[ $# -eq 2 ]]; then
    printf '%s\n' "$pem" >"$2"
    log "RS256 public key of $issuer written to $2"
  else
    printf '%s\n' "$pem"
  fi
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    fetch) cmd_fetch "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    issuer) cmd_issuer "$@" ;;
    jwks-pem) cmd_jwks_pem "$@" ;;
    version) echo "$VERSION" ;;
    *)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

main "$@"
