"""ITU-T G.107 E-model and the vendor formula against published values (voip notes §1.2-1.5)."""

import pytest

from fieldkit.voip import emodel


def test_g107_defaults_give_the_published_ceiling():
    # G.107 with all default values: Ro = 94.77, Is = 1.41, R = 93.2 (MOS 4.41)
    parts = emodel.r_factor(t_ms=0.0)
    assert parts["ro"] == pytest.approx(94.77, abs=0.01)
    assert parts["is"] == pytest.approx(1.41, abs=0.01)
    assert parts["r"] == pytest.approx(93.2, abs=0.05)
    assert emodel.mos_from_r(parts["r"]) == pytest.approx(4.41, abs=0.01)


@pytest.mark.parametrize("ppl, ie, bpl, expected", [
    (1, 0, 25.1, 3.64), (2, 0, 25.1, 7.01), (5, 0, 25.1, 15.78), (1, 0, 4.3, 17.92), (1, 11, 19, 15.2),
])
def test_ie_eff_uses_loss_in_percent(ppl, ie, bpl, expected):
    assert emodel.ie_effective(ie, bpl, ppl) == pytest.approx(expected, abs=0.01)


def test_bursty_loss_hurts_more_than_random_loss():
    assert emodel.ie_effective(0, 25.1, 2, burst_r=2.0) > emodel.ie_effective(0, 25.1, 2, burst_r=1.0)


@pytest.mark.parametrize("r, mos", [(93.2, 4.41), (90, 4.34), (80, 4.02), (70, 3.60), (60, 3.10), (50, 2.58)])
def test_mos_from_r_annex_b(r, mos):
    assert emodel.mos_from_r(r) == pytest.approx(mos, abs=0.01)


def test_mos_is_clamped():
    assert emodel.mos_from_r(-5) == 1.0 and emodel.mos_from_r(120) == 4.5


def test_delay_impairment_grows_past_100_ms():
    assert emodel.r_factor(t_ms=100)["idd"] == 0.0
    assert emodel.r_factor(t_ms=250)["idd"] > 8
    assert emodel.r_factor(t_ms=250)["r"] == pytest.approx(79.2, abs=0.1)  # also Cole & Rosenbluth's value


@pytest.mark.parametrize("rtt, jitter, loss, r, mos", [
    (20, 2, 0, 93.9, 4.42), (100, 10, 1, 89.0, 4.31), (200, 30, 1, 77.3, 3.92), (300, 40, 3, 60.3, 3.11),
])
def test_simple_vendor_formula_vectors(rtt, jitter, loss, r, mos):
    value = emodel.simple_r(rtt, jitter, loss)
    assert value == pytest.approx(r, abs=0.05)
    assert emodel.mos_from_r(value) == pytest.approx(mos, abs=0.01)


def test_rate_path_states_its_assumptions():
    rating = emodel.rate_path(model="g107", codec="g729", one_way_ms=30, rtt_ms=60, jitter_ms=5, loss_pct=0)
    assert rating.mouth_to_ear_ms == pytest.approx(30 + 20 + 20 + 5)
    assert "G.729" in rating.assumptions and rating.r < 93.2 - 11 + 0.5
