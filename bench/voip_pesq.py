#!/usr/bin/env python3
"""fieldkit's MOS against ITU-T P.862 PESQ on real speech over the same impaired path.

Run as root (network namespaces, NFQUEUE):  .venv/bin/python bench/voip_pesq.py [--seconds 8]
Needs espeak-ng, iptables (nft backend), nftables, and the test extra (pesq, NetfilterQueue).

Each cell runs, at the same time over the same router rules: `fieldkit check voip` against
fieldkit's reflector, and espeak-ng speech as G.711 mu-law RTP (20 ms) to a receiver.  The
receiver's jitter buffer is the model fieldkit assumed (``--buffer``), packets it discards
are concealed (an equivalent of G.711 Appendix I, tests/voip/speechlab.py), and PESQ scores
the result against the speech before the codec.  Grid: uniform 0..J ms extra delay toward
the server (J = 0, 20, 40, 80; packets reorder) x loss (none, 3 % random, 3 % in runs of 5).

The two scales differ at the top (clean G.711: 4.41 in the E-model, about 4.0 in PESQ on
synthetic speech), so the error is taken after subtracting one calibration offset: fieldkit's
MOS minus PESQ in the clean cell.  Targets: fieldkit's MOS falls as late loss grows; RMSE
<= 0.3 after the offset; no cell where fieldkit says good (>= 4.0) and PESQ poor (< 3.1).
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
    parser.add_argument("--seconds", type=float, default=8.0, help="speech per cell (s)")
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
                                          fixed_ms=args.fixed_ms)
                cells.append(cell)
                print(f"  cell J={jitter:g} ms loss={loss}: fieldkit {cell.fk_mos:.2f}, PESQ {cell.pesq:.2f} "
                      f"({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    finally:
        lab.down()
    clean = next((c for c in cells if c.jitter_ms == 0 and c.loss == "none"), None)
    offset = (clean.fk_mos - clean.pesq) if clean else 0.0
    buffer = "adaptive" if args.buffer == "adaptive" else f"fixed {args.fixed_ms:g} ms"
    print(f"fieldkit MOS vs PESQ (P.862 nb), G.711 + concealment, {args.seconds:g} s espeak-ng speech per cell, "
          f"{buffer} jitter buffer")
    print(f"calibration offset (fieldkit - PESQ in the clean cell): {offset:.2f}")
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
    monotone = True
    for loss in args.loss:
        column = sorted((c for c in cells if c.loss == loss), key=lambda c: c.fk_late_pct)
        monotone &= all(a.fk_mos >= b.fk_mos - 0.02 for a, b in zip(column, column[1:]))
    print(f"fieldkit MOS falls as late loss grows (per loss column, 0.02 tolerance): {'yes' if monotone else 'NO'}")
    print(f"cells where fieldkit says good (>= 4.0) and PESQ poor (< 3.1): {len(good_but_poor)}"
          + "".join(f"; J={c.jitter_ms:g} {c.loss}" for c in good_but_poor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
