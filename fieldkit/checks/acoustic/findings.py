"""Findings of the acoustic check: the customer's sentences (through ``t()``/``tn()``), the
technician's detail and the metrics, from the analysis and the verdict codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.messages import N_, Msg, MsgList, joined, t, tn

if TYPE_CHECKING:
    from fieldkit.audio.analysis import Analysis
    from fieldkit.audio.clicks import ClickTrain
    from fieldkit.audio.exercise import ExerciseResult
    from fieldkit.audio.thresholds import Thresholds
    from fieldkit.checks.acoustic.verdicts import Comparison

NAME = "acoustic"
#: the subject of the recording's findings (a translatable word: the report shows it to the customer)
SUBJECT = t("disk sounds")
TRAIN_VERDICTS = ("click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks", "clock-like-ticks",
                  "faint-periodic-clicks", "room-clicks")


@dataclass
class Extra:
    """What a second recording added: the near/far comparison or the idle/reading comparison."""

    positions: Comparison | None = None
    far_source: str = ""
    exercise: Comparison | None = None
    reads: ExerciseResult | None = None
    rec_started_s: float | None = None      # monotonic time of the reading segment's first sample
    notes: list[str] = field(default_factory=list)


_TEXT: dict[str, tuple[Status, Advice, Tier | None]] = {
    "click-of-death": (Status.CRITICAL, Advice(
        meaning=t("A hard disk in this computer makes the repeated clicking of a disk whose read heads can no longer "
                "find their data. Such a disk can stop working at any moment and the files on it can be lost."),
        action=t("Copy important files to another disk or backup now, before anything else, and have the disk "
               "replaced. Avoid restarting the computer until the copy is done."),
        prevention=t("Keep a current backup of important files on a second disk or online.")), Tier.HARDWARE),
    "stall-beeps": (Status.CRITICAL, Advice(
        meaning=t("A hard disk is beeping: its motor tries to spin and cannot. The disk is not working and its files "
                "are not reachable."),
        action=t("Switch the computer off to avoid further damage; a data-recovery service can usually still "
               "save the files."),
        prevention=t("Keep a current backup; protect computers from knocks and drops while running.")), Tier.HARDWARE),
    "beeps-while-spinning": (Status.WARNING, Advice(
        meaning=t("Something beeps regularly. A hard disk whose motor cannot start beeps like this, but a disk "
                "motor can also be heard turning, so the beeps may come from another device."),
        action=t("The technician finds the source of the beeps (disk, motherboard, UPS) and checks the disk's "
               "health data."),
        prevention=t("Keep a current backup of important files.")), Tier.ON_SITE),
    "slow-periodic-clicks": (Status.WARNING, Advice(
        meaning=t("We heard a regular click every few seconds. Laptop disks do this when they park their heads to "
                "save power, which is normal, but a failing disk can sound similar."),
        action=t("The technician compares this with the disk's own health data (load-cycle count, SMART attribute "
               "193, and the error counters) before deciding."),
        prevention=t("Keep a current backup of important files.")), Tier.ON_SITE),
    "irregular-periodic-clicks": (Status.WARNING, Advice(
        meaning=t("Something clicks regularly, but the clicks do not all sound alike, so it may not be a disk."),
        action=t("The technician repeats the recording in a quiet room with the microphone on the case."),
        prevention=""), Tier.ON_SITE),
    "bearing-whine": (Status.WARNING, Advice(
        meaning=t("A steady high-pitched tone can come from a worn hard disk motor bearing, which wears out further "
                "over time."),
        action=t("The technician locates the source (disk or fan) and checks the disk's health data; plan a "
               "replacement if it is the disk."),
        prevention=t("Keep a current backup; keep the computer cool and dust-free.")), Tier.ON_SITE),
    "grinding": (Status.WARNING, Advice(
        meaning=t("A scraping sound that rises and falls with the disk's rotation can mean a read head touches the "
                "disk surface, which destroys data."),
        action=t("Copy important files now and have the disk checked; switch it off if the noise grows."),
        prevention=t("Keep a current backup; do not move a computer while its disk is running.")), Tier.HARDWARE),
    "seek-activity": (Status.OK, Advice(),
                      None),
    "isolated-clicks": (Status.OK, Advice(),
                        None),
    "quiet": (Status.OK, Advice(), None),
    "clock-like-ticks": (Status.UNKNOWN, Advice(
        meaning=t("Something ticks once a second with the precision of a quartz clock. A failing disk can also "
                  "click regularly, and by sound alone the two cannot be told apart."),
        action=t("The technician records a second time with the microphone farther from the computer (option "
                 "--compare-with), or while fieldkit reads the disk (option --exercise), which tells the two "
                 "apart."),
        prevention=""), Tier.ON_SITE),
    "faint-periodic-clicks": (Status.UNKNOWN, Advice(
        meaning=t("We may have heard a faint regular clicking, but it was too faint in this recording to tell a "
                  "failing disk from the room's own noise."),
        action=t("The technician records again with the microphone on the computer's case, or while fieldkit reads "
                 "the disk (option --exercise)."),
        prevention=""), Tier.ON_SITE),
    "room-clicks": (Status.OK, Advice(
        meaning=t("The regular clicks we heard come from something in the room (a clock, a fan), not from "
                  "the disk."),
        action="", prevention=""), None),
}


#: summaries of a train verdict by (present only in part of the recording, among other impulses)
_TRAIN_SUMMARY: dict[tuple[str, bool, bool], str] = {
    ("click-of-death", False, False):
        N_("Regular clicking of a failing hard disk (click of death): {clicks} clicks every {period:.2f} s "
           "({per_min:.0f}/min), {low:.1f}-{high:.1f} kHz; noise floor {floor} dBFS"),
    ("click-of-death", False, True):
        N_("Regular clicking of a failing hard disk (click of death): {clicks} clicks every {period:.2f} s "
           "({per_min:.0f}/min) among irregular typing or seek sounds; noise floor {floor} dBFS"),
    ("click-of-death", True, False):
        N_("Regular clicking of a failing hard disk (click of death): {clicks} clicks every {period:.2f} s "
           "({per_min:.0f}/min), heard at {when}; noise floor {floor} dBFS"),
    ("click-of-death", True, True):
        N_("Regular clicking of a failing hard disk (click of death): {clicks} clicks every {period:.2f} s "
           "({per_min:.0f}/min), heard at {when}, among irregular typing or seek sounds; noise floor {floor} dBFS"),
    ("slow-periodic-clicks", False, False):
        N_("Slow regular clicks, a disk parking its heads or a failing disk: {clicks} clicks every {period:.2f} s, "
           "{low:.1f}-{high:.1f} kHz; noise floor {floor} dBFS"),
    ("slow-periodic-clicks", False, True):
        N_("Slow regular clicks, a disk parking its heads or a failing disk: {clicks} clicks every {period:.2f} s among "
           "irregular typing or seek sounds; noise floor {floor} dBFS"),
    ("slow-periodic-clicks", True, False):
        N_("Slow regular clicks, a disk parking its heads or a failing disk: {clicks} clicks every {period:.2f} s, "
           "heard at {when}; noise floor {floor} dBFS"),
    ("slow-periodic-clicks", True, True):
        N_("Slow regular clicks, a disk parking its heads or a failing disk: {clicks} clicks every {period:.2f} s, "
           "heard at {when}, among irregular typing or seek sounds; noise floor {floor} dBFS"),
}


def _summary(a: Analysis, verdict: str, train: ClickTrain | None, extra: Extra) -> str:
    from fieldkit.checks.acoustic.verdicts import room_activity

    floor = a.noise_floor_dbfs
    if train is not None and verdict in ("click-of-death", "slow-periodic-clicks"):
        if extra.exercise is not None and extra.exercise.source == "drive":
            return t("Regular clicking of a failing hard disk: {clicks} clicks every {period:.2f} s that came with the "
                     "disk reads and not without them; noise floor {floor} dBFS", clicks=len(train.times_s),
                     period=train.period_s, floor=floor)
        partial = bool(train.segments_s) and _coverage(train, a.duration_s) < 0.9
        among = room_activity(a) == "seek-activity"
        return t(_TRAIN_SUMMARY[(verdict, partial, among)], clicks=len(train.times_s), period=train.period_s,
                 per_min=60 / train.period_s, when=_when(train), floor=floor, **_band(train))
    if train is not None and verdict == "irregular-periodic-clicks":
        return t("Regular clicks of changing sound (inconclusive): {clicks} clicks every {period:.2f} s, "
                 "{low:.1f}-{high:.1f} kHz; noise floor {floor} dBFS", clicks=len(train.times_s), period=train.period_s,
                 floor=floor, **_band(train))
    if train is not None and verdict == "faint-periodic-clicks":
        return t("Faint regular clicks at the limit of detection (inconclusive): {clicks} clicks every {period:.2f} s; "
                 "a recording closer to the disk is needed; noise floor {floor} dBFS", clicks=len(train.times_s),
                 period=train.period_s, floor=floor)
    if train is not None and verdict == "clock-like-ticks":
        return t("Regular ticking once a second, like a clock ({clicks} ticks): by sound alone this cannot be told "
                 "from a failing disk, a second recording is needed; noise floor {floor} dBFS",
                 clicks=len(train.times_s), floor=floor)
    if train is not None and verdict == "room-clicks":
        if extra.exercise is not None:
            return t("Regular clicks every {period:.2f} s come from the room, not from the disk: they were as loud "
                     "without the disk reads; noise floor {floor} dBFS", period=train.period_s, floor=floor)
        return t("Regular clicks every {period:.2f} s come from the room, not from this computer: they were as loud "
                 "farther away; noise floor {floor} dBFS", period=train.period_s, floor=floor)
    if verdict in ("stall-beeps", "beeps-while-spinning") and a.beeps is not None:
        template = (N_("Beeping of a hard disk motor that cannot start (stuck spindle): {count} beeps at {freq:.0f} Hz "
                       "every {period:.2f} s; noise floor {floor} dBFS") if verdict == "stall-beeps" else
                    N_("Regular beeping while a disk motor turns (inconclusive): {count} beeps at {freq:.0f} Hz every "
                       "{period:.2f} s; noise floor {floor} dBFS"))
        return t(template, count=a.beeps.count, freq=a.beeps.freq_hz, period=a.beeps.period_s, floor=floor)
    if verdict == "bearing-whine" and a.whine is not None:
        return t("Persistent high whine (worn disk bearing or fan): a tone at {freq:.0f} Hz, {prominence:.0f} dB above "
                 "its surroundings; noise floor {floor} dBFS", freq=a.whine.freq_hz, prominence=a.whine.prominence_db,
                 floor=floor)
    if verdict == "grinding" and a.grinding is not None:
        return t("Grinding noise that turns with the disk (possible head contact): noise modulated at {freq:.0f} Hz "
                 "({rpm:.0f} rpm); noise floor {floor} dBFS", freq=a.grinding.freq_hz, rpm=a.grinding.freq_hz * 60,
                 floor=floor)
    if verdict == "seek-activity":
        return t("Normal disk activity sounds (irregular seek ticks), no failure pattern ({rate:.1f} ticks/s); noise "
                 "floor {floor} dBFS", rate=a.event_rate_hz, floor=floor)
    if verdict == "isolated-clicks":
        return tn("A few isolated clicks, no failure pattern (e.g. head parking, a knock): {n} click; noise floor "
                  "{floor} dBFS", "A few isolated clicks, no failure pattern (e.g. head parking, a knock): {n} clicks; "
                  "noise floor {floor} dBFS", n=len(a.events_s), floor=floor)
    return t("No abnormal disk sound heard; noise floor {floor} dBFS", floor=floor)


def _coverage(train: ClickTrain, duration_s: float) -> float:
    return sum(b - a for a, b in train.segments_s) / max(duration_s, 1e-9)


def _when(train: ClickTrain) -> MsgList:
    """The stretches with clicks, as times into the recording ("4.1-12.3 s, 20.0-29.5 s"), each a message so the
    numbers are written the reader's way."""
    return joined((t("{start:.1f}-{end:.1f} s", start=a, end=b) for a, b in train.segments_s), ", ")


