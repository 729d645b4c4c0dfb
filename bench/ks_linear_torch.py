#!/usr/bin/env python3
"""KSLinear forward+backward on the CPU vs torch.nn.Linear (dense) and vs a
permute + torch.bmm implementation of the same chain in PyTorch (issue 22).

Usage (from the repository root, after building target wellposed_python):
  OMP_NUM_THREADS=1 PYTHONPATH=build/python nice -n 15 /usr/bin/python3 bench/ks_linear_torch.py \
      [--n 1024,4096] [--batch 1,64,1024] [--threads 1] [--min-time 0.3] > out.txt

One step = y = layer(x); y.backward(g) with x, the weights and the bias
requiring gradients (float32). The time is the median over repetitions (at least
3, until --min-time seconds). The three implementations run in the same process
on the same inputs, one after the other for every (chain, n, batch): the ratios
are base / KSLinear (> 1: KSLinear faster).

Chains (left to right, square n x n):
  butterfly: (2^(l-1), 2, 2, n / 2^l), l = 1..log2 n   ||Theta||_0 = 2 n log2 n
  monarch:   (sqrt n, sqrt n, sqrt n, 1), (1, sqrt n, sqrt n, sqrt n)   2 n^1.5 (n a square)
  blockdiag: (8, n/8, n/8, 1), one factor: 8 dense diagonal blocks     n^2/8 exactly (the target's edge)
"""
import argparse
import math
import os
import statistics
import time

import torch
from torch import nn

import wellposed.torch as wt


def butterfly(n):
    k = int(math.log2(n))
    assert 2 ** k == n
    return [(2 ** (l - 1), 2, 2, n // 2 ** l) for l in range(1, k + 1)]


def monarch(n):
    r = math.isqrt(n)
    return [(r, r, r, 1), (1, r, r, r)] if r * r == n else None


def blockdiag(n):
    return [(8, n // 8, n // 8, 1)]


class BmmChain(nn.Module):
    """The same chain in plain PyTorch: per factor a permute, one torch.bmm over
    the a*d blocks (b x c), and a permute back (the Monarch/butterfly recipe)."""

    def __init__(self, ks: wt.KSLinear):
        super().__init__()
        self.patterns = ks.patterns
        self.factors = nn.ParameterList([nn.Parameter(f.detach().clone()) for f in ks.factors])
        self.bias = nn.Parameter(ks.bias.detach().clone())

    def forward(self, x):
        z = x
        for (a, b, c, d), v in zip(reversed(self.patterns), reversed(list(self.factors))):
            B = z.shape[0]
            zz = z.reshape(B, a, c, d).permute(1, 3, 2, 0).reshape(a * d, c, B)
            y = torch.bmm(v.reshape(a * d, b, c), zz)
            z = y.reshape(a, d, b, B).permute(3, 0, 2, 1).reshape(B, a * b * d)
        return z + self.bias


def step_time(layer, x, g, min_time):
    times = []
    t_end = time.perf_counter() + min_time
    while len(times) < 3 or time.perf_counter() < t_end:
        layer.zero_grad(set_to_none=True)
        x.grad = None
        t0 = time.perf_counter()
        y = layer(x)
        y.backward(g)
        times.append(time.perf_counter() - t0)
        if len(times) >= 200:
            break
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="1024,4096")
    ap.add_argument("--chains", default="butterfly,monarch,blockdiag")
    ap.add_argument("--batch", default="1,64,1024")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--max-dense-flop", type=float, default=2e11,
                    help="skip dense nn.Linear when 6 n^2 B exceeds this (time on 2 shared cores)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, torch threads {torch.get_num_threads()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, float32, forward+backward")
    with open("/proc/loadavg") as f:
        print(f"# loadavg at start: {f.read().strip()}")
    print("chain      n      batch  params    n^2/8     ks_ms    bmm_ms   dense_ms  bmm/ks  dense/ks")
    for n in [int(s) for s in args.n.split(",")]:
        for name, fn in (("butterfly", butterfly), ("monarch", monarch), ("blockdiag", blockdiag)):
            pats = fn(n)
            if pats is None or name not in args.chains.split(","):
                continue
            ks = wt.KSLinear(pats, dtype=torch.float32)
            bmm = BmmChain(ks)
            dense = nn.Linear(n, n)
            for B in [int(s) for s in args.batch.split(",")]:
                x = torch.randn(B, n, requires_grad=True)
                g = torch.randn(B, n)
                # Same numbers from both chain implementations (sanity, not timed).
                with torch.no_grad():
                    err = (ks(x) - bmm(x)).abs().max().item()
                assert err < 1e-3 * math.sqrt(n), err
                t_ks = step_time(ks, x, g, args.min_time)
                t_bmm = step_time(bmm, x, g, args.min_time)
                if 6.0 * n * n * B <= args.max_dense_flop:
                    t_dense = step_time(dense, x, g, args.min_time)
                    dense_s, ratio_s = f"{t_dense * 1e3:9.3f}", f"{t_dense / t_ks:8.2f}"
                else:
                    dense_s, ratio_s = "  skipped", "       -"
                print(f"{name:10s} {n:5d} {B:6d} {ks.parameter_count():8d} {n * n // 8:9d} "
                      f"{t_ks * 1e3:9.3f} {t_bmm * 1e3:9.3f} {dense_s} {t_bmm / t_ks:7.2f} {ratio_s}",
                      flush=True)
    with open("/proc/loadavg") as f:
        print(f"# loadavg at end: {f.read().strip()}")


if __name__ == "__main__":
    main()
