#!/usr/bin/env bash
# systemd/inzaged.service: `systemd-analyze verify` passes and the offline security exposure is
# at most 2.0. (verify wants ExecStart's binary to exist: the unit is checked with the built one.)
set -euo pipefail
inzaged=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/inzaged|$inzaged|" "$root/systemd/inzaged.service" >"$work/inzaged.service"
systemd-analyze verify "$work/inzaged.service"
score=$(systemd-analyze security --offline=true "$work/inzaged.service" 2>&1 |
  sed -n -E 's/.*Overall exposure level for inzaged.service: ([0-9.]+).*/\1/p')
[[ -n $score ]] || { echo "FAIL: no exposure score"; exit 1; }
echo "systemd-analyze security: exposure $score"
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" ||
  { echo "FAIL: exposure $score is above 2.0"; exit 1; }
