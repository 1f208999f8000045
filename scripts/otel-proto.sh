#!/usr/bin/env bash
# scripts/otel-proto.sh — the OpenTelemetry protocol's .proto files, from the Maven package
# io.opentelemetry.proto:opentelemetry-proto (its jar carries the .proto sources at its root).
# CMake calls it at configure time and runs protoc on what it prints; nothing is vendored.
#
#   otel-proto.sh fetch     resolve the jar (mvn) and extract the trace protos into the cache;
#                           prints the directory that holds opentelemetry/proto/... on stdout
#   otel-proto.sh version   prints the version that would be used
#
# Environment (all optional):
#   INZAGE_OTEL_PROTO_VERSION  Maven version (default 1.5.0-alpha: OTLP 1.5.0, January 2025)
#   INZAGE_OTEL_PROTO_HOME     cache root (default $HOME/.cache/inzage-otel-proto)
#   INZAGE_MVN_ARGS            extra arguments for mvn (e.g. -o, -Dmaven.repo.local=...)
set -euo pipefail

readonly VERSION=${INZAGE_OTEL_PROTO_VERSION:-1.5.0-alpha}
readonly ARTIFACT=io.opentelemetry.proto:opentelemetry-proto:$VERSION
# What decoding traces needs: the request, the span, and what they import. Nothing else.
readonly PROTOS=(
  opentelemetry/proto/collector/trace/v1/trace_service.proto
  opentelemetry/proto/trace/v1/trace.proto
  opentelemetry/proto/common/v1/common.proto
  opentelemetry/proto/resource/v1/resource.proto
)

die() {
  echo "otel-proto: $*" >&2
  exit 1
}

home_dir() {
  if [[ -n ${HOME:-} ]]; then printf '%s\n' "$HOME"; else getent passwd "$(id -u)" | cut -d: -f6; fi
}
CACHE=${INZAGE_OTEL_PROTO_HOME:-$(home_dir)/.cache/inzage-otel-proto}/$VERSION

fetch() {
  if [[ -f $CACHE/.complete ]]; then
    echo "$CACHE"
    return
  fi
  command -v mvn >/dev/null || die "mvn not found (scripts/bootstrap.sh installs maven)"
  command -v unzip >/dev/null || die "unzip not found (scripts/bootstrap.sh installs unzip)"
  mkdir -p "$CACHE"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  # dependency:copy puts the jar where we say, from the local repository or Maven Central.
  if ! mvn -B -q -Dstyle.color=never ${INZAGE_MVN_ARGS:-} \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy -Dartifact="$ARTIFACT" \
    -DoutputDirectory="$tmp" -Dmdep.overWriteReleases=true >"$CACHE/mvn.log" 2>&1; then
    die "mvn could not resolve $ARTIFACT (see $CACHE/mvn.log)"
  fi
  local jar
  jar=$(ls "$tmp"/opentelemetry-proto-*.jar 2>/dev/null | head -1)
  [[ -n $jar ]] || die "mvn succeeded but no opentelemetry-proto jar arrived"
  (cd "$CACHE" && unzip -o -q "$jar" "${PROTOS[@]}") || die "the jar lacks one of ${PROTOS[*]}"
  touch "$CACHE/.complete"
  echo "$CACHE"
}

case ${1:-} in
  fetch) fetch ;;
  version) echo "$VERSION" ;;
  *) die "usage: otel-proto.sh fetch|version" ;;
esac
