#!/usr/bin/env bash
# scripts/kafka-broker.sh — a real single-node Apache Kafka 3.9.x broker (KRaft, no ZooKeeper)
# on loopback, for tests and benchmarks. Jars come from Maven Central through `mvn`.
#
#   kafka-broker.sh fetch                              resolve the jars into the cache (idempotent)
#   kafka-broker.sh start DIR [PORT]                   format + start; prints host:port on stdout
#   kafka-broker.sh start-secure DIR [PORT]            the same with one SASL_SSL listener: TLS
#                                                      (a CA and broker certificate made here),
#                                                      SCRAM-SHA-512 users `admin` (super user)
#                                                      and `inzaged`, ACLs enforced (no ACL: denied)
#   kafka-broker.sh acl DIR ARGS...                    kafka-acls (AclCommand) as admin, e.g.
#                                                      --add --allow-principal User:inzaged ...
#   kafka-broker.sh stop DIR                           SIGTERM, wait, SIGKILL (idempotent)
#   kafka-broker.sh create-topic DIR NAME PARTITIONS [compact]
#   kafka-broker.sh bootstrap DIR                      prints host:port of a running broker
#   kafka-broker.sh version                            prints the Kafka version that would be used
#
# Environment (all optional):
#   INZAGE_KAFKA_HOME           cache root (default $HOME/.cache/inzage-kafka); jars go to
#                               <root>/<version>/libs
#   INZAGE_KAFKA_VERSION        exact version (default: newest of 3.9.2 3.9.1 3.9.0 that resolves).
#                               Kafka 4.x is refused: librdkafka 2.0.2 predates its protocol floor.
#   INZAGE_KAFKA_START_TIMEOUT  seconds to wait for the broker to answer (default 90)
#   INZAGE_KAFKA_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
#   INZAGE_KAFKA_HEAP           JVM -Xmx (default 512m)
#   INZAGE_KAFKA_JAVA_OPTS      extra JVM options
#   INZAGE_KAFKA_EXTRA_PROPS    extra server.properties lines (newline-separated), appended last
#   INZAGE_KAFKA_LOG_LEVEL      broker log4j root level (default INFO)
#   INZAGE_MVN_ARGS             extra arguments for mvn (e.g. -o, -Dmaven.repo.local=...)
#
# Files in DIR: server.properties, log4j.properties, cluster.id, broker.pid, bootstrap,
# broker.log (everything the JVM writes), data/ (the KRaft metadata and topic logs).
# A secure broker adds tls/ca.pem (what clients trust), tls/ (the broker's key and certificate),
# secrets/{admin,inzaged}.password (mode 0600), admin.properties (Java tools) and admin-kcat.conf
# (kcat -F) for the admin user.
set -euo pipefail

readonly CANDIDATE_VERSIONS=(3.9.2 3.9.1 3.9.0)
readonly SLF4J_VERSION=1.7.36
readonly RELOAD4J_VERSION=1.2.25
readonly DEP_PLUGIN_VERSION=3.6.1

die() {
  echo "kafka-broker: $*" >&2
  exit 1
}
log() { echo "kafka-broker: $*" >&2; }

home_dir() {
  if [[ -n ${HOME:-} ]]; then
    printf '%s\n' "$HOME"
  else
    getent passwd "$(id -u)" | cut -d: -f6
  fi
}
CACHE_ROOT=${INZAGE_KAFKA_HOME:-$(home_dir)/.cache/inzage-kafka}

check_version_allowed() {
  case $1 in
    3.9.*) ;;
    4.* | [5-9].*) die "Kafka $1 refused: Kafka 4 dropped protocol versions librdkafka 2.0.2 needs; use 3.9.x" ;;
    *) log "warning: Kafka $1 is not a 3.9.x release; only 3.9.x is tested" ;;
  esac
}

libs_complete() { [[ -f $CACHE_ROOT/$1/libs/.complete ]]; }

