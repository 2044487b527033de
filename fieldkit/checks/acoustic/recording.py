"""The acoustic check on a recording file (``--from-file``): any format, any length.

The file is decoded in blocks (:mod:`fieldkit.audio.decode`) and cut into overlapping windows
(:mod:`fieldkit.audio.windows`); each window is analysed and classified like a recording of
its own, and the windows' verdicts are merged: the most serious wins, a click train's
stretches from every window that heard it are joined, so the finding says when in the
recording the clicks occur. The finding records the codec, the bit rate and the bandwidth
that reached the detector; a narrow-band recording (a phone call, AMR at 8 kHz) cannot show
clicks and is UNKNOWN for that reason, never OK.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit.findings import Evidence, Finding, Metric, Status
from fieldkit.messages import t

if TYPE_CHECKING:
    from fieldkit.audio.analysis import Analysis, Problem
    from fieldkit.audio.decode import AudioInfo
    from fieldkit.audio.thresholds import Thresholds
    from fieldkit.context import Context

#: below this bandwidth a click's 1-8 kHz energy is mostly gone (narrow-band telephone audio
#: stops at 3.4-4 kHz; wide-band AMR-WB reaches 7 kHz)
NARROW_BAND_HZ = 5000.0
#: verdicts that say nothing is wrong: a window with one of these does not outrank a window
#: that heard a problem
BENIGN = ("room-clicks", "seek-activity", "isolated-clicks", "quiet")
TRAIN_CODES = ("click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks", "clock-like-ticks",
               "faint-periodic-clicks")
#: trains in two windows at periods this close (relative) are the same train
SAME_PERIOD = 0.05


@dataclass
class Window:
    offset_s: float
    duration_s: float
    analysis: Analysis | None = None
    verdicts: list[str] = field(default_factory=list)
    problem: Problem | None = None


@dataclass
class FileResult:
    info: AudioInfo
    windows: list[Window]
    duration_s: float
    stopped: str | None = None          # why the analysis stopped before the end of the file


def clock(seconds: float) -> str:
    """h:mm:ss or m:ss, how a player shows a position in a long recording."""
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def analyse_file(ctx: Context, path: str, th: Thresholds) -> FileResult:
    """Decode ``path`` in blocks and analyse it window by window within the check's budget."""
    import time

    from fieldkit.audio.analysis import analyse, capture_problem
    from fieldkit.audio.decode import blocks
    from fieldkit.audio.windows import windows
    from fieldkit.checks.acoustic.verdicts import classify

    info, stream = blocks(path)
    out: list[Window] = []
    stopped = None
    slowest = 0.0
    end = 0.0
    try:
        for offset, samples in windows(stream, info.samplerate):
            ctx.checkpoint()
            length = samples.size / info.samplerate
            end = offset + length
            if out and ctx.time_left() < 1.5 * slowest + 2.0:
                stopped = t("the check's time budget ended after {done} of the recording; raise --timeout to "
                            "analyse all of it", done=clock(offset))
                end = offset
                break
            if len(out) == 1:
                ctx.progress(f"long recording: analysing {info.duration_s or 0:.0f} s in windows of {length:.0f} s")
            started = time.monotonic()
            win = Window(offset_s=offset, duration_s=length)
            win.problem = capture_problem(samples, info.samplerate, th.clip_fraction)
            if win.problem is None:
                win.analysis = analyse(samples, info.samplerate, th)
                win.verdicts = classify(win.analysis, th)
            out.append(win)
            del samples
            slowest = max(slowest, time.monotonic() - started)
    finally:
        stream.close()
    return FileResult(info=info, windows=out, duration_s=end, stopped=stopped)


def _rank(verdicts: list[str]) -> int:
    from fieldkit.checks.acoustic.verdicts import VERDICTS

    return min((VERDICTS.index(v) for v in verdicts if v in VERDICTS), default=len(VERDICTS))


def _shift_train(train: Any, offset: float) -> Any:
    if train is None or offset == 0.0:
        return train
    return dataclasses.replace(train, times_s=[x + offset for x in train.times_s],
                               segments_s=[(a + offset, b + offset) for a, b in train.segments_s])


def _shift_pictures(data: dict[str, Any], offset: float) -> dict[str, Any]:
    if not data or offset == 0.0:
        return data
    out = dict(data)
    for key in ("spectrogram", "envelope"):
        if key in out:
            out[key] = dict(out[key], times_s=[round(x + offset, 3) for x in out[key]["times_s"]])
    out["clicks_s"] = [x + offset for x in out.get("clicks_s", [])]
    return out


def _stretches(train: Any) -> list[tuple[float, float]]:
    if train.segments_s:
        return list(train.segments_s)
    return [(train.times_s[0], train.times_s[-1])] if train.times_s else []


