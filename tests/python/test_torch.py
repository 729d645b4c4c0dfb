"""wellposed.torch: KSLinear (forward, gradcheck), from_linear, check_model (issue 22)."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (Debian python3-torch) is not installed")
nn = torch.nn
prune = pytest.importorskip("torch.nn.utils.prune")

import wellposed  # noqa: E402
import wellposed.torch as wt  # noqa: E402
from wellposed import _core  # noqa: E402

needs_check = pytest.mark.skipif(not hasattr(wellposed, "check"), reason="wellposed.check (pycore) not built in")
needs_factorize = pytest.mark.skipif(not hasattr(wellposed, "factorize"),
                                     reason="wellposed.factorize (pycore) not built in")

BUTTERFLY_16 = [(2 ** (l - 1), 2, 2, 16 // 2 ** l) for l in range(1, 5)]
SMALL = [(1, 2, 2, 4), (2, 2, 2, 2), (4, 2, 2, 1)]
RECT = [(2, 3, 2, 1), (1, 4, 3, 1)]  # 6 x 4 then 4 x 3: a 6 x 3 product


def dense(pattern, values):
    """docs/factor-format.md's reader: K from its (a, b, c, d) values."""
    a, b, c, d = pattern
    V = np.asarray(values, dtype=np.float64).reshape(a, b, c, d)
    return np.einsum("abgd,ae,df->abdegf", V, np.eye(a), np.eye(d)).reshape(a * b * d, a * c * d)


def dense_product(patterns, values):
    P = dense(patterns[0], values[0])
    for p, v in zip(patterns[1:], values[1:]):
        P = P @ dense(p, v)
    return P


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("patterns", [SMALL, RECT, BUTTERFLY_16])
def test_forward_is_x_times_the_product_transposed(dtype, patterns):
    torch.manual_seed(0)
    m = wt.KSLinear(patterns, dtype=dtype)
    W = dense_product(patterns, [v.numpy() for v in m.factor_values()])
    assert W.shape == (m.out_features, m.in_features)
    x = torch.randn(2, 5, m.in_features, dtype=dtype)  # any leading shape
    y = m(x)
    ref = x.double().numpy() @ W.T + m.bias.detach().double().numpy()
    assert y.shape == (2, 5, m.out_features) and y.dtype == dtype
    np.testing.assert_allclose(y.detach().double().numpy(), ref, rtol=0,
                               atol=1e-12 if dtype == torch.float64 else 1e-5)
    np.testing.assert_allclose(m.weight().detach().double().numpy(), W, atol=1e-6)


def test_values_in_factor_file_order_round_trip():
    rng = np.random.default_rng(1)
    values = [rng.standard_normal(a * b * c * d) for a, b, c, d in RECT]
    m = wt.KSLinear(RECT, values, bias=False, dtype=torch.float64)
    for v, back, p in zip(values, m.factor_values(), RECT):
        np.testing.assert_array_equal(back.numpy(), v.reshape(p))
    x = torch.randn(4, 3, dtype=torch.float64)
    np.testing.assert_allclose(m(x).detach().numpy(), x.numpy() @ dense_product(RECT, values).T, atol=1e-12)


@pytest.mark.parametrize("patterns", [SMALL, RECT])
@pytest.mark.parametrize("batch", [1, 3])
def test_gradcheck_float64(patterns, batch):
    torch.manual_seed(2)
    m = wt.KSLinear(patterns, dtype=torch.float64)
    x = torch.randn(batch, m.in_features, dtype=torch.float64, requires_grad=True)
    vals = [f.detach().clone().requires_grad_() for f in m.factors]
    assert torch.autograd.gradcheck(lambda x, *v: wt._KSChainFunction.apply(x, m.patterns, *v), (x, *vals))
    # the module as a whole (bias included), gradient wrt the input only
    assert torch.autograd.gradcheck(m, (x,))
    # frozen factors: the forward is one fused chain call, the backward one transposed chain
    frozen = [f.detach() for f in m.factors]
    assert torch.autograd.gradcheck(lambda x: wt._KSChainFunction.apply(x, m.patterns, *frozen), (x,))


