#!/usr/bin/python3
"""Factorization end to end (issue 19, Performance): the research code
leonzheng2/efficient-butterfly against the whole `wellposed factorize` process.

usage: bench/factorize_e2e.py BUILD_DIR [--research DIR] [--sizes 2048 4096 8192]
                              [--work DIR] [--research-timeout S] [--settle S]
                              [--before OLD_CLI] [--repeat R]

A = Hadamard(n) + 0.01 N(0,1) (numpy default_rng(seed = n)), float64 .npy.
Columns (all measured in this script, same machine, same A):
  research   wall of generate_balanced_tree + tree_hierarchical_factorization(root, A, "lapack")
             (butterfly/factorization.py, LAPACK SVDs, balanced tree), timed inside its own
             process without the final dense product; skipped with a message when DIR does not
             hold butterfly/factorization.py. Nothing is downloaded.
  wellposed  wall of the whole `wellposed factorize A.npy --spec S -o OUT` process (reads the
             .npy, factorizes, encloses the residual, writes the factor-chain folder), its own
             reported read / factorization / residual / write times, peak RSS (/usr/bin/time -v),
             bytes written vs bytes of the stored values.
  floor      numpy.load(A.npy) in this script + the library's factorization (+ residual) time.
  multiply   `wellposed multiply OUT X.npy -o Y.npy` for 4096 vectors (whole process) vs the
             apply_chain call inside it (printed by the command).
Threads: OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = 2 for every process.

Fresh memory (perf19): on the benchmark VM (Firecracker/PVM guest booted with
page_reporting.page_reporting_order=11) memory a process frees is handed back
to the hypervisor about 2 s later, and the next first touch of it costs a host
fault: a process that allocates 512 MiB pays 0.8-10 s (load dependent) when its
pages are cold and 0.1 s when another process freed them just before. The
in-script numpy.load (min of 3 back-to-back loads) therefore reuses warm pages,
while a freshly started process gets cold ones. Hence the extra floor column
"numpy.load, fresh process": `python3 -c 'np.load(A)'` timed inside its own
process, started like the CLI after the same --settle pause (default 5 s; 0
restores the old back-to-back timing). --before OLD_CLI runs a second binary
alternately with the first (OLD, NEW, OLD, NEW, ... --repeat times) for
before/after comparisons in the same script.
"""
import argparse, json, os, re, subprocess, sys, time
from pathlib import Path

import numpy as np


def hadamard(n):
    H = np.ones((1, 1))
    while H.shape[0] < n:
        H = np.block([[H, H], [H, -H]])
    return H


