#!/usr/bin/env bash
# Installs everything inzage needs to build, test and demo on Debian 12 (bookworm).
# Idempotent: installs only what is missing, runs `apt-get update` at most once per call,
# uses sudo only when not root. Every package here is named in README.md with the reason.
set -euo pipefail

PACKAGES=(
  # toolchain; dpkg-dev (dpkg-shlibdeps) and file are what cpack's .deb needs, named here
  # rather than left to arrive with build-essential
  build-essential dpkg-dev file cmake ninja-build ccache pkg-config git ca-certificates
  clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  # runtime libraries (see README "Dependencies")
  librdkafka-dev libsimdjson-dev librocksdb-dev prometheus-cpp-dev
  libyaml-cpp-dev libcli11-dev libfmt-dev libssl-dev libsystemd-dev
  libboost-dev libhowardhinnant-date-dev libjemalloc-dev tzdata
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libvalijson-dev nlohmann-json3-dev
  kcat python3 python3-venv default-jre-headless maven curl systemd wrk
  # monitoring: promtool checks config/prometheus, tests/ops runs a throwaway prometheus
  prometheus
  # the web pages: npm installs their pinned packages (ui/package-lock.json); the browser
  # tests drive Debian's chromium (no browser download)
  nodejs chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian ships npm as its own package; a nodejs from elsewhere (NodeSource) brings its own npm
# and conflicts with Debian's, so npm is asked for only when no npm command exists.
if ! command -v npm >/dev/null; then missing+=(npm); fi

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#PACKAGES[@]} packages (and npm) present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# The prometheus package enables and starts its own server on :9090 when it is first installed
# (systemd, or its init script when no policy-rc.d forbids it). inzage needs only the binaries:
# the tests start their own server on a free loopback port. Stop and disable the packaged one,
# only when this call installed it, so an operator's own Prometheus is left alone.
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
  if [[ -d /run/systemd/system ]]; then
    $SUDO systemctl disable --now --quiet prometheus.service
  else
    $SUDO update-rc.d prometheus disable >/dev/null
    $SUDO /etc/init.d/prometheus stop >/dev/null # --oknodo: exits 0 when it is not running
  fi
  echo "bootstrap: packaged prometheus service stopped and disabled (tests run their own)"
fi
echo "bootstrap: done"
