#!/usr/bin/env bash
# ops: the Prometheus alerting rules in config/prometheus are valid and their unit tests pass
# (promtool from Debian's prometheus package, installed by scripts/bootstrap.sh).
# Usage: prometheus_rules_test.sh SOURCE_DIR
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
(($# == 1)) || fail "usage: $0 SOURCE_DIR"
dir="$1/config/prometheus"
[[ -f "$dir/inzage-alerts.yml" ]] || fail "$dir/inzage-alerts.yml not found (is $1 the source dir?)"
command -v promtool >/dev/null ||
  fail "promtool not found: install Debian package prometheus (scripts/bootstrap.sh does)"

promtool check rules "$dir/inzage-alerts.yml" || fail "promtool check rules rejected inzage-alerts.yml"
promtool test rules "$dir/inzage-alerts.test.yml" || fail "alerting rule unit tests failed"
# The operator's example must stay loadable (it also checks the rule file it names).
promtool check config "$dir/prometheus.example.yml" ||
  fail "promtool check config rejected prometheus.example.yml"
echo "prometheus rules: ok"
