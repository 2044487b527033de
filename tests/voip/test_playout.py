"""The receiver emulation on constructed per-packet delays, and its effect on the rating."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from fieldkit.checks.voip import presets, verdicts
from fieldkit.voip import emodel, metrics, playout


def uniform_jitter(n: int, jitter_ms: float, seed: int = 1, base: float = 12.0) -> list[float]:
    rnd = random.Random(seed)
    return [base + rnd.uniform(0, jitter_ms) for _ in range(n)]


def rate(po: playout.Playout) -> float:
    return emodel.rate_path(model="g107", codec="g711", one_way_ms=5, rtt_ms=10, jitter_ms=0,
                            loss_pct=po.effective_loss_pct, burst_r=po.bursts.burst_ratio,
                            buffer_ms=po.buffer_ms).mos


def test_fixed_buffer_discards_exactly_the_packets_whose_pdv_exceeds_its_depth():
    transits = [100.0, 130.0, 161.0, 100.5, 159.9, 100.0]
    po = playout.emulate(transits, [False] * 6, model="fixed", fixed_ms=60)
    assert po.late == 1 and po.effective_lost == [False, False, True, False, False, False]
    assert po.pdv_p50_ms == pytest.approx(15.25) and po.buffer_ms == 60


def test_unknown_delay_that_was_not_lost_plays_on_time_and_losses_are_not_late():
    po = playout.emulate([10.0, None, None, 500.0], [False, False, True, False], model="fixed", fixed_ms=40)
    assert po.network_lost == 1 and po.late == 1 and po.effective_loss_pct == 50.0


@pytest.mark.parametrize("model", ["fixed", "adaptive"])
def test_more_jitter_means_more_late_loss_and_a_lower_mos(model):
    results = [playout.emulate(uniform_jitter(1000, j), [False] * 1000, model=model, fixed_ms=40)
               for j in (0, 20, 40, 80)]
    late = [r.late_loss_pct for r in results]
    mos = [rate(r) for r in results]
    assert late[0] == 0 and late == sorted(late) and late[-1] > late[1]
    assert mos == sorted(mos, reverse=True) and mos[0] - mos[-1] > 0.3


def test_adaptive_buffer_follows_the_95th_percentile_of_steady_jitter():
    po = playout.emulate(uniform_jitter(2000, 80), [False] * 2000, model="adaptive")
    assert 2.0 < po.late_loss_pct < 9.0          # about the slowest 5 % are discarded
    assert 60 < po.buffer_ms < 85                 # depth near the p95 of 0-80 ms uniform PDV
    clean = playout.emulate([12.0] * 500, [False] * 500, model="adaptive")
    assert clean.late == 0 and clean.buffer_ms < 25   # settles at one packet on a steady path


def test_a_sudden_delay_step_is_late_for_the_adaptive_buffer_then_absorbed():
    transits = [10.0] * 300 + [90.0] * 300
    po = playout.emulate(transits, [False] * 600, model="adaptive")
    assert po.effective_lost[300]                 # the jump arrives after its playout point
    assert not any(po.effective_lost[320:])       # the buffer re-anchored on the new delay


def test_bursty_loss_rates_lower_than_random_loss_of_the_same_rate():
    n = 1000
    random_lost = [i % 20 == 7 for i in range(n)]                  # 5 % isolated
    bursty_lost = [(i % 100) < 5 for i in range(n)]               # 5 % in runs of 5
    transits = [10.0] * n
    ran = playout.emulate(transits, random_lost, model="fixed")
    bur = playout.emulate(transits, bursty_lost, model="fixed")
    assert ran.effective_loss_pct == bur.effective_loss_pct == 5.0
    assert bur.bursts.burst_ratio > 2 and ran.bursts.burst_ratio == pytest.approx(1.0, abs=0.1)
    assert rate(bur) < rate(ran) - 0.1


def test_worst_window_sees_a_burst_that_the_average_hides():
    n = 1500   # 30 s
    lost = [600 <= i < 640 for i in range(n)]     # 0.8 s outage once
    po = playout.emulate([10.0] * n, lost, model="fixed")
    whole = rate(po)
    windows = [emodel.rate_path(model="g107", codec="g711", one_way_ms=5, rtt_ms=10, jitter_ms=0,
                                loss_pct=w.effective_loss_pct, burst_r=w.burst_ratio, buffer_ms=w.buffer_ms).mos
               for w in po.windows]
    assert min(windows) < whole - 0.3
    assert po.windows[0].start_s == 0 and po.windows[-1].start_s == pytest.approx(25.0)


def test_worst_run_helpers():
    lost = [False] * 100 + [True] * 3 + [False] * 100
    assert playout.worst_loss_in(lost, 10) == 30.0
    assert playout.worst_loss_in(lost, 1000) == pytest.approx(300 / 203)
    assert playout.worst_mean_in([1, 1, 9, 9, 1], 2) == 9.0
    assert playout.worst_mean_in([], 5) is None


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="jitter-buffer model"):
        playout.emulate([1.0], [False], model="magic")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 500)), min_size=1, max_size=300),
       st.lists(st.booleans(), min_size=300, max_size=300),
       st.sampled_from(["fixed", "adaptive"]), st.floats(10, 200))
def test_emulation_invariants(transits, lost, model, depth):
    lost = lost[:len(transits)]
    po = playout.emulate(transits, lost, model=model, fixed_ms=depth)
    assert po.slots == len(transits) and po.network_lost == sum(lost)
    assert 0 <= po.late <= po.slots - po.network_lost
    assert po.effective_loss_pct == pytest.approx(100.0 * sum(po.effective_lost) / po.slots)
    assert all(w.effective_loss_pct <= 100 for w in po.windows)
    if model == "fixed":   # a deeper fixed buffer never discards more
        deeper = playout.emulate(transits, lost, model="fixed", fixed_ms=depth + 50)
        assert deeper.late <= po.late


def test_every_preset_cites_its_limits_and_measures_known_quantities():
    for name, (title, limits) in presets.PRESETS.items():
        assert title and limits
        for lim in limits:
            assert lim.limit > 0 and lim.label
    assert verdicts.buffer_label("fixed", 60) == "fixed 60 ms jitter buffer"


def test_concealment_reach_splits_long_runs_and_leaves_short_ones_to_g107():
    isolated = [i % 20 == 7 for i in range(1000)]
    runs_of_5 = [(i % 100) < 5 for i in range(1000)]
    assert emodel.concealment_split(isolated, 3)[:2] == (5.0, 0.0)
    inside, beyond, burst = emodel.concealment_split(runs_of_5, 3)
    assert (inside, beyond) == (3.0, 2.0) and burst > 2

    def mos(lost, reach):
        return emodel.rate_path(model="g107", codec="g711", one_way_ms=5, rtt_ms=10, jitter_ms=0, loss_pct=5.0,
                                burst_r=metrics.burst_ratio(lost), buffer_ms=20, lost=lost, plc_reach=reach)

    # isolated loss: exactly G.107
    assert mos(isolated, True).mos == pytest.approx(mos(isolated, False).mos)
    # 100 ms dropouts: beyond G.711 Appendix I's 60 ms, rated much lower than plain G.107 rates them
    assert mos(runs_of_5, True).mos < mos(runs_of_5, False).mos - 0.4
    assert "beyond it (rated without concealment" in mos(runs_of_5, True).assumptions
    # G.729 has no reach in the table: plain G.107
    g729 = emodel.rate_path(model="g107", codec="g729", one_way_ms=5, rtt_ms=10, jitter_ms=0, loss_pct=5.0,
                            burst_r=metrics.burst_ratio(runs_of_5), buffer_ms=20, lost=runs_of_5)
    assert "within the concealment's reach" not in g729.assumptions


def test_lower_is_worse_metrics_export_as_nagios_ranges():
    from fieldkit.export.nagios import perfdata_item
    from fieldkit.findings import Metric

    item = perfdata_item("mos_min_window", Metric("mos_min_window", 3.2, "", 3.6, 1.0, 1, 4.5))
    assert item == "mos_min_window=3.2;3.6:;1:;1;4.5"
