#!/usr/bin/env python3
"""Benchmark of the acoustic detector on recordings that went through phone codecs.

Positive clips of the detector benchmark (click-of-death trains, period log-uniform 0.2-5 s,
timing jitter 0-2 %, 25 % in-stop/out-stop pairs, in pink noise at an event SNR) and
click-free clips (pink noise, fan with hum, typing, healthy seeks, head parking) are encoded
with PyAV at 48 kHz as AAC 64 kbit/s (M4A), Opus 24 kbit/s (Ogg) and MP3 96 kbit/s, decoded
the way ``--from-file`` decodes them, and analysed. The same clips uncompressed are the
reference row. Prints detection per SNR and false alarms per hour per codec, and the bandwidth
that reached the detector.

    python bench/acoustic_codecs.py                   # ~3-5 minutes on 2 loaded cores
    python bench/acoustic_codecs.py --per-snr 40 --negatives 20
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core
    os.environ.setdefault(_var, "1")

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import audiocodec  # noqa: E402
import audiosynth as synth  # noqa: E402
from fieldkit.audio.analysis import analyse  # noqa: E402
from fieldkit.audio.decode import read_all  # noqa: E402
from fieldkit.audio.thresholds import Thresholds  # noqa: E402
from fieldkit.checks.acoustic.verdicts import classify  # noqa: E402

FS = 48000
CLIP_S = 30.0
#: name -> (container, codec, bit rate)
CODECS = {"AAC 64k": ("ipod", "aac", 64000, ".m4a"), "Opus 24k": ("ogg", "libopus", 24000, ".opus"),
          "MP3 96k": ("mp3", "libmp3lame", 96000, ".mp3")}
CLICK_VERDICTS = {"click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks"}
ALARM_VERDICTS = CLICK_VERDICTS | {"stall-beeps", "beeps-while-spinning", "bearing-whine", "grinding"}


def versions(x: np.ndarray, tmp: Path) -> dict[str, tuple[np.ndarray, int, float | None]]:
    """The clip itself and each codec's round trip: (samples, rate, bandwidth)."""
    peak = float(np.max(np.abs(x)))
    x = x * np.float32(0.5 / peak) if peak > 0.5 else x   # as a phone's automatic gain would
    out: dict[str, tuple[np.ndarray, int, float | None]] = {"uncompressed": (x, FS, FS / 2)}
    for name, (container, codec, rate, suffix) in CODECS.items():
        path = audiocodec.encode(tmp / f"clip{suffix}", x, FS, container, codec, FS, rate)
        y, fs, info = read_all(path)
        out[name] = (y, fs, info.bandwidth_hz)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--per-snr", type=int, default=20, help="positive clips per SNR (default 20)")
    ap.add_argument("--snrs", default="0,-5", help="event SNRs in dB (default 0,-5)")
    ap.add_argument("--negatives", type=int, default=6, help="click-free clips per background type (default 6)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    th = Thresholds()
    started = time.monotonic()
    snrs = [int(s) for s in args.snrs.split(",")]
    names = ["uncompressed", *CODECS]
    hits: dict[tuple[str, int], list[bool]] = {}
    alarms: dict[tuple[str, str], int] = {}
    bw: dict[str, list[float]] = {n: [] for n in names}
    print(f"acoustic codec benchmark: {CLIP_S:g} s clips at {FS} Hz, seed {args.seed}; codecs encode at {FS} Hz")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for snr in snrs:
            for _ in range(args.per_snr):
                period = float(math.exp(rng.uniform(math.log(0.2), math.log(5.0))))
                x, _t = synth.clicks_in_noise(CLIP_S, FS, period, snr, rng, jitter=rng.uniform(0, 0.02),
                                              pairs=rng.random() < 0.25)
                for name, (y, fs, band) in versions(x, tmp).items():
                    found = bool(CLICK_VERDICTS & set(classify(analyse(y, fs, th, with_pictures=False), th)))
                    hits.setdefault((name, snr), []).append(found)
                    if band is not None:
                        bw[name].append(band)
        negatives = {
            "pink": lambda: synth.pink_noise(int(CLIP_S * FS), rng) * np.float32(0.05),
            "fan+hum": lambda: synth.fan_with_hum(CLIP_S, FS, rng),
            "typing": lambda: synth.typing(CLIP_S, FS, rng),
            "seeks": lambda: synth.seek_bursts(CLIP_S, FS, rng),
            "head parking": lambda: synth.head_parking(CLIP_S, FS, rng),
        }
        for kind, make in negatives.items():
            for _ in range(args.negatives):
                for name, (y, fs, _band) in versions(make(), tmp).items():
                    bad = ALARM_VERDICTS & set(classify(analyse(y, fs, th, with_pictures=False), th))
                    alarms[(name, kind)] = alarms.get((name, kind), 0) + bool(bad)
    hours = args.negatives * CLIP_S / 3600
    print("\nDetection of click-of-death trains (click-of-death, slow-periodic or irregular-periodic verdict)")
    print(f"{'version':<14}" + "".join(f"{f'{s:+d} dB':>12}" for s in snrs) + f"{'bandwidth (median)':>22}")
    for name in names:
        cells = "".join(f"{100 * np.mean(hits[(name, s)]):>11.1f}%" for s in snrs)
        print(f"{name:<14}{cells}{np.median(bw[name]) / 1000 if bw[name] else float('nan'):>19.1f} kHz")
    print(f"({args.per_snr} clips per SNR)")
    print(f"\nFalse alarms (any WARNING/CRITICAL verdict) per hour; {args.negatives} clips = {hours:.2f} h per type")
    print(f"{'version':<14}" + "".join(f"{k:>14}" for k in negatives) + f"{'all':>10}")
    for name in names:
        row = [alarms.get((name, k), 0) for k in negatives]
        print(f"{name:<14}" + "".join(f"{a / hours:>14.1f}" for a in row)
              + f"{sum(row) / (hours * len(row)):>10.2f}")
    print("\nTargets (issue 15 part 3): detection at 0 dB >= 95 % through every codec; 0 false alarms per hour")
    print(f"bench time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
