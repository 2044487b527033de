#!/usr/bin/env python3
"""Benchmark of the acoustic disk check's detector (issue 4), on a seeded synthetic corpus.

Positives: click-of-death trains (period log-uniform 0.2-5 s, per-click timing jitter 0-2 %
of the period, 25 % with in-stop/out-stop pairs) mixed into pink noise at event SNRs from
+20 to -10 dB. Event SNR = click energy in its 10 ms window over the background's mean
energy in a 10 ms window, full band (acoustic.md §5); the pink noise starts at 20 Hz.
Negatives (false alarms per hour, per noise type): pink noise, fans with blade-pass
harmonics and 50/60 Hz hum, 3-talker babble (espeak-ng), keyboard typing, healthy seek
bursts, head parking every 5.5-10 s, and excerpts of the real healthy-drive recordings of
``../shared/audio-healthy`` dropped into room noise (skipped when that folder is absent;
the files are read in place, never copied).

Mixtures (a real room): the same trains among other sounds and in part of the recording,
one table per background and SNR with the same seeds in every column: typing at 4-10 keys/s
(10-20 dB over the room), the drive's own seek bursts, 3-talker babble, a fan, a train present
in 30-100 % of the recording in one to three bursts, and the same with background level steps
of +-10 dB. A partial train holds at least 3 clicks per burst and 5 in all (before
2026-12-02 a slow train at low coverage could hold 2: a period of 4.5 s over 30 % of 30 s);
slow trains therefore get more coverage, or fewer bursts, than drawn
(``audiosynth.partial_times``). Clips that needed no lengthening are unchanged. Event SNR there is the click's energy over the continuous background's (room noise,
babble or fan; typing and seeks come on top at their own levels).

Prints: detection rate per SNR, false alarms per hour per noise type (with the Poisson 95 %
upper bound), ROC AUC of the click-train score, and the analysis speed as a multiple of real
time for 48 kHz audio on one core. Beside each, how many clips got the faint verdict (UNKNOWN:
a train at the limit of detection, a closer recording asked for): neither detected nor an alarm.

    python bench/acoustic_eval.py                 # ~8 minutes (476 s on the 2-core VM, 2026-12-03)
    python bench/acoustic_eval.py --hours 3       # more negative audio per type
    python bench/acoustic_eval.py --save-alarms /tmp/alarms   # keep the clips that raised alarms
    python bench/acoustic_eval.py --only-mixtures --held-out 7,8,9   # the mixtures on other draws too (~2.5 min each)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core
    os.environ.setdefault(_var, "1")

import argparse
import dataclasses
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))   # the synthetic sounds live with the tests, not in the package
sys.path.insert(0, str(ROOT / "bench"))

import audiosynth as synth  # noqa: E402
from fieldkit.audio import analysis as detect  # noqa: E402
from fieldkit.audio.clicks import passes  # noqa: E402
from fieldkit.audio.thresholds import Thresholds  # noqa: E402
from fieldkit.checks.acoustic.verdicts import classify  # noqa: E402
from fieldkit.audio.wav import read_wav, write_wav  # noqa: E402

FS = 48000
CLIP_S = 30.0
SNRS = (20, 10, 0, -5, -10)
CLICK_VERDICTS = {"click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks"}
ALARM_VERDICTS = CLICK_VERDICTS | {"stall-beeps", "beeps-while-spinning", "bearing-whine", "grinding"}
FAINT = "faint-periodic-clicks"   # UNKNOWN: a train at the limit of detection, a closer recording asked for
SENTENCES = [
    "the quarterly numbers look better than we expected last month",
    "could you send me the file before the meeting starts",
    "I think the printer on the second floor is broken again",
    "we should order more paper and a new toner cartridge",
    "the customer called twice this morning about the invoice",
    "let us move the appointment to Thursday afternoon",
    "did anyone see where I left my reading glasses",
    "the network was slow all day yesterday",
]
VOICES = ["en", "en+f3", "en+m3", "en-us", "en+f4", "de", "fr", "es"]


def shared_dir() -> Path | None:
    """../shared relative to the repository (a worktree under /work/wt sits one level deeper)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "audio-healthy"
        if candidate.is_dir():
            return candidate
    return None


