"""ITU-T G.107 E-model (06/2015 text) for a measured path, and the simple "vendor" formula.

R = Ro - Is - Id - Ie,eff + A.  All parameters except delay, codec and loss keep the
G.107 Table 3 default values (a standard handset on both ends, no extra noise, TELR 65 dB),
which gives the familiar R = 93.2 ceiling (MOS 4.41) for G.711.

Delay mapping (printed with every result): the mouth-to-ear delay d = one-way network delay
(the fastest packet's RTT / 2) + the jitter-buffer delay of the emulated receiver
(:mod:`fieldkit.voip.playout`) + packetisation and codec look-ahead; G.107 is fed T = Ta = d
and Tr = 2 d.  The loss is the effective loss (network + discarded late) with its BurstR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

NO_PLC_BPL = 4.3   # G.113 Appendix I: G.711 without packet-loss concealment (also the G.107 default)

# Codec equipment impairment Ie and packet-loss robustness Bpl (ITU-T G.113 Appendix I)
CODEC_IMPAIRMENT: dict[str, dict[str, float | str]] = {
    # plc_reach_packets: how many consecutive lost packets the codec's concealment covers.  G.711
    # Appendix I repeats the last pitch period, fades from 10 ms and is silent after 60 ms of
    # erasure: 3 packets of 20 ms.
    "g711": {"ie": 0.0, "bpl": 25.1, "frame_ms": 20.0, "lookahead_ms": 0.0, "plc_reach_packets": 3,
             "label": "G.711 with PLC (Ie 0, Bpl 25.1)"},
    "g711-noplc": {"ie": 0.0, "bpl": 4.3, "frame_ms": 20.0, "lookahead_ms": 0.0, "label": "G.711 without PLC (Ie 0, Bpl 4.3)"},
    "g729": {"ie": 11.0, "bpl": 19.0, "frame_ms": 20.0, "lookahead_ms": 5.0, "label": "G.729A with VAD (Ie 11, Bpl 19)"},
}


@dataclass(frozen=True)
class G107Defaults:
    """G.107 Table 3 default values."""

    slr: float = 8.0
    rlr: float = 2.0
    stmr: float = 15.0
    lstr: float = 18.0
    ds: float = 3.0
    telr: float = 65.0
    wepl: float = 110.0
    qdu: float = 1.0
    nc: float = -70.0
    nfor: float = -64.0
    ps: float = 35.0
    pr: float = 35.0
    a: float = 0.0


def _lg(x: float) -> float:
    return math.log10(x)


def r_factor(*, t_ms: float, ta_ms: float | None = None, tr_ms: float | None = None, ie: float = 0.0,
             bpl: float = 4.3, ppl: float = 0.0, burst_r: float = 1.0, ppl_beyond: float = 0.0,
             bpl_beyond: float = NO_PLC_BPL, p: G107Defaults = G107Defaults()) -> dict:
    """The full G.107 rating; returns R and its parts (Ro, Is, Idte, Idle, Idd, Ie_eff).

    ``ppl_beyond`` (percent) is loss the codec's concealment cannot reach (see :func:`concealment_split`);
    it adds its own impairment with the no-concealment robustness ``bpl_beyond``.  0 gives plain G.107.
    """
    ta_ms = t_ms if ta_ms is None else ta_ms
    tr_ms = 2 * t_ms if tr_ms is None else tr_ms
    olr = p.slr + p.rlr
    nfo = p.nfor + p.rlr
    pre = p.pr + 10 * _lg(1 + 10 ** ((10 - p.lstr) / 10))
    nor = p.rlr - 121 + pre + 0.008 * (pre - 35) ** 2
    nos = p.ps - p.slr - p.ds - 100 + 0.004 * (p.ps - olr - p.ds - 14) ** 2
    no = 10 * _lg(10 ** (p.nc / 10) + 10 ** (nos / 10) + 10 ** (nor / 10) + 10 ** (nfo / 10))
    ro = 15 - 1.5 * (p.slr + no)
    # Simultaneous impairments Is = Iolr + Ist + Iq
    xolr = olr + 0.2 * (64 + no - p.rlr)
    iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8)
    stmro = -10 * _lg(10 ** (-p.stmr / 10) + math.exp(-t_ms / 4) * 10 ** (-p.telr / 10))
    ist = (12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8) - 28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35)
           - 13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13) + 29)
    q = 37 - 15 * _lg(p.qdu)
    g = 1.07 + 0.258 * q + 0.0602 * q ** 2
    z = 46 / 30 - g / 40
    y = (ro - 100) / 15 + 46 / 8.4 - g / 9
    iq = 15 * _lg(1 + 10 ** y + 10 ** z)
    is_ = iolr + ist + iq
    # Delay impairments Id = Idte (talker echo) + Idle (listener echo) + Idd (absolute delay)
    terv = p.telr - 40 * _lg((1 + t_ms / 10) / (1 + t_ms / 150)) + 6 * math.exp(-0.3 * t_ms ** 2)
    if p.stmr < 9:
        terv += ist / 2
    roe = -1.5 * (no - p.rlr)
    re = 80 + 2.5 * (terv - 14)
    idte = ((roe - re) / 2 + math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - math.exp(-t_ms))
    if p.stmr > 20:
        idte = math.sqrt(idte ** 2 + ist ** 2)
    rle = 10.5 * (p.wepl + 7) * (tr_ms + 1) ** -0.25
    idle = (ro - rle) / 2 + math.sqrt((ro - rle) ** 2 / 4 + 169)
    idd = 0.0
    if ta_ms > 100:
        x = _lg(ta_ms / 100) / _lg(2)
        idd = 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)
    ie_eff = ie_effective(ie, bpl, ppl, burst_r)
    if ppl_beyond > 0:
        ie_eff += ie_effective(0.0, bpl_beyond, ppl_beyond, 1.0)
    r = ro - is_ - (idte + idle + idd) - ie_eff + p.a
    return {"r": r, "ro": ro, "is": is_, "idte": idte, "idle": idle, "idd": idd, "id": idte + idle + idd,
            "ie_eff": ie_eff}


def concealment_split(lost: Sequence[bool], reach: int) -> tuple[float, float, float]:
    """Split a loss pattern at the concealment's reach.

    Returns (percent of packets lost within the first ``reach`` of each run, percent lost beyond it,
    BurstR of the pattern with each run cut to ``reach``).  G.107 rates all loss with the codec's
    Bpl, which G.113 derives for losses the concealment covers; a run longer than the concealment
    reaches is heard as a dropout, as if there were no concealment.  Measured against PESQ on
    speech (bench/voip_pesq.py), plain G.107 rated 3 % loss in runs of 5 packets 0.5-0.9 MOS too
    kindly; this split is fieldkit's extension for that case and leaves isolated and short runs
    of loss exactly as G.107 rates them.
    """
    n = len(lost)
    if n == 0:
        return 0.0, 0.0, 1.0
    capped: list[bool] = []
    run = beyond = 0
    for is_lost in lost:
        run = run + 1 if is_lost else 0
        inside = is_lost and run <= reach
        beyond += is_lost and run > reach
        capped.append(inside)
    from fieldkit.voip.metrics import burst_ratio

    return 100.0 * sum(capped) / n, 100.0 * beyond / n, burst_ratio(capped)


def ie_effective(ie: float, bpl: float, ppl: float, burst_r: float = 1.0) -> float:
    """G.107 eq. 7-29; ``ppl`` is the loss in PERCENT (not a count: homer-api#172)."""
    if ppl <= 0:
        return ie
    return ie + (95 - ie) * ppl / (ppl / max(burst_r, 1e-9) + bpl)


def mos_from_r(r: float) -> float:
    """G.107 Annex B."""
    if r < 0:
        return 1.0
    if r > 100:
        return 4.5
    return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)