# Writes the throw-away pom that pulls the broker, the admin tools and a log4j 1.x backend.
write_pom() {  # write_pom FILE VERSION
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>inzage.test</groupId>
  <artifactId>inzage-kafka-broker</artifactId>
  <version>$2</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- broker (kafka.Kafka) and kafka.tools.StorageTool -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$2</version></dependency>
    <!-- org.apache.kafka.tools.TopicCommand -->
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$2</version>
      <!-- only for connect-plugin-path; brings jetty + jersey (about 25 MB) -->
      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>
    </dependency>
    <!-- logging backend: the broker's pom brings only slf4j-api -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${SLF4J_VERSION}</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>${RELOAD4J_VERSION}</version></dependency>
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

# Why a Maven run failed, in one line: its last error that is not Maven's generic advice, and
# whether the repository it names answers at all (TLS, proxy and name lookup failures look
# alike in Maven's own words).
maven_failure() {  # maven_failure LOG
  local reason url probe
  reason=$(sed -E 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^\[ERROR\] +[^ ]' |
    grep -vE '^\[ERROR\] +(\[Help|To see the full|Re-run Maven|For more information)' |
    tail -n 1 | sed -E 's/^\[ERROR\] *//; s/ *-> \[Help [0-9]+\]$//' || true)
  [[ -n $reason ]] || reason="mvn failed without an error line (see its log)"
  # The repository's root, as Maven names it: "from/to central (https://...)".
  url=$(grep -oE 'from/to [^ ]+ \(https?://[^)]+\)' "$1" | head -n 1 | sed -E 's/.*\((.*)\)/\1/' ||
    true)
  if [[ -z $url ]]; then
    printf '%s\n' "$reason"
  elif probe=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 15 "${url%/}/" 2>&1); then
    printf '%s (the repository %s answers: HTTP %s)\n' "$reason" "$url" "$probe"
  else
    probe=$(head -n 1 <<<"$probe") # curl's message; the line after it is its "000" status
    printf '%s (the repository %s cannot be reached: %s)\n' "$reason" "$url" "${probe#curl: }"
  fi
}

fetch_version() {  # fetch_version VERSION: 0 when the jars are (now) in the cache
  local v=$1 vdir=$CACHE_ROOT/$1
  libs_complete "$v" && return 0
  mkdir -p "$vdir"
  local tmp=$vdir/libs.tmp.$$
  rm -rf "$tmp"
  write_pom "$vdir/pom.xml" "$v"
  log "resolving org.apache.kafka:kafka_2.13:$v from Maven Central"
  local -a repo=()
  # Maven takes its home from the passwd entry, not $HOME; a user whose passwd home is not
  # writable (nobody: /nonexistent) would fail, so use $HOME/.m2 then.
  local pw_home
  pw_home=$(getent passwd "$(id -u)" | cut -d: -f6 || true)
  if [[ -z $pw_home || ! -w $pw_home ]] && [[ -n ${HOME:-} ]]; then
    repo=("-Dmaven.repo.local=$HOME/.m2/repository")
  fi
  # The plugin goes by its full coordinates: by prefix alone, a Maven that cannot reach its
  # repository says only "No plugin found for prefix 'dependency'".
  # shellcheck disable=SC2086
  if ! mvn -B -Dstyle.color=never -f "$vdir/pom.xml" "${repo[@]}" ${INZAGE_MVN_ARGS:-} \
    "org.apache.maven.plugins:maven-dependency-plugin:${DEP_PLUGIN_VERSION}:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$vdir/mvn.log" 2>&1; then
    rm -rf "$tmp"
    log "kafka $v did not resolve: $(maven_failure "$vdir/mvn.log")"
    log "full Maven output: $vdir/mvn.log"
    return 1
  fi
  [[ -n $(compgen -G "$tmp/kafka_2.13-$v.jar") ]] || {
    rm -rf "$tmp"
    log "kafka $v: mvn succeeded but kafka_2.13-$v.jar is missing"
    return 1
  }
  touch "$tmp/.complete"
  rm -rf "$vdir/libs"
  mv "$tmp" "$vdir/libs"
  log "kafka $v: $(find "$vdir/libs" -name '*.jar' | wc -l) jars in $vdir/libs"
}

cmd_fetch() {
  mkdir -p "$CACHE_ROOT"
  command -v mvn >/dev/null || die "mvn not found (scripts/bootstrap.sh installs maven)"
  # One fetch at a time per cache: tests started in parallel share it.
  exec 9>"$CACHE_ROOT/.fetch.lock"
  flock 9
  local v
  if [[ -n ${INZAGE_KAFKA_VERSION:-} ]]; then
    check_version_allowed "$INZAGE_KAFKA_VERSION"
    fetch_version "$INZAGE_KAFKA_VERSION" || die "could not fetch Kafka $INZAGE_KAFKA_VERSION"
    v=$INZAGE_KAFKA_VERSION
  else
    v=""
    for c in "${CANDIDATE_VERSIONS[@]}"; do libs_complete "$c" && { v=$c; break; }; done
    if [[ -z $v ]]; then
      for c in "${CANDIDATE_VERSIONS[@]}"; do
        if fetch_version "$c"; then v=$c; break; fi
      done
    fi
    if [[ -z $v ]]; then
      die "none of Kafka ${CANDIDATE_VERSIONS[*]} resolved from Maven Central:" \
        "$(maven_failure "$CACHE_ROOT/${CANDIDATE_VERSIONS[0]}/mvn.log")"
    fi
  fi
  exec 9>&-
  printf '%s\n' "$v" >"$CACHE_ROOT/.selected"
  echo "$CACHE_ROOT/$v/libs"
}

