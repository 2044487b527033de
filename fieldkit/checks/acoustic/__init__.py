"""acoustic: listen to the machine through the microphone for a dying hard disk.

Measuring lives in ``fieldkit.audio`` (capture, WAV I/O, the analysis, the disk exercise);
:mod:`.verdicts` decides what the measurements mean and :mod:`.findings` writes the
findings. A second recording tells a disk from the room: ``--compare-with FILE`` (made with
the microphone farther away) or ``--exercise DEVICE`` (an idle segment, then a segment while
fieldkit reads the drive).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldkit.context import Context
from fieldkit.checks.acoustic import reasons
from fieldkit.checks.acoustic.findings import Extra, exercise_finding, finding, unknown
from fieldkit.findings import Evidence, Finding, Status
from fieldkit.messages import t
from fieldkit.options import Option

NAME = "acoustic"
DESCRIPTION = "Listens through the microphone for a dying hard disk: click of death, stall beeps, whine, grinding"
AREA = "disk_sounds"
TIMEOUT_S = 100
# Record after the other checks, alone: the microphone must hear the disk, not the scan's own
# SMART queries, traceroutes and VoIP stream, nor a drive kept seeking by them (healthy seek
# noise sits near the click detector's boundary).
RUNS_ALONE = True

OPTIONS = [
    Option("duration", "float", 30.0, "Seconds to record (slow click patterns need 20-30 s)", min=5, max=60,
           metavar="S"),
    Option("device", "str", None, "Input device: index or part of the name (see 'fieldkit audio devices')",
           metavar="ID"),
    Option("samplerate", "int", None, "Sample rate in Hz (default: 48000 or what the device supports)",
           min=8000, max=192000, metavar="HZ"),
    Option("from_file", "path", None, "Analyse this recording instead of recording: WAV, FLAC, Ogg/Opus, MP3, "
           "M4A/AAC or 3GP/AMR (e.g. a phone's voice memo), any length", profile=False, metavar="FILE"),
    Option("from_wav", "path", None, "Same as --from-file (kept for older scripts)", profile=False, metavar="FILE"),
    Option("save_wav", "path", None, "Keep the recording in this WAV file (evidence for the report)",
           profile=False, metavar="FILE"),
    Option("compare_with", "path", None, "A second recording of the same sound made with the microphone farther "
           "from the computer: a click train that is clearly louder near the computer comes from it",
           profile=False, metavar="FILE"),
    Option("exercise", "str", None, "Read this disk (read-only) while listening: records an idle segment, then "
           "one while the disk is read, and compares them (needs root); 'suspect': the disk SMART found suspect "
           "earlier in the same scan", metavar="DEVICE"),
    # defaults from audio.thresholds.Thresholds (the values bench/acoustic_eval.py measured), written out
    # so listing the options does not import numpy; a test keeps them equal
    Option("click_threshold", "float", 6.0, "Folded click-train score needed to report clicks (higher = stricter)",
           min=3, max=100),
    Option("min_clicks", "int", 4, "Clicks (grid cycles) needed before a pattern counts as periodic", min=3, max=30),
]


def BEFORE_RUN(options: dict[str, Any]) -> str | None:  # noqa: N802 - the CLI hook's documented name
    """What the technician must do before the recording starts (printed by the CLI)."""
    if options.get("from_file") or options.get("from_wav"):
        return None
    seconds = options.get("duration") or 30.0
    if options.get("exercise"):
        disk = "the disk SMART found suspect, if any," if options["exercise"] == "suspect" else options["exercise"]
        return (f"acoustic: recording {seconds:g} s with the disk idle, then {seconds:g} s while fieldkit reads "
                f"{disk} (read-only). Put the microphone on the computer case, as close to the hard "
                "disk as you can. Keep quiet during the recording: no talking, no typing, no moving the mouse.")
    return (f"acoustic: recording {seconds:g} s through the microphone, after any other checks have finished. "
            "Put the microphone (or the laptop) on the computer case, as close to the hard disk as you can. "
            "Keep quiet during the recording: no talking, no typing, no moving the mouse.")


# --------------------------------------------------------------------------- run

def run(ctx: Context) -> list[Finding]:
    from fieldkit.audio.capture import CaptureError
    from fieldkit.audio.wav import check_writable, unwritable_code

    save = ctx.option("save_wav")
    if save and (problem := check_writable(save)):
        said = reasons.unwritable(str(save), unwritable_code(Path(save)) or "", f"Cannot keep the recording: {problem}")
        return [unknown("audio-save-path", said, source=str(save), notes=[problem])]
    notes: list[str] = []
    if ctx.option("exercise"):
        device, why = _exercise_target(ctx)
        if device:
            return _run_exercise(ctx, device)
        notes.append(why)
    from fieldkit.audio.decode import DecodeError, read_all

    far = None
    try:
        if ctx.option("compare_with"):
            # read first: a bad file fails before recording; a second recording longer than two
            # minutes adds nothing to the comparison
            far = read_all(ctx.option("compare_with"), max_s=120.0)[:2]
    except DecodeError as exc:
        return [unknown("audio-bad-file", reasons.decode_error(exc), source=str(ctx.option("compare_with")),
                        notes=[str(exc)])]
    if _from_file(ctx):
        return _run_file(ctx, _from_file(ctx), far, notes)
    try:
        samples, rate, source, evidence, more = _acquire(ctx)
        notes += more
    except CaptureError as exc:
        return [unknown(exc.rule, reasons.capture_error(exc), source=_device_label(ctx), notes=[exc.reason])]
    return _analyse(ctx, samples, rate, source, evidence, notes, far=far)


def _from_file(ctx: Context) -> str | None:
    path = ctx.option("from_file") or ctx.option("from_wav")
    return str(path) if path else None


def _run_file(ctx: Context, path: str, far: tuple[Any, int] | None, notes: list[str]) -> list[Finding]:
    """A recording file of any format and length, analysed in windows (see .recording)."""
    from fieldkit.audio.decode import DecodeError
    from fieldkit.checks.acoustic import recording

    th = _thresholds(ctx)
    try:
        result = recording.analyse_file(ctx, path, th)
    except DecodeError as exc:
        return [unknown("audio-bad-file", reasons.decode_error(exc), source=path, notes=[str(exc)])]
    info = result.info
    evidence = [recording.evidence(info)]
    source = f"{info.codec} file {path}"
    pairs, windows = recording.merge(result)
    notes = list(notes) + windows
    if result.stopped:
        notes.append(result.stopped)
    if not pairs:
        problems = [w.problem for w in result.windows if w.problem is not None]
        if problems:
            found = [unknown(problems[0].rule, reasons.problem(problems[0]), source=source, evidence=evidence,
                             notes=[problems[0].reason, *notes])]
        else:
            found = [unknown("audio-too-short", reasons.no_audio(), source=source, evidence=evidence, notes=notes)]
    else:
        found = _conclude(ctx, pairs, th, source, evidence, notes, far)
        if result.stopped and all(f.status is Status.OK for f in found):
            # an incomplete analysis never reads as good
            found = [unknown("audio-budget", t("Only part of the recording was analysed: {why}", why=result.stopped),
                             source=source, evidence=evidence, notes=[f.summary for f in found])]
    return recording.guard_narrow_band(recording.stamp(found, info), info, source)


def _acquire(ctx: Context) -> tuple[Any, int, str, list[Evidence], list[str]]:
    from fieldkit.audio import capture

    duration = float(ctx.option("duration"))
    if ctx.time_left() < duration + 8:
        raise capture.CaptureError("audio-budget", f"a {duration:g} s recording does not fit the check's remaining "
                                                   f"time budget of {ctx.time_left():.0f} s; raise --timeout",
                                   seconds=duration, left=ctx.time_left())
    rec = _record(ctx, duration)
    label, ev = _label(rec)
    notes = []
    save = ctx.option("save_wav")
    if save:
        notes.append(_save(save, rec.samples, rec.samplerate))
    return rec.samples, rec.samplerate, label, [ev], notes


def _record(ctx: Context, duration: float, what: str = "") -> Any:
    from fieldkit.audio import capture

    sd = capture.import_sounddevice()
    device = capture.resolve_device(sd, ctx.option("device"))
    rate = capture.negotiate_samplerate(sd, device, ctx.option("samplerate"))
    ctx.progress(f"recording {duration:g} s{what} from {device['name']} at {rate} Hz")
    return capture.record(sd, device, rate, duration, checkpoint=ctx.checkpoint, progress=ctx.progress)


def _label(rec: Any) -> tuple[str, Evidence]:
    label = f"microphone {rec.device!r} ({rec.hostapi}) at {rec.samplerate} Hz"
    excerpt = (f"{rec.samples.size / rec.samplerate:.2f} s recorded in {rec.blocks} blocks, 0 overflows, "
               f"first block after {rec.first_block_delay_s:.2f} s")
    return label, Evidence(source=label, excerpt=excerpt)


def _save(path: str, samples: Any, rate: int) -> str:
    from fieldkit.audio.wav import write_wav

    try:
        write_wav(path, samples, rate)
    except OSError as exc:  # keep the analysis: the measurement is not lost because a copy failed
        return f"The recording could not be saved to {path}: {exc.strerror or exc}"
    return f"Recording saved to {path}"


def _device_label(ctx: Context) -> str:
    if _from_file(ctx):
        return str(_from_file(ctx))
    return f"microphone {ctx.option('device') or '(default input)'}"


# --------------------------------------------------------------------------- analysis

def _thresholds(ctx: Context) -> Any:
    from fieldkit.audio.thresholds import Thresholds

    return Thresholds(click_score=float(ctx.option("click_threshold")), min_clicks=int(ctx.option("min_clicks")))


def _analyse(ctx: Context, samples: Any, rate: int, source: str, evidence: list[Evidence],
             notes: list[str], far: tuple[Any, int] | None = None) -> list[Finding]:
    from fieldkit.audio.analysis import analyse, capture_problem
    from fieldkit.checks.acoustic.verdicts import classify

    th = _thresholds(ctx)
    problem = capture_problem(samples, rate, th.clip_fraction)
    if problem:
        return [unknown(problem.rule, reasons.problem(problem), source=source, evidence=evidence,
                        notes=[problem.reason, *notes])]
    ctx.checkpoint()
    a = analyse(samples, rate, th)
    return _conclude(ctx, [(v, a) for v in classify(a, th)], th, source, evidence, notes, far)


def _conclude(ctx: Context, pairs: list[tuple[str, Any]], th: Any, source: str, evidence: list[Evidence],
              notes: list[str], far: tuple[Any, int] | None) -> list[Finding]:
    """Findings for verdicts, each with the analysis that shows it (the headline's first), after
    the near/far comparison when there is a second recording."""
    from fieldkit.audio.analysis import capture_problem, measure_train
    from fieldkit.checks.acoustic.verdicts import compare_positions

    a = pairs[0][1]
    verdicts = [v for v, _ in pairs]
    shows = {v: b for v, b in pairs}
    extra = Extra()
    if far is not None:
        far_source = str(ctx.option("compare_with"))
        evidence = list(evidence) + [Evidence(source=far_source, excerpt="second recording, microphone farther away")]
        far_problem = capture_problem(far[0], far[1], th.clip_fraction)
        if far_problem:
            extra.notes.append(f"second recording {far_source} not used: {far_problem.reason}")
        elif a.train is None:
            extra.notes.append(f"second recording {far_source}: no click train in the first one to compare")
        else:
            ctx.checkpoint()
            cmp = compare_positions(a.train, measure_train(far[0], far[1], a.train.period_s, th), th)
            extra.positions = cmp
            extra.notes.append(f"second recording {far_source} (farther away): clicks at {a.train.period_s:.3f} s "
                               f"score {cmp.other_score:.1f}; level near minus far "
                               + (f"{cmp.level_db:+.1f} dB" if cmp.level_db is not None else "n/a (not heard far away)")
                               + f" -> {cmp.source}")
            verdicts = _attribute(verdicts, a, th, {"machine": "disk", "room": "room"}.get(cmp.source))
    findings = [finding(shows.get(verdict, a), verdict, th, source, evidence, notes, extra) for verdict in verdicts]
    findings[0].data.update(a.data)   # the pictures go with the headline finding
    return findings


def _attribute(verdicts: list[str], a: Any, th: Any, source: str | None) -> list[str]:
    """Replace the train's verdict once a second recording has told where the clicks come from."""
    train_codes = ("click-of-death", "slow-periodic-clicks", "clock-like-ticks")
    if source is None or a.train is None:
        return verdicts
    if source == "room":
        new = "room-clicks"
    else:
        new = "click-of-death" if a.train.period_s <= th.fast_period_s else "slow-periodic-clicks"
    return [new if v in train_codes else v for v in verdicts]


# --------------------------------------------------------------------------- exercise

def _exercise_target(ctx: Context) -> tuple[str | None, str]:
    """The disk to exercise: the one named, or with 'suspect' the worst one SMART flagged earlier
    in this scan (None and the reason when there is none)."""
    from fieldkit.findings import Status

    wanted = str(ctx.option("exercise"))
    if wanted != "suspect":
        return wanted, ""
    smart = [f for f in ctx.earlier if f.check == "smart"]
    if not smart:
        return None, ("no disk exercised: SMART did not run before this check in this scan; name the disk with "
                      "--exercise DEVICE")
    suspects = sorted((f for f in smart if f.status in (Status.CRITICAL, Status.WARNING)
                       and str(((f.data or {}).get("drive") or {}).get("device", "")).startswith("/dev/")),
                      key=lambda f: f.status is not Status.CRITICAL)
    if not suspects:
        return None, "no disk exercised: SMART found no suspect disk in this scan"
    return str(suspects[0].data["drive"]["device"]), ""


def _run_exercise(ctx: Context, device: str) -> list[Finding]:
    """Record idle, then while reading the disk; compare the two segments."""
    from fieldkit.audio.analysis import analyse, capture_problem, measure_train
    from fieldkit.audio.capture import CaptureError
    from fieldkit.audio.exercise import Exerciser, ExerciseError
    from fieldkit.checks.acoustic.verdicts import classify, compare_exercise

    if _from_file(ctx):
        return [unknown("exercise-needs-microphone", t("--exercise reads the disk while the microphone listens; it "
                                                       "cannot be combined with --from-file"), source=device)]
    duration = float(ctx.option("duration"))
    if ctx.time_left() < 2 * duration + 12:
        return [unknown("audio-budget", t("Two recordings of {seconds:g} s (idle, then reading {device}) do not fit "
                                          "the check's remaining time of {left:.0f} s; raise --timeout or lower "
                                          "--duration", seconds=duration, device=device, left=ctx.time_left()),
                        source=device)]
    th = _thresholds(ctx)
    try:
        exerciser = Exerciser(device, seconds=duration + 6)   # opened now: no permission fails before recording
    except ExerciseError as exc:
        return [unknown(exc.rule, reasons.exercise_error(exc), source=device, notes=[exc.reason])]
    try:
        try:
            idle = _record(ctx, duration, " with the disk idle")
            ctx.progress(f"reading {device} (read-only) while recording")
            exerciser.start()
            busy = _record(ctx, duration, f" while reading {device}")
        finally:
            reads = exerciser.stop()
    except CaptureError as exc:
        return [unknown(exc.rule, reasons.capture_error(exc), source=_device_label(ctx), notes=[exc.reason])]
    label, ev_idle = _label(idle)
    _label_busy, ev_busy = _label(busy)
    for rec in (idle, busy):
        problem = capture_problem(rec.samples, rec.samplerate, th.clip_fraction)
        if problem:
            return [unknown(problem.rule, reasons.problem(problem), source=label, notes=[problem.reason])]
    ctx.checkpoint()
    a_idle = analyse(idle.samples, idle.samplerate, th, with_pictures=False)
    a_busy = analyse(busy.samples, busy.samplerate, th)
    rec_started = busy.started_monotonic
    extra = Extra(reads=reads, rec_started_s=rec_started)
    verdicts = classify(a_busy, th)
    if a_busy.train is not None:
        at_idle = measure_train(idle.samples, idle.samplerate, a_busy.train.period_s, th)
        cmp = compare_exercise(a_busy.train, at_idle, th)
        verdicts = _attribute(verdicts, a_busy, th, "disk" if cmp.source == "drive" else "room")
        shown = a_busy
    else:
        cmp = compare_exercise(None, a_idle.train, th)
        shown = a_busy
        if a_idle.train is not None:   # clicks only without the reads: not the disk's reading
            shown = a_idle
            verdicts = _attribute(classify(a_idle, th), a_idle, th, "room")
    extra.exercise = cmp
    extra.notes.append(f"idle segment: {', '.join(classify(a_idle, th))}; click score {a_idle.score:.1f}")
    extra.notes.append(f"reading segment: {', '.join(classify(a_busy, th))}; click score {a_busy.score:.1f}; "
                       f"source of the clicks: {cmp.source}"
                       + (f", reading minus idle {cmp.level_db:+.1f} dB" if cmp.level_db is not None else ""))
    source = f"{label}, idle then reading {device}"
    findings = [finding(shown, v, th, source, [ev_idle, ev_busy], [], extra) for v in verdicts]
    findings[0].data.update(a_busy.data)
    clicks = a_busy.train.times_s if a_busy.train is not None and cmp.source == "drive" else []
    findings.append(exercise_finding(reads, clicks, rec_started))
    return findings
