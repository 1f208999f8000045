#!/usr/bin/env bash
# tests/ops/package_test.sh SOURCE_DIR BUILD_DIR
# `cmake --install` into a scratch root, then CPack's .deb unpacked into another with dpkg -x:
# both must hold the binaries, the unit, the configuration and policy under /etc/inzage, the
# schemas and the alerting rules; the .deb's control data must name its dependencies and mark
# the configuration as conffiles; the unpacked binaries must run. Fails loudly.
set -euo pipefail
root=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
build=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
work=$(mktemp -d /tmp/inzage-package-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package: FAIL: $*" >&2; exit 1; }

expected=(
  usr/bin/inzaged usr/bin/inzage
  usr/lib/systemd/system/inzaged.service
  etc/inzage/inzaged.yaml etc/inzage/policy/roles.yaml etc/inzage/policy/register.yaml
  etc/inzage/policy/tests/allow.yaml
  usr/share/inzage/schemas/openapi.yaml usr/share/inzage/schemas/access-event.schema.json
  usr/share/inzage/prometheus/inzage-alerts.yml usr/share/doc/inzage/README.md
  usr/share/doc/inzage/copyright usr/share/doc/inzage/docs/operations.md
  usr/share/doc/inzage/docs/ui.md usr/share/doc/inzage/docs/img/citizen-report-sent.png
  usr/share/inzage/ui/citizen/index.html usr/share/inzage/ui/console/index.html
  usr/share/inzage/ui/vendor/utrecht/design-tokens.css usr/share/inzage/ui/vendor/LICENSES
)
check_tree() { # DIR WHAT
  for f in "${expected[@]}"; do [[ -e $1/$f ]] || fail "$2 lacks /$f"; done
  if find "$1" -name '*.key' | grep -q .; then fail "$2 contains a key file"; fi
}

DESTDIR="$work/install" cmake --install "$build" >/dev/null
check_tree "$work/install" "cmake --install"

(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$work"/deb/*.deb)
dpkg-deb --info "$deb" >"$work/info"
grep -q '^ Package: inzage$' "$work/info" || fail "package name"
grep -q '^ Depends:.*librdkafka' "$work/info" || fail "Depends does not name librdkafka: $(grep Depends "$work/info")"
grep -q '^ Depends:.*libssl3' "$work/info" || fail "Depends does not name libssl3"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles"
grep -qx /etc/inzage/inzaged.yaml "$work/conffiles" || fail "the configuration is not a conffile"
dpkg -x "$deb" "$work/root"
check_tree "$work/root" "the .deb"
"$work/root/usr/bin/inzaged" --version >/dev/null || fail "the packaged inzaged does not run"
"$work/root/usr/bin/inzage" check-policy --policy "$work/root/etc/inzage/policy" \
  --tests "$work/root/etc/inzage/policy/tests" >/dev/null || fail "the packaged policy fails its tests"
echo "package: ok ($(basename "$deb"), $(dpkg-deb -c "$deb" | wc -l) entries)"
