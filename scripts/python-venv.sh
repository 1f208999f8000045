#!/usr/bin/env bash
# ./scripts/python-venv.sh — the Python virtual environment of the API tests (tests/api) and of
# the logging-standards tests (tests/interop: the OpenTelemetry SDK and a Kafka client).
#
# Creates ${INZAGE_VENV:-$HOME/.cache/inzage/venv} with `python3 -m venv` when it is missing or
# broken, and installs tests/api/requirements.txt and tests/interop/requirements.txt into it only
# when they (or the Python version) changed since the last successful install: a SHA-256 stamp in
# the venv records it.
# Prints the venv's path as the only line on stdout (messages go to stderr), so callers do
#   venv=$(./scripts/python-venv.sh) && "$venv/bin/python" tests/api/openapi_validate.py ...
#
# Needs python3 with the venv module and ensurepip: on Debian 12 that is the package
# `python3-venv` (scripts/bootstrap.sh installs it). Needs network access to PyPI (or a
# configured pip index/mirror, PIP_INDEX_URL) only when the requirements changed.
# Concurrent calls are serialised with flock on a lock file beside the venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${INZAGE_VENV:-$HOME/.cache/inzage/venv}
requirements=tests/api/requirements.txt
requirements_interop=tests/interop/requirements.txt
stamp="$venv/.inzage-requirements.sha256"

log() { echo "python-venv: $*" >&2; }

if ! command -v python3 >/dev/null; then
  log "python3 not found (Debian: apt-get install python3 python3-venv)"
  exit 1
fi
if [[ ! -f $requirements ]]; then
  log "$requirements not found"
  exit 1
fi

mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
if command -v flock >/dev/null; then flock 9; fi

# The stamp covers the requirements and the interpreter: a Python upgrade rebuilds the venv.
python_version=$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
want=$( (cat "$requirements" "$requirements_interop"; echo "python $python_version") |
  sha256sum | cut -d' ' -f1)

if [[ -x $venv/bin/python ]] && "$venv/bin/python" -c 'import sys' 2>/dev/null &&
  [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "$venv"
  exit 0
fi

venv_python_version=""
if [[ -x $venv/bin/python ]]; then
  venv_python_version=$("$venv/bin/python" -c \
    'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || true)
fi
if [[ $venv_python_version != "$python_version" ]]; then
  if [[ -e $venv ]]; then
    log "recreating $venv (python ${venv_python_version:-broken} -> $python_version)"
    rm -rf "$venv"
  else
    log "creating $venv"
  fi
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    log "python3 -m venv failed; on Debian install python3-venv (apt-get install python3-venv)"
    exit 1
  fi
fi

rm -f "$stamp"  # an interrupted install must not look complete
log "installing $requirements $requirements_interop"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input -q)
if ! "${pip[@]}" install -r "$requirements" -r "$requirements_interop" >&2; then
  log "pip install failed (is PyPI, or PIP_INDEX_URL, reachable?)"
  exit 1
fi
echo "$want" >"$stamp"
log "ready"
echo "$venv"
