"""wellposed.torch: PyTorch bridge (issue 22 item 2; docs/python.md, "PyTorch").

* ``KSLinear(patterns, values=None, bias=True)``: an ``nn.Module`` computing
  ``y = x W^T + bias`` with ``W = X_1 X_2 ... X_L`` a chain of Kronecker-sparse
  factors (thesis Def 6.3.1; pattern (a, b, c, d) = I_a (x) (b x c blocks) (x) I_d),
  forward and backward on the library's CPU kernels (wellposed._core), float32 and
  float64; a pure-PyTorch path (permute + bmm) for CUDA tensors and other dtypes.
* ``from_linear(layer, chain, ...)``: a KSLinear from a dense ``nn.Linear`` through
  the certified factorization ``wellposed.factorize`` (the enclosure is kept).
* ``check_model(model)``: for consecutive linear layers, whether the fixed-support
  problem of their masks is well-posed (``wellposed.check``), and for
  Linear-ReLU-Linear runs the thesis's Ch. 7 results for ReLU networks.

Orientation. PyTorch numbers layers in the order they act: W1 is the first layer
(so does the thesis's eq. 7.1). Two consecutive layers compute x -> W2 (W1 x), and
the product read LEFT TO RIGHT is A = W2 W1: the masks handed to ``wellposed.check``
are therefore ``[mask(W2), mask(W1)]`` (second layer first). Reports name layers by
``model.named_modules()`` names and list them in the order they act.

This module needs torch; ``import wellposed`` does not import it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from . import _core
from ._core import InputError  # a ValueError: bad input, one line naming the argument

__all__ = ["KSLinear", "from_linear", "check_model", "ModelReport", "PairResult", "NetworkResult"]

Pattern = Tuple[int, int, int, int]


# ---------------------------------------------------------------------------
# Kronecker-sparse chain: kernel path and pure-torch path
# ---------------------------------------------------------------------------

def _parse_patterns(patterns) -> List[Pattern]:
    if isinstance(patterns, (str, bytes)) or not isinstance(patterns, Sequence) or len(patterns) == 0:
        raise InputError("patterns: expected a non-empty list of (a, b, c, d) tuples, left to right")
    out = []
    for l, p in enumerate(patterns):
        if isinstance(p, (str, bytes)) or not isinstance(p, Sequence) or len(p) != 4:
            raise InputError(f"patterns[{l}]: expected (a, b, c, d), got {p!r}")
        q = []
        for i, e in enumerate(p):
            if isinstance(e, bool) or not isinstance(e, (int, np.integer)):
                raise InputError(f"patterns[{l}]: entry {i} is not an integer: {e!r}")
            if e < 1:
                raise InputError(f"patterns[{l}]: entry {i} is {e}; every entry of (a, b, c, d) must be >= 1")
            q.append(int(e))
        out.append(tuple(q))
    for l in range(len(out) - 1):
        a, b, c, d = out[l]
        a2, b2, c2, d2 = out[l + 1]
        if a * c * d != a2 * b2 * d2:
            raise InputError(f"patterns: factor {l} {out[l]} has {a * c * d} columns but factor {l + 1} "
                             f"{out[l + 1]} has {a2 * b2 * d2} rows; consecutive factors must chain")
    return out


def _rows(p: Pattern) -> int:
    return p[0] * p[1] * p[3]


def _cols(p: Pattern) -> int:
    return p[0] * p[2] * p[3]


def _apply_factor_torch(p: Pattern, v: torch.Tensor, z: torch.Tensor, transpose: bool = False) -> torch.Tensor:
    """z (B, cols) -> z K^T (B, rows) for v in kernel order (a, d, b, c): permute + bmm."""
    a, b, c, d = p
    B = z.shape[0]
    if not transpose:
        zz = z.reshape(B, a, c, d).permute(1, 3, 2, 0).reshape(a * d, c, B)
        y = torch.bmm(v.reshape(a * d, b, c), zz)  # (a d, b, B)
        return y.reshape(a, d, b, B).permute(3, 0, 2, 1).reshape(B, a * b * d)
    zz = z.reshape(B, a, b, d).permute(1, 3, 2, 0).reshape(a * d, b, B)
    y = torch.bmm(v.reshape(a * d, b, c).transpose(1, 2), zz)  # (a d, c, B)
    return y.reshape(a, d, c, B).permute(3, 0, 2, 1).reshape(B, a * c * d)


def _chain_torch(patterns: List[Pattern], values: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """x (B, in) -> x (X_1 ... X_L)^T: X_L acts first. Differentiable by autograd."""
    z = x
    for p, v in zip(reversed(patterns), reversed(list(values))):
        z = _apply_factor_torch(p, v, z)
    return z


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().contiguous().numpy()


def _kernel_chain(patterns: List[Pattern], values_np: List[np.ndarray], zc: torch.Tensor,
                  transpose: bool = False, out: Optional[torch.Tensor] = None) -> torch.Tensor:
    """zc (n, B) C-contiguous (one COLUMN per vector: the kernels' batch_last layout)
    -> the chain (or its transpose) applied to every column, (m, B) C-contiguous.

    KSLinear works on columns (x.T, copied once per call): the kernels' batch_last
    path is 4-100x faster than their batch_first one for these shapes (bench/RESULTS.md).
    out: an (m, B) C-contiguous tensor to write into (not overlapping zc)."""
    y = _core._ks_chain_multiply_kernel_order(patterns, values_np, zc.numpy(), transpose=transpose,
                                             check_finite=False, out=None if out is None else out.numpy())
    return out if out is not None else torch.from_numpy(y)


class _KSChainFunction(torch.autograd.Function):
    """y = x (X_1 ... X_L)^T on the CPU kernels; values in kernel order (a, d, b, c).

    Internally on columns: Z_l = the (n_l, B) input of factor l, G_l = dL/d(its output).
    Backward:
      dL/dx  = (X_L^T ... X_1^T G^T)^T   (the transpose chain, one kernel call each),
      dL/dV_l[al, de, be, ga] = sum_s G_l[(al b + be) d + de, s] Z_l[(al c + ga) d + de, s]
                                (_core._ks_values_grad; the torch einsum "sabd,sacd->adbc"
                                 computes the same and is the reference in the tests).
    """

    @staticmethod
    def forward(ctx, x, patterns, *values):
        ctx.patterns = patterns
        vals = [_np(v) for v in values]
        xc = x.detach().t().contiguous()  # (n, B) columns
        need_values = any(ctx.needs_input_grad[2:])
        if not need_values:
            ctx.save_for_backward(*values)
            ctx.inputs = None
            return _kernel_chain(patterns, vals, xc).t()
        # Keep every factor's input for the value gradients (one call per factor).
        inputs = []
        z = xc
        for l in reversed(range(len(patterns))):
            inputs.append(z)
            z = _kernel_chain([patterns[l]], [vals[l]], z)
        inputs.reverse()  # inputs[l] = Z_l, the input of factor l
        ctx.save_for_backward(*values, *inputs)
        ctx.inputs = len(inputs)
        return z.t()

    @staticmethod
    def backward(ctx, grad):
        patterns = ctx.patterns
        L = len(patterns)
        saved = ctx.saved_tensors
        values = saved[:L]
        vals = [_np(v) for v in values]
        g = grad.detach().t().contiguous()  # (m, B) columns
        if ctx.inputs is None:
            gx = _kernel_chain(patterns, vals, g, transpose=True).t() if ctx.needs_input_grad[0] else None
            return (gx, None) + (None,) * L
        inputs = saved[L:]
        gvals: List[Optional[torch.Tensor]] = [None] * L
        # G_2 .. G_L live in two ping-pong buffers (fresh memory costs page faults);
        # G_{L+1} = dL/dx is a fresh tensor, handed to autograd.
        B = g.shape[1]
        width = max((_cols(p) for p in patterns[:-1]), default=0)
        bufs = [torch.empty(B * width, dtype=g.dtype) for _ in range(min(2, L - 1))]
        for l in range(L):  # G_1 = G; G_{l+1} = X_l^T G_l
            if ctx.needs_input_grad[2 + l]:
                gv = _core._ks_values_grad(patterns[l], g.numpy(), inputs[l].numpy())
                gvals[l] = torch.from_numpy(gv).reshape(values[l].shape)
            if l + 1 < L:
                out = bufs[l % 2][:B * _cols(patterns[l])].view(_cols(patterns[l]), B)
                g = _kernel_chain([patterns[l]], [vals[l]], g, transpose=True, out=out)
            elif ctx.needs_input_grad[0]:
                g = _kernel_chain([patterns[l]], [vals[l]], g, transpose=True)
        gx = g.t() if ctx.needs_input_grad[0] else None
        return (gx, None) + tuple(gvals)


class KSLinear(nn.Module):
    """y = x W^T + bias with W = X_1 X_2 ... X_L Kronecker-sparse (left to right).

    patterns: [(a, b, c, d), ...] left to right (X_L acts first on x), chaining
      (cols(X_l) = rows(X_{l+1})); out_features = a_1 b_1 d_1, in_features = a_L c_L d_L.
    values: None (random init, each factor uniform in +-1/sqrt(c_l) so the product keeps
      the input's scale) or one array per factor with a*b*c*d entries in the factor-file
      order F[alpha, beta, gamma, delta] (docs/factor-format.md; what
      wellposed.factorize returns). Stored internally as ``factors[l]``, a Parameter of
      shape (a, d, b, c) (the kernels' order); ``factor_values()`` returns the file order.
    The CPU kernels run for CPU float32/float64 tensors; anything else (CUDA tensors,
    float16, ...) takes a pure-PyTorch permute + bmm path. NaN/Inf propagate (as in
    nn.Linear). Input of any shape (..., in_features).
    """

    def __init__(self, patterns, values=None, bias: bool = True, dtype: Optional[torch.dtype] = None,
                 device=None):
        super().__init__()
        self.patterns: List[Pattern] = _parse_patterns(patterns)
        self.out_features = _rows(self.patterns[0])
        self.in_features = _cols(self.patterns[-1])
        dtype = dtype or torch.get_default_dtype()
        if values is not None and (isinstance(values, (str, bytes)) or len(values) != len(self.patterns)):
            raise InputError(f"values: expected {len(self.patterns)} arrays (one per pattern)")
        self.factors = nn.ParameterList()
        for l, p in enumerate(self.patterns):
            a, b, c, d = p
            if values is None:
                bound = 1.0 / math.sqrt(c)
                t = torch.empty((a, d, b, c), dtype=dtype, device=device).uniform_(-bound, bound)
            else:
                v = values[l]
                v = v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)
                if v.size != a * b * c * d:
                    raise InputError(f"values[{l}]: has {v.size} entries; pattern {p} needs {a * b * c * d}")
                if not np.issubdtype(v.dtype, np.floating):
                    raise InputError(f"values[{l}]: dtype {v.dtype}; expected a floating-point array")
                t = torch.from_numpy(np.ascontiguousarray(v.reshape(a, b, c, d).transpose(0, 3, 1, 2)))
                t = t.to(dtype=dtype, device=device)
            self.factors.append(nn.Parameter(t))
        if bias:
            bound = 1.0 / math.sqrt(self.in_features)
            self.bias = nn.Parameter(torch.empty(self.out_features, dtype=dtype, device=device).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)
        self.enclosure = None  # set by from_linear: the certified enclosure of the factorization

    def factor_values(self) -> List[torch.Tensor]:
        """Each factor's values in the factor-file order, shape (a, b, c, d) (detached copies)."""
        return [f.detach().permute(0, 2, 3, 1).contiguous() for f in self.factors]

    def parameter_count(self) -> int:
        """||Theta||_0 = sum_l a_l b_l c_l d_l (Def 6.3.18), the matvec cost."""
        return sum(a * b * c * d for a, b, c, d in self.patterns)

    def weight(self) -> torch.Tensor:
        """The dense W = X_1 ... X_L (out_features x in_features); for checks, not for speed."""
        f = self.factors[0]
        eye = torch.eye(self.in_features, device=f.device).to(f.dtype)  # eye lacks some dtypes
        return _chain_torch(self.patterns, list(self.factors), eye).T

    def _kernels_apply(self, x: torch.Tensor) -> bool:
        return (x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64)
                and all(f.device.type == "cpu" and f.dtype == x.dtype for f in self.factors))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.in_features:
            raise InputError(f"x: last dimension is {x.shape[-1]}; this KSLinear has in_features = "
                             f"{self.in_features}")
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        if x2.shape[0] > 0 and self._kernels_apply(x2):
            y = _KSChainFunction.apply(x2, self.patterns, *self.factors)
        else:
            y = _chain_torch(self.patterns, list(self.factors), x2)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*lead, self.out_features)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"patterns={self.patterns}, parameters={self.parameter_count()}, bias={self.bias is not None}")


