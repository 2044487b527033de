#!/usr/bin/env python3
"""Memory and speed of the acoustic check on long recordings (``--from-file``, analysed in windows).

Writes a 30 s clip and a long WAV (default 60 minutes, 48 kHz, 16-bit mono: 346 MB) of room
noise with a click-of-death train in three bursts at known times, written in chunks so this
script itself stays small. Each file is analysed by the check in a fresh process; the parent
reads that process's peak resident memory from ``os.wait4`` (the kernel's ru_maxrss) and its
CPU time, and prints the real-time factor (recording length over CPU time and over wall time)
and the verdict, which must name when the clicks occur.

    python bench/acoustic_longfile.py                 # 60 min; ~2-4 minutes on 2 loaded cores
    python bench/acoustic_longfile.py --minutes 10
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core
    os.environ.setdefault(_var, "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FS = 48000
PERIOD = 1.1
TARGET_MB = 300


def bursts(total_s: float) -> list[tuple[float, float]]:
    """Three bursts of clicking, 40-90 s long, at 20 %, 55 % and 85 % of the recording."""
    return [(total_s * f, min(total_s, total_s * f + length)) for f, length in ((0.2, 60.0), (0.55, 90.0), (0.85, 40.0))]


def write_long(path: Path, total_s: float, seed: int) -> list[tuple[float, float]]:
    import audiosynth as synth

    rng = np.random.default_rng(seed)
    spans = bursts(total_s)
    chunk_s = 30.0
    shape = synth.click_shape(FS, rng)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(FS)
        t0 = 0.0
        while t0 < total_s:
            n = int(min(chunk_s, total_s - t0) * FS)
            bg = synth.pink_noise(n, rng) * np.float32(0.05)
            times = [k * PERIOD - t0 for a, b in spans for k in range(int(a / PERIOD) + 1, int(b / PERIOD) + 1)
                     if t0 <= k * PERIOD < t0 + n / FS - 0.02]
            gain = synth.event_snr_scale(shape, bg, FS, 0.0)
            x = bg + synth.place(n, FS, times, [shape] * len(times), [gain] * len(times))
            out.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
            t0 += n / FS
    return spans


def measure(path: str, timeout: float) -> int:
    """In the child: run the check on the file, print what it said and how long it took."""
    from fieldkit import checks
    from fieldkit.checks import acoustic
    from fieldkit.context import Context, Environment

    spec = checks.load("acoustic")
    options = spec.defaults()
    options["from_file"] = path
    env = Environment()
    ctx = Context(check="acoustic", options=options, env=env, deadline=env.monotonic() + timeout)
    # warm up (imports, FFT plans) on a short clip, so both rows time the analysis alone
    import numpy as np

    from fieldkit.audio.analysis import analyse
    from fieldkit.audio.decode import probe

    analyse(np.random.default_rng(0).normal(0, 0.05, 5 * FS).astype(np.float32), FS)
    probe(path)
    wall0, cpu0 = time.monotonic(), time.process_time()
    findings = acoustic.run(ctx)
    print(json.dumps({"wall_s": time.monotonic() - wall0, "cpu_s": time.process_time() - cpu0,
                      "status": findings[0].status.name, "summary": findings[0].summary,
                      "segments": findings[0].data.get("click_segments_s", [])}))
    return 0


def run_child(path: Path, timeout: float) -> tuple[dict, float]:
    proc = subprocess.Popen([sys.executable, __file__, "--measure", str(path), "--timeout", str(timeout)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"the check failed on {path} (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024   # KiB -> MiB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--measure", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=3600.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        return measure(args.measure, args.timeout)
    with tempfile.TemporaryDirectory() as tmpdir:
        rows = []
        for label, seconds in (("30 s clip", 30.0), (f"{args.minutes:g} min file", args.minutes * 60)):
            path = Path(tmpdir) / f"{int(seconds)}s.wav"
            spans = write_long(path, seconds, args.seed) if seconds > 30 else None
            if spans is None:
                import audiosynth as synth

                from fieldkit.audio.wav import write_wav

                x, _ = synth.clicks_in_noise(30.0, FS, PERIOD, 0.0, np.random.default_rng(args.seed))
                write_wav(path, x, FS)
            size_mb = path.stat().st_size / 2 ** 20
            result, peak_mb = run_child(path, args.timeout)
            path.unlink()
            rows.append((label, seconds, size_mb, peak_mb, result, spans))
    print(f"acoustic check on long recordings: 48 kHz 16-bit mono WAV, click train every {PERIOD} s at 0 dB event SNR")
    print(f"{'recording':<14} {'file MB':>8} {'peak RSS MB':>12} {'CPU s':>7} {'wall s':>7} {'x real time (CPU)':>18} "
          f"{'(wall)':>7}  status")
    for label, seconds, size_mb, peak_mb, r, _spans in rows:
        print(f"{label:<14} {size_mb:>8.0f} {peak_mb:>12.0f} {r['cpu_s']:>7.1f} {r['wall_s']:>7.1f} "
              f"{seconds / r['cpu_s']:>18.0f} {seconds / r['wall_s']:>7.0f}  {r['status']}")
    for label, _seconds, _size, _peak, r, spans in rows:
        print(f"\n{label}: {r['summary']}")
        if spans:
            print("  clicks written at: " + ", ".join(f"{a:.0f}-{b:.0f} s" for a, b in spans))
            print("  clicks reported at: " + ", ".join(f"{a:.0f}-{b:.0f} s" for a, b in r["segments"]))
    print(f"\nTarget (issue 15 part 4): peak memory under {TARGET_MB} MB for any length; the same real-time factor "
          "as a 30 s clip (the peak includes the Python interpreter, numpy, scipy and PyAV: about "
          "the 30 s clip's figure)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
