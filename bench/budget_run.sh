#!/usr/bin/env bash
# analyze()'s budget overshoot and verdict stability (issue 18 item 3, issue 20
# B9/B10). Usage: bench/budget_run.sh BUILD_DIR OUT_DIR
#  1. budget_bench at T = 2 s over the first 40 detector-undecided random 4x4
#     pairs of decision_bench's suite, then 5 runs of each of the first 5 at T = 2;
#  2. budget_bench at T = 10 s over the first 20 of them;
#  3. `wellposed check --timeout 2` five times on each of the two hard specs of
#     issue 20 (B10 chain3-s15, B9/B10 chain3-s6): wall time and verdict per run.
set -euo pipefail
build=${1:-build}; out=${2:-/tmp/budget_bench}
mkdir -p "$out"
cat /proc/loadavg > "$out/loadavg.txt"
"$build/bench/budget_bench" --timeout 2 --cases 40 --repeat 5 --repeat-cases 5 > "$out/t2.tsv"
"$build/bench/budget_bench" --timeout 10 --cases 20 > "$out/t10.tsv"
for spec in tests/data/bad-inputs/B10-chain3-s15.json tests/data/bad-inputs/B9-B10-chain3-s6.json; do
  for k in 1 2 3 4 5; do
    s=$(date +%s.%N)
    v=$("$build/cli/wellposed" check --json --no-timings --timeout 2 "$spec" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["verdict"])' || true)
    e=$(date +%s.%N)
    echo -e "$spec\t$k\t$(echo "$e - $s" | bc)\t$v"
  done
done > "$out/cli_b10.tsv"
cat /proc/loadavg >> "$out/loadavg.txt"