def from_linear(layer: nn.Linear, chain, dtype: Optional[torch.dtype] = None, **factorize_kwargs) -> KSLinear:
    """A KSLinear approximating ``layer`` by the certified factorization of its weight.

    ``chain``: what ``wellposed.factorize`` accepts (a list of (a, b, c, d) patterns left to
    right whose product is out_features x in_features, or a family); other keyword
    arguments (order=..., ...) go to it. The weight is factorized in float64; the module
    holds the factors in ``dtype`` (default: the layer's). The bias is copied.
    ``module.enclosure`` is the factorization's certified enclosure (about the float64
    factors, ``module.factorization``); rounding to float32 adds at most the float32
    rounding of the values to the error.
    """
    if not isinstance(layer, nn.Linear):
        raise InputError(f"layer: expected torch.nn.Linear, got {type(layer).__name__}")
    import wellposed  # pycore's API: factorize

    W = layer.weight.detach().to("cpu", torch.float64).numpy()
    fc = wellposed.factorize(W, chain, **factorize_kwargs)
    patterns = [tuple(int(e) for e in p) for p in fc.patterns]
    dtype = dtype or layer.weight.dtype
    if _rows(patterns[0]) != layer.out_features or _cols(patterns[-1]) != layer.in_features:
        raise InputError(f"chain: the product is {_rows(patterns[0])} x {_cols(patterns[-1])}; the layer's "
                         f"weight is {layer.out_features} x {layer.in_features}")
    m = KSLinear(patterns, [np.asarray(v) for v in fc.values], bias=layer.bias is not None, dtype=dtype,
                 device=layer.weight.device)
    if layer.bias is not None:
        with torch.no_grad():
            m.bias.copy_(layer.bias.detach().to(dtype))
    m.enclosure = fc.enclosure
    m.factorization = fc
    return m


