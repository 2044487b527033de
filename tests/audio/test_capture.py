"""Capture fault logic (fieldkit/audio/capture.py) that the real audio server cannot provoke.

PulseAudio buffers several seconds, so a real overflow or a silent gap could not be produced
with the null sink (a 6 s SIGSTOP of fieldkit lost nothing: tests/checks/test_acoustic.py covers
the real paths). This module drives ``record()`` with a minimal stand-in for sounddevice's
InputStream that calls the callback from a thread, exactly as PortAudio does.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from fieldkit.audio.capture import CaptureError, record

DEVICE = {"index": 3, "name": "test mic", "hostapi": 0}


class FakeStream:
    """Delivers ``plan`` blocks: (frames, overflow flag, delay before the block in s)."""

    def __init__(self, plan, **kwargs) -> None:
        self.plan, self.callback, self.finished = plan, kwargs["callback"], kwargs["finished_callback"]
        self.samplerate = kwargs["samplerate"]
        self.stop = threading.Event()

    def __enter__(self) -> "FakeStream":
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()

    def _run(self) -> None:
        for frames, overflow, delay in self.plan:
            if self.stop.wait(delay):
                return
            block = np.full((frames, 1), 0.01, dtype=np.float32)
            self.callback(block, frames, None, SimpleNamespace(input_overflow=overflow))
        self.finished()


def fake_sd(plan) -> SimpleNamespace:
    return SimpleNamespace(InputStream=lambda **kw: FakeStream(plan, **kw),
                           query_hostapis=lambda i: {"name": "Fake API"})


def steady(seconds: float, rate: int = 8000, block: int = 800) -> list:
    return [(block, False, block / rate)] * int(seconds * rate / block)


def test_steady_stream_is_recorded_exactly() -> None:
    rec = record(fake_sd(steady(2.5)), DEVICE, 8000, 2.0)
    assert rec.samples.size == 16000 and rec.overflows == 0 and rec.hostapi == "Fake API"
    assert rec.blocks == 20


def test_overflow_flag_makes_the_recording_unusable() -> None:
    plan = steady(1.0) + [(800, True, 0.1)] + steady(1.5)
    with pytest.raises(CaptureError) as err:
        record(fake_sd(plan), DEVICE, 8000, 2.0)
    assert err.value.rule == "audio-overflow" and "1 input overflow" in err.value.reason


def test_silently_dropped_blocks_are_detected_against_the_clock() -> None:
    # 1.6 s of wall time passes but only 0.1 s of audio arrives for it (blocks dropped, no flag)
    plan = steady(1.0) + [(800, False, 1.6)] + steady(1.5)
    with pytest.raises(CaptureError) as err:
        record(fake_sd(plan), DEVICE, 8000, 2.0)
    assert err.value.rule == "audio-dropped" and "went missing" in err.value.reason


def test_device_that_stops_delivering() -> None:
    plan = steady(0.5)   # then nothing: unplugged
    start = time.monotonic()
    with pytest.raises(CaptureError) as err:
        record(fake_sd(plan), DEVICE, 8000, 2.0)
    assert err.value.rule == "audio-device-lost" and "after 0.5 s of 2 s" in err.value.reason
    assert time.monotonic() - start < 5


def test_device_that_never_delivers(monkeypatch) -> None:
    monkeypatch.setattr("fieldkit.audio.capture.FIRST_BLOCK_TIMEOUT_S", 0.3)
    with pytest.raises(CaptureError) as err:
        record(fake_sd([]), DEVICE, 8000, 1.0)
    assert err.value.rule == "audio-no-data"


def test_stream_that_cannot_be_opened() -> None:
    def refuse(**kw):
        raise RuntimeError("Error opening InputStream: Device unavailable", -9985)

    sd = SimpleNamespace(InputStream=refuse)
    with pytest.raises(CaptureError) as err:
        record(sd, DEVICE, 8000, 1.0)
    assert err.value.rule == "audio-device-error"
    assert "Device unavailable [PaErrorCode -9985]" in err.value.reason
