"""wellposed.ks_multiply / ks_chain_multiply against a dense NumPy reference (issue 22)."""
import numpy as np
import pytest

from wellposed import InputError, _core
from wellposed.ks import ks_chain_multiply, ks_multiply


def dense(pattern, values):
    """K from its compact values, exactly as docs/factor-format.md's reader does."""
    a, b, c, d = pattern
    V = np.asarray(values).reshape(a, b, c, d)
    return np.einsum("abgd,ae,df->abdegf", V, np.eye(a), np.eye(d)).reshape(a * b * d, a * c * d)


def rand_pattern(rng, hi=4):
    return tuple(int(e) for e in rng.integers(1, hi + 1, size=4))


def tol(dtype, k):
    # Higham Thm 3.5-style: k products per entry, relative to sum |K||x| (~ k here)
    return (1e-12 if dtype == np.float64 else 2e-5) * max(k, 1) * 4


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(6))
def test_single_factor_matches_dense(dtype, seed):
    rng = np.random.default_rng(seed)
    p = rand_pattern(rng)
    a, b, c, d = p
    V = rng.standard_normal(a * b * c * d).astype(dtype)
    K = dense(p, V.astype(np.float64))
    B = int(rng.integers(1, 6))
    X = rng.standard_normal((a * c * d, B)).astype(dtype)
    for Xin in (X, np.asfortranarray(X)):  # batch_last and batch_first layouts
        Y = ks_multiply(p, V, Xin)
        assert Y.dtype == dtype and Y.shape == (a * b * d, B)
        # Y keeps X's memory order (no copy either way)
        assert Y.flags["F_CONTIGUOUS"] if not Xin.flags["C_CONTIGUOUS"] else Y.flags["C_CONTIGUOUS"]
        np.testing.assert_allclose(Y, K @ X.astype(np.float64), atol=tol(dtype, c), rtol=0)
    # a single vector, and the 4-D (a, b, c, d) values shape
    x = np.ascontiguousarray(X[:, 0])
    np.testing.assert_allclose(ks_multiply(p, V.reshape(a, b, c, d), x), K @ x.astype(np.float64),
                               atol=tol(dtype, c), rtol=0)
    # transpose
    Z = rng.standard_normal((a * b * d, B)).astype(dtype)
    np.testing.assert_allclose(ks_multiply(p, V, Z, transpose=True), K.T @ Z.astype(np.float64),
                               atol=tol(dtype, b), rtol=0)