def timed(cmd, env, timeout=None):
    """(wall seconds, stdout, peak RSS KiB) of one process under /usr/bin/time -v."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return wall, p.stdout, int(m.group(1)) if m else -1


RESEARCH = r'''
import sys, time, numpy as np
sys.path.insert(0, sys.argv[1] + "/butterfly"); sys.path.insert(0, sys.argv[1])
from factorization import generate_balanced_tree, tree_hierarchical_factorization
A = np.load(sys.argv[2])
N = int(np.log2(A.shape[1]))
t0 = time.perf_counter()
root = generate_balanced_tree(0, N, N)
factors = tree_hierarchical_factorization(root, A, "lapack")
print("research_seconds", time.perf_counter() - t0)
'''


NPLOAD = r'''
import sys, time, numpy as np
t0 = time.perf_counter(); np.load(sys.argv[1]); print("load_seconds", time.perf_counter() - t0)
'''


def fresh_load(path, env, settle):
    """numpy.load(path) timed inside a freshly started process (after `settle` s)."""
    time.sleep(settle)
    p = subprocess.run([sys.executable, "-c", NPLOAD, str(path)], env=env, capture_output=True, text=True, check=True)
    return float(re.search(r"load_seconds ([\d.e+-]+)", p.stdout).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--research", default="/tmp/efficient-butterfly")
    ap.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096, 8192])
    ap.add_argument("--work", default="/tmp/wp_factorize_e2e")
    ap.add_argument("--research-timeout", type=float, default=900)
    ap.add_argument("--settle", type=float, default=5.0,
                    help="seconds of pause before each fresh process (freed memory reaches the hypervisor)")
    ap.add_argument("--before", help="a second wellposed binary run alternately with BUILD_DIR's (before/after)")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    cli = str(Path(a.build) / "cli" / "wellposed")
    clis = ([("before", a.before)] if a.before else []) + [("after" if a.before else "wellposed", cli)]
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    have_research = (Path(a.research) / "butterfly" / "factorization.py").is_file()
    if not have_research:
        print(f"# research column skipped: {a.research}/butterfly/factorization.py not found "
              "(bring a snapshot of leonzheng2/efficient-butterfly there)")
    print(f"# machine: {os.uname().nodename}, {os.cpu_count()} CPUs; loadavg at start: {open('/proc/loadavg').read().strip()}")
    print(f"# settle {a.settle} s before each fresh process; binaries: {clis}")
    print("| n | binary | research (s) | wellposed whole process (s) | read / factorize / residual / write (s) | "
          "numpy.load in script, min of 3 (s) | numpy.load, fresh process (s) | whole / (factorize + residual + load in script) | "
          "whole / (factorize + residual + load fresh) | research / whole | written bytes / value bytes | peak RSS / A | "
          "residual enclosure (rel. width, method) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in a.sizes:
        rng = np.random.default_rng(n)
        A = hadamard(n) + 0.01 * rng.standard_normal((n, n))
        apath = work / f"A{n}.npy"
        np.save(apath, A)
        del A
        spec = work / f"butterfly{n}.json"
        spec.write_text(json.dumps({"name": f"butterfly-{n}", "family": "butterfly", "n": n}))
        loads = []
        for _ in range(3):
            t0 = time.perf_counter(); B = np.load(apath); loads.append(time.perf_counter() - t0); del B
        load = min(loads)
        out = work / f"out{n}"
        abytes = n * n * 8
        runs = []  # (label, cli, fresh numpy.load, wall, rd, fac, res, wr, rss)
        for rep in range(a.repeat):
            for label, binary in clis:
                fl = fresh_load(apath, env, a.settle)
                time.sleep(a.settle)
                wall, so, rss = timed([binary, "factorize", str(apath), "--spec", str(spec), "-o", str(out), "--quiet", "--force"], env)
                m = re.search(r"time: read ([\d.e+-]+) s, factorization ([\d.e+-]+) s, residual ([\d.e+-]+) s, write ([\d.e+-]+) s", so)
                rd, fac, res, wr = (float(x) for x in m.groups())
                runs.append((label, fl, wall, rd, fac, res, wr, rss))
        man = json.loads((out / "manifest.json").read_text())
        enc = man["factorization"]["enclosure"]
        lo, hi = enc["residual"]
        values = sum(f["nnz"] for f in man["factors"]) * 8
        written = sum(p.stat().st_size for p in out.iterdir() if p.suffix == ".npy")
        manifest_bytes = (out / "manifest.json").stat().st_size
        research = "skipped"
        rs = None
        if have_research:
            try:
                rw, rso, rrss = timed([sys.executable, "-c", RESEARCH, a.research, str(apath)], env, a.research_timeout)
                rs = float(re.search(r"research_seconds ([\d.e+-]+)", rso).group(1))
                research = f"{rs:.2f} (peak {rrss / 1024:.0f} MiB)"
            except subprocess.TimeoutExpired:
                research = f"> {a.research_timeout:.0f} (stopped)"
        for label, fl, wall, rd, fac, res, wr, rss in runs:
            ratio_r = f"{rs / wall:.1f}×" if rs else "–"
            print(f"| {n} | {label} | {research} | {wall:.2f} | {rd:.2f} / {fac:.2f} / {res:.2f} / {wr:.3f} | {load:.2f} | {fl:.2f} | "
                  f"{wall / (fac + res + load):.2f} | {wall / (fac + res + fl):.2f} | {ratio_r} | "
                  f"{written} / {values} = {written / values:.4f} (+ {manifest_bytes} B manifest) | "
                  f"{rss * 1024 / abytes:.2f} | [{lo:.6g}, {hi:.6g}]: {(hi - lo) / max(hi, 1e-300):.2e}, {enc['residual_method']} |",
                  flush=True)
        if n == 4096 or n == a.sizes[-1] and 4096 not in a.sizes:
            X = np.random.default_rng(1).standard_normal((n, 4096))
            xpath = work / f"X{n}.npy"
            np.save(xpath, X)
            del X
            for rep in range(a.repeat):
                for label, binary in clis:
                    xl = fresh_load(xpath, env, a.settle)
                    time.sleep(a.settle)
                    mw, mso, mrss = timed([binary, "multiply", str(out), str(xpath), "-o", str(work / f"Y{n}.npy")], env)
                    kern = float(re.search(r"apply_chain ([\d.e+-]+) s", mso).group(1))
                    print(f"# multiply n = {n}, 4096 vectors (float64, (n, B) C order), {label}: whole process {mw:.2f} s, "
                          f"apply_chain inside {kern:.3f} s (whole / call = {mw / kern:.2f}×), numpy.load(X) in a fresh process "
                          f"{xl:.2f} s, whole / (call + numpy.load X) = {mw / (kern + xl):.2f}×, peak RSS {mrss / 1024:.0f} MiB",
                          flush=True)
        if n >= 4096:
            tw, tso, _ = timed([cli, "factorize", str(apath), "--spec", str(spec), "-o", str(out), "--quiet", "--force", "--tight"], env)
            man = json.loads((out / "manifest.json").read_text())
            lo, hi = man["factorization"]["enclosure"]["residual"]
            m = re.search(r"time: read ([\d.e+-]+) s, factorization ([\d.e+-]+) s, residual ([\d.e+-]+) s", tso)
            print(f"# --tight at n = {n}: residual in [{lo:.9g}, {hi:.9g}] (relative width {(hi - lo) / hi:.2e}), "
                  f"factorization {float(m.group(2)):.2f} s, residual {float(m.group(3)):.2f} s, whole process {tw:.2f} s", flush=True)
    print(f"# loadavg at end: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
