#!/usr/bin/env bash
# Issue 3 decision benchmark. Usage: bench/decision_run.sh BUILD_DIR OUT_DIR
# (b) the full pipeline on the whole suite (60 s per case), then (a) the plain
# seed sentence (10 s per case) on every 8th case of the same suite: on this
# machine (2 shared cores) a full (a) run at 60 s per case would take days.
set -euo pipefail
build=${1:-build-z3}; out=${2:-/tmp/decision_bench}
mkdir -p "$out"
"$build/bench/decision_bench" --plain-timeout 0 --pipeline-timeout 60 > "$out/pipeline.tsv"
"$build/bench/decision_bench" --plain-timeout 10 --plain-every 8 --pipeline-timeout 60 --groups lu,full,pairs222,random > "$out/plain_subset.tsv"
"$build/bench/decision_bench" --tactic-study > "$out/tactics.md"