def speech_bank(rng: np.random.Generator) -> list[np.ndarray]:
    """Utterances synthesised offline with espeak-ng, resampled to 48 kHz."""
    from scipy.signal import resample_poly

    exe = shutil.which("espeak-ng")
    if not exe:
        return []
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, voice in enumerate(VOICES):
            for j, text in enumerate(SENTENCES):
                wav = Path(tmp) / f"{i}_{j}.wav"
                pitch = str(int(rng.integers(30, 70)))
                speed = str(int(rng.integers(140, 190)))
                res = subprocess.run([exe, "-v", voice, "-p", pitch, "-s", speed, "-w", str(wav), text],
                                     capture_output=True, timeout=30)
                if res.returncode != 0 or not wav.exists():
                    continue
                y, rate, _ = read_wav(wav)
                g = math.gcd(FS, rate)
                out.append(resample_poly(y, FS // g, rate // g).astype(np.float32))
    return out


def babble(rng: np.random.Generator, bank: list[np.ndarray]) -> np.ndarray:
    n = int(CLIP_S * FS)
    bg = synth.pink_noise(n, rng) * np.float32(0.02)
    speech = np.zeros(n, dtype=np.float32)
    for _talker in range(3):
        t = int(rng.uniform(0, 1.5) * FS)
        gain = rng.uniform(0.5, 1.0)
        while t < n:
            u = bank[int(rng.integers(0, len(bank)))]
            m = min(u.size, n - t)
            speech[t:t + m] += gain * u[:m]
            t += m + int(rng.uniform(0.1, 1.2) * FS)
    speech *= 0.1 / (np.std(speech) + 1e-9)
    return bg + speech


def healthy_bank() -> tuple[list[tuple[str, np.ndarray]], Path | None]:
    from scipy.signal import resample_poly

    folder = shared_dir()
    if folder is None:
        return [], None
    out = []
    for path in sorted(folder.glob("*.wav")):
        y, rate, _ = read_wav(path)
        g = math.gcd(FS, rate)
        out.append((path.name, resample_poly(y, FS // g, rate // g).astype(np.float32)))
    return out, folder


def healthy_in_room(rng: np.random.Generator, bank: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """Real healthy-drive recordings (seeks and idle) dropped into room noise at random times."""
    n = int(CLIP_S * FS)
    bg = synth.pink_noise(n, rng) * np.float32(0.02)
    out = bg.copy()
    for _ in range(int(rng.integers(3, 9))):
        _name, y = bank[int(rng.integers(0, len(bank)))]
        t = int(rng.uniform(0, CLIP_S - 0.5) * FS)
        m = min(y.size, n - t)
        level = 0.02 * 10 ** (rng.uniform(0, 20) / 20) / (np.std(y) + 1e-9)
        out[t:t + m] += level * y[:m]
    return out


BUCKETS = ("0.2-1 s", "1-2 s", "2-5 s")


def bucket(period: float) -> str:
    return BUCKETS[0] if period < 1 else BUCKETS[1] if period < 2 else BUCKETS[2]


GATES_ONLY = dataclasses.replace(Thresholds(), click_score=0.0)


def gated(a: detect.Analysis) -> float:
    """The click-train score when every other test of the detector passes, else 0: the detector's
    own ranking (the raw folding score ranks a few loud knocks or head parking high)."""
    c = a.candidate
    return c.score if c is not None and passes(c, GATES_ONLY) else 0.0


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC = P(score of a positive > score of a negative), ties count half (Mann-Whitney)."""
    p, q = np.asarray(pos), np.sort(np.asarray(neg))
    below = np.searchsorted(q, p, side="left")
    equal = np.searchsorted(q, p, side="right") - below
    return float((below + 0.5 * equal).sum() / (p.size * q.size))


def poisson_upper(k: int, hours: float) -> float:
    """One-sided 95 % upper bound of a Poisson rate with k events in ``hours``."""
    from scipy.stats import chi2

    return float(chi2.ppf(0.95, 2 * (k + 1)) / 2 / hours)


def speed() -> str:
    """Median time of 25 analyses (with report pictures) of one 30 s, 48 kHz clip, after a warm-up."""
    x, _ = synth.clicks_in_noise(CLIP_S, FS, 1.0, 0, np.random.default_rng(1))
    detect.analyse(x, FS)  # warm up imports and caches
    runs = []
    for _ in range(25):
        t0 = time.perf_counter()
        detect.analyse(x, FS)
        runs.append(time.perf_counter() - t0)
    median = float(np.median(runs))
    return (f"Analysis speed, {CLIP_S:g} s at {FS} Hz on one core, fresh process (with report pictures): median "
            f"{1000 * median:.0f} ms, best {1000 * min(runs):.0f} ms = {CLIP_S / median:.0f}x real time "
            f"(best {CLIP_S / min(runs):.0f}x); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


MIX_SNRS = (10, 0, -6, -10)
MIXES = ("typing", "seeks", "babble", "fan", "partial", "partial+steps")


def mixture(kind: str, snr: float, seed: tuple[int, ...], bank: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """One positive of the mixture table; the same seed gives the same clip at every SNR."""
    rng = np.random.default_rng(seed)
    n = int(CLIP_S * FS)
    period = float(math.exp(rng.uniform(math.log(0.2), math.log(5.0))))
    jitter = rng.uniform(0, 0.02)
    room = synth.pink_noise(n, rng) * np.float32(0.05)
    times = None
    if kind == "typing":
        bg = room + synth.keystrokes(CLIP_S, FS, rng, n, reference=room)
        ref = room
    elif kind == "seeks":
        bg = room + synth.seek_ticks(CLIP_S, FS, rng, n, room)
        ref = room
    elif kind == "babble":
        bg = ref = babble(rng, bank)
    elif kind == "fan":
        bg = ref = synth.fan_with_hum(CLIP_S, FS, rng)
    else:
        bg = ref = room * synth.level_steps(n, FS, rng) if kind == "partial+steps" else room
        times = synth.partial_times(CLIP_S, period, rng, rng.uniform(0.3, 1.0), int(rng.integers(1, 4)), jitter)
    x, _ = synth.train_in_room(CLIP_S, FS, period, snr, rng, bg, times=times, jitter=jitter, reference=ref)
    return x, period


def mixture_detection(seed: int, per_mix: int,
                      bank: list[np.ndarray]) -> tuple[dict[tuple[str, int], list[bool]], dict[int, int]]:
    """Every background's mixtures drawn with ``seed``: detected or not per (background, SNR) and per
    (period bucket, SNR), and the faint verdicts per SNR."""
    mix: dict[tuple[str, int], list[bool]] = {}
    faint: dict[int, int] = {}
    for k, kind in enumerate(MIXES):
        if kind == "babble" and not bank:
            continue
        for i in range(per_mix):
            for snr in MIX_SNRS:
                x, period = mixture(kind, snr, (seed, k, i), bank)
                found = classify(detect.analyse(x, FS, with_pictures=False), Thresholds())
                mix.setdefault((kind, snr), []).append(bool(CLICK_VERDICTS & set(found)))
                faint[snr] = faint.get(snr, 0) + (FAINT in found)
                mix.setdefault((bucket(period), snr), []).append(mix[(kind, snr)][-1])
    return mix, faint


def print_held_out(seeds: list[int], main_seed: int, main_mix: dict[tuple[str, int], list[bool]], per_mix: int,
                   bank: list[np.ndarray]) -> None:
    """The mixtures' detection per SNR on other draws of the same generators (and the same speech
    bank): a change tuned on the benchmark's own draw shows here as a gain that does not carry over."""
    print(f"\nMixtures on held-out draws (all backgrounds, {per_mix} clips per background and SNR; only the "
          f"mixtures' seed changes)")
    print(f"{'seed':<14} " + " ".join(f"{snr:>+7} dB" for snr in MIX_SNRS))
    pooled: dict[int, list[bool]] = {snr: [] for snr in MIX_SNRS}
    for seed in [main_seed] + seeds:
        mix = main_mix if seed == main_seed else mixture_detection(seed, per_mix, bank)[0]
        rows = {snr: [d for kind in MIXES for d in mix.get((kind, snr), [])] for snr in MIX_SNRS}
        for snr in MIX_SNRS:
            pooled[snr] += rows[snr]
        print(f"{seed:<14} " + " ".join(f"{100 * np.mean(rows[snr]):>9.1f}%" for snr in MIX_SNRS))
    print(f"{'all':<14} " + " ".join(f"{100 * np.mean(pooled[snr]):>9.1f}%" for snr in MIX_SNRS))


def print_false_alarms(fa_rows: list) -> None:
    print("\nFalse alarms (any WARNING/CRITICAL verdict) on negatives; faint = UNKNOWN, a closer recording asked for")
    print(f"{'noise type':<14} {'clips':>6} {'hours':>6} {'alarms':>7} {'per hour':>9} {'95% upper':>10} {'faint':>6}"
          f"  kinds")
    for name, alarms, n, hours, kinds, faint in fa_rows:
        if alarms is None:
            print(f"{name:<14} {'-':>6} {'-':>6} {'-':>7} {'-':>9} {'-':>10} {'-':>6}  {kinds}")
            continue
        print(f"{name:<14} {n:>6} {hours:>6.2f} {alarms:>7} {alarms / hours:>9.2f} {poisson_upper(alarms, hours):>10.2f}"
              f" {faint:>6}  {kinds}")


def seed_list(text: str) -> list[int]:
    """``7,8,9`` as seeds; argparse reports the ValueError's message in one line."""
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are integers separated by commas, not {text!r}") from None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--per-snr", type=int, default=40, help="positive clips per SNR (default 40)")
    ap.add_argument("--hours", type=float, default=1.0, help="hours of audio per noise type (default 1)")
    ap.add_argument("--save-alarms", metavar="DIR", type=Path,
                    help="write every negative clip that raised an alarm to DIR as a WAV, for study")
    ap.add_argument("--speed-only", action="store_true", help="only measure the analysis speed")
    ap.add_argument("--corpus", metavar="DIR", type=Path, action="append", default=[],
                    help="also score the check on a field corpus folder ('fieldkit audio record --out DIR'); "
                         "repeatable")
    ap.add_argument("--corpus-only", action="store_true", help="only score the --corpus folders")
    ap.add_argument("--per-mix", type=int, default=20, help="positive clips per background and SNR (default 20)")
    ap.add_argument("--only-mixtures", action="store_true", help="only the mixture table and its negatives")
    ap.add_argument("--held-out", metavar="SEEDS", type=seed_list,
                    default=[], help="also the mixtures' detection on these seeds' draws (comma-separated), "
                                     "e.g. 7,8,9")
    args = ap.parse_args()
    if args.corpus_only:
        return print_corpora(args.corpus)
    if args.speed_only:
        print(speed())
        return 0
    rng = np.random.default_rng(args.seed)
    started = time.monotonic()

    print(f"acoustic detector benchmark: {CLIP_S:g} s clips at {FS} Hz, seed {args.seed}")
    print(f"thresholds: {Thresholds()}")
    bank = speech_bank(np.random.default_rng([args.seed, 99]))   # its own generator: the clips below keep theirs
    mix_started = time.monotonic()
    mix, mix_faint = mixture_detection(args.seed, args.per_mix, bank)
    mix_s = time.monotonic() - mix_started
    scores_pos: dict[int, list[float]] = {}
    raw_pos: list[float] = []
    raw_neg: list[float] = []
    detected: dict[int, list[bool]] = {}
    critical: dict[int, int] = {}
    faint_pos: dict[int, int] = {}   # not detected, a closer recording asked for
    by_period: dict[tuple[int, str], list[bool]] = {}
    for snr in SNRS if not args.only_mixtures else ():
        scores_pos[snr], detected[snr], critical[snr], faint_pos[snr] = [], [], 0, 0
        for _ in range(args.per_snr):
            period = float(math.exp(rng.uniform(math.log(0.2), math.log(5.0))))
            x, _times = synth.clicks_in_noise(CLIP_S, FS, period, snr, rng, jitter=rng.uniform(0, 0.02),
                                              pairs=rng.random() < 0.25)
            a = detect.analyse(x, FS, with_pictures=False)
            scores_pos[snr].append(gated(a))
            raw_pos.append(a.score)
            found = classify(a, Thresholds())
            detected[snr].append(bool(CLICK_VERDICTS & set(found)))
            by_period.setdefault((snr, bucket(period)), []).append(detected[snr][-1])
            critical[snr] += "click-of-death" in found
            faint_pos[snr] += FAINT in found

    healthy, healthy_dir = healthy_bank()
    clips = max(1, int(round(args.hours * 3600 / CLIP_S)))
    negatives = {
        "pink": lambda: synth.pink_noise(int(CLIP_S * FS), rng) * np.float32(0.05),
        "fan+hum": lambda: synth.fan_with_hum(CLIP_S, FS, rng),
        "babble": (lambda: babble(rng, bank)) if bank else None,
        "typing": lambda: synth.typing(CLIP_S, FS, rng),
        "typing 4-10/s": lambda: (lambda room: room + synth.keystrokes(CLIP_S, FS, rng, room.size, reference=room))(
            synth.pink_noise(int(CLIP_S * FS), rng) * np.float32(0.05)),
        "typing+seeks": lambda: (lambda room: room + synth.keystrokes(CLIP_S, FS, rng, room.size, reference=room)
                                 + synth.seek_ticks(CLIP_S, FS, rng, room.size, room))(
            synth.pink_noise(int(CLIP_S * FS), rng) * np.float32(0.05)),
        "quartz clock": lambda: synth.quartz_clock(CLIP_S, FS, rng),
        "seeks": lambda: synth.seek_bursts(CLIP_S, FS, rng),
        "head parking": lambda: synth.head_parking(CLIP_S, FS, rng),
        "real healthy": (lambda: healthy_in_room(rng, healthy)) if healthy else None,
    }
    if args.only_mixtures:
        negatives = {k: v for k, v in negatives.items() if k in ("typing 4-10/s", "seeks", "typing+seeks",
                                                                  "quartz clock", "head parking")}
    scores_neg: list[float] = []
    fa_rows = []
    for name, make in negatives.items():
        if make is None:
            fa_rows.append((name, None, 0, 0.0, "skipped: " + ("espeak-ng not installed" if name == "babble"
                                                                 else "../shared/audio-healthy not found"), 0))
            continue
        alarms, kinds, faint = 0, {}, 0
        for i in range(clips):
            clip = make()
            a = detect.analyse(clip, FS, with_pictures=False)
            scores_neg.append(gated(a))
            raw_neg.append(a.score)
            found = classify(a, Thresholds())
            faint += FAINT in found
            bad = ALARM_VERDICTS & set(found)
            if bad:
                alarms += 1
                if args.save_alarms is not None:
                    args.save_alarms.mkdir(parents=True, exist_ok=True)
                    write_wav(args.save_alarms / f"{name.replace(' ', '-').replace('+', '-')}-{i:04d}.wav", clip, FS)
                for v in bad:
                    kinds[v] = kinds.get(v, 0) + 1
        hours = clips * CLIP_S / 3600
        fa_rows.append((name, alarms, clips, hours, ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())), faint))

    print(f"\nDetection among other sounds and in part of the recording ({args.per_mix} clips per cell, the same "
          f"seeds in every column; {mix_s:.0f} s)")
    print(f"{'background':<14} " + " ".join(f"{snr:>+7} dB" for snr in MIX_SNRS))
    for kind in MIXES:
        cells = [mix.get((kind, snr)) for snr in MIX_SNRS]
        if not cells[0]:
            print(f"{kind:<14} skipped (espeak-ng not installed)")
            continue
        print(f"{kind:<14} " + " ".join(f"{100 * np.mean(c):>9.1f}%" for c in cells))
    allmix = {snr: [d for kind in MIXES for d in mix.get((kind, snr), [])] for snr in MIX_SNRS}
    print(f"{'all':<14} " + " ".join(f"{100 * np.mean(allmix[snr]):>9.1f}%" for snr in MIX_SNRS))
    print(f"{'faint (clips)':<14} " + " ".join(f"{mix_faint.get(snr, 0):>10}" for snr in MIX_SNRS))
    print("by click period (all backgrounds; a partial train of a slow period holds only a few clicks)")
    for b in BUCKETS:
        cells = [mix.get((b, snr), []) for snr in MIX_SNRS]
        print(f"{b:<14} " + " ".join(f"{100 * np.mean(c):>6.1f}%({len(c):>2})" if c else f"{'-':>10}"
                                     for c in cells))
    if args.held_out:
        print_held_out(args.held_out, args.seed, mix, args.per_mix, bank)
    if args.only_mixtures:
        print_false_alarms(fa_rows)
        print(f"bench time {time.monotonic() - started:.0f} s")
        return 0

    print("\nDetection of click-of-death trains (verdict click-of-death, slow-periodic or irregular-periodic)")
    print(f"{'event SNR':>10} {'clips':>6} {'detected':>9} {'as CRITICAL':>12} {'AUC vs all negatives':>21} "
          f"{'faint':>6}")
    for snr in SNRS:
        rate = 100 * np.mean(detected[snr])
        print(f"{snr:>+8} dB {len(detected[snr]):>6} {rate:>8.1f}% {100 * critical[snr] / len(detected[snr]):>11.1f}% "
              f"{auc(scores_pos[snr], scores_neg):>21.3f} {faint_pos[snr]:>6}")
    all_pos = [s for snr in SNRS for s in scores_pos[snr]]
    print(f"{'all':>11} {len(all_pos):>6} {100 * np.mean([d for snr in SNRS for d in detected[snr]]):>8.1f}% "
          f"{'':>12} {auc(all_pos, scores_neg):>21.3f}")
    print(f"AUC = ROC AUC of the click-train score with the detector's other tests applied (0 when they fail);"
          f" raw folding score alone: {auc(raw_pos, raw_neg):.3f}")

    print("\nDetection rate by click period")
    print(f"{'event SNR':>10} " + " ".join(f"{b:>14}" for b in BUCKETS))
    for snr in SNRS:
        cells = []
        for b in BUCKETS:
            hits = by_period.get((snr, b), [])
            cells.append(f"{100 * np.mean(hits):6.1f}% ({len(hits):>2})" if hits else f"{'-':>14}")
        print(f"{snr:>+8} dB " + " ".join(f"{c:>14}" for c in cells))

    print_false_alarms(fa_rows)

    if healthy_dir is not None:
        print(f"\nReal healthy-drive recordings analysed as they are ({healthy_dir})")
        for name, y in healthy:
            if y.size < 2 * FS:
                print(f"  {name:<52} {y.size / FS:5.2f} s  too short (< 2 s), only used in the room mixes")
                continue
            a = detect.analyse(y, FS, with_pictures=False)
            print(f"  {name:<52} {y.size / FS:5.2f} s  {', '.join(classify(a, Thresholds())):<22} score {a.score:5.1f}"
                  + (f"  spindle {a.spindle.freq_hz:.1f} Hz" if a.spindle else ""))
    else:
        print("\nReal healthy-drive recordings: ../shared/audio-healthy not found, skipped")

    # in a fresh process, as the check runs (one recording per process). Measured at the end of
    # this long run instead, the median varied from 52 to 70 ms between runs on the 2-core CI VM
    # while fresh processes gave 45-48 ms; 400 clips analysed before measuring did not reproduce
    # the slowdown, so its cause (machine load, this process's memory) is not known.
    fresh = subprocess.run([sys.executable, __file__, "--speed-only"], capture_output=True, text=True, timeout=600)
    print("\n" + (fresh.stdout.strip() or f"speed measurement failed: {fresh.stderr.strip()[-300:]}"))
    print("\nTargets: >= 95% at 0 dB, >= 80% at -10 dB on clean backgrounds; >= 95% at +10 and 0 dB and >= 80% at "
          "-6 dB on the mixtures; 0 false alarms/hour on every click-free type; >= 500x real time")
    print(f"bench time {time.monotonic() - started:.0f} s")
    if args.corpus:
        print()
        print_corpora(args.corpus)
    return 0


def print_corpora(folders: list[Path]) -> int:
    from acoustic_corpus import score

    for folder in folders:
        if not folder.is_dir():
            print(f"--corpus {folder}: not a folder", file=sys.stderr)
            return 2
        print("\n".join(score(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