# Prints the libs dir to use, fetching when nothing is cached yet.
libs_dir() {
  local v
  if [[ -n ${INZAGE_KAFKA_VERSION:-} ]]; then
    check_version_allowed "$INZAGE_KAFKA_VERSION"
    libs_complete "$INZAGE_KAFKA_VERSION" || cmd_fetch >/dev/null
    echo "$CACHE_ROOT/$INZAGE_KAFKA_VERSION/libs"
    return
  fi
  for v in "${CANDIDATE_VERSIONS[@]}"; do
    if libs_complete "$v"; then
      echo "$CACHE_ROOT/$v/libs"
      return
    fi
  done
  cmd_fetch
}

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || die "java not found (scripts/bootstrap.sh installs default-jre-headless)"
  fi
}

free_ports() {  # prints two free loopback TCP ports
  if command -v python3 >/dev/null; then
    python3 - <<'EOF'
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
EOF
    return
  fi
  local a b
  while :; do
    a=$((20000 + RANDOM % 30000))
    b=$((a + 1))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$a") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$b") 2>/dev/null; then
      echo "$a $b"
      return
    fi
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

new_cluster_id() {  # Kafka Uuid: 16 random bytes, base64url, no padding, must not start with '-'
  local id
  while :; do
    id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ ${#id} -eq 22 && $id != -* && $id != AAAAAAAAAAAAAAAAAAAAA[AB] ]] && break
  done
  echo "$id"
}

# The pid in DIR/broker.pid when it is alive and is this DIR's broker.
running_pid() {  # running_pid DIR
  local pidf=$1/broker.pid pid
  [[ -f $pidf ]] || return 1
  pid=$(<"$pidf")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$1/server.properties" || return 1
  fi
  echo "$pid"
}

fail_start() {  # fail_start DIR PID MESSAGE
  local dir=$1 pid=$2
  {
    echo "kafka-broker: $3"
    echo "kafka-broker: last 50 lines of $dir/broker.log:"
    tail -n 50 "$dir/broker.log" 2>/dev/null || true
  } >&2
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/broker.pid"
  exit 1
}

write_configs() {  # write_configs DIR PORT CPORT [secure]
  local dir=$1 port=$2 cport=$3 secure=${4:-}
  local listener=PLAINTEXT
  [[ -n $secure ]] && listener=SASL_SSL
  cat >"$dir/server.properties" <<EOF
# generated by scripts/kafka-broker.sh — single-node KRaft (combined broker + controller)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listener://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$listener://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=$listener
listener.security.protocol.map=$listener:$listener,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  if [[ -n $secure ]]; then
    # The controller listener stays plaintext on loopback; its principal (ANONYMOUS) must be a
    # super user for the combined node to talk to itself under the authorizer.
    cat >>"$dir/server.properties" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(<"$dir/secrets/admin.password")";
ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
ssl.client.auth=none
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
EOF
  fi
  if [[ -n ${INZAGE_KAFKA_EXTRA_PROPS:-} ]]; then
    printf '%s\n' "# INZAGE_KAFKA_EXTRA_PROPS" "$INZAGE_KAFKA_EXTRA_PROPS" >>"$dir/server.properties"
  fi
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=${INZAGE_KAFKA_LOG_LEVEL:-INFO}, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.org.apache.kafka.controller=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOF
  cat >"$dir/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# True when the broker at ADDR answers a metadata request listing broker 1 at ADDR.
broker_answers() {  # broker_answers ADDR [DIR]
  local -a auth=()
  [[ -n ${2:-} && -f $2/admin-kcat.conf ]] && auth=(-F "$2/admin-kcat.conf")
  if command -v kcat >/dev/null; then
    timeout 10 kcat "${auth[@]}" -b "$1" -L -m 3 -t __probe 2>/dev/null | grep -qF "broker 1 at $1"
  else
    port_in_use "${1##*:}"
  fi
}

# The secure broker's CA, certificate (127.0.0.1 and localhost), SCRAM passwords and the admin
# client's settings. Everything is made here, for this broker only, and stays in DIR.
make_secrets() {  # make_secrets DIR
  local dir=$1 tls=$1/tls
  command -v openssl >/dev/null || die "openssl is needed for start-secure"
  mkdir -p "$tls" "$dir/secrets"
  chmod 0700 "$dir/secrets"
  (
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -subj "/CN=inzage test CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$tls/broker.key" -out "$tls/broker.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/ext"
    openssl x509 -req -in "$tls/broker.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
      -CAcreateserial -days 2 -extfile "$tls/ext" -out "$tls/broker.pem" 2>/dev/null
    # Kafka's PEM key store: an unencrypted PKCS#8 key, then the certificate chain.
    { openssl pkcs8 -topk8 -nocrypt -in "$tls/broker.key"; cat "$tls/broker.pem" "$tls/ca.pem"; } \
      >"$tls/broker-keystore.pem"
    local user
    for user in admin inzaged; do
      openssl rand -hex 16 >"$dir/secrets/$user.password"
    done
  ) || die "making the test broker's certificates failed"
  chmod 0644 "$tls/ca.pem"
  cat >"$dir/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(<"$dir/secrets/admin.password")";
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
EOF
  cat >"$dir/admin-kcat.conf" <<EOF
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=admin
sasl.password=$(<"$dir/secrets/admin.password")
ssl.ca.location=$tls/ca.pem
EOF
  chmod 0600 "$dir/admin.properties" "$dir/admin-kcat.conf"
}

cmd_start() {
  local secure=""
  if [[ ${1:-} == --secure ]]; then
    secure=1
    shift
  fi
  [[ $# -ge 1 && $# -le 2 ]] || die "usage: start DIR [PORT]"
  mkdir -p "$1"
  local dir
  dir=$(cd "$1" && pwd -P)
  local pid
  if pid=$(running_pid "$dir"); then
    log "broker already running in $dir (pid $pid)"
    cat "$dir/bootstrap"
    return 0
  fi
  rm -f "$dir/broker.pid"
  local libs java
  libs=$(libs_dir)
  java=$(java_bin)
  local timeout_s=${INZAGE_KAFKA_START_TIMEOUT:-90}

  # Ports: as given; else those of an earlier start in DIR (a restart keeps its address);
  # else two free ones.
  local port="${2:-}" cport="" old_port="" old_cport=""
  if [[ -f $dir/server.properties ]]; then
    old_port=$(sed -n 's/^advertised\.listeners=[A-Z_]*:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/server.properties")
    old_cport=$(sed -n 's/^controller\.quorum\.voters=1@127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/server.properties")
  fi
  if [[ -z $port && -n $old_port ]] && ! port_in_use "$old_port"; then port=$old_port; fi
  if [[ -n $old_cport ]] && ! port_in_use "$old_cport"; then cport=$old_cport; fi
  if [[ -z $port || -z $cport ]]; then
    local p1 p2
    read -r p1 p2 < <(free_ports)
    [[ -n $port ]] || port=$p1
    [[ -n $cport ]] || cport=$p2
    if [[ $cport == "$port" ]]; then cport=$p1; fi
  fi
  [[ $port =~ ^[0-9]+$ ]] || die "bad port '$port'"
  port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
  if [[ -n $secure && ! -f $dir/tls/ca.pem ]]; then make_secrets "$dir"; fi
  write_configs "$dir" "$port" "$cport" "$secure"
  local addr=127.0.0.1:$port

  local cp="$libs/*"
  local -a jvm=(
    "-Xmx${INZAGE_KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$dir/log4j.properties" "-Dkafka.logs.dir=$dir/logs"
  )
  # shellcheck disable=SC2206
  [[ -n ${INZAGE_KAFKA_JAVA_OPTS:-} ]] && jvm+=(${INZAGE_KAFKA_JAVA_OPTS})

  : >>"$dir/broker.log"
  if [[ ! -f $dir/data/meta.properties ]]; then
    local cid
    cid=$(new_cluster_id)
    echo "$cid" >"$dir/cluster.id"
    echo "=== $(date -Is) storage format (cluster id $cid)" >>"$dir/broker.log"
    local -a scram=()
    if [[ -n $secure ]]; then
      local user
      for user in admin inzaged; do
        scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(<"$dir/secrets/$user.password")]")
      done
    fi
    if ! "$java" -Xmx256m "-Dlog4j.configuration=file:$dir/tools-log4j.properties" -cp "$cp" \
      kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" "${scram[@]}" \
      >>"$dir/broker.log" 2>&1 </dev/null; then
      fail_start "$dir" "" "storage format failed"
    fi
  fi

  echo "=== $(date -Is) starting broker on $addr (controller 127.0.0.1:$cport)" >>"$dir/broker.log"
  # setsid: own process group (stop kills the group); all output to the log so that callers
  # like $(kafka-broker.sh start DIR) do not wait for the JVM to close their pipe.
  setsid "$java" "${jvm[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" \
    >>"$dir/broker.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/broker.pid"
  echo "$addr" >"$dir/bootstrap"

  local deadline=$((SECONDS + timeout_s))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail_start "$dir" "" "broker (pid $pid) exited during startup"
    fi
    if grep -q "Kafka Server started" "$dir/broker.log" && broker_answers "$addr" "$dir"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      fail_start "$dir" "$pid" "broker did not answer on $addr within ${timeout_s}s"
    fi
    sleep 0.3
  done
  log "broker up on $addr (pid $pid, $(basename "$(dirname "$libs")"), ${SECONDS}s)"
  echo "$addr"
}

cmd_stop() {
  [[ $# -eq 1 ]] || die "usage: stop DIR"
  [[ -d $1 ]] || return 0
  local dir pid
  dir=$(cd "$1" && pwd -P)
  if ! pid=$(running_pid "$dir"); then
    rm -f "$dir/broker.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ${INZAGE_KAFKA_STOP_TIMEOUT:-30}))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker pid $pid ignored SIGTERM for ${INZAGE_KAFKA_STOP_TIMEOUT:-30}s; SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$dir/broker.pid"
}

cmd_create_topic() {
  [[ $# -ge 3 && $# -le 4 ]] || die "usage: create-topic DIR NAME PARTITIONS [compact]"
  local dir name=$2 parts=$3
  dir=$(cd "$1" && pwd -P)
  [[ $parts =~ ^[0-9]+$ ]] || die "bad partition count '$parts'"
  running_pid "$dir" >/dev/null || die "no broker running in $dir"
  local addr libs java
  addr=$(<"$dir/bootstrap")
  libs=$(libs_dir)
  java=$(java_bin)
  local -a extra=() admin=() kcat_auth=()
  if [[ -f $dir/admin.properties ]]; then
    admin=(--command-config "$dir/admin.properties")
    kcat_auth=(-F "$dir/admin-kcat.conf")
  fi
  if [[ $# -eq 4 ]]; then
    [[ $4 == compact ]] || die "4th argument must be 'compact'"
    extra=(--config cleanup.policy=compact)
  fi
  "$java" -Xmx256m "-Dlog4j.configuration=file:$dir/tools-log4j.properties" -cp "$libs/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$addr" "${admin[@]}" --create \
    --topic "$name" --partitions "$parts" --replication-factor 1 "${extra[@]}" </dev/null >&2 ||
    die "creating topic $name failed"
  # Wait until every partition has a leader, so producers can start right away.
  if command -v kcat >/dev/null; then
    local deadline=$((SECONDS + 30)) n
    while :; do
      n=$(timeout 10 kcat "${kcat_auth[@]}" -b "$addr" -L -t "$name" -m 3 2>/dev/null | grep -c 'leader 1,' || true)
      ((n >= parts)) && break
      ((SECONDS < deadline)) || die "topic $name: only $n of $parts partitions have a leader after 30s"
      sleep 0.2
    done
  fi
}

cmd_acl() {
  [[ $# -ge 2 ]] || die "usage: acl DIR ARGS..."
  local dir
  dir=$(cd "$1" && pwd -P)
  shift
  [[ -f $dir/admin.properties ]] || die "acl needs a broker started with start-secure"
  running_pid "$dir" >/dev/null || die "no broker running in $dir"
  "$(java_bin)" -Xmx256m "-Dlog4j.configuration=file:$dir/tools-log4j.properties" \
    -cp "$(libs_dir)/*" kafka.admin.AclCommand --bootstrap-server "$(<"$dir/bootstrap")" \
    --command-config "$dir/admin.properties" "$@" </dev/null >&2 || die "kafka-acls $* failed"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    fetch) cmd_fetch "$@" ;;
    start) cmd_start "$@" ;;
    start-secure) cmd_start --secure "$@" ;;
    acl) cmd_acl "$@" ;;
    stop) cmd_stop "$@" ;;
    create-topic) cmd_create_topic "$@" ;;
    bootstrap)
      [[ $# -eq 1 ]] || die "usage: bootstrap DIR"
      running_pid "$(cd "$1" && pwd -P)" >/dev/null || die "no broker running in $1"
      cat "$1/bootstrap"
      ;;
    version) basename "$(dirname "$(libs_dir)")" ;;
    *)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

main "$@"
