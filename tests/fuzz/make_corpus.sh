#!/usr/bin/env bash
# Builds the seed corpora of the fuzz harnesses from tests/scenarios/:
#   make_corpus.sh SCENARIO_DIR OUT_DIR
# OUT_DIR/command_json/: one file per distinct command line (*.jsonl, not
# the .expected / .balances files), and the same lines in
# OUT_DIR/command_json_reader/ (the differential harness of the strict
# reader); OUT_DIR/command_sequence/: one file per scenario (whole
# sequences, cut to the harness's 48 commands).
set -euo pipefail
scenarios=$1
out=$2
mkdir -p "$out/command_json" "$out/command_json_reader" "$out/command_sequence"
for f in "$scenarios"/*.jsonl; do
  case "$f" in *.expected.jsonl|*.balances.jsonl) continue ;; esac
  name=$(basename "$f" .jsonl)
  head -n 48 "$f" > "$out/command_sequence/$name"
  n=0
  while IFS= read -r line || [ -n "$line" ]; do
    [ -z "$line" ] && continue
    n=$((n + 1))
    printf '%s' "$line" > "$out/command_json/$name-$n"
    printf '%s' "$line" > "$out/command_json_reader/$name-$n"
  done < "$f"
done
echo "corpus: $(ls "$out/command_json" | wc -l) command lines," \
     "$(ls "$out/command_sequence" | wc -l) sequences"
