"""Result.certify() of a ReLU network speaks about the network's OVERALL
verdict: F_I closed (or not) on every finite data set AND on the bounded box
Omega = [-B, B]^d. Cor 7.4.3 and Thm 7.4.2 prove closedness on the box only
(thesis Ch. 7; no finite-data answer for N_2 >= 2), so a certificate citing
them must never certify the overall verdict, however a user edits the
certificate (Result.certificate is assignable) -- while the network's own,
untouched certificate is accepted."""
import json
import os
import pathlib

import pytest

import wellposed
from wellposed import _core

SRC = pathlib.Path(os.environ.get("WELLPOSED_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BOX_ONLY = ("Cor 7.4.3", "Thm 7.4.2")


def _net(n0, n1, n2):
    """A dense one-hidden-layer net, W1 (n1 x n0) first, as an inline spec."""
    return json.dumps({"name": f"dense-{n0}-{n1}-{n2}", "network": "relu",
                       "factors": [{"rows": n1, "cols": n0, "support": "full"},
                                   {"rows": n2, "cols": n1, "support": "full"}]})


@pytest.fixture
def scalar():
    """N_2 = 1: closed on finite data (Thm 7.3.7) and on the box (Cor 7.4.4),
    so the overall verdict is closed; dense, so Cor 7.4.3's hypotheses (I_1
    and I_2 full on the neurons that matter) hold too -- a relabelled
    certificate passes every hypothesis check and only its domain is wrong."""
    r = wellposed.check(_net(3, 4, 1))
    assert r.network and r.verdict == "closed", r.reason
    return r


def test_overall_verdict_with_its_own_certificate_is_certified(scalar):
    assert scalar.certificate["theorem"] == "Thm 7.3.7"
    assert scalar.certify() is True


@pytest.mark.parametrize("theorem", BOX_ONLY)
def test_box_only_theorem_never_certifies_the_overall_verdict(scalar, theorem):
    r = scalar
    good = dict(scalar.certificate)
    forged = dict(scalar.certificate, theorem=theorem)
    if theorem == "Cor 7.4.3":
        # Its hypotheses really hold for this dense net: only the domain is wrong.
        assert _core._check_network_certificate(forged, "closed", domain="bounded_box")[0]
    r.certificate = forged
    with pytest.raises(wellposed.CertificateError, match="bounded box only"):
        r.certify()
    # The same edit in a report entry (to_dict): still the box-only theorem.
    assert r.to_dict()["certificate"]["theorem"] == theorem
    r.certificate = good  # restored: accepted again (the refusal was the edit's)
    assert r.certify() is True


def test_other_edits_a_user_could_make_are_refused(scalar):
    r = scalar
    c = dict(scalar.certificate)
    for forged, why in (
            (dict(c, theorem="Cor 7.4.3 "), "unknown theorem"),  # a near miss of a label is no theorem
            ({k: v for k, v in c.items() if k != "theorem"}, "malformed"),
            (dict(c, layers=c["layers"][:1]), "layers"),          # not this network's layers
            (dict(c, kind="lu_pattern"), "relu_network certificate")):
        r.certificate = forged
        with pytest.raises(wellposed.CertificateError, match=why):
            r.certify()


def test_box_certificate_of_a_dense_multi_output_net_is_real_but_box_only():
    """relu-dense (N_2 = 3): closed on the box by Cor 7.4.3, unknown on finite
    data, so the overall verdict is unknown and there is nothing to certify.
    Its box certificate passes the checker for the box and only there."""
    r = wellposed.check(SRC / "examples" / "specs" / "relu-dense.json")
    assert r.network and r.verdict == "unknown"
    with pytest.raises(wellposed.CertificateError, match="nothing to certify"):
        r.certify()
    box = r.to_dict()["network"]["domains"]["bounded_box"]
    assert box["verdict"] == "closed" and box["certificate"]["theorem"] == "Cor 7.4.3"
    cert = box["certificate"]
    ok, why = _core._check_network_certificate(cert, "closed", domain="bounded_box")
    assert ok, why
    for domain in ("finite_data", "both"):
        ok, why = _core._check_network_certificate(cert, "closed", domain=domain)
        assert not ok and "bounded box only" in why, (domain, why)
    # Without a domain the check is about both domains (no domain-blind True).
    ok, why = _core._check_network_certificate(cert, "closed")
    assert not ok and "bounded box only" in why, why
    with pytest.raises(ValueError, match="domain"):
        _core._check_network_certificate(cert, "closed", domain="R^d")


def test_not_closed_network_certifies_and_a_closed_certificate_does_not_replace_it():
    """relu-lu: L_I not closed, so F_I is not closed on both domains (Thm
    7.3.3, Thm 7.4.1); a box closedness certificate cannot stand in for it."""
    r = wellposed.check(SRC / "examples" / "specs" / "relu-lu.json")
    assert r.network and r.verdict == "not_closed"
    assert r.certify() is True
    r.certificate = dict(r.certificate, theorem="Cor 7.4.3")
    with pytest.raises(wellposed.CertificateError):
        r.certify()