def _band(train: ClickTrain) -> dict[str, float]:
    """The clicks' frequency band in kHz, for ``{low:.1f}-{high:.1f} kHz``."""
    return {"low": train.band_hz[0] / 1000, "high": train.band_hz[1] / 1000}


def _technician_when(train: ClickTrain) -> str:
    return ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in train.segments_s)


def finding(a: Analysis, verdict: str, th: Thresholds, source: str, evidence: list[Evidence], notes: list[str],
            extra: Extra | None = None) -> Finding:
    from fieldkit.checks.acoustic.verdicts import room_activity

    extra = extra or Extra()
    status, advice, tier = _TEXT[verdict]
    train = a.train or a.candidate
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
        detail_lines.append(
            f"active stretches {_technician_when(train) or 'none'}: {train.active_slots} slots, fill {train.active_fill:.2f}, "
            f"consistency {train.active_consistency:.1f}, chance of the other impulses filling them "
            f"10^{train.chance_log10:.1f}")
        if verdict in TRAIN_VERDICTS:
            detail_lines.append("click times (s): " + ", ".join(f"{x:.3f}" for x in train.times_s[:60]))
            if a.train is not None and room_activity(a):
                detail_lines.append(f"other impulses besides the train: {len(a.other_events_s)} "
                                    f"({a.other_rate_hz:.2f}/s, judged as {room_activity(a)})")
    if a.spindle is not None:
        detail_lines.append(f"spindle line {a.spindle.freq_hz:.1f} Hz (+{a.spindle.prominence_db:.0f} dB)"
                            + (" - may be mains hum (2 x mains)" if a.spindle_is_hum_harmonic else ""))
    if a.hum_hz:
        detail_lines.append(f"mains hum {a.hum_hz} Hz")
    detail_lines.extend(notes)
    detail_lines.extend(extra.notes)
    if verdict == "slow-periodic-clicks":
        detail_lines.append("compare with SMART 193 Load_Cycle_Count growth (head parking) and 5/197/198")
    metrics = _metrics(a, verdict, th)
    if verdict in TRAIN_VERDICTS:
        metrics += _comparison_metrics(extra)
    return Finding(check=NAME, subject=SUBJECT, status=status, summary=_summary(a, verdict, train, extra),
                   metrics=metrics, evidence=list(evidence), advice=advice,
                   detail="\n".join(detail_lines), tier=tier, rule=f"acoustic-{verdict}",
                   data={"verdict": verdict, "clicks_s": list(a.train.times_s) if a.train else [],
                         "click_segments_s": [list(s) for s in a.train.segments_s] if a.train else []})


