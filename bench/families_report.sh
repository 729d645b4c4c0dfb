#!/usr/bin/env bash
# Families stay structural (issue 18 item 6, issue 20 B7): wall time, peak
# memory and JSON report size of `wellposed check --json` on large family
# specs. Usage: bench/families_report.sh [path/to/wellposed] (default build/cli/wellposed).
set -euo pipefail
cli=${1:-build/cli/wellposed}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); loadavg: $(cat /proc/loadavg)"
printf '%-44s %8s %10s %12s %8s %s\n' spec wall_s maxrss_MB report_bytes exit verdict
run() {
  local name=$1 json=$2
  echo "$json" > "$dir/$name.json"
  local rc=0
  /usr/bin/time -f '%e %M' -o "$dir/time" "$cli" check --json --timeout 2 "$dir/$name.json" > "$dir/out.json" 2> "$dir/err" || rc=$?
  read -r wall rss < <(tail -n 1 "$dir/time")
  local verdict
  verdict=$(grep -m1 '"verdict"' "$dir/out.json" | tr -d ' ",' | cut -d: -f2 || true)
  printf '%-44s %8s %10d %12d %8s %s\n' "$name" "$wall" $((rss / 1024)) "$(stat -c %s "$dir/out.json")" "$rc" "${verdict:-$(head -c 120 "$dir/err")}"
}
for spec in ../shared/repro/bad-inputs/B7-butterfly-8192.json ../shared/repro/bad-inputs/B7-butterfly-16384.json; do
  [ -f "$spec" ] && run "$(basename "$spec" .json)" "$(cat "$spec")"
done
run butterfly-65536 '{"family": "butterfly", "n": 65536}'
run butterfly-2^40 '{"family": "butterfly", "n": 1099511627776}'
run monarch-2^20-p1024-q1024 '{"family": "monarch", "m": 1048576, "n": 1048576, "p": 1024, "q": 1024}'
run lowrank-2^30-r7 '{"family": "lowrank", "m": 1073741824, "n": 1073741824, "r": 7}'
run kaleidoscope-65536 '{"family": "kaleidoscope", "n": 65536}'
run kronecker-chain-2^20 '{"family": "kronecker", "chain": [[1,2,2,524288],[2,2,2,262144],[4,2,2,131072]]}'