# ---------------------------------------------------------------------------
# check_model
# ---------------------------------------------------------------------------

def _verdict_str(v) -> str:
    if isinstance(v, str):
        return v
    name = getattr(v, "name", None) or str(v)
    return name.split(".")[-1]


def _obstruction(certificate: Optional[dict], first: str, second: str) -> Optional[dict]:
    """Which layers and units form the obstruction of a not-closed pair A = W2 W1.

    The certificate is about the factors [mask(W2), mask(W1)] (left to right). An
    "lu_pattern" certificate (Thm 4.3.1 / Lemma 7.5.5) names rows i1, i2 of A (output
    units of W2), columns j1, j2 (input units of W1) and inner k, l (hidden units: W1's
    outputs = W2's inputs); e_i1 e_j2^T + e_i2 e_j1^T is then a limit of products
    W2 W1 that is not one. Other not-closed certificates are returned by kind only."""
    if not certificate:
        return None
    kind = certificate.get("kind")
    if kind == "lu_pattern" and "indices" in certificate:
        ix = certificate["indices"]
        return {
            "kind": kind,
            "layers": [first, second],
            "input_units": [ix["j1"], ix["j2"]],   # columns of W1 (the first layer)
            "hidden_units": [ix["k"], ix["l"]],    # rows of W1 = columns of W2
            "output_units": [ix["i1"], ix["i2"]],  # rows of W2
            "units": {first: {"in": [ix["j1"], ix["j2"]], "out": [ix["k"], ix["l"]]},
                      second: {"in": [ix["k"], ix["l"]], "out": [ix["i1"], ix["i2"]]}},
            "explanation": (f"LU-type pattern (Thm 4.3.1): inputs {ix['j1']},{ix['j2']} of layer '{first}', "
                            f"hidden units {ix['k']},{ix['l']} (outputs of '{first}' = inputs of '{second}'), "
                            f"outputs {ix['i1']},{ix['i2']} of '{second}': the matrix "
                            f"e_{ix['i1']} e_{ix['j2']}^T + e_{ix['i2']} e_{ix['j1']}^T is a limit of products "
                            f"W_{second} @ W_{first} with these masks but not such a product"),
        }
    return {"kind": kind, "layers": [first, second], "input_units": None, "hidden_units": None,
            "output_units": None, "units": None,
            "explanation": f"certificate of kind {kind!r}: the report does not read units from this kind"}