def _comparison_metrics(extra: Extra) -> list[Metric]:
    out = []
    if extra.positions is not None:
        out.append(Metric("near_minus_far_db", extra.positions.level_db, "dB"))
        out.append(Metric("far_click_score", round(extra.positions.other_score, 2), ""))
    if extra.exercise is not None:
        out.append(Metric("reading_minus_idle_db", extra.exercise.level_db, "dB"))
        out.append(Metric("idle_click_score", round(extra.exercise.other_score, 2), ""))
    return out


def exercise_finding(res: ExerciseResult, clicks_at: list[float], rec_started_s: float | None) -> Finding:
    """What the reads saw: how much was read, how fast, which reads were slow or failed, and the
    slow reads that coincided with clicks (a read taking seconds while the heads click)."""
    p50, p99 = res.latency_percentile(50), res.latency_percentile(99)
    slowest = max((r.latency_s for r in res.reads), default=0.0)
    slow = res.slow(1.0)
    together = []
    if rec_started_s is not None and clicks_at:
        for r in slow:
            start, end = r.at_s - rec_started_s, r.at_s - rec_started_s + r.latency_s
            if any(start - 0.3 <= c <= end + 0.3 for c in clicks_at):   # +- a block's latency
                together.append(r)
    lines = [f"device {res.device}, {res.size_bytes / 1e9:.1f} GB, opened read-only"
             + (" with O_DIRECT" if res.direct else " (page cache: O_DIRECT refused)"),
             f"{len(res.reads)} reads of up to {max((r.size for r in res.reads), default=0) // 1024} KiB, "
             f"{res.bytes_read / 1e6:.0f} MB in {res.ended_s - res.started_s:.1f} s; stopped by {res.stopped_by}",
             f"latency median {1000 * (p50 or 0):.1f} ms, 99th percentile {1000 * (p99 or 0):.1f} ms, "
             f"slowest {1000 * slowest:.0f} ms"]
    lines += [f"slow read at {r.offset} ({r.latency_s:.2f} s)" + (" while the heads clicked" if r in together else "")
              for r in slow[:20]]
    lines += [f"failed read at {r.offset} (I/O error)" for r in res.failed[:20]]
    if res.error:
        lines.append(res.error)
    metrics = [Metric("reads", len(res.reads), ""), Metric("read_mb", round(res.bytes_read / 1e6, 1), "MB"),
               Metric("read_latency_p50_ms", round(1000 * (p50 or 0), 2), "ms"),
               Metric("read_latency_p99_ms", round(1000 * (p99 or 0), 2), "ms"),
               Metric("read_latency_max_ms", round(1000 * slowest, 1), "ms", warn=1000.0),
               Metric("failed_reads", len(res.failed), "", crit=1), Metric("slow_reads_while_clicking", len(together), "")]
    if res.failed:
        status, summary = Status.CRITICAL, tn(
            "{n} read of the disk failed while it was exercised (unreadable area)",
            "{n} reads of the disk failed while it was exercised (unreadable areas)", n=len(res.failed))
    elif together:
        status, summary = Status.CRITICAL, tn(
            "{n} disk read took over a second while the heads clicked", "{n} disk reads took over a second while "
            "the heads clicked", n=len(together))
    elif slow:
        status, summary = Status.WARNING, tn("{n} disk read took over a second while the disk was exercised",
                                             "{n} disk reads took over a second while the disk was exercised",
                                             n=len(slow))
    elif res.error:
        # the operating system's words are in the detail: the customer reads that reading stopped
        status, summary = Status.UNKNOWN, t("Reading the disk stopped with an error before the end of the recording")
    else:
        status, summary = Status.OK, t("The disk read {mb:.0f} MB without a slow read while we listened (slowest "
                                       "{slowest:.0f} ms)", mb=res.bytes_read / 1e6, slowest=1000 * slowest)
    advice = Advice() if status is Status.OK else Advice(
        meaning=t("The disk struggles to read some of its data: reads take seconds or fail, which is how a disk with "
                  "weak heads or damaged areas behaves."),
        action=t("Copy important files to another disk now and have this disk replaced."),
        prevention=t("Keep a current backup of important files."))
    return Finding(check=NAME, subject=res.device, status=status, summary=summary, metrics=metrics,
                   evidence=[Evidence(source=res.device, excerpt=lines[1])], advice=advice, detail="\n".join(lines),
                   tier=Tier.HARDWARE if status in (Status.CRITICAL, Status.WARNING) else None,
                   rule="acoustic-exercise-reads")