def test_no_grad_forward_equals_training_forward():
    torch.manual_seed(9)
    m = wt.KSLinear(BUTTERFLY_16, dtype=torch.float64)
    x = torch.randn(33, 16, dtype=torch.float64)
    y_train = m(x)  # one kernel call per factor, inputs kept for the backward
    with torch.no_grad():
        y_eval = m(x)  # one chain call
    torch.testing.assert_close(y_eval, y_train.detach(), rtol=1e-12, atol=1e-12)


def test_kernel_path_gradients_equal_pure_torch_path():
    torch.manual_seed(3)
    m = wt.KSLinear(BUTTERFLY_16, dtype=torch.float32)
    x = torch.randn(7, 16, requires_grad=True)
    g = torch.randn(7, 16)
    assert m._kernels_apply(x)
    m(x).backward(g)
    kernel = [x.grad.clone()] + [f.grad.clone() for f in m.factors] + [m.bias.grad.clone()]
    m.zero_grad()
    x.grad = None
    m._kernels_apply = lambda t: False  # the CUDA / other-dtype fallback
    m(x).backward(g)
    torchpath = [x.grad] + [f.grad for f in m.factors] + [m.bias.grad]
    for a, b in zip(kernel, torchpath):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_fallback_for_dtypes_the_kernels_lack():
    m = wt.KSLinear(SMALL, dtype=torch.bfloat16)
    x = torch.randn(3, 8, dtype=torch.bfloat16)
    assert not m._kernels_apply(x)
    ref = x.double() @ m.weight().double().T + m.bias.double()
    torch.testing.assert_close(m(x).double(), ref, rtol=0.05, atol=0.05)


def test_training_step_reduces_the_loss():
    torch.manual_seed(4)
    target = wt.KSLinear(BUTTERFLY_16, bias=False)
    m = wt.KSLinear(BUTTERFLY_16, bias=False)
    opt = torch.optim.Adam(m.parameters(), lr=0.05)
    x = torch.randn(64, 16)
    y = target(x).detach()
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("bad, exc, words", [
    (lambda: wt.KSLinear([]), wellposed.InputError, ["patterns"]),
    (lambda: wt.KSLinear([(1, 2, 2)]), ValueError, ["patterns[0]"]),
    (lambda: wt.KSLinear([(1, 0, 2, 2)]), ValueError, ["patterns[0]", ">= 1"]),
    (lambda: wt.KSLinear([(1, 2, 3, 4), (1, 2, 2, 4)]), ValueError, ["factor 0", "chain"]),
    (lambda: wt.KSLinear(SMALL, [np.ones(16)] * 2), ValueError, ["values"]),
    (lambda: wt.KSLinear(SMALL, [np.ones(15)] * 3), ValueError, ["values[0]", "15"]),
    (lambda: wt.KSLinear(SMALL)(torch.randn(2, 7)), ValueError, ["x", "7", "in_features = 8"]),
    (lambda: wt.from_linear(nn.Conv1d(2, 2, 1), SMALL), wellposed.InputError, ["layer", "Conv1d"]),
])
def test_bad_input(bad, exc, words):
    with pytest.raises(exc) as e:
        bad()
    assert isinstance(e.value, wellposed.InputError)  # every bad input: one class, one line
    for w in words:
        assert w in str(e.value), (w, str(e.value))


# ---- check_model ------------------------------------------------------------------------

def lu_mlp(n=4):
    """Linear-ReLU-Linear with W1 upper and W2 lower triangular (pruned): A = W2 W1 = L U,
    the LU-type pattern of Thm 4.3.1 (Ex 7.3.5): ill-posed."""
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(n, n), nn.ReLU(), nn.Linear(n, n))
    prune.custom_from_mask(model[0], "weight", torch.triu(torch.ones(n, n)))
    prune.custom_from_mask(model[2], "weight", torch.tril(torch.ones(n, n)))
    return model


