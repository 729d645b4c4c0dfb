"""wellposed: is your sparse architecture a well-posed problem? (docs/python.md)

check()      closed / not closed / unknown for a chain of factor supports, with a
             certificate the library's independent checker has re-verified;
factorize()  a certified Kronecker-sparse factorization (FactorChain), with
             save() / load() in the documented factor-file format and `@`.
"""
import json as _json
import os as _os

from . import _core
from ._core import (  # noqa: F401
    CertificateError,
    FactorChain,
    InputError,
    ResourceError,
    Result,
    WellposedError,
)

# NumPy then defers `ndarray @ chain` to FactorChain.__rmatmul__ (instead of
# treating the chain as an object scalar).
FactorChain.__array_ufunc__ = None

__version__ = getattr(_core, "__version__", "0")

# Whatever the other parts of _core define publicly (ks_multiply, ...) is
# exported too, so those parts need no edit here.
for _name in dir(_core):
    if not _name.startswith("_") and _name not in globals():
        globals()[_name] = getattr(_core, _name)

import atexit as _atexit

# Work abandoned by Ctrl-C finishes in the background; wait for it at exit.
_atexit.register(_core._drain)

__all__ = ["check", "factorize", "load", "Result", "FactorChain", "WellposedError", "InputError",
           "CertificateError", "ResourceError", "__version__"]
__all__ += [n for n in dir(_core) if not n.startswith("_") and n not in __all__]


def _max_memory(max_memory):
    if max_memory is None:
        return 0
    if isinstance(max_memory, bool) or not isinstance(max_memory, (int, str)):
        raise InputError(f"max_memory: expected bytes (int) or a size such as '4G', got {max_memory!r}")
    if isinstance(max_memory, str):
        units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
        text = max_memory.strip().upper().removesuffix("IB").removesuffix("B")
        num, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "")
        try:
            value = int(float(num) * units[unit])
        except ValueError:
            raise InputError(f"max_memory: '{max_memory}' is not a size (512M, 4G, 1.5GiB or bytes)") from None
    else:
        value = max_memory
    if value <= 0 or value > 1 << 63:
        raise InputError(f"max_memory: {max_memory!r} must be positive and at most 2^63 bytes")
    return value


def _to_numpy(x, what):
    """A NumPy array from x: anything with .detach().cpu().numpy() (torch.Tensor) or array-like."""
    import numpy as np

    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x)
    except Exception as e:  # ragged lists, objects NumPy cannot hold
        raise InputError(f"{what}: not an array ({e})") from None


def _mask(m, l):
    import numpy as np

    what = f"masks[{l}]"
    a = m if type(m) is np.ndarray else _to_numpy(m, what)
    if a.ndim != 2:
        raise InputError(f"{what}: expected a 2-D array, got shape {a.shape}")
    kind = a.dtype.kind
    if kind == "b":
        return a  # read as 0/1 bytes by the extension (copied only if not C-contiguous)
    if kind not in "iuf":
        raise InputError(f"{what}: dtype {a.dtype} is not bool, int or float (nonzero = in the support)")
    if kind == "f" and not np.isfinite(a).all():
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise InputError(f"{what}: entry ({i}, {j}) is {a[i, j]} (a mask is zero / nonzero)")
    return a != 0


def _is_spec_text(s):
    t = s.lstrip()
    return t.startswith("{") or t.startswith("[")