def _metrics(a: Analysis, verdict: str, th: Thresholds) -> list[Metric]:
    metrics = [Metric("noise_floor_dbfs", a.noise_floor_dbfs, ""), Metric("level_dbfs", a.level_dbfs, ""),
               Metric("duration_s", round(a.duration_s, 2), "s"), Metric("samplerate_hz", a.samplerate, "")]
    train = a.train or a.candidate
    if train is not None and verdict not in TRAIN_VERDICTS:
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


def _confidence(train: ClickTrain, th: Thresholds) -> float:
    """0.5 at the decision threshold, 1.0 at three times it (weakest of score and consistency)."""
    ratio = min(train.score / th.click_score, train.consistency / th.min_consistency)
    return round(max(0.0, min(1.0, 0.5 + (ratio - 1.0) / 4.0)), 2)


def sentence(reason: str) -> str:
    """Capitalise a reason that starts with a plain lower-case word ("the input device ...");
    never one that starts with a name ("empty.wav: not a WAV file", "hw:1 ..."), nor a translatable message
    (its template is written as the sentence it is)."""
    if isinstance(reason, Msg):
        return reason
    first, _, rest = reason.partition(" ")
    if rest and first.isascii() and first.isalpha() and first.islower():
        return reason[:1].upper() + reason[1:]
    return reason


def unknown(rule: str, reason: str, *, source: str = "", evidence: list[Evidence] | None = None,
             notes: list[str] | None = None) -> Finding:
    """An UNKNOWN finding: ``reason`` is the customer's sentence (a translatable message, see :mod:`.reasons`),
    ``notes`` the technician's words (the measuring code's reason)."""
    return Finding(check=NAME, subject=SUBJECT, status=Status.UNKNOWN, summary=sentence(reason),
                   evidence=list(evidence or []) + ([Evidence(source=source, excerpt=reason)] if source else []),
                   advice=Advice(meaning=t("We could not listen to the disks, so this check says nothing about them."),
                                 action=t("The technician fixes the microphone problem and records again, or records "
                                        "with a phone held against the case and analyses that file.")),
                   detail="\n".join([f"rule {rule}", reason] + list(notes or [])), tier=Tier.ON_SITE,
                   rule=rule)
