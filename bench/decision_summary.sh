#!/usr/bin/env bash
# Summarize decision_bench TSV output: per size, the fraction decided within
# 10 s and 60 s and the median time of the decided cases, for (a) and (b),
# counting only the cases each was run on. Usage: decision_summary.sh FILE.tsv...
# Also prints the number of (a)/(b) disagreements (a release blocker if > 0).
cat "$@" | awk -F'\t' '
  $1 == "size" || NF < 7 { next }
  {
    key = $1; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    for (s = 0; s < 2; ++s) {
      ans = $(3 + 2 * s); t = $(4 + 2 * s) + 0; id = key SUBSEP s
      if (ans == "skipped" || ans == "") continue
      total[id]++
      if (ans != "unknown") { if (t <= 10) w10[id]++; if (t <= 60) w60[id]++; times[id, ++nd[id]] = t }
    }
    if ($3 != "skipped" && $3 != "unknown" && $5 != "skipped" && $5 != "unknown" && $3 != $5) bad++
  }
  function med(id,   i, j, k, a, m) {
    m = nd[id]; if (m == 0) return "-"
    for (i = 1; i <= m; ++i) a[i] = times[id, i]
    for (i = 2; i <= m; ++i) { k = a[i]; for (j = i - 1; j >= 1 && a[j] > k; --j) a[j + 1] = a[j]; a[j + 1] = k }
    return sprintf("%.3f", a[int((m + 1) / 2)])
  }
  function pct(x, y) { return y ? sprintf("%.0f%%", 100 * x / y) : "-" }
  END {
    print "| size | (a) cases | (a) <=10 s | (a) <=60 s | (a) median s | (b) cases | (b) <=10 s | (b) <=60 s | (b) median s |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; ++i) {
      k = order[i]; a = k SUBSEP 0; b = k SUBSEP 1
      printf "| %s | %d | %s | %s | %s | %d | %s | %s | %s |\n", k, total[a], pct(w10[a], total[a]), pct(w60[a], total[a]), med(a), total[b], pct(w10[b], total[b]), pct(w60[b], total[b]), med(b)
    }
    printf "\ndisagreements between (a) and (b) on the same case: %d\n", bad + 0
  }'
# Routes of (b) per size (the route column without its re-check note).
cat "$@" | awk -F'\t' '
  $1 == "size" || NF < 7 || $5 == "skipped" { next }
  {
    r = $7; sub(/ \[check.*/, "", r); sub(/^exact: /, "", r); sub(/^detectors: /, "detector ", r)
    if ($5 == "unknown") r = ($7 ~ /check FAILED/) ? "re-check failed/timed out" : "unknown"
    key = $1 SUBSEP r; if (!(key in c)) { keys[++n] = key } c[key]++
  }
  END {
    print "\n| size | route of (b) | cases |"; print "|---|---|---|"
    for (i = 1; i <= n; ++i) { split(keys[i], p, SUBSEP); printf "| %s | %s | %d |\n", p[1], p[2], c[keys[i]] }
  }'
