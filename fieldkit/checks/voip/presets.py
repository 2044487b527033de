"""Readiness presets: the network requirements that voice services publish, judged on the stream.

Each limit is the figure the service publishes, with where it is published; a figure a
service does not publish is not invented (that line is left out of its preset).  A limit
"during any 15 s interval" is judged on the worst 15 s window of the stream (the whole
stream when it is shorter, which the finding says).

Sources (read 2026-12):
* Microsoft Teams, "Prepare your organization's network for Microsoft Teams"
  (learn.microsoft.com/microsoftteams/prepare-network, network requirements table).
  Customer edge to Microsoft network edge: one-way latency < 30 ms, RTT < 60 ms, burst packet
  loss < 1 % during any 200 ms interval, packet loss < 0.1 % during any 15 s interval, packet
  inter-arrival jitter < 15 ms during any 15 s interval, packet reorder < 0.01 %.
  Client to Microsoft edge: < 50 ms, < 100 ms, < 10 % per 200 ms, < 1 % per 15 s, < 30 ms
  per 15 s, < 0.05 %.
* RingCentral, "Quality of service guidelines", Table 2.1 End-to-end network path performance
  requirements (support.ringcentral.com, network requirements): delay < 150 ms one-way
  (< 300 ms round trip), packet loss < 1 %, jitter < 30 ms.
* 8x8, "Definitions and Tolerance Levels" (support.8x8.com, Garbled and Choppy Audio
  Troubleshooting; docs.8x8.com Network Utility terms): latency should not exceed 150 ms in
  one direction; jitter that exceeds 40 ms causes severe voice quality issues.  No packet
  loss figure is published there, so none is judged.
* Twilio, Voice Insights SDK events (twilio.com/docs/voice/insights/call-quality-events-twilio-client-sdk):
  the SDK warns at RTT > 400 ms, jitter > 30 ms, packet loss > 1 % and MOS < 3.5 (each for
  3 of the last 5 samples).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldkit.findings import Finding, Metric, Status, Tier
from fieldkit.messages import N_, joined, t
from fieldkit.options import join_hostport
from fieldkit.voip import playout

if TYPE_CHECKING:
    from fieldkit.checks.voip.verdicts import DirectionQuality
    from fieldkit.voip.stream import StreamReport

NAME = "voip"
WINDOW_15S_MS = 15_000.0
WINDOW_200MS_MS = 200.0


@dataclass(frozen=True)
class Limit:
    quantity: str        # key of the measured value (see _measure)
    limit: float
    label: str           # how the service words it
    unit: str
    higher_is_better: bool = False


# Each title names the service (for Teams also the part of the path its limits apply to); the customer
# reads it in the summary, so it is translatable (N_).
PRESETS: dict[str, tuple[str, tuple[Limit, ...]]] = {
    "teams": (N_("Microsoft Teams (customer edge to Microsoft edge)"), (
        Limit("one_way_ms", 30.0, "one-way latency < 30 ms", "ms"),
        Limit("rtt_ms", 60.0, "round trip < 60 ms", "ms"),
        Limit("burst_loss_200ms_pct", 1.0, "burst packet loss < 1% during any 200 ms", "%"),
        Limit("loss_15s_pct", 0.1, "packet loss < 0.1% during any 15 s", "%"),
        Limit("jitter_15s_ms", 15.0, "jitter < 15 ms during any 15 s", "ms"),
        Limit("reorder_pct", 0.01, "packet reorder < 0.01%", "%"),
    )),
    "teams-client": (N_("Microsoft Teams (client to Microsoft edge)"), (
        Limit("one_way_ms", 50.0, "one-way latency < 50 ms", "ms"),
        Limit("rtt_ms", 100.0, "round trip < 100 ms", "ms"),
        Limit("burst_loss_200ms_pct", 10.0, "burst packet loss < 10% during any 200 ms", "%"),
        Limit("loss_15s_pct", 1.0, "packet loss < 1% during any 15 s", "%"),
        Limit("jitter_15s_ms", 30.0, "jitter < 30 ms during any 15 s", "ms"),
        Limit("reorder_pct", 0.05, "packet reorder < 0.05%", "%"),
    )),
    "ringcentral": (N_("RingCentral"), (
        Limit("one_way_ms", 150.0, "delay < 150 ms one-way", "ms"),
        Limit("rtt_ms", 300.0, "round trip < 300 ms", "ms"),
        Limit("loss_pct", 1.0, "packet loss < 1%", "%"),
        Limit("jitter_ms", 30.0, "jitter < 30 ms", "ms"),
    )),
    "8x8": (N_("8x8"), (
        Limit("one_way_ms", 150.0, "latency not above 150 ms one-way", "ms"),
        Limit("jitter_ms", 40.0, "jitter not above 40 ms", "ms"),
    )),
    "twilio": (N_("Twilio Voice"), (
        Limit("rtt_ms", 400.0, "round trip not above 400 ms", "ms"),
        Limit("jitter_ms", 30.0, "jitter not above 30 ms", "ms"),
        Limit("loss_pct", 1.0, "packet loss not above 1%", "%"),
        Limit("mos", 3.5, "MOS not below 3.5", "", higher_is_better=True),
    )),
}
# 8x8 and Twilio word their figures as "should not exceed" / "warns above": equal passes.
_INCLUSIVE = {"8x8", "twilio"}

#: a limit in the customer's words, by measured quantity and by whether the limit itself passes (inclusive);
#: ``Limit.label`` keeps the service's own wording for the technician
_LIMIT_WORDS: dict[tuple[str, bool], str] = {
    ("one_way_ms", False): N_("one-way delay below {limit:g} ms"),
    ("one_way_ms", True): N_("one-way delay not above {limit:g} ms"),
    ("rtt_ms", False): N_("round trip below {limit:g} ms"),
    ("rtt_ms", True): N_("round trip not above {limit:g} ms"),
    ("loss_pct", False): N_("packet loss below {limit:g}%"),
    ("loss_pct", True): N_("packet loss not above {limit:g}%"),
    ("loss_15s_pct", False): N_("packet loss below {limit:g}% in any 15 seconds"),
    ("burst_loss_200ms_pct", False): N_("packet loss below {limit:g}% in any 200 milliseconds"),
    ("jitter_ms", False): N_("jitter below {limit:g} ms"),
    ("jitter_ms", True): N_("jitter not above {limit:g} ms"),
    ("jitter_15s_ms", False): N_("jitter below {limit:g} ms in any 15 seconds"),
    ("reorder_pct", False): N_("packets out of order below {limit:g}%"),
    ("mos", True): N_("MOS not below {limit:g}"),
}


def _measure(report: "StreamReport", directions: list["DirectionQuality"], interval_ms: float) -> dict[str, float]:
    per15 = max(1, int(round(WINDOW_15S_MS / interval_ms)))
    per200 = max(1, int(round(WINDOW_200MS_MS / interval_ms)))
    received = max(1, report.received)
    return {
        "one_way_ms": (report.rtt_ms["median"] or 0.0) / 2,
        "rtt_ms": report.rtt_ms["median"] or 0.0,
        "loss_pct": max(d.playout.network_loss_pct for d in directions),
        "loss_15s_pct": max(playout.worst_loss_in(d.stats.lost_flags, per15) for d in directions),
        "burst_loss_200ms_pct": max(playout.worst_loss_in(d.stats.lost_flags, per200) for d in directions),
        "jitter_ms": max(d.stats.jitter.mean_ms or 0.0 for d in directions),
        "jitter_15s_ms": max(playout.worst_mean_in(d.stats.jitter.running_ms, per15) or 0.0 for d in directions),
        "reorder_pct": 100.0 * max([report.reordered] + [d.stats.reordered or 0 for d in directions]) / received,
        "mos": min(d.rating.mos for d in directions),
    }


def readiness_finding(preset: str, report: "StreamReport", directions: list["DirectionQuality"],
                      interval_ms: float, host: str, port: int) -> Finding:
    title, limits = PRESETS[preset]
    values = _measure(report, directions, interval_ms)
    inclusive = preset in _INCLUSIVE
    rows, failed, failed_words, metrics = [], [], [], []
    for lim in limits:
        value = values[lim.quantity]
        if lim.higher_is_better:
            ok = value >= lim.limit if inclusive else value > lim.limit
        else:
            ok = value <= lim.limit if inclusive else value < lim.limit
        shown = f"{value:.2f}" if lim.unit != "%" else f"{value:.3f}"
        rows.append(f"{lim.label}: measured {shown}{(' ' + lim.unit) if lim.unit == 'ms' else lim.unit} "
                    f"-> {'meets' if ok else 'does not meet'}")
        if not ok:
            failed.append(lim.label)
            failed_words.append(t(_LIMIT_WORDS[(lim.quantity, inclusive)], limit=lim.limit))
        # A missed limit is a warning; for a higher-is-better limit crit is the scale's floor, so
        # exports (Nagios ranges) read it as lower-is-worse.
        metrics.append(Metric(f"{preset}_{lim.quantity}", round(value, 3), lim.unit, lim.limit,
                              1.0 if lim.higher_is_better else None))
    duration_s = report.sent * interval_ms / 1000
    if duration_s < WINDOW_15S_MS / 1000 and any(lim.quantity.endswith("_15s_ms") or lim.quantity.endswith("_15s_pct")
                                                  for lim in limits):
        rows.append(f"the stream lasted {duration_s:.0f} s: the 15 s limits were judged on the whole stream")
    subject = t("readiness for {service} via {target}", service=t(title), target=join_hostport(host, port))
    data = {"preset": preset, "title": title, "values": {k: round(v, 4) for k, v in values.items()},
            "limits": [{"quantity": lim.quantity, "limit": lim.limit, "label": lim.label,
                        "met": lim.label not in failed} for lim in limits]}
    if failed:
        return Finding(check=NAME, subject=subject, status=Status.WARNING,
                       summary=t("This connection does not meet the published network requirements of {service}: "
                                 "{failed}.", service=t(title), failed=joined(failed_words)),
                       metrics=metrics, detail="\n".join(rows), rule=f"preset-{preset}-not-met", data=data,
                       tier=Tier.ENGINEERING)
    return Finding(check=NAME, subject=subject, status=Status.OK,
                   summary=t("This connection meets the published network requirements of {service}.",
                             service=t(title)),
                   metrics=metrics, detail="\n".join(rows), rule=f"preset-{preset}-met", data=data)
