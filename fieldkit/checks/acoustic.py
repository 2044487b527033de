"""acoustic: listen to the machine through the microphone for a dying hard disk (issue 4).

Measuring lives in ``fieldkit.audio`` (capture, WAV I/O, detectors); this module turns the
analysis into findings. The customer texts avoid jargon; the technician detail names the
rule, the numbers and the source of the audio.
"""

from __future__ import annotations

from typing import Any

from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.options import Option

NAME = "acoustic"
DESCRIPTION = "Listens through the microphone for a dying hard disk: click of death, stall beeps, whine, grinding"
AREA = "disk_sounds"
TIMEOUT_S = 100
# Record after the other checks, alone: the microphone must hear the disk, not the scan's own
# SMART queries, traceroutes and VoIP stream, nor a drive kept seeking by them (acoustic.md §2.6:
# healthy seek noise sits near the click detector's boundary).
RUNS_ALONE = True

OPTIONS = [
    Option("duration", "float", 30.0, "Seconds to record (slow click patterns need 20-30 s)", min=5, max=60,
           metavar="S"),
    Option("device", "str", None, "Input device: index or part of the name (see 'fieldkit audio devices')",
           metavar="ID"),
    Option("samplerate", "int", None, "Sample rate in Hz (default: 48000 or what the device supports)",
           min=8000, max=192000, metavar="HZ"),
    Option("from_wav", "path", None, "Analyse this WAV recording instead of recording (e.g. made with a phone)",
           profile=False, metavar="FILE"),
    Option("save_wav", "path", None, "Keep the recording in this WAV file (evidence for the report)",
           profile=False, metavar="FILE"),
    # defaults from detect.Thresholds (the values bench/acoustic_eval.py measured), written out
    # so listing the options does not import numpy; a test keeps them equal
    Option("click_threshold", "float", 6.0, "Folded click-train score needed to report clicks (higher = stricter)",
           min=3, max=100),
    Option("min_clicks", "int", 4, "Clicks (grid cycles) needed before a pattern counts as periodic", min=3, max=30),
]


def BEFORE_RUN(options: dict[str, Any]) -> str | None:  # noqa: N802 - the CLI hook's documented name
    """What the technician must do before the recording starts (printed by the CLI)."""
    if options.get("from_wav"):
        return None
    seconds = options.get("duration") or 30.0
    return (f"acoustic: recording {seconds:g} s through the microphone, after any other checks have finished. "
            "Put the microphone (or the laptop) on the computer case, as close to the hard disk as you can. "
            "Keep quiet during the recording: no talking, no typing, no moving the mouse.")


# --------------------------------------------------------------------------- run

def run(ctx: Context) -> list[Finding]:
    from fieldkit.audio.capture import CaptureError
    from fieldkit.audio.wav import WavError, check_writable

    save = ctx.option("save_wav")
    if save and (problem := check_writable(save)):
        return [_unknown("audio-save-path", f"Cannot keep the recording: {problem}", source=str(save))]
    try:
        samples, rate, source, evidence, notes = _acquire(ctx)
    except CaptureError as exc:
        return [_unknown(exc.rule, exc.reason, source=_device_label(ctx))]
    except WavError as exc:
        return [_unknown("audio-bad-wav", str(exc), source=str(ctx.option("from_wav")))]
    return _analyse(ctx, samples, rate, source, evidence, notes)


def _acquire(ctx: Context) -> tuple[Any, int, str, list[Evidence], list[str]]:
    from fieldkit.audio import capture
    from fieldkit.audio.wav import read_wav

    if ctx.option("from_wav"):
        path = ctx.option("from_wav")
        samples, rate, description = read_wav(path)
        return samples, rate, f"WAV file {path}", [Evidence(source=str(path), excerpt=description)], []
    duration = float(ctx.option("duration"))
    if ctx.time_left() < duration + 8:
        raise capture.CaptureError("audio-budget", f"a {duration:g} s recording does not fit the check's remaining "
                                                   f"time budget of {ctx.time_left():.0f} s; raise --timeout")
    sd = capture.import_sounddevice()
    device = capture.resolve_device(sd, ctx.option("device"))
    rate = capture.negotiate_samplerate(sd, device, ctx.option("samplerate"))
    ctx.progress(f"recording {duration:g} s from {device['name']} at {rate} Hz")
    rec = capture.record(sd, device, rate, duration, checkpoint=ctx.checkpoint, progress=ctx.progress)
    label = f"microphone {rec.device!r} ({rec.hostapi}) at {rec.samplerate} Hz"
    excerpt = (f"{rec.samples.size / rec.samplerate:.2f} s recorded in {rec.blocks} blocks, 0 overflows, "
               f"first block after {rec.first_block_delay_s:.2f} s")
    notes = []
    save = ctx.option("save_wav")
    if save:
        notes.append(_save(save, rec.samples, rec.samplerate))
    return rec.samples, rec.samplerate, label, [Evidence(source=label, excerpt=excerpt)], notes