@dataclass
class PairResult:
    """Two consecutive linear layers (first, second in the order they act): is
    {W2 W1 : supp W_l <= mask_l} closed (the fixed-support problem well-posed)?"""
    first: str
    second: str
    verdict: str                   # "closed" | "not_closed" | "unknown"
    method: str = ""
    reason: str = ""
    explanation: str = ""
    certificate: dict = field(default_factory=dict)  # about factors [mask(second), mask(first)]
    obstruction: Optional[dict] = None
    result: Any = None             # wellposed.check's Result

    @property
    def well_posed(self) -> Optional[bool]:
        return {"closed": True, "not_closed": False}.get(self.verdict)


@dataclass
class NetworkResult:
    """A run Linear-ReLU-Linear(-ReLU-Linear...) decided by thesis Ch. 7 (decide/network.hpp)."""
    layers: List[str]              # in the order they act (W1 first)
    widths: List[int]              # N_0 (input), ..., N_L
    verdict: str                   # both domains agree, else "unknown"
    method: str = ""
    reason: str = ""
    domains: Dict[str, dict] = field(default_factory=dict)  # "finite_data", "bounded_box"
    certificate: dict = field(default_factory=dict)         # kind "relu_network"
    obstruction: Optional[dict] = None
    analysis: dict = field(default_factory=dict)            # the library's full account (to_json)

    @property
    def well_posed(self) -> Optional[bool]:
        return {"closed": True, "not_closed": False}.get(self.verdict)