def _join(spans: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def merge(result: FileResult) -> tuple[list[tuple[str, Analysis]], list[str]]:
    """The verdicts of the whole recording, each with the (time-shifted) analysis that shows it,
    and the technician's notes on the windows. Empty when no window could be analysed."""
    usable = [w for w in result.windows if w.analysis is not None]
    notes = [f"window {clock(w.offset_s)}-{clock(w.offset_s + w.duration_s)} not analysed: {w.problem.reason}"
             for w in result.windows if w.problem is not None]
    if not usable:
        return [], notes
    if len(result.windows) == 1:
        w = usable[0]
        return [(v, w.analysis) for v in w.verdicts], notes
    codes: list[str] = []
    for w in usable:
        codes += [v for v in w.verdicts if v not in codes]
    serious = [v for v in codes if v not in BENIGN]
    chosen = sorted(serious, key=lambda v: _rank([v])) if serious else [min(codes, key=lambda v: _rank([v]))]
    out = []
    for verdict in chosen:
        having = [w for w in usable if verdict in w.verdicts]
        best = max(having, key=lambda w: (w.analysis.score if verdict in TRAIN_CODES else 0.0))
        out.append((verdict, _whole(best, usable, result.duration_s, verdict)))
    for w in usable:
        a = w.analysis
        train = a.train
        notes.append(f"window {clock(w.offset_s)}-{clock(w.offset_s + w.duration_s)}: {', '.join(w.verdicts)}; "
                     f"click score {a.score:.1f}" + (f", clicks every {train.period_s:.2f} s" if train else ""))
    return out, notes


def _whole(best: Window, usable: list[Window], total_s: float, verdict: str) -> Analysis:
    """The best window's analysis in the recording's time, its train's stretches joined with
    those of the other windows that heard the same train."""
    a = best.analysis
    off = best.offset_s
    train = _shift_train(a.train, off)
    if train is not None and verdict in TRAIN_CODES:
        spans, times = [], []
        for w in usable:
            other = w.analysis.train
            if other is None or abs(other.period_s - train.period_s) > SAME_PERIOD * train.period_s:
                continue
            shifted = _shift_train(other, w.offset_s)
            spans += _stretches(shifted)
            times += shifted.times_s
        times.sort()
        unique = [x for i, x in enumerate(times) if i == 0 or x - times[i - 1] > 0.25 * train.period_s]
        train = dataclasses.replace(train, segments_s=_join(spans, 2 * train.period_s), times_s=unique)
    return dataclasses.replace(
        a, duration_s=total_s, train=train, candidate=_shift_train(a.candidate, off),
        events_s=[x + off for x in a.events_s], other_events_s=[x + off for x in a.other_events_s],
        data=_shift_pictures(a.data, off))


# ---------------------------------------------------------------------- what the file is

def narrow_band(info: AudioInfo) -> bool:
    bw = info.bandwidth_hz if info.bandwidth_hz is not None else info.samplerate / 2
    return bw < NARROW_BAND_HZ


def narrow_band_reason(info: AudioInfo) -> str:
    bw = info.bandwidth_hz if info.bandwidth_hz is not None else info.samplerate / 2
    return t("The recording cannot show disk clicks: only sound up to {bw:.1f} kHz reached the analysis ({codec} at "
             "{rate} Hz, like a phone call), and a disk's clicks are mostly between 1 and 8 kHz. Record again with "
             "the phone's voice-memo app in its high-quality setting, or as WAV",
             bw=bw / 1000, codec=info.codec, rate=info.samplerate)


def file_metrics(info: AudioInfo) -> list[Metric]:
    return [Metric("bandwidth_hz", round(info.bandwidth_hz) if info.bandwidth_hz is not None else None, "Hz",
                   min=NARROW_BAND_HZ),
            Metric("bitrate_kbps", round(info.bitrate_bps / 1000, 1) if info.bitrate_bps else None, "kbit/s"),
            Metric("file_samplerate_hz", info.samplerate, "Hz"),
            Metric("file_channels", info.channels, "")]


def file_data(info: AudioInfo) -> dict[str, Any]:
    return {"container": info.container, "codec": info.codec, "codec_long": info.codec_long, "lossy": info.lossy,
            "bitrate_bps": info.bitrate_bps, "samplerate_hz": info.samplerate, "channels": info.channels,
            "duration_s": round(info.decoded_s, 3), "bandwidth_hz": info.bandwidth_hz}


def stamp(findings: list[Finding], info: AudioInfo) -> list[Finding]:
    """Every finding of a file says what the file was (codec, bit rate, bandwidth)."""
    for f in findings:
        f.metrics = list(f.metrics) + file_metrics(info)
        f.data = dict(f.data, recording=file_data(info))
        f.detail = "\n".join(x for x in (f.detail, f"file: {info.describe()}") if x)
    return findings


def guard_narrow_band(findings: list[Finding], info: AudioInfo, source: str) -> list[Finding]:
    """On a narrow-band recording nothing heard is no evidence: an OK becomes UNKNOWN with the reason;
    a problem that was heard anyway stands."""
    from fieldkit.checks.acoustic.findings import unknown

    if not narrow_band(info):
        return findings
    reason = narrow_band_reason(info)
    out = []
    for f in findings:
        if f.status is Status.OK:
            u = unknown("audio-narrow-band", reason, source=source, evidence=list(f.evidence),
                        notes=[f"without the narrow band it would read: {f.summary}"])
            u.metrics = list(f.metrics)
            u.data = dict(f.data)
            out.append(u)
        else:
            f.detail = "\n".join([f.detail, f"narrow-band recording: {reason}"])
            out.append(f)
    return out


def evidence(info: AudioInfo) -> Evidence:
    return Evidence(source=info.path, excerpt=info.describe())
