#!/usr/bin/env bash
# Issue 3 decision benchmark, one process. Usage: bench/decision_run.sh BUILD_DIR OUT_DIR
# The FULL suite of the issue (LU(n) n=2..5; full m=n=2..4 r=1..3; all 256
# pairs m=n=r=2; PER_SIZE (default 200) seeded random pairs per size):
# (b) the pipeline on every case with 60 s per case (exact-route verdicts
# re-checked by the checker, 30 s re-check budget, not counted in the time),
# and, in the same run, (a) the plain seed sentence with PLAIN_S (default
# 10) s on every PLAIN_EVERY-th case (default 16): on 2 shared cores (a) at
# 60 s on every case would take ~15 hours (it times out on most cases).
# With TACTICS=1, then the tactic study. Summarize with
# bench/decision_summary.sh OUT/full.tsv.
set -euo pipefail
build=${1:-build-z3}; out=${2:-/tmp/decision_bench}
mkdir -p "$out"
"$build/bench/decision_bench" --plain-timeout "${PLAIN_S:-10}" --plain-every "${PLAIN_EVERY:-16}" \
  --pipeline-timeout 60 --check-timeout 30 --per-size "${PER_SIZE:-200}" > "$out/full.tsv"
if [ "${TACTICS:-0}" = 1 ]; then "$build/bench/decision_bench" --tactic-study > "$out/tactics.md"; fi
