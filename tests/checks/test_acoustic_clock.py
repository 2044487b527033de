"""A quartz clock is told by its period and timing, even when one of its ticks is misread."""

from __future__ import annotations

import numpy as np
import pytest

from fieldkit.audio.clicks import ClickTrain
from fieldkit.checks.acoustic.verdicts import clock_like


def _train(times: list[float], period: float = 1.0) -> ClickTrain:
    return ClickTrain(period_s=period, times_s=times, score=60.0, fill=1.0, jitter=float(np.std(np.diff(times))),
                      similarity=0.9, snr_db=6.0, band_hz=(2000.0, 6000.0), slots=len(times), median_z=20.0)


def test_a_clock_with_one_stray_tick_is_still_a_clock() -> None:
    # a 1 h benchmark run met this: 30 ticks 0.2 ms apart from true, the last slot's maximum a
    # noise peak 23 ms early; the whole residual read 0.45 %, over the quartz limit of 0.2 %
    ticks = list(0.99 + np.arange(30) + np.random.default_rng(3).normal(0, 0.0005, 30))
    ticks[-1] -= 0.023
    assert clock_like(_train(ticks))


@pytest.mark.parametrize("jitter", [0.01, 0.02])
def test_a_drive_near_one_second_with_a_drives_timing_is_not_a_clock(jitter: float) -> None:
    ticks = list(0.5 + np.arange(30) + np.random.default_rng(4).normal(0, jitter, 30))
    assert not clock_like(_train(ticks))


def test_a_clock_needs_the_second() -> None:
    assert not clock_like(_train(list(0.5 + 1.2 * np.arange(25)), period=1.2))