def _save(path: str, samples: Any, rate: int) -> str:
    from fieldkit.audio.wav import write_wav

    try:
        write_wav(path, samples, rate)
    except OSError as exc:  # keep the analysis: the measurement is not lost because a copy failed
        return f"The recording could not be saved to {path}: {exc.strerror or exc}"
    return f"Recording saved to {path}"


def _device_label(ctx: Context) -> str:
    if ctx.option("from_wav"):
        return str(ctx.option("from_wav"))
    return f"microphone {ctx.option('device') or '(default input)'}"


# --------------------------------------------------------------------------- findings

def _analyse(ctx: Context, samples: Any, rate: int, source: str, evidence: list[Evidence],
             notes: list[str]) -> list[Finding]:
    from fieldkit.audio import detect

    th = detect.Thresholds(click_score=float(ctx.option("click_threshold")), min_clicks=int(ctx.option("min_clicks")))
    problem = detect.capture_problem(samples, rate, th.clip_fraction)
    if problem:
        rule, reason = problem
        return [_unknown(rule, f"The recording cannot be used: {reason}", source=source, evidence=evidence,
                         notes=notes)]
    ctx.checkpoint()
    a = detect.analyse(samples, rate, th)
    findings = [_finding(a, verdict, th, source, evidence, notes) for verdict in a.verdicts]
    findings[0].data.update(a.data)   # the pictures go with the headline finding
    return findings


_TEXT: dict[str, tuple[Status, str, Advice, Tier | None]] = {
    "click-of-death": (Status.CRITICAL, "Regular clicking of a failing hard disk (click of death)", Advice(
        meaning="A hard disk in this computer makes the repeated clicking of a disk whose read heads can no longer "
                "find their data. Such a disk can stop working at any moment and the files on it can be lost.",
        action="Copy important files to another disk or backup now, before anything else, and have the disk "
               "replaced. Avoid restarting the computer until the copy is done.",
        prevention="Keep a current backup of important files on a second disk or online."), Tier.HARDWARE),
    "stall-beeps": (Status.CRITICAL, "Beeping of a hard disk motor that cannot start (stuck spindle)", Advice(
        meaning="A hard disk is beeping: its motor tries to spin and cannot. The disk is not working and its files "
                "are not reachable.",
        action="Switch the computer off to avoid further damage; a data-recovery service can usually still "
               "save the files.",
        prevention="Keep a current backup; protect computers from knocks and drops while running."), Tier.HARDWARE),
    "beeps-while-spinning": (Status.WARNING, "Regular beeping while a disk motor turns (inconclusive)", Advice(
        meaning="Something beeps regularly. A hard disk whose motor cannot start beeps like this, but a disk "
                "motor can also be heard turning, so the beeps may come from another device.",
        action="The technician finds the source of the beeps (disk, motherboard, UPS) and checks the disk's "
               "health data.",
        prevention="Keep a current backup of important files."), Tier.ON_SITE),
    "slow-periodic-clicks": (Status.WARNING, "Slow regular clicks: a disk parking its heads or a failing disk", Advice(
        meaning="We heard a regular click every few seconds. Laptop disks do this when they park their heads to "
                "save power, which is normal, but a failing disk can sound similar.",
        action="The technician compares this with the disk's own health data (load-cycle count, SMART attribute "
               "193, and the error counters) before deciding.",
        prevention="Keep a current backup of important files."), Tier.ON_SITE),
    "irregular-periodic-clicks": (Status.WARNING, "Regular clicks of changing sound (inconclusive)", Advice(
        meaning="Something clicks regularly, but the clicks do not all sound alike, so it may not be a disk.",
        action="The technician repeats the recording in a quiet room with the microphone on the case.",
        prevention=""), Tier.ON_SITE),
    "bearing-whine": (Status.WARNING, "Persistent high whine (worn disk bearing or fan)", Advice(
        meaning="A steady high-pitched tone can come from a worn hard disk motor bearing, which wears out further "
                "over time.",
        action="The technician locates the source (disk or fan) and checks the disk's health data; plan a "
               "replacement if it is the disk.",
        prevention="Keep a current backup; keep the computer cool and dust-free."), Tier.ON_SITE),
    "grinding": (Status.WARNING, "Grinding noise that turns with the disk (possible head contact)", Advice(
        meaning="A scraping sound that rises and falls with the disk's rotation can mean a read head touches the "
                "disk surface, which destroys data.",
        action="Copy important files now and have the disk checked; switch it off if the noise grows.",
        prevention="Keep a current backup; do not move a computer while its disk is running."), Tier.HARDWARE),
    "seek-activity": (Status.OK, "Normal disk activity sounds (irregular seek ticks), no failure pattern", Advice(),
                      None),
    "isolated-clicks": (Status.OK, "A few isolated clicks, no failure pattern (e.g. head parking, a knock)", Advice(),
                        None),
    "quiet": (Status.OK, "No abnormal disk sound heard", Advice(), None),
}


