"""Stream statistics: RFC 3550 jitter, RFC 3611 bursts, reordering, percentiles."""

import pytest

from fieldkit.voip import metrics


def reference_jitter(transits):
    """RFC 3550 A.8 transcribed literally (timestamp units = ms here)."""
    jitter, prev = 0.0, None
    for transit in transits:
        if prev is not None:
            d = abs(transit - prev)
            jitter += (1.0 / 16.0) * (d - jitter)
        prev = transit
    return jitter


def test_constant_clock_offset_gives_zero_jitter():
    # a 5-second clock offset must not show up as jitter (iperf3 start-up bug)
    result = metrics.rfc3550_jitter([5000.0 + 0.0 * i for i in range(100)])
    assert result.final_ms == 0.0 and result.max_ms == 0.0


def test_jitter_matches_the_rfc_reference_code():
    transits = [10, 12, 11, 15, 10, 10, 30, 10, 11, 12, 10]
    result = metrics.rfc3550_jitter(transits)
    assert result.final_ms == pytest.approx(reference_jitter(transits))
    assert result.max_ms >= result.final_ms
    assert result.ipdv_p50_ms == pytest.approx(metrics.percentile([2, 1, 4, 5, 0, 20, 20, 1, 1, 2], 50))
    assert result.pdv_p99_ms == pytest.approx(metrics.percentile(transits, 99) - 10)


def test_alternating_delay_converges_to_the_step():
    # transit alternates 0/4 ms: |D| = 4 every packet, J -> 4
    result = metrics.rfc3550_jitter([0.0, 4.0] * 200)
    assert result.final_ms == pytest.approx(4.0, abs=1e-6)


def test_burst_metrics_isolated_losses_are_gaps():
    lost = [False] * 100
    for i in (20, 50, 80):
        lost[i] = True
    b = metrics.burst_metrics(lost, 20.0)
    assert b.max_consecutive_lost == 1
    # RFC 3611 A.2 literally: the first loss opens a "burst" (c13), the next two are isolated
    # losses inside the gap (c14 = 2) with c11 = 78 received packets before them
    assert b.gap_density == pytest.approx(2 / 80)
    assert b.burst_ratio == pytest.approx(1.0, abs=0.05)


def test_burst_metrics_detect_a_burst():
    lost = [False] * 50 + [True] * 5 + [False] * 50
    b = metrics.burst_metrics(lost, 20.0)
    assert b.max_consecutive_lost == 5
    assert b.burst_density == pytest.approx(1.0)  # every packet of the burst period was lost
    assert b.burst_duration_ms == pytest.approx(100.0)   # (ctotal 56 x 20 ms) / c13 - gap 1020 ms
    assert b.gap_duration_ms == pytest.approx(1020.0)
    # 2-state Markov: p = 1/50 (one loss start in 50 received->next), q = 1/5 -> BurstR = 1/(0.02+0.2)
    assert b.burst_ratio == pytest.approx(1 / (1 / 50 + 1 / 5), rel=0.05)


def test_no_loss_is_all_gap():
    b = metrics.burst_metrics([False] * 500, 20.0)
    assert (b.burst_density, b.gap_density, b.max_consecutive_lost, b.burst_ratio) == (0.0, 0.0, 0, 1.0)


def test_reordering_counts_late_arrivals_not_losses():
    assert metrics.count_reordered([0, 1, 3, 2, 4, 5]) == 1
    assert metrics.count_reordered([0, 1, 2]) == 0
    assert metrics.count_reordered([5, 0, 1, 2]) == 3


def test_percentile_interpolates_like_numpy():
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([10], 99) == 10
    assert metrics.percentile([], 50) is None
