#!/usr/bin/env bash
# Issue 3 decision benchmark. Usage: bench/decision_run.sh BUILD_DIR OUT_DIR
# (b) the full pipeline on the suite (60 s per case; PER_SIZE random pairs per
# size, default 40 of the 200), then (a) the plain seed sentence (10 s per case)
# on every 4th case of the same suite: on this
# machine (2 shared cores) a full (a) run at 60 s per case would take days.
set -euo pipefail
build=${1:-build-z3}; out=${2:-/tmp/decision_bench}
mkdir -p "$out"
per_size=${PER_SIZE:-40}
"$build/bench/decision_bench" --plain-timeout 0 --pipeline-timeout 60 --per-size "$per_size" > "$out/pipeline.tsv"
"$build/bench/decision_bench" --plain-timeout 10 --plain-every 4 --pipeline-timeout 0 --per-size "$per_size" > "$out/plain_subset.tsv"
"$build/bench/decision_bench" --tactic-study > "$out/tactics.md"
