#!/usr/bin/env bash
# The worked examples of docs/interop.md, one per input format: replays the messages in
# tests/data/interop-examples/ (the bytes on the topic) with their reference data, and checks
# that the decisions are the ones stored beside them and the ones the document prints, so the
# document cannot drift from the code.
set -euo pipefail
inzage=$1
root=$2
dir="$root/tests/data/interop-examples"
doc="$root/docs/interop.md"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# The policy revision is a hash of the whole policy: any policy change changes it, and it says
# nothing about the mapping the examples show, so it is compared as a placeholder.
normalise() { sed -E 's/"policy_revision":"[0-9a-f]+"/"policy_revision":"…"/'; }
doc_lines=$(normalise <"$doc")
for format in inzage otlp-json otlp-proto vng-verwerkingsactie; do
  events="$dir/$format.ndjson"
  [[ $format == otlp-proto ]] && events="$dir/$format.bin"
  got=$("$inzage" replay --policy "$root/config/policy" --reference "$dir/reference.ndjson" \
    --events "$events" --format "$format" | normalise)
  diff <(echo "$got") <(normalise <"$dir/$format.decisions.ndjson") >&2 ||
    fail "$format: the decisions differ from $format.decisions.ndjson"
  while IFS= read -r line; do
    grep -qxF -- "$line" <<<"$doc_lines" || fail "$format: docs/interop.md does not print the decision $line"
  done <<<"$got"
done
echo "interop doc examples: ok"