def random_chain(rng, length):
    chain = [rand_pattern(rng, 3)]
    for _ in range(length - 1):
        n = chain[-1][0] * chain[-1][2] * chain[-1][3]  # rows of the next factor
        divs = [(a, b, n // (a * b)) for a in range(1, n + 1) for b in range(1, n + 1) if n % (a * b) == 0]
        a, b, d = divs[int(rng.integers(len(divs)))]
        chain.append((a, b, int(rng.integers(1, 4)), d))
    return chain


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(5))
def test_chain_matches_dense_product(dtype, seed):
    rng = np.random.default_rng(100 + seed)
    chain = random_chain(rng, int(rng.integers(1, 5)))
    values = [rng.standard_normal(a * b * c * d).astype(dtype) for a, b, c, d in chain]
    P = np.eye(dense(chain[0], values[0]).shape[0])
    for p, v in zip(chain, values):
        P = P @ dense(p, v.astype(np.float64))  # X_1 X_2 ... X_L, left to right
    B = 3
    X = rng.standard_normal((P.shape[1], B)).astype(dtype)
    scale = np.abs(P).sum() + 1
    np.testing.assert_allclose(ks_chain_multiply(chain, values, X), P @ X.astype(np.float64),
                               atol=tol(dtype, 1) * scale, rtol=0)
    np.testing.assert_allclose(ks_chain_multiply(chain, values, np.asfortranarray(X)), P @ X.astype(np.float64),
                               atol=tol(dtype, 1) * scale, rtol=0)
    Z = rng.standard_normal((P.shape[0], B)).astype(dtype)
    np.testing.assert_allclose(ks_chain_multiply(chain, values, Z, transpose=True), P.T @ Z.astype(np.float64),
                               atol=tol(dtype, 1) * scale, rtol=0)


def test_butterfly_chain_is_the_product_of_its_factors():
    rng = np.random.default_rng(7)
    n = 16
    chain = [(2 ** (l - 1), 2, 2, n // 2 ** l) for l in range(1, 5)]
    values = [rng.standard_normal(2 * n) for _ in chain]
    X = rng.standard_normal((n, 5))
    Y = X
    for p, v in reversed(list(zip(chain, values))):  # X_L acts first
        Y = ks_multiply(p, v, Y)
    np.testing.assert_allclose(ks_chain_multiply(chain, values, X), Y, rtol=1e-12, atol=1e-12)


def test_values_grad_matches_einsum():
    rng = np.random.default_rng(3)
    for p, B in [((2, 3, 4, 5), 6), ((3, 2, 2, 1), 6), ((1, 4, 3, 8), 6), ((2, 3, 4, 5), 1), ((3, 2, 2, 1), 1),
                 ((2, 3, 2, 2), 4),  # F order: the small-d loop with d > 1 (Z at stride d)
                 ((2, 8, 9, 3), 5), ((3, 9, 8, 1), 7)]:  # the last two: b*c >= 64, the GEMM path
        a, b, c, d = p
        G = rng.standard_normal((a * b * d, B))
        Z = rng.standard_normal((a * c * d, B))
        ref = np.einsum("abds,acds->adbc", G.reshape(a, b, d, B), Z.reshape(a, c, d, B)).ravel()
        for Gi, Zi in ((G, Z), (np.asfortranarray(G), np.asfortranarray(Z))):
            np.testing.assert_allclose(_core._ks_values_grad(p, Gi, Zi), ref, rtol=1e-12, atol=1e-12)


# ---- bad inputs: wellposed.InputError (a ValueError), one line naming the argument -------

P = (2, 2, 3, 2)
V = np.ones(24)
X = np.ones((12, 3))


@pytest.mark.parametrize("call, exc, words", [
    (lambda: ks_multiply(P, V, X.astype(np.int64)), InputError, ["X", "int64"]),
    (lambda: ks_multiply(P, V, X.astype(np.complex128)), InputError, ["X", "complex128"]),
    (lambda: ks_multiply(P, V.astype(np.float32), X), InputError, ["values[0]", "float32"]),
    (lambda: ks_multiply(P, V, X.tolist()), InputError, ["X", "NumPy"]),
    (lambda: ks_multiply(P, np.ones(23), X), InputError, ["values[0]", "23", "24"]),
    (lambda: ks_multiply(P, V, np.ones((11, 3))), InputError, ["X", "11", "12"]),
    (lambda: ks_multiply(P, V, np.ones((12, 3, 1))), InputError, ["X", "dimensions"]),
    (lambda: ks_multiply(P, V, np.ones((12, 6))[:, ::2]), InputError, ["X", "contiguous"]),
    (lambda: ks_multiply(P, np.ones(48)[::2], X), InputError, ["values[0]", "contiguous"]),
    (lambda: ks_multiply((2, 0, 3, 2), V, X), InputError, ["pattern", "entry 1", ">= 1"]),
    (lambda: ks_multiply((2, 2, 3), V, X), InputError, ["pattern", "4 entries"]),
    (lambda: ks_multiply((2, 2.0, 3, 2), V, X), InputError, ["pattern", "integer"]),
    (lambda: ks_multiply("abcd", V, X), InputError, ["pattern"]),
    (lambda: ks_multiply(P, V, X, backend="tpu"), InputError, ["backend", "tpu"]),
    (lambda: ks_chain_multiply([], [], X), InputError, ["patterns", "empty"]),
    (lambda: ks_chain_multiply([P, P], [V], X), InputError, ["values_list", "1 arrays for 2"]),
    (lambda: ks_chain_multiply([P, P], [V, V], X), InputError, ["factor 0", "12 columns", "8 rows"]),
    (lambda: ks_chain_multiply([P], V, X), InputError, ["values_list"]),
])
def test_bad_input_raises_naming_the_argument(call, exc, words):
    with pytest.raises(exc) as e:
        call()
    assert isinstance(e.value, ValueError) and "\n" not in str(e.value)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_nan_refused_by_default_and_propagated_on_request():
    Xn = X.copy()
    Xn[5, 1] = np.nan
    with pytest.raises(InputError, match=r"X: entry 16 .*nan"):
        ks_multiply(P, V, Xn)
    Vn = V.copy()
    Vn[3] = np.inf
    with pytest.raises(InputError, match=r"values\[0\]: entry 3 .*inf"):
        ks_multiply(P, Vn, X)
    Y = ks_multiply(P, V, Xn, check_finite=False)
    assert np.isnan(Y).any() and np.isfinite(Y).any()


def test_empty_batch():
    Y = ks_multiply(P, V, np.ones((12, 0)))
    assert Y.shape == (8, 0)


def test_cpu_backend_named_explicitly():
    np.testing.assert_allclose(ks_multiply(P, V, X, backend="cpu"), dense(P, V) @ X)


def test_long_call_is_interruptible():
    """Ctrl-C (SIGINT) stops a long batch_first call between chunks: KeyboardInterrupt,
    well before the whole product (tens of seconds here) would finish."""
    import _thread
    import threading
    import time
    chain = [(1, 64, 64, 1)] * 200  # 819,200 multiply-adds per vector
    vals = [np.full(64 * 64, 1.0 / 64, dtype=np.float32)] * 200
    X = np.asfortranarray(np.ones((64, 100_000), dtype=np.float32))
    timer = threading.Timer(0.1, _thread.interrupt_main)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        ks_chain_multiply(chain, vals, X)
    timer.cancel()
    assert time.perf_counter() - t0 < 5.0


def test_out_buffer_is_checked_and_written():
    """The private kernel-order entry point writes into a caller's buffer (KSLinear's
    backward) only when it has the exact shape, dtype, memory order and no overlap."""
    p = (2, 2, 3, 2)
    v = np.arange(24, dtype=np.float64)  # kernel order (a, d, b, c)
    X = np.asfortranarray(np.random.default_rng(0).standard_normal((12, 5)))
    ref = _core._ks_chain_multiply_kernel_order([p], [v], X)
    out = np.asfortranarray(np.full((8, 5), np.nan))
    assert _core._ks_chain_multiply_kernel_order([p], [v], X, out=out) is out
    np.testing.assert_array_equal(out, ref)
    for bad in (np.zeros((8, 5)), np.asfortranarray(np.zeros((8, 4))), np.asfortranarray(np.zeros((8, 5), np.float32))):
        with pytest.raises(InputError, match="out: expected"):
            _core._ks_chain_multiply_kernel_order([p], [v], X, out=bad)
    big = np.asfortranarray(np.zeros((12, 5)))
    with pytest.raises(InputError, match="out: overlaps X"):
        _core._ks_chain_multiply_kernel_order([(1, 12, 12, 1)], [np.ones(144)], big, out=big)


def test_exported_at_package_level():
    import wellposed
    assert wellposed.ks_multiply is ks_multiply and wellposed.ks_chain_multiply is ks_chain_multiply


def test_package_and_ks_import_without_torch():
    """`import wellposed` and wellposed.ks never import torch; wellposed.torch needs it."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['torch'] = None\n"
            "import wellposed, wellposed.ks, numpy as np\n"
            "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
            "print(wellposed.ks.ks_multiply((1, 1, 1, 1), np.ones(1), np.ones(1))[0])\n"
            "try:\n    import wellposed.torch\nexcept ImportError:\n    print('no torch')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1.0", "no", "torch"]
