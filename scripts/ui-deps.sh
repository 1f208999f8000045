#!/usr/bin/env bash
# scripts/ui-deps.sh — the web pages' npm packages (ui/package.json, pinned exactly, with the
# committed ui/package-lock.json) and the files the pages load at run time, copied into
# ui/vendor/ (gitignored): no CDN, everything is served by inzaged from ui/.
#
#   ui-deps.sh            npm ci in ui/ when node_modules is not up to date with the lock file,
#                         then (re)write ui/vendor/ when it is older than node_modules
#   ui-deps.sh --check    exit 0 when both are up to date, 1 otherwise (installs nothing)
#   ui-deps.sh --force    npm ci and the copy again, whatever the stamps say
#
# ui/vendor/ then holds:
#   utrecht/design-tokens.css       @utrecht/design-tokens (NL Design System tokens, .utrecht-theme)
#   utrecht/component-library.css   @utrecht/component-library-css (the components' classes)
#   fonts/noto-sans.css, fonts/files/*.woff2   @fontsource-variable/noto-sans (the tokens' font)
#   chart.js/chart.umd.min.js       chart.js 4 (UMD build: window.Chart)
#   LICENSES/                       the licence of each package copied
#
# Needs node >= 18.19 and npm >= 9 (Debian 12's nodejs and npm; scripts/bootstrap.sh installs
# them). Nothing is run from the packages at install time (--ignore-scripts); no browser is
# downloaded: the tests drive Debian's /usr/bin/chromium through playwright-core.
#
# Environment (optional):
#   INZAGE_NPM_ARGS   extra arguments for npm ci (e.g. --offline, --registry=...)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
ui=$root/ui
readonly MIN_NODE_MAJOR=18 MIN_NODE_MINOR=19

die() {
  echo "ui-deps: $*" >&2
  exit 1
}
log() { echo "ui-deps: $*" >&2; }

mode=install
case ${1:-} in
  "") ;;
  --check) mode=check ;;
  --force) mode=force ;;
  *)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

[[ -f $ui/package.json && -f $ui/package-lock.json ]] || die "ui/package.json or ui/package-lock.json is missing"

check_tools() {
  command -v node >/dev/null || die "node not found (scripts/bootstrap.sh installs nodejs)"
  command -v npm >/dev/null || die "npm not found (scripts/bootstrap.sh installs npm)"
  local v major minor
  v=$(node -p 'process.versions.node' 2>/dev/null) || die "node does not run"
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  if ((major < MIN_NODE_MAJOR || (major == MIN_NODE_MAJOR && minor < MIN_NODE_MINOR))); then
    die "node $v is too old: the pages' tests need >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR"
  fi
}

# What node_modules must match: the lock file and the node major version.
lock_stamp() {
  {
    sha256sum "$ui/package-lock.json" "$ui/package.json" | cut -d' ' -f1
    node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none
  } | sha256sum | cut -d' ' -f1
}
# What ui/vendor/ must match: node_modules' stamp and this script.
vendor_stamp() {
  { lock_stamp; sha256sum "$0" | cut -d' ' -f1; } | sha256sum | cut -d' ' -f1
}

modules_current() { [[ -f $ui/node_modules/.inzage-stamp && $(<"$ui/node_modules/.inzage-stamp") == "$(lock_stamp)" ]]; }
vendor_current() { [[ -f $ui/vendor/.inzage-stamp && $(<"$ui/vendor/.inzage-stamp") == "$(vendor_stamp)" ]]; }

# Why npm failed, in one line: its last "npm error"/"npm ERR!" line that says something.
npm_failure() {  # npm_failure LOG
  local reason
  reason=$(grep -E '^npm (error|ERR!) ' "$1" | sed -E 's/^npm (error|ERR!) +//' |
    grep -vE '^(A complete log|Log files|$|\s*$)' | head -n 3 | tr '\n' ' ' || true)
  [[ -n $reason ]] || reason="npm failed without an error line"
  printf '%s\n' "$reason"
}

