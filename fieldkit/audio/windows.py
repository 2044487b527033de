"""Long recordings in bounded memory: overlapping windows cut from a stream of decoded blocks.

A recording up to ``SINGLE_MAX_S`` long comes out whole (one analysis, as before). A longer
one comes out as windows of ``WINDOW_S`` seconds that overlap by ``OVERLAP_S`` (a burst of
clicks at a window's edge is whole in one of the two), each with its offset into the
recording; at most one window and one decoded block are held at a time, whatever the length.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

SINGLE_MAX_S = 75.0
WINDOW_S = 60.0
OVERLAP_S = 10.0
#: a window holds at most this many samples (60 s at 48 kHz): at 96 or 192 kHz windows get shorter
#: so the analysis's working memory (about ten times the window) stays the same
MAX_WINDOW_SAMPLES = int(WINDOW_S * 48000)
MIN_WINDOW_S = 20.0
#: a last window shorter than this is not analysed on its own (its start is in the previous one)
MIN_TAIL_S = 5.0


def window_length_s(samplerate: int, window_s: float = WINDOW_S) -> float:
    return max(MIN_WINDOW_S, min(window_s, MAX_WINDOW_SAMPLES / samplerate))


def windows(blocks: Iterable[Any], samplerate: int, window_s: float = WINDOW_S, overlap_s: float = OVERLAP_S,
            single_max_s: float = SINGLE_MAX_S) -> Iterator[tuple[float, Any]]:
    """Yield (offset in seconds, mono float32 samples) for each window of the stream."""
    import numpy as np

    fs = int(samplerate)
    win = int(window_length_s(fs, window_s) * fs)
    hop = win - int(overlap_s * fs)
    single = int(single_max_s * fs)
    parts: list[Any] = []
    held = 0
    it = iter(blocks)
    for block in it:               # short recordings: whole, as one analysis
        parts.append(block)
        held += block.size
        if held > single:
            break
    else:
        if parts:
            yield 0.0, np.concatenate(parts)
        return
    pending = np.concatenate(parts)
    del parts
    start = 0                      # sample index of pending[0]
    analysed_to = 0                # end of the last window yielded
    while True:
        while pending.size >= win:
            yield start / fs, pending[:win]
            analysed_to = start + win
            pending = pending[hop:].copy()   # a copy: the yielded window's memory is released
            start += hop
        block = next(it, None)
        if block is None:
            break
        pending = np.concatenate([pending, block])
    if start + pending.size - analysed_to >= MIN_TAIL_S * fs:
        yield start / fs, pending