def test_check_model_passes_masks_left_to_right(monkeypatch):
    """A = W2 W1: the masks handed to wellposed.check are [mask(W2), mask(W1)]."""
    seen = []

    class R:
        verdict, method, reason, explanation, certificate = "unknown", "fake", "", "", {}

    def fake_check(masks, **kw):
        seen.append([np.array(m) for m in masks])
        return R()

    monkeypatch.setattr(wellposed, "check", fake_check, raising=False)
    model = lu_mlp()
    rep = wt.check_model(model, relu_networks=False)
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0][0], np.tril(np.ones((4, 4), bool)))  # W2 first
    np.testing.assert_array_equal(seen[0][1], np.triu(np.ones((4, 4), bool)))
    assert (rep.pairs[0].first, rep.pairs[0].second) == ("0", "2")


def test_masks_from_prune_buffers_not_values():
    m = nn.Linear(3, 3)
    prune.custom_from_mask(m, "weight", torch.tensor([[1.0, 0, 0], [1, 1, 0], [1, 1, 1]]))
    with torch.no_grad():
        m.weight_orig[1, 1] = 0.0  # a zero value on the support stays in the mask
    np.testing.assert_array_equal(wt._mask(m), np.tril(np.ones((3, 3), bool)))
    prune.remove(m, "weight")  # afterwards: the zero pattern of the weight
    assert not wt._mask(m)[1, 1] and wt._mask(m)[2, 1]


def test_relu_network_binding_lu_is_ill_posed_with_units():
    a = _core._analyze_relu_network([np.triu(np.ones((4, 4), bool)), np.tril(np.ones((4, 4), bool))])
    assert a["widths"] == [4, 4, 4]
    assert a["overall"]["verdict"] == "not_closed"
    for dom in ("finite_data", "bounded_box"):
        assert a["domains"][dom]["verdict"] == "not_closed"
    cert = a["overall"]["certificate"]
    assert cert["kind"] == "relu_network"
    # layers in the certificate are W1 first (input to output)
    assert cert["layers"][0]["mask"] == ["1111", "0111", "0011", "0001"]
    ok, why = _core._check_network_certificate(cert, "not_closed")
    assert ok, why
    ok, _ = _core._check_network_certificate(cert, "closed")
    assert not ok
    ob = wt._obstruction(a["linear"]["certificate"], "fc1", "fc2")
    ix = a["linear"]["certificate"]["indices"]
    assert ob["layers"] == ["fc1", "fc2"] and ob["hidden_units"] == [ix["k"], ix["l"]]
    # the named units really form the pattern: W1 = upper (hidden k, l from inputs j),
    # W2 = lower (outputs i from hidden k, l): (i1,j1),(i1,j2),(i2,j1) only through k
    U, Lo = np.triu(np.ones((4, 4))), np.tril(np.ones((4, 4)))
    for i, j in ((ix["i1"], ix["j1"]), (ix["i1"], ix["j2"]), (ix["i2"], ix["j1"])):
        assert [h for h in range(4) if Lo[i, h] and U[h, j]] == [ix["k"]]


def test_relu_network_binding_single_output_is_closed():
    rng = np.random.default_rng(6)
    W1 = rng.random((3, 4)) < 0.6
    W1[:, 0] = True
    a = _core._analyze_relu_network([W1, np.ones((1, 3), bool)])
    assert a["domains"]["finite_data"]["verdict"] == "closed"  # Thm 7.3.7 (N_2 = 1)
    assert "7.3.7" in a["domains"]["finite_data"]["method"]


def test_relu_network_binding_bad_input():
    with pytest.raises(ValueError, match="chain|column|rows"):
        _core._analyze_relu_network([np.ones((3, 4), bool), np.ones((2, 5), bool)])
    with pytest.raises(wellposed.InputError, match=r"masks\[0\] \(W1\).*bool"):
        _core._analyze_relu_network([np.ones((3, 4)), np.ones((2, 3), bool)])


