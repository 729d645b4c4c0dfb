"""Bad input raises the right wellposed exception with a message naming the
argument (or the file and JSON path) and the value; the CLI's one-line
messages are the same text."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import wellposed

SRC = pathlib.Path(os.environ.get("WELLPOSED_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLI = os.environ.get("WELLPOSED_CLI") or None
L4, U4 = np.tril(np.ones((4, 4))), np.triu(np.ones((4, 4)))


def test_exception_hierarchy():
    assert issubclass(wellposed.WellposedError, ValueError)
    for cls in (wellposed.InputError, wellposed.CertificateError, wellposed.ResourceError):
        assert issubclass(cls, wellposed.WellposedError)
    assert wellposed.InputError is not wellposed.ResourceError


@pytest.mark.parametrize("obj, timeout, match", [
    ([L4, U4], 0, r"timeout: 0\.0 must be a finite number of seconds in \(0, 1000000\]"),
    ([L4, U4], float("nan"), r"timeout: nan"),
    ([L4, U4], "10", r"timeout: expected a number"),
    ([L4[0], U4], 1, r"masks\[0\]: expected a 2-D array, got shape \(4,\)"),
    ([L4, np.ones((3, 4))], 1, r"masks\[1\] has 3 rows but masks\[0\] has 4 columns"),
    ([L4, np.array([["a"] * 4] * 4)], 1, r"masks\[1\]: dtype <U1 is not bool, int or float"),
    ([L4, np.where(U4 > 0, np.nan, 0.0)], 1, r"masks\[1\]: entry \(0, 0\) is nan"),
    ([], 1, r"masks: the list of masks is empty"),
    ([np.zeros((0, 3)), np.ones((3, 3))], 1, r"masks\[0\]: shape \(0, 3\) has no entries"),
    (np.ones((4, 4)), 1, r"obj: expected a list of masks, a spec"),
    ({"factors": [{"rows": 4, "cols": 4, "suport": "lower"}]}, 1,
     r"spec: at \$\.factors\[0\]: unknown key 'suport' \(did you mean 'support'\?\)"),
    ('{"family": "butterfly", "n": 12}', 1, r"spec: at \$\.n: must be a power of two >= 2, got 12"),
    ("{not json", 1, r"spec: "),
])
def test_check_rejects_bad_input(obj, timeout, match):
    with pytest.raises(wellposed.InputError, match=match):
        wellposed.check(obj, timeout=timeout)


def test_check_file_errors_are_the_cli_lines(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "factors": [{"rows": 4, "cols": 4, "support": "lower"},
                                                          {"rows": 3, "cols": 4, "support": "full"}]}))
    with pytest.raises(wellposed.InputError) as e:
        wellposed.check(bad)
    assert str(e.value).startswith(f"{bad}: at $.factors[1]: ")
    with pytest.raises(wellposed.InputError, match="missing.json"):
        wellposed.check(tmp_path / "missing.json")
    if CLI:
        out = subprocess.run([CLI, "check", str(bad)], capture_output=True, text=True)
        assert out.returncode == 2
        assert out.stderr.strip() == "wellposed: error: " + str(e.value)


A = np.random.default_rng(5).standard_normal((8, 8))


@pytest.mark.parametrize("make, kwargs, cls, match", [
    (lambda: np.where(np.arange(64).reshape(8, 8) == 19, np.nan, A), {}, wellposed.InputError, r"A.*\(2, 3\).*nan|A.*nan.*\(2, 3\)"),
    (lambda: A[:6], {}, wellposed.InputError, r"chain: 'butterfly' needs a square A, got shape \(6, 8\)"),
    (lambda: A.reshape(2, 4, 8), {}, wellposed.InputError, r"A: expected a 2-D array, got shape \(2, 4, 8\)"),
    (lambda: A.astype(object), {}, wellposed.InputError, r"A: dtype object is not a number type"),
    (lambda: A, {"order": "sideways"}, wellposed.InputError, r"order: 'sideways' is not one of auto"),
    (lambda: A, {"algorithm": 9}, wellposed.InputError, r"algorithm: must be 7 or 8, got 9"),
    (lambda: A, {"algorithm": 7, "ortho": True}, wellposed.InputError, r"ortho=True contradicts algorithm=7"),
    (lambda: A, {"max_memory": 100}, wellposed.ResourceError, r"A: a 8x8 matrix needs more than the limit of 100 bytes"),
    (lambda: A, {"max_memory": "lots"}, wellposed.InputError, r"max_memory: 'lots' is not a size"),
])
def test_factorize_rejects_bad_input(make, kwargs, cls, match):
    with pytest.raises(cls, match=match):
        wellposed.factorize(make(), "butterfly", **kwargs)


def test_factorize_chain_errors():
    with pytest.raises(wellposed.InputError, match=r"A is 8x8 but chain describes 16x16 products"):
        wellposed.factorize(A, {"family": "butterfly", "n": 16})
    with pytest.raises(wellposed.InputError, match=r"chain\[1\]: expected a pattern \(a, b, c, d\), got 3 numbers"):
        wellposed.factorize(A, [(1, 2, 2, 4), (2, 2, 2)])
    with pytest.raises(wellposed.InputError, match=r"chain: 'no-such-family' is neither a family"):
        wellposed.factorize(A, "no-such-family")
    # No certified method for LU supports: the library's reason, prefixed by the argument.
    with pytest.raises(wellposed.InputError, match=r"^chain: "):
        wellposed.factorize(A, "lu")


def test_chain_operand_errors():
    c = wellposed.factorize(A, "butterfly")
    with pytest.raises(wellposed.InputError, match=r"X: shape \(7,\) but the chain is 8x8"):
        c @ np.ones(7)
    with pytest.raises(wellposed.InputError, match=r"X: shape \(3, 7\) but the chain is 8x8"):
        np.ones((3, 7)) @ c
    with pytest.raises(wellposed.InputError, match=r"X: dtype <U1 is not a number type"):
        c @ np.array(["a"] * 8)
    with pytest.raises(wellposed.InputError, match=r"layout: 'diagonal' is not 'columns' or 'rows'"):
        c.multiply(np.ones((8, 2)), layout="diagonal")
    with pytest.raises(wellposed.InputError, match=r"values\[0\]: shape \(2, 2\) holds 4 values but pattern"):
        wellposed.FactorChain([(1, 2, 3, 1)], [np.ones((2, 2))])
    with pytest.raises(wellposed.InputError, match=r"patterns\[0\]: every entry of \(a, b, c, d\) must be >= 1, got 0"):
        wellposed.FactorChain([(1, 0, 3, 1)], [np.ones(0)])
    with pytest.raises(wellposed.InputError, match=r"factor 1 has 3 columns but factor 2 has 2 rows"):
        wellposed.FactorChain([(1, 2, 3, 1), (1, 2, 2, 1)], [np.ones(6), np.ones(4)])
    with pytest.raises(wellposed.InputError, match=r"values\[0\]: entry 1 \(flat, C order\) is nan"):
        wellposed.FactorChain([(1, 2, 1, 1)], [np.array([1.0, np.nan])])


def test_load_errors_name_the_file_and_field(tmp_path):
    c = wellposed.factorize(A, "butterfly")
    c.save(tmp_path / "c")
    m = json.loads((tmp_path / "c" / "manifest.json").read_text())
    m["factors"][1]["pattern"] = [2, 2, 2, 3]
    (tmp_path / "c" / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(wellposed.InputError, match=r"factors\[1\]"):
        wellposed.load(tmp_path / "c")
    with pytest.raises(wellposed.InputError, match="nowhere"):
        wellposed.load(tmp_path / "nowhere")