npm_ci() {
  local logf=$ui/node_modules.npm-ci.log
  log "npm ci in ui/ (node $(node -v), npm $(npm -v))"
  rm -rf "$ui/node_modules"
  # shellcheck disable=SC2086
  if ! (cd "$ui" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn ${INZAGE_NPM_ARGS:-}) >"$logf" 2>&1; then
    log "npm ci failed: $(npm_failure "$logf")"
    log "full npm output: $logf"
    exit 1
  fi
  lock_stamp >"$ui/node_modules/.inzage-stamp"
  rm -f "$logf"
}

copy_vendor() {
  local nm=$ui/node_modules tmp=$ui/vendor.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp/utrecht" "$tmp/fonts/files" "$tmp/chart.js" "$tmp/LICENSES"
  local src
  for src in \
    "$nm/@utrecht/design-tokens/dist/index.css" \
    "$nm/@utrecht/component-library-css/dist/index.css" \
    "$nm/@fontsource-variable/noto-sans/index.css" \
    "$nm/chart.js/dist/chart.umd.min.js"; do
    [[ -f $src ]] || { rm -rf "$tmp"; die "missing after npm ci: ${src#"$ui"/}"; }
  done
  cp "$nm/@utrecht/design-tokens/dist/index.css" "$tmp/utrecht/design-tokens.css"
  cp "$nm/@utrecht/component-library-css/dist/index.css" "$tmp/utrecht/component-library.css"
  cp "$nm/chart.js/dist/chart.umd.min.js" "$tmp/chart.js/chart.umd.min.js"
  # The font: its stylesheet and every file it names (url(./files/...)), so nothing 404s.
  cp "$nm/@fontsource-variable/noto-sans/index.css" "$tmp/fonts/noto-sans.css"
  local f
  while read -r f; do
    [[ -f $nm/@fontsource-variable/noto-sans/files/$f ]] || { rm -rf "$tmp"; die "font file $f named by noto-sans/index.css is missing"; }
    cp "$nm/@fontsource-variable/noto-sans/files/$f" "$tmp/fonts/files/$f"
  done < <(grep -oE 'url\(\./files/[^)]+\)' "$tmp/fonts/noto-sans.css" | sed -E 's/^url\(\.\/files\/(.*)\)$/\1/' | sort -u)
  # A stylesheet that loads something from elsewhere would break the CSP (default-src 'self').
  if grep -qE 'url\((["'"'"']?)(https?:)?//' "$tmp/utrecht/"*.css "$tmp/fonts/noto-sans.css"; then
    rm -rf "$tmp"
    die "a vendored stylesheet loads a remote URL; the pages' CSP (default-src 'self') would block it"
  fi
  local pkg
  for pkg in @utrecht/design-tokens @utrecht/component-library-css @fontsource-variable/noto-sans chart.js @kurkle/color; do
    for f in "$nm/$pkg"/LICENSE*; do
      [[ -f $f ]] && cp "$f" "$tmp/LICENSES/$(tr '/@' '__' <<<"$pkg")-$(basename "$f")"
    done
  done
  {
    echo "Copied by scripts/ui-deps.sh from ui/node_modules; do not edit (gitignored)."
    # shellcheck disable=SC2016 # JavaScript, not shell
    (cd "$ui" && node -e '
      const lock = require("./package-lock.json");
      for (const p of ["@utrecht/design-tokens", "@utrecht/component-library-css", "@fontsource-variable/noto-sans", "chart.js"])
        console.log(`${p} ${lock.packages["node_modules/" + p].version}`);')
  } >"$tmp/VERSIONS"
  vendor_stamp >"$tmp/.inzage-stamp"
  rm -rf "$ui/vendor"
  mv "$tmp" "$ui/vendor"
}

if [[ $mode == check ]]; then
  command -v node >/dev/null || exit 1
  modules_current && vendor_current
  exit $?
fi

check_tools
# One run at a time (tests started in parallel share ui/).
exec 9>"$ui/.deps.lock"
flock 9

if [[ $mode == force ]] || ! modules_current; then
  npm_ci
else
  log "ui/node_modules is up to date with package-lock.json"
fi
if [[ $mode == force ]] || ! vendor_current; then
  copy_vendor
  log "ui/vendor written: $(tail -n +2 "$ui/vendor/VERSIONS" | paste -sd, - | sed 's/,/, /g')"
else
  log "ui/vendor is up to date"
fi