@needs_check
def test_check_model_timeout_bounds_the_whole_call():
    """timeout bounds check_model as a whole (docs/cli.md "Budgets"): the pairs and
    networks share it; those it does not reach are unknown, "budget spent"."""
    layers = []
    for k in range(40):
        layers += [nn.Linear(4, 4), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    rep = wt.check_model(model, timeout=1e-6)
    assert len(rep.pairs) == 39 and len(rep.networks) == 1
    assert rep.pairs[-1].verdict == "unknown" and rep.pairs[-1].method == "budget spent", rep.pairs[-1]
    assert rep.pairs[-1].reason.startswith("budget spent: timeout (1e-06 s for the whole model)")
    assert rep.networks[0].method == "budget spent" and rep.networks[0].widths == [4] * 41
    with pytest.raises(wellposed.InputError, match="timeout"):
        wt.check_model(model, timeout=0)
    # Within a budget that suffices nothing is left out (dense pairs: closed).
    rep = wt.check_model(nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3)), timeout=30)
    assert [p.verdict for p in rep.pairs] == ["closed"]


def test_check_model_lu_pair_is_ill_posed_with_obstruction():
    rep = wt.check_model(lu_mlp())
    assert rep.layers == ["0", "2"]
    (pair,) = rep.pairs
    assert pair.verdict == "not_closed" and pair.well_posed is False
    ob = pair.obstruction
    assert ob["layers"] == ["0", "2"] and len(ob["hidden_units"]) == 2
    (net,) = rep.networks
    assert net.layers == ["0", "2"] and net.widths == [4, 4, 4]
    assert net.verdict == "not_closed"
    assert net.domains["finite_data"]["verdict"] == "not_closed"
    assert net.obstruction["hidden_units"] is not None
    assert "0 -> 2" in str(rep)
    json.dumps(net.analysis)  # plain JSON


@needs_check
def test_check_model_dense_pair_is_well_posed_and_linear_linear_has_no_network():
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(5, 3), nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    rep = wt.check_model(model)
    assert [(p.first, p.second) for p in rep.pairs] == [("0", "1"), ("1", "3")]
    assert all(p.verdict == "closed" for p in rep.pairs)  # full supports
    assert [n.layers for n in rep.networks] == [["1", "3"]]  # the ReLU run only
    assert rep.networks[0].domains["finite_data"]["verdict"] == "closed"  # N_2 = 1, Thm 7.3.7


# ---- from_linear --------------------------------------------------------------------------

@needs_factorize
def test_from_linear_error_within_the_enclosure():
    torch.manual_seed(8)
    layer = nn.Linear(16, 16).double()
    m = wt.from_linear(layer, BUTTERFLY_16)
    assert m.patterns == BUTTERFLY_16 and m.enclosure is not None
    err = np.linalg.norm(m.weight().detach().numpy() - layer.weight.detach().numpy())
    lo, hi = wt_residual_interval(m.enclosure)
    assert lo - 1e-9 <= err <= hi + 1e-9
    x = torch.randn(3, 16, dtype=torch.float64)
    torch.testing.assert_close(m(x), x @ m.weight().T + layer.bias)


def wt_residual_interval(enclosure):
    r = enclosure["residual"] if isinstance(enclosure, dict) else getattr(enclosure, "residual")
    return float(r[0]), float(r[1])


# ---- docs: the PyTorch section's examples run -------------------------------------------

def _torch_doc_examples():
    """The ```python blocks of docs/python.md's "## PyTorch" section."""
    import pathlib
    import re
    docs = pathlib.Path(__file__).resolve().parents[2] / "docs"
    texts = []
    main = docs / "python.md"
    if main.exists() and "\n## PyTorch" in main.read_text():
        body = main.read_text().split("\n## PyTorch", 1)[1]
        texts.append(re.split(r"\n## (?!#)", body, maxsplit=1)[0])
    blocks = []
    for t in texts:
        for b in re.findall(r"```python\n(.*?)```", t, flags=re.S):
            if b not in blocks:
                blocks.append(b)
    return blocks


EXAMPLES = _torch_doc_examples()


def test_doc_examples_exist():
    """The three examples of this part are there: a pruned MLP's masks, a butterfly swap, ks_multiply."""
    text = "\n".join(EXAMPLES)
    for needle in ("check_model(", "from_linear(", "ks_multiply("):
        assert needle in text, needle


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_doc_example_runs(index, capsys):
    code = EXAMPLES[index]
    exec(compile(code, f"docs example {index}", "exec"), {})
