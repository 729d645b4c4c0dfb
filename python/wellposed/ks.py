"""Kronecker-sparse multiplication on the library's kernels (no torch needed).

``ks_multiply(pattern, values, X, *, transpose=False, check_finite=True, backend="auto")``
and ``ks_chain_multiply(patterns, values_list, X, ...)``: see docs/python.md and
the docstrings of wellposed._core. The integrator re-exports both from
``wellposed`` (``from .ks import ks_multiply, ks_chain_multiply``).
"""
from ._core import ks_chain_multiply, ks_multiply

__all__ = ["ks_multiply", "ks_chain_multiply"]
