#!/usr/bin/env bash
# Peak RSS of `wellposed check` against the memory model of explicit specs
# (spec_memory_estimate, algebra/spec.hpp), on tall, wide, outer-product,
# square full and random specs. Usage: bench/spec_memory_model.sh [BUILD_DIR]
# Prints: spec, nonzeros, estimate (MiB), peak RSS (MiB), ratio, seconds.
set -euo pipefail
bin=${1:-build}/cli/wellposed
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat /proc/loadavg
printf '%-22s %12s %12s %12s %8s %8s\n' spec nonzeros est_MiB rss_MiB est/rss s
run() {  # name rows1 cols1 kind1 rows2 cols2 kind2 nnz1 nnz2
  local name=$1
  echo "{\"factors\": [{\"rows\": $2, \"cols\": $3, \"support\": $4}, {\"rows\": $5, \"cols\": $6, \"support\": $7}]}" > "$dir/$name.json"
  /usr/bin/time -f '%M %e' -o "$dir/t" "$bin" check "$dir/$name.json" --timeout 10 --max-memory 100G >/dev/null 2>&1 || true
  read -r rss secs < <(tail -1 "$dir/t")
  # The model, as in spec_memory_estimate: 64 MiB + 320 B x (nonzeros + rows + cols of
  # every factor) + 16 B x product cells + dense mask words.
  local est
  est=$(python3 -c "
r1,c1,r2,c2,n1,n2=$2,$3,$5,$6,$8,$9
w=lambda r,c:r*((c+63)//64)*8
print((16<<20)+320*(n1+n2+r1+c1+r2+c2)+384*r1*c2+w(r1,c1)+w(r2,c2))")
  python3 -c "
est,rss=$est,$rss*1024
print(f'%-22s %12d %12.1f %12.1f %8.1f %8s' % ('$name', $8+$9, est/2**20, rss/2**20, est/rss, '$secs'))"
}
full='"full"'
rnd() { echo "{\"random\": {\"density\": $1, \"seed\": $2}}"; }
run tall-1e5 100000 1 "$full" 1 1 "$full" 100000 1
run tall-1e6 1000000 1 "$full" 1 1 "$full" 1000000 1
run wide-1e6 1 1000000 "$full" 1000000 1 "$full" 1000000 1000000
run outer-5000 5000 1 "$full" 1 5000 "$full" 5000 5000
run full-1000 1000 1000 "$full" 1000 1000 "$full" 1000000 1000000
run full-3000 3000 3000 "$full" 3000 3000 "$full" 9000000 9000000
run random-800-0.01 800 800 "$(rnd 0.01 1)" 800 800 "$(rnd 0.01 2)" 6400 6400
run random-800-0.2 800 800 "$(rnd 0.2 1)" 800 800 "$(rnd 0.2 2)" 128000 128000
run random-800-0.8 800 800 "$(rnd 0.8 1)" 800 800 "$(rnd 0.8 2)" 512000 512000
run random-1400-0.5 1400 1400 "$(rnd 0.5 1)" 1400 1400 "$(rnd 0.5 2)" 980000 980000
cat /proc/loadavg
