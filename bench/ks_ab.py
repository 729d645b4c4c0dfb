#!/usr/bin/env python3
"""A/B of two ks_multiply_bench binaries (e.g. two commits' builds) on a noisy machine.

The binaries run alternately, ROUNDS rounds, the order swapped every round (on
the shared VM of bench/RESULTS.md whichever process ran second was ~25 %
slower, in both directions); per benchmark the minimum CPU time over all
rounds and repetitions is kept. csr/ks is each binary's own ratio (CSR and ks
in one process). Prints one line per ks case, sorted by csr/ks of NEW.

usage: bench/ks_ab.py OLD_BINARY NEW_BINARY ROUNDS FILTER
  e.g. bench/ks_ab.py /tmp/old/bench/ks_multiply_bench build/bench/ks_multiply_bench 4 '(ks|csr)/batch_first/.*/B:1/'
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    bins = {'old': sys.argv[1], 'new': sys.argv[2]}
    rounds, filt = int(sys.argv[3]), sys.argv[4]
    for name, path in bins.items():
        if not os.access(path, os.X_OK):
            sys.exit(f'ks_ab.py: {name} binary {path!r} is not an executable')
    best = collections.defaultdict(lambda: collections.defaultdict(lambda: float('inf')))
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'run.json')
        for r in range(rounds):
            for name in (('old', 'new') if r % 2 == 0 else ('new', 'old')):
                subprocess.run([bins[name], '--benchmark_min_time=0.02', '--benchmark_repetitions=3',
                                '--benchmark_filter=' + filt, '--benchmark_out=' + out,
                                '--benchmark_out_format=json'], env=env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for bm in json.load(open(out))['benchmarks']:
                    if bm.get('run_type') == 'iteration':
                        best[name][bm['name']] = min(best[name][bm['name']], bm['cpu_time'])
    rows = []
    for k, t_new in best['new'].items():
        m = re.match(r'ks/(\w+)/(\([\d,]+\))/B:(\d+)', k)
        if not m or k not in best['old']:
            continue
        t_old, csr = best['old'][k], k.replace('ks/', 'csr/', 1)
        rows.append((m.group(2), m.group(3), m.group(1), t_old, t_new, t_old / t_new,
                     best['old'].get(csr, float('nan')) / t_old, best['new'].get(csr, float('nan')) / t_new))
    if not rows:
        sys.exit(f'ks_ab.py: no ks case matched {filt!r}')
    rows.sort(key=lambda r: r[7])
    print('%-18s %5s %-12s %10s %10s %7s %8s %8s' % ('pattern', 'B', 'layout', 'old us', 'new us', 'old/new',
                                                    'csr/old', 'csr/new'))
    for r in rows:
        print('%-18s %5s %-12s %10.2f %10.2f %7.2f %8.2f %8.2f' % r)


if __name__ == '__main__':
    main()