def check(obj, timeout=10.0, *, exact=True, max_memory=None):
    """Is L_I closed (the fixed-support problem well-posed for every target)?

    obj: the factor supports left to right as a list/tuple of 2-D masks (NumPy
    bool/int/float arrays or torch tensors; nonzero = allowed), a spec (dict or
    JSON text, docs/spec.md), or the path of a spec file. Runs the library's
    analyze() (detectors, then the exact route unless exact=False), within
    `timeout` seconds, certificate check included. Returns a Result, or a list
    of Results for a file / JSON list holding several specs.

    `timeout` bounds the whole call, as the CLI's `check --timeout`: the specs
    of a file or list share it (reading included), each getting an equal share
    of what is left, so time one spec does not use passes to the next. A spec
    reached when nothing is left is not analyzed: its Result is unknown with
    method "budget spent". The call returns within `timeout` plus the time to
    reap one solver child (analyze.hpp).
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InputError(f"timeout: expected a number of seconds, got {timeout!r}")
    if not isinstance(exact, bool):
        raise InputError(f"exact: expected True or False, got {exact!r}")
    mm = _max_memory(max_memory)
    if isinstance(obj, (list, tuple)) and not (obj and isinstance(obj[0], dict)):
        return _core._check_masks([_mask(m, l) for l, m in enumerate(obj)], float(timeout), exact)
    if isinstance(obj, (dict, list, tuple)):
        results = _core._check_text(_json.dumps(obj), "spec", ".", float(timeout), exact, mm)
        return results if isinstance(obj, (list, tuple)) else results[0]
    if isinstance(obj, str) and _is_spec_text(obj):
        results = _core._check_text(obj, "spec", ".", float(timeout), exact, mm)
        return results[0] if obj.lstrip().startswith("{") else results
    if isinstance(obj, (str, bytes, _os.PathLike)):
        path = _os.fsdecode(obj)
        results = _core._check_file(path, float(timeout), exact, mm)
        return results[0] if len(results) == 1 else results
    # A single mask-like object (ndarray, tensor) is ambiguous: one factor is not a product.
    raise InputError(
        f"obj: expected a list of masks, a spec (dict or JSON text) or a spec file path, got {type(obj).__name__}")


_ORDERS = ("auto", "balanced", "l2r", "r2l", "peel")
_SQUARE_FAMILIES = ("butterfly", "kaleidoscope", "lu")


def _chain_spec(chain, shape):
    """(spec text or path, is_path, label, base_dir) for factorize's `chain` argument."""
    if isinstance(chain, str) and chain in _SQUARE_FAMILIES:
        if shape[0] != shape[1]:
            raise InputError(f"chain: '{chain}' needs a square A, got shape {shape}")
        return _json.dumps({"family": chain, "n": int(shape[0])}), False, "chain", "."
    if isinstance(chain, str) and _is_spec_text(chain):
        return chain, False, "chain", "."
    if isinstance(chain, dict):
        return _json.dumps(chain), False, "chain", "."
    if isinstance(chain, (list, tuple)):
        pats = []
        for l, p in enumerate(chain):
            try:
                t = [int(v) for v in p]
            except (TypeError, ValueError):
                raise InputError(f"chain[{l}]: expected a pattern (a, b, c, d) of integers, got {p!r}") from None
            if len(t) != 4:
                raise InputError(f"chain[{l}]: expected a pattern (a, b, c, d), got {len(t)} numbers")
            pats.append(t)
        return _json.dumps({"family": "kronecker", "chain": pats}), False, "chain", "."
    if isinstance(chain, (str, bytes, _os.PathLike)):
        path = _os.fsdecode(chain)
        if not _os.path.exists(path):
            raise InputError(
                f"chain: '{path}' is neither a family ({', '.join(_SQUARE_FAMILIES)}), a spec, "
                f"a list of (a, b, c, d) patterns, nor an existing spec file")
        return path, True, path, "."
    raise InputError(f"chain: expected a family name, a spec (dict / JSON), a list of (a, b, c, d) patterns or a "
                     f"spec file path, got {type(chain).__name__}")