@dataclass
class ModelReport:
    layers: List[str]              # the linear layers examined, in order
    pairs: List[PairResult]
    networks: List[NetworkResult]
    skipped: List[str] = field(default_factory=list)  # why some neighbours were not paired

    @property
    def ill_posed(self) -> List[Any]:
        return [r for r in self.pairs + self.networks if r.verdict == "not_closed"]

    def __str__(self) -> str:
        lines = []
        for p in self.pairs:
            lines.append(f"pair {p.first} -> {p.second}: {p.verdict} ({p.method})")
            if p.obstruction:
                lines.append(f"  obstruction: {p.obstruction['explanation']}")
        for n in self.networks:
            lines.append(f"ReLU network {' -> '.join(n.layers)}: {n.verdict} ({n.method})")
            for dom, d in n.domains.items():
                lines.append(f"  {dom}: {d.get('verdict')} ({d.get('method')})")
        lines.extend(f"skipped: {s}" for s in self.skipped)
        return "\n".join(lines)


def _mask(module: nn.Module) -> np.ndarray:
    """The layer's support: torch.nn.utils.prune's weight_mask where present (pruned
    entries may be non-zero in weight_orig), else the non-zero pattern of weight."""
    m = getattr(module, "weight_mask", None)
    if isinstance(m, torch.Tensor):
        return (m.detach().cpu() != 0).numpy()
    return (module.weight.detach().cpu() != 0).numpy()


_PASSTHROUGH = (nn.Dropout, nn.Identity)