def simple_r(rtt_ms: float, jitter_ms: float, loss_pct: float, r0: float = 94.768) -> float:
    """The vendor formula (twilio-voice.js ``mos.ts``; NetBeez/PingPlotter with r0 = 93.2).

    Linear in loss, ignores the codec: offered as ``mos_model = simple`` for comparison with
    vendor tools, never the default.
    """
    effective = rtt_ms + 2 * jitter_ms + 10
    if effective < 160:
        r = r0 - effective / 40
    else:
        r = r0 - (effective - 120) / 10
    if loss_pct <= r / 2.5:
        return max(r - 2.5 * loss_pct, 6.52)
    return 0.0


@dataclass
class Rating:
    model: str
    r: float
    mos: float
    mouth_to_ear_ms: float | None
    parts: dict
    assumptions: str


def rate_path(*, model: str, codec: str, one_way_ms: float, rtt_ms: float, jitter_ms: float, loss_pct: float,
              burst_r: float = 1.0, buffer_ms: float | None = None, buffer_label: str = "",
              lost: Sequence[bool] | None = None, plc_reach: bool = True) -> Rating:
    """R and MOS for a measured path, with the assumptions spelled out.

    ``buffer_ms`` is the jitter-buffer delay of the emulated receiver, and ``loss_pct`` then the
    effective loss (network + discarded late); without it the buffer is taken as 2 x jitter.
    ``lost`` is the effective loss pattern (sequence order): with ``plc_reach`` and a codec whose
    concealment reach is known, loss beyond that reach is rated as unconcealed
    (:func:`concealment_split`); otherwise ``loss_pct`` and ``burst_r`` go into G.107 as they are.
    """
    if model == "simple":
        r = simple_r(rtt_ms, jitter_ms, loss_pct)
        return Rating("simple", r, mos_from_r(r), None, {},
                      f"vendor formula: effective latency = RTT {rtt_ms:.1f} + 2 x jitter {jitter_ms:.1f} + 10 ms, "
                      f"R0 94.768, 2.5 R per % loss ({loss_pct:.2f}%); codec ignored")
    c = CODEC_IMPAIRMENT[codec]
    if buffer_ms is None:
        buffer_ms = max(2 * jitter_ms, float(c["frame_ms"]))
        buffer_text = "2 x jitter, at least one packet"
    else:
        buffer_text = buffer_label or "emulated receiver"
    reach = c.get("plc_reach_packets")
    ppl, ppl_beyond, burst = loss_pct, 0.0, burst_r
    loss_text = f"loss {loss_pct:.2f}% BurstR {burst_r:.2f}"
    if plc_reach and lost is not None and reach:
        ppl, ppl_beyond, burst = concealment_split(lost, int(reach))
        loss_text = (f"loss {ppl:.2f}% within the concealment's reach ({int(reach)} packets, BurstR {burst:.2f}) + "
                     f"{ppl_beyond:.2f}% beyond it (rated without concealment, Bpl {NO_PLC_BPL})")
    d = one_way_ms + buffer_ms + float(c["frame_ms"]) + float(c["lookahead_ms"])
    parts = r_factor(t_ms=d, ie=float(c["ie"]), bpl=float(c["bpl"]), ppl=ppl, burst_r=burst, ppl_beyond=ppl_beyond)
    return Rating("g107", parts["r"], mos_from_r(parts["r"]), d, parts,
                  f"ITU-T G.107, {c['label']}, {loss_text}; mouth-to-ear "
                  f"{d:.1f} ms = one-way {one_way_ms:.1f} + jitter buffer {buffer_ms:.1f} "
                  f"({buffer_text}) + packetisation {c['frame_ms']:.0f} + look-ahead "
                  f"{c['lookahead_ms']:.0f}; other parameters G.107 defaults")