def factorize(A, chain, *, order="auto", algorithm=8, ortho=None, tight=False, all_split_errors=False,
              max_memory=None):
    """A certified factorization A ~ X_1 ... X_L on the supports `chain` (a FactorChain).

    Mirrors `wellposed factorize` (docs/cli.md): chain is what --spec gives --
    a spec dict / JSON text / spec file path -- or a family name ('butterfly',
    'kaleidoscope', 'lu': n from A's shape) or a list of (a, b, c, d)
    patterns. order: 'auto' | 'balanced' | 'l2r' | 'r2l' | 'peel' or a list of
    1-based split points; algorithm 7 | 8 (ortho=True is the CLI's --ortho,
    i.e. algorithm 8; ortho=False asks for 7); tight: always the chain-multiply
    residual (--tight); all_split_errors (--all-split-errors). A: a 2-D NumPy
    array (float, int, bool or complex; copied), finite.
    """
    a = _to_numpy(A, "A")
    if a.ndim != 2:
        raise InputError(f"A: expected a 2-D array, got shape {a.shape}")
    if ortho is not None:
        if not isinstance(ortho, bool):
            raise InputError(f"ortho: expected True or False, got {ortho!r}")
        want = 8 if ortho else 7
        if algorithm not in (8, want) or (algorithm == 7 and ortho):
            raise InputError(f"ortho={ortho} contradicts algorithm={algorithm} (ortho=True is Algorithm 8)")
        algorithm = want
    if isinstance(algorithm, bool) or algorithm not in (7, 8):
        raise InputError(f"algorithm: must be 7 or 8, got {algorithm!r}")
    custom = []
    if isinstance(order, (list, tuple)):
        try:
            custom = [int(s) for s in order]
        except (TypeError, ValueError):
            raise InputError(f"order: expected split points (integers), got {order!r}") from None
        if not custom or any(s < 1 for s in custom):
            raise InputError(f"order: split points are 1-based and positive, got {order!r}")
        order_name = "custom"
    elif isinstance(order, str) and order in _ORDERS:
        order_name = order
    else:
        raise InputError(f"order: {order!r} is not one of {', '.join(_ORDERS)} (or a list of split points)")
    spec, is_path, label, base = _chain_spec(chain, a.shape)
    return _core._factorize(a, spec, is_path, label, base, order_name, custom, int(algorithm), bool(tight),
                            bool(all_split_errors), _max_memory(max_memory))


def load(path):
    """A FactorChain from a factor-chain folder, its manifest.json, or the single-file
    .json form (values inline) that save('x.json') and `wellposed factorize -o x.json` write."""
    p = _os.fsdecode(path)
    if _os.path.isfile(p) and _os.path.basename(p) != "manifest.json":
        try:
            with open(p, "rb") as f:
                head = f.read(1 << 26)
            manifest = _json.loads(head)
        except (OSError, ValueError) as e:
            raise InputError(f"{p}: not a factor-chain manifest ({e})") from None
        factors = manifest.get("factors") if isinstance(manifest, dict) else None
        if isinstance(factors, list) and factors and all(isinstance(f, dict) and "values" in f for f in factors):
            return _load_inline(p, manifest)
    return _core._load(p)


def _load_inline(p, m):
    import numpy as np

    if m.get("format") != "wellposed-factor-chain" or m.get("version") != 1:
        raise InputError(f"{p}: format: expected \"wellposed-factor-chain\" version 1")
    scalar = m.get("scalar", "float64")
    if scalar not in ("float64", "complex128"):
        raise InputError(f"{p}: scalar: '{scalar}' is not float64 or complex128")
    patterns, values = [], []
    for l, f in enumerate(m["factors"]):
        pat = f.get("pattern")
        if not (isinstance(pat, list) and len(pat) == 4 and all(isinstance(v, int) and v >= 1 for v in pat)):
            raise InputError(f"{p}: factors[{l}].pattern: expected four integers >= 1, got {pat!r}")
        try:
            v = np.asarray(f["values"], dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{p}: factors[{l}].values: not a list of numbers") from None
        if scalar == "complex128":
            if v.ndim != 2 or v.shape[1] != 2:
                raise InputError(f"{p}: factors[{l}].values: complex values are [re, im] pairs")
            v = v[:, 0] + 1j * v[:, 1]
        values.append(v.reshape(-1))
        patterns.append(tuple(pat))
    return FactorChain(patterns, values, factorization=m.get("factorization"))