def _finding(a: Any, verdict: str, th: Any, source: str, evidence: list[Evidence], notes: list[str]) -> Finding:
    status, title, advice, tier = _TEXT[verdict]
    train = a.train or a.candidate
    summary = title + _specifics(a, verdict)
    summary += f"; noise floor {a.noise_floor_dbfs:g} dBFS"
    detail_lines = [
        f"rule {verdict}; source {source}; {a.duration_s:.1f} s at {a.samplerate} Hz",
        f"noise floor {a.noise_floor_dbfs:g} dBFS (10th percentile of 50 ms RMS), level {a.level_dbfs:g} dBFS, "
        f"peak {a.peak_dbfs:g} dBFS",
        f"impulses (onset z >= {th.event_z:g}): {len(a.events_s)} ({a.event_rate_hz:.2f}/s"
        + (f", inter-onset CV {a.event_ioi_cv:.2f}" if a.event_ioi_cv is not None else "") + ")",
        f"periods searched {th.min_period_s:g}-{a.max_period_s:.1f} s; click-train score threshold {th.click_score:g}",
    ]
    if train is not None:
        detail_lines.append(
            f"best click train: period {train.period_s:.3f} s, score {train.score:.1f}, consistency "
            f"{train.consistency:.1f}, fill {train.fill:.2f} of {train.slots} slots, jitter "
            + (f"{train.jitter:.3f}" if train.jitter is not None else "n/a")
            + f", similarity {train.similarity if train.similarity is None else round(train.similarity, 2)}, "
            f"on-grid {train.on_grid if train.on_grid is None else round(train.on_grid, 2)}, "
            f"contrast {train.contrast:.2f}, every-k-th-slot ratio {train.subgrid:.2f}, "
            f"SNR {train.snr_db:.1f} dB, band {train.band_hz[0]:.0f}-{train.band_hz[1]:.0f} Hz")
        if verdict in ("click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks"):
            detail_lines.append("click times (s): " + ", ".join(f"{t:.3f}" for t in train.times_s[:60]))
    if a.spindle is not None:
        detail_lines.append(f"spindle line {a.spindle.freq_hz:.1f} Hz (+{a.spindle.prominence_db:.0f} dB)"
                            + (" - may be mains hum (2 x mains)" if a.spindle_is_hum_harmonic else ""))
    if a.hum_hz:
        detail_lines.append(f"mains hum {a.hum_hz} Hz")
    detail_lines.extend(notes)
    if verdict == "slow-periodic-clicks":
        detail_lines.append("compare with SMART 193 Load_Cycle_Count growth (head parking) and 5/197/198")
    return Finding(check=NAME, subject="disk sounds", status=status, summary=summary,
                   metrics=_metrics(a, verdict, th), evidence=list(evidence), advice=advice,
                   detail="\n".join(detail_lines), tier=tier, rule=f"acoustic-{verdict}",
                   data={"verdict": verdict, "clicks_s": list(a.train.times_s) if a.train else []})