def _sequence(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """Leaf modules in registration order (named_modules), containers left out."""
    return [(n, m) for n, m in model.named_modules() if len(list(m.children())) == 0]


def check_model(model: nn.Module, *, timeout: Optional[float] = None, network_budget: float = 10.0,
                relu_networks: bool = True) -> ModelReport:
    """Check every pair of consecutive nn.Linear layers of ``model`` and every
    Linear-ReLU-Linear run.

    Layers are taken in the order of ``model.named_modules()`` (registration order:
    the order of an nn.Sequential; for other models, list the layers in the order
    they act). Two linear layers are consecutive when only ReLU/Dropout/Identity
    modules lie between them and their sizes chain (out_features of the first =
    in_features of the second).

    * Per pair (first, second): ``wellposed.check([mask(second), mask(first)])`` --
      the product read left to right is A = W_second W_first. Decided verdicts come
      with the certificate the library re-checked; a not-closed one names the
      obstruction (layers and units).
    * Per network: a maximal run Linear (-ReLU- Linear)+ with a ReLU between every
      two layers goes to the library's Ch. 7 decision (F_I on finite data sets and on
      a bounded box; each decided verdict re-checked inside the library).
    ``timeout`` (seconds) bounds the whole call, as the CLI's ``check --timeout``
    (docs/cli.md "Budgets"): the pairs and networks share it, each getting an
    equal share of what is left; one it does not reach is "unknown" with method
    "budget spent" (``result`` None). ``network_budget`` (seconds) caps each
    network's share. Without ``timeout`` each pair gets wellposed.check's
    default (10 s) and each network ``network_budget``.
    """
    import time

    import wellposed  # pycore's API: check

    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or not 0 < timeout <= 1e6):
        raise InputError(f"timeout: {timeout!r} must be a finite number of seconds in (0, 1000000]")
    start = time.monotonic()

    leaves = _sequence(model)
    linear_names = [n for n, m in leaves if isinstance(m, nn.Linear)]
    pairs: List[PairResult] = []
    networks: List[NetworkResult] = []
    skipped: List[str] = []
    masks = {n: _mask(m) for n, m in leaves if isinstance(m, nn.Linear)}

    # Walk the leaves: between two linear layers record what lies there.
    links = []  # (first, second, relu_between)
    prev, between = None, []
    for n, m in leaves:
        if isinstance(m, nn.Linear):
            if prev is not None:
                mods = [type(b).__name__ for b in between]
                others = [b for b in between if not isinstance(b, (nn.ReLU,) + _PASSTHROUGH)]
                nrelu = sum(isinstance(b, nn.ReLU) for b in between)
                pm = dict(leaves)[prev]
                if others:
                    skipped.append(f"{prev} -> {n}: {', '.join(mods)} in between (only ReLU, Dropout, Identity "
                                   "are looked through)")
                elif pm.out_features != m.in_features:
                    skipped.append(f"{prev} -> {n}: sizes do not chain ({pm.out_features} outputs, "
                                   f"{m.in_features} inputs)")
                elif nrelu > 1:
                    skipped.append(f"{prev} -> {n}: {nrelu} ReLUs in between")
                else:
                    links.append((prev, n, nrelu == 1))
            prev, between = n, []
        elif prev is not None:
            between.append(m)

    # Maximal runs joined by ReLU links (the networks).
    runs: List[List[str]] = []
    for first, second, relu in links if relu_networks else []:
        if not relu:
            continue
        if runs and runs[-1][-1] == first:
            runs[-1].append(second)
        else:
            runs.append([first, second])

    todo = len(links) + len(runs)

    def share():
        """Seconds for the next pair or network (None: no timeout given; 0: spent)."""
        nonlocal todo
        todo -= 1
        if timeout is None:
            return None
        return max(0.0, timeout - (time.monotonic() - start)) / (todo + 1)

    spent = (f"budget spent: timeout ({timeout} s for the whole model) ran out before this was checked; "
             "check it alone or with a larger timeout")
    for first, second, _ in links:
        seconds = share()
        if seconds == 0.0:
            pairs.append(PairResult(first=first, second=second, verdict="unknown", method="budget spent",
                                    reason=spent, explanation="unknown: not examined: " + spent))
            continue
        r = wellposed.check([masks[second], masks[first]], **({} if seconds is None else {"timeout": seconds}))
        verdict = _verdict_str(r.verdict)
        cert = dict(r.certificate) if r.certificate else {}
        pairs.append(PairResult(first=first, second=second, verdict=verdict, method=str(r.method or ""),
                                reason=str(r.reason or ""), explanation=str(getattr(r, "explanation", "") or ""),
                                certificate=cert,
                                obstruction=_obstruction(cert, first, second) if verdict == "not_closed" else None,
                                result=r))

    for run in runs:
        seconds = share()
        if seconds == 0.0:
            widths = [int(masks[run[0]].shape[1])] + [int(masks[n].shape[0]) for n in run]
            networks.append(NetworkResult(layers=list(run), widths=widths, verdict="unknown",
                                          method="budget spent", reason=spent))
            continue
        budget = network_budget if seconds is None else min(network_budget, seconds)
        a = _core._analyze_relu_network([masks[n] for n in run], budget_seconds=budget)
        overall = a.get("overall", {})
        verdict = overall.get("verdict", "unknown")
        obstruction = None
        if a.get("linear", {}).get("verdict") == "not_closed" and len(run) == 2:
            obstruction = _obstruction(a["linear"].get("certificate"), run[0], run[1])
        elif a.get("linear", {}).get("verdict") == "not_closed":
            obstruction = {"kind": a["linear"].get("certificate", {}).get("kind"), "layers": list(run),
                           "input_units": None, "hidden_units": None, "output_units": None, "units": None,
                           "explanation": "L_I = {W_L ... W_1} is not closed (certificate in "
                                          "analysis['linear']); units are read for two layers only"}
        networks.append(NetworkResult(layers=list(run), widths=list(a.get("widths", [])), verdict=verdict,
                                      method=overall.get("method", ""), reason=overall.get("reason", ""),
                                      domains=dict(a.get("domains", {})),
                                      certificate=overall.get("certificate", {}) or {},
                                      obstruction=obstruction, analysis=a))
    return ModelReport(layers=linear_names, pairs=pairs, networks=networks, skipped=skipped)
