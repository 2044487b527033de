#!/usr/bin/env python3
"""fieldkit's MOS against ITU-T P.862 PESQ on real speech over the same impaired path.

Run as root (network namespaces, NFQUEUE):  .venv/bin/python bench/voip_pesq.py [--seconds 16]
    [--buffer adaptive|fixed --fixed-ms 80] [--no-plc-reach]  (12 cells, about 25 s each)
Needs espeak-ng, iptables (nft backend), nftables, and the test extra (pesq, NetfilterQueue).

Each cell runs, at the same time over the same router rules: `fieldkit check voip` against
fieldkit's reflector, and espeak-ng speech as G.711 mu-law RTP (20 ms) to a receiver.  The
receiver's jitter buffer is the model fieldkit assumed (``--buffer``), packets it discards
are concealed (an equivalent of G.711 Appendix I, tests/voip/speechlab.py), and PESQ scores
the result against the speech before the codec.  Grid: uniform 0..J ms extra delay toward
the server (J = 0, 20, 40, 80; packets reorder) x loss (none, 3 % random, 3 % in runs of 5).

The two scales differ at the top (clean G.711: 4.41 in the E-model, about 4.0 in PESQ on
synthetic speech), so the error is taken after subtracting one calibration offset: fieldkit's
MOS on the clean path minus PESQ of the speech through G.711 alone (no network).  Targets:
fieldkit's MOS falls as late loss grows; RMSE <= 0.3 after the offset; no cell where fieldkit says good (>= 4.0) and PESQ poor (< 3.1).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "voip"))

import speechlab  # noqa: E402
import voiplab  # noqa: E402

JITTERS = (0, 20, 40, 80)
LOSSES = ("none", "random3", "burst5")
LOSS_WORDS = {"none": "0 %", "random3": "3 % random", "burst5": "3 % in 5s"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=16.0, help="speech per cell (s); 8 s is noisier")
    parser.add_argument("--no-plc-reach", action="store_true",
                        help="rate with plain ITU-T G.107 (no concealment reach)")
    parser.add_argument("--buffer", choices=("adaptive", "fixed"), default="adaptive")
    parser.add_argument("--fixed-ms", type=float, default=60.0)
    parser.add_argument("--jitter", type=float, nargs="*", default=list(JITTERS))
    parser.add_argument("--loss", nargs="*", default=list(LOSSES), choices=LOSSES)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces, NFQUEUE)", file=sys.stderr)
        return 3
    reason = voiplab.available()
    if reason:
        print(reason, file=sys.stderr)
        return 3
    reference = speechlab.speech(args.seconds)
    cells: list[speechlab.Cell] = []
    lab = voiplab.Lab().up()
    try:
        lab.start_reflector(f"{voiplab.SERVER_IP}:862")
        for loss in args.loss:
            for jitter in args.jitter:
                started = time.monotonic()
                cell = speechlab.run_cell(lab, speechlab.Cell(jitter, loss), reference, buffer=args.buffer,
                                          fixed_ms=args.fixed_ms, plc_reach=not args.no_plc_reach)
                cells.append(cell)
                print(f"  cell J={jitter:g} ms loss={loss}: fieldkit {cell.fk_mos:.2f}, PESQ {cell.pesq:.2f} "
                      f"({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    finally:
        lab.down()
    # The offset between the scales: fieldkit's MOS for a clean path minus PESQ of the codec alone
    # (the speech through G.711 without any network).  Taken offline, so a clean lab cell that a busy
    # machine disturbed (late packets from CPU scheduling) cannot shift every error.
    clean = next((c for c in cells if c.jitter_ms == 0 and c.loss == "none"), None)
    frames = len(reference) // speechlab.FRAME
    codec_pesq = speechlab.offline_pesq(reference, [False] * frames)
    clean_mos = clean.fk_mos if clean else 4.38
    offset = clean_mos - codec_pesq
    buffer = "adaptive" if args.buffer == "adaptive" else f"fixed {args.fixed_ms:g} ms"
    print(f"fieldkit MOS vs PESQ (P.862 nb), G.711 + concealment, {args.seconds:g} s espeak-ng speech per cell, "
          f"{buffer} jitter buffer, " + ("plain G.107" if args.no_plc_reach else "G.107 with the concealment reach"))
    print(f"calibration offset: fieldkit clean {clean_mos:.2f} - PESQ of G.711 alone {codec_pesq:.2f} = {offset:.2f}"
          + (f" (the clean lab cell's PESQ: {clean.pesq:.2f})" if clean else ""))
    print(f"| J ms | loss | fieldkit MOS | worst 5 s | late % (fk / RTP) | effective % | PESQ | fk - offset | error |")
    print("|---|---|---|---|---|---|---|---|---|")
    errors, good_but_poor = [], []
    for c in cells:
        calibrated = c.fk_mos - offset
        error = calibrated - c.pesq
        errors.append(error)
        if c.fk_mos >= 4.0 and c.pesq < 3.1:
            good_but_poor.append(c)
        print(f"| {c.jitter_ms:g} | {LOSS_WORDS[c.loss]} | {c.fk_mos:.2f} | {c.fk_mos_window:.2f} | "
              f"{c.fk_late_pct:.1f} / {c.rtp_late_pct:.1f} | {c.fk_effective_pct:.1f} | {c.pesq:.2f} | "
              f"{calibrated:.2f} | {error:+.2f} |")
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else float("nan")
    print(f"RMSE after offset: {rmse:.2f} (target <= 0.3)")
    # Late loss alone: the no-loss column.  With network loss as well, the random drops of the two
    # streams differ, so the lossy columns are checked against the effective loss (network + late).
    pure = sorted((c for c in cells if c.loss == "none"), key=lambda c: c.fk_late_pct)
    monotone = all(a.fk_mos >= b.fk_mos - 0.02 for a, b in zip(pure, pure[1:]))
    print(f"fieldkit MOS falls as late loss grows (no network loss, 0.02 tolerance): {'yes' if monotone else 'NO'}")
    for loss in [x for x in args.loss if x != "none"]:
        column = sorted((c for c in cells if c.loss == loss), key=lambda c: c.fk_effective_pct)
        ok = all(a.fk_mos >= b.fk_mos - 0.02 for a, b in zip(column, column[1:])
                 if b.fk_effective_pct > a.fk_effective_pct)
        print(f"  {LOSS_WORDS[loss]}: fieldkit MOS falls as the effective loss grows: {'yes' if ok else 'NO'}")
    print(f"cells where fieldkit says good (>= 4.0) and PESQ poor (< 3.1): {len(good_but_poor)}"
          + "".join(f"; J={c.jitter_ms:g} {c.loss}" for c in good_but_poor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
