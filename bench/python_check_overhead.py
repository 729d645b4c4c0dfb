#!/usr/bin/env python3
"""Per-call overhead of wellposed.check on a 4x4 spec against the C++ call
(issue 22, target: within 2x). Both are measured in this one process:

  C++      what a C++ caller calls for the same input, timed inside the
           extension (wellposed._core._bench_cpp_check: C++ loops, no Python
           per call): analyze() on the parsed architecture; Supports from
           dense 0/1 masks + analyze(); parse_specs() + analyze() from the JSON
           text; load_specs() + analyze() from the file;
  Python   wellposed.check(spec dict), (JSON text), (list of NumPy masks),
           (spec file path): everything a user pays per call (argument
           conversion, GIL release, the worker hand-off, the Result object).

Usage: PYTHONPATH=build/python python3 bench/python_check_overhead.py [--repeat N]
"""
import argparse
import json
import os
import platform
import tempfile
import time

import numpy as np

import wellposed

SPECS = {
    "lu-4 (not closed, detectors)": {"name": "lu-4", "factors": [{"rows": 4, "cols": 4, "support": "lower"},
                                                                  {"rows": 4, "cols": 4, "support": "upper"}]},
    "pruned-4 (closed, detectors)": {"name": "pruned-4", "factors": [
        {"support": {"mask": ["1100", "1100", "0011", "0011"]}}, {"support": {"mask": ["1111"] * 4}}]},
}


def masks_of(spec):
    out = []
    for f in spec["factors"]:
        s = f["support"]
        if s == "lower":
            out.append(np.tril(np.ones((4, 4), dtype=bool)))
        elif s == "upper":
            out.append(np.triu(np.ones((4, 4), dtype=bool)))
        else:
            out.append(np.array([[c == "1" for c in row] for row in s["mask"]]))
    return out


def timed(fn, repeat):
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def median_interleaved(candidates, repeat, rounds):
    """Per-call seconds of each candidate: the median of `rounds` rounds, the
    candidates interleaved within every round (so a burst of load from the
    other jobs on the machine hits all of them alike; the median, unlike the
    best, is not set by one lucky round)."""
    times = {k: [] for k in candidates}
    for fn in candidates.values():
        fn(1)  # warm
    for _ in range(rounds):
        for k, fn in candidates.items():
            times[k].append(fn(repeat))
    return {k: sorted(v)[len(v) // 2] for k, v in times.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus; "
          f"loadavg {open('/proc/loadavg').read().strip()}")
    print(f"wellposed {wellposed.__version__}, numpy {np.__version__}, repeat {args.repeat} x median of {args.rounds} interleaved rounds")
    with tempfile.TemporaryDirectory() as tmp:
        for label, spec in SPECS.items():
            text = json.dumps(spec)
            path = os.path.join(tmp, "spec.json")
            with open(path, "w") as f:
                f.write(text)
            masks = masks_of(spec)
            cpp_last = {}

            def cpp(kind):
                def run(repeat):
                    d = wellposed._core._bench_cpp_check(text, repeat, path=path)
                    cpp_last.update(d)
                    return d[kind]
                return run

            t = median_interleaved({
                "C++ analyze()": cpp("analyze"),
                "C++ parse+analyze": cpp("parse_and_analyze"),
                "C++ load+analyze": cpp("load_and_analyze"),
                "C++ masks+analyze": cpp("masks_and_analyze"),
                "hand-off": wellposed._core._bench_handoff,
                "check(dict)": lambda r: timed(lambda: wellposed.check(spec), r),
                "check(JSON text)": lambda r: timed(lambda: wellposed.check(text), r),
                "check(masks)": lambda r: timed(lambda: wellposed.check(masks), r),
                "check(path)": lambda r: timed(lambda: wellposed.check(path), r),
            }, args.repeat, args.rounds)
            py = {k: v for k, v in t.items() if k.startswith("check")}
            assert wellposed.check(spec).verdict == cpp_last["verdict"]
            base = {"check(dict)": "C++ parse+analyze", "check(JSON text)": "C++ parse+analyze",
                    "check(masks)": "C++ masks+analyze", "check(path)": "C++ load+analyze"}
            print(f"\n{label}: verdict {cpp_last['verdict']}")
            for k in ("C++ analyze()", "C++ masks+analyze", "C++ parse+analyze", "C++ load+analyze"):
                print(f"  {k:<40} {t[k] * 1e6:9.1f} us")
            print(f"  {'worker hand-off alone (not in check)':<40} {t['hand-off'] * 1e6:9.1f} us")
            for k, v in py.items():
                print(f"  Python {k:<33} {v * 1e6:9.1f} us   ratio {v / t[base[k]]:5.2f} x {base[k]}")

if __name__ == "__main__":
    main()