def _specifics(a: Any, verdict: str) -> str:
    train = a.train or a.candidate
    if verdict in ("click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks") and train is not None:
        return (f": {len(train.times_s)} clicks every {train.period_s:.2f} s ({60 / train.period_s:.0f}/min), "
                f"{train.band_hz[0] / 1000:.1f}-{train.band_hz[1] / 1000:.1f} kHz")
    if verdict in ("stall-beeps", "beeps-while-spinning") and a.beeps is not None:
        return f": {a.beeps.count} beeps at {a.beeps.freq_hz:.0f} Hz every {a.beeps.period_s:.2f} s"
    if verdict == "bearing-whine" and a.whine is not None:
        return f": tone at {a.whine.freq_hz:.0f} Hz, {a.whine.prominence_db:.0f} dB above its surroundings"
    if verdict == "grinding" and a.grinding is not None:
        return f": noise modulated at {a.grinding.freq_hz:.0f} Hz ({a.grinding.freq_hz * 60:.0f} rpm)"
    if verdict == "seek-activity":
        return f" ({a.event_rate_hz:.1f} ticks/s)"
    if verdict == "isolated-clicks":
        return f" ({len(a.events_s)} clicks)"
    return ""


def _metrics(a: Any, verdict: str, th: Any) -> list[Metric]:
    metrics = [Metric("noise_floor_dbfs", a.noise_floor_dbfs, ""), Metric("level_dbfs", a.level_dbfs, ""),
               Metric("duration_s", round(a.duration_s, 2), "s"), Metric("samplerate_hz", a.samplerate, "")]
    train = a.train or a.candidate
    if train is not None and verdict not in ("click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks"):
        # no click train was reported: only how close the best candidate came
        metrics.append(Metric("click_score", round(train.score, 2), "", warn=th.click_score))
    elif train is not None:
        metrics += [
            Metric("click_score", round(train.score, 2), "", warn=th.click_score),
            Metric("click_rate_hz", round(train.rate_hz, 3), ""),
            Metric("click_period_s", round(train.period_s, 3), "s"),
            Metric("clicks", len(train.times_s), ""),
            Metric("regularity", round(train.regularity, 3) if train.regularity is not None else None, "", min=0, max=1),
            Metric("similarity", round(train.similarity, 3) if train.similarity is not None else None, "",
                   min=-1, max=1),
            Metric("click_snr_db", round(train.snr_db, 1) if train.snr_db > -100 else None, ""),
            Metric("band_low_hz", round(train.band_hz[0]), ""),
            Metric("band_high_hz", round(train.band_hz[1]), ""),
            Metric("confidence", _confidence(train, th), "", min=0, max=1),
        ]
    metrics.append(Metric("impulses_per_s", round(a.event_rate_hz, 2), ""))
    if a.beeps is not None:
        metrics += [Metric("beep_hz", round(a.beeps.freq_hz), ""), Metric("beep_period_s", round(a.beeps.period_s, 3), "s")]
    if a.whine is not None:
        metrics += [Metric("whine_hz", round(a.whine.freq_hz), ""),
                    Metric("whine_prominence_db", round(a.whine.prominence_db, 1), "", warn=th.whine_db)]
    if a.grinding is not None:
        metrics.append(Metric("grinding_modulation_hz", round(a.grinding.freq_hz, 1), ""))
    if a.spindle is not None:
        metrics.append(Metric("spindle_hz", round(a.spindle.freq_hz, 1), ""))
    return metrics


def _confidence(train: Any, th: Any) -> float:
    """0.5 at the decision threshold, 1.0 at three times it (weakest of score and consistency)."""
    ratio = min(train.score / th.click_score, train.consistency / th.min_consistency)
    return round(max(0.0, min(1.0, 0.5 + (ratio - 1.0) / 4.0)), 2)


def _sentence(reason: str) -> str:
    """Capitalise a reason that starts with a plain lower-case word ("the input device ...");
    never one that starts with a name ("empty.wav: not a WAV file", "hw:1 ...")."""
    first, _, rest = reason.partition(" ")
    if rest and first.isascii() and first.isalpha() and first.islower():
        return reason[:1].upper() + reason[1:]
    return reason


def _unknown(rule: str, reason: str, *, source: str = "", evidence: list[Evidence] | None = None,
             notes: list[str] | None = None) -> Finding:
    return Finding(check=NAME, subject="disk sounds", status=Status.UNKNOWN, summary=_sentence(reason),
                   evidence=list(evidence or []) + ([Evidence(source=source, excerpt=reason)] if source else []),
                   advice=Advice(meaning="We could not listen to the disks, so this check says nothing about them.",
                                 action="The technician fixes the microphone problem and records again, or records "
                                        "with a phone held against the case and analyses that file."),
                   detail="\n".join([f"rule {rule}", reason] + list(notes or [])), tier=Tier.ON_SITE,
                   rule=rule)
