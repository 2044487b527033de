"""Turn VoIP measurements into findings (classification and plain-language advice).

Kept out of ``fieldkit/checks/voip.py`` so the check module stays a small wiring layer.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable

from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.options import split_hostport

CHECK = "voip"


def _f(subject: str, status: Status, summary: str, **kw: Any) -> Finding:
    return Finding(check=CHECK, subject=subject, status=status, summary=summary, **kw)


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        return True


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# ------------------------------------------------------------------------------------------ SIP

def sip_findings(ctx: Context, target: str, budget: Callable[[], float]) -> list[Finding]:
    from fieldkit.voip import sip

    host, port = split_hostport(target, 5060)
    port = port or 5060
    timeout = ctx.option("sip_timeout_s")
    domain = ctx.option("sip_domain")
    out: list[Finding] = []
    transports = [("UDP", port), ("TCP", port)]
    if ctx.option("sip_tls"):
        transports.append(("TLS", ctx.option("sip_tls_port")))
    for transport, tport in transports:
        ctx.checkpoint()
        limit = min(timeout, budget())
        if limit < 0.5:
            out.append(_f(f"SIP {transport} {host}:{tport}", Status.UNKNOWN,
                          f"SIP OPTIONS over {transport} not tried: the check's time budget is used up",
                          rule="sip-no-time"))
            continue
        ctx.progress(f"voip: SIP OPTIONS over {transport} to {host}:{tport}")
        result = sip.options(host, tport, transport, timeout_s=limit, domain=domain)
        out.append(_options_finding(result, host, tport))
    if _is_name(domain or host) and budget() > 1:
        out.append(_srv_finding(ctx, domain or host))
    return out


def _options_finding(result: Any, host: str, port: int) -> Finding:
    subject = f"SIP {result.transport} {host}:{port}"
    evidence = [Evidence(source=f"SIP OPTIONS over {result.transport} to {host}:{port}",
                         excerpt=(result.raw_excerpt or result.error)[:1500])]
    data = {"transport": result.transport, "target": f"{host}:{port}", "status_code": result.status,
            "reason": result.reason, "response_ms": _r(result.response_ms), "attempts": result.attempts,
            "server": result.server, "allow": result.allow, "supported": result.supported,
            "via_received": result.received, "via_rport": result.rport,
            "local": list(result.local) if result.local else None, "nat_detected": result.nat_detected,
            "tls_verified": result.tls_verified, "via_sent": result.via_sent, "via_returned": result.via_received}
    metrics = [Metric("sip_response_ms", _r(result.response_ms), "ms")] if result.response_ms is not None else []
    if not result.answered:
        if result.transport == "TLS" and result.kind == "refused":
            return _f(subject, Status.OK, f"SIP over TLS is not offered on port {port} (connection refused)",
                      rule="sip-tls-not-offered", data=data, evidence=evidence)
        # Phones mostly speak SIP over UDP: unreachable there is critical. Many PBXs offer UDP only,
        # so a missing TCP/TLS answer is a warning.
        status = Status.CRITICAL if result.transport == "UDP" else Status.WARNING
        what = {"refused": "the port is closed or blocked", "timeout": "no answer (blocked by a firewall, or the "
                "server is down)", "garbage": "something answered that is not SIP",
                "resolve": "the name does not resolve", "tls": "TLS failed"}.get(result.kind, "error")
        return _f(subject, status, f"SIP server {host}:{port} not reachable over {result.transport}: {what}",
                  rule=f"sip-{result.kind or 'error'}", detail=result.error, data=data, evidence=evidence,
                  tier=Tier.ENGINEERING,
                  advice=Advice(meaning="The phones may be unable to reach the phone system over this path, so "
                                        "calls or registrations can fail.",
                                action="The technician will check the firewall rules and the phone system's "
                                       "address with your provider."))
    nat = ""
    if result.nat_detected:
        nat = f"; NAT between here and the server (it sees {result.received}:{result.rport})"
    elif result.nat_detected is False:
        nat = "; no NAT (the server sees our own address)"
    server = f" ({result.server})" if result.server else ""
    timing = f"{result.response_ms:.1f} ms"
    if result.status in (401, 403, 407):
        summary = (f"SIP server{server} reachable over {result.transport} in {timing}: it answered "
                   f"{result.status} {result.reason} (authentication required or OPTIONS refused, which still "
                   f"proves it is reachable){nat}")
        status = Status.OK
    elif result.status >= 500 and result.status != 501:
        summary = f"SIP server{server} answered {result.status} {result.reason} over {result.transport} in {timing}{nat}"
        status = Status.WARNING
    else:
        summary = f"SIP server{server} answered {result.status} {result.reason} over {result.transport} in {timing}{nat}"
        status = Status.OK
    if result.transport == "TLS" and result.tls_verified is False:
        status = Status.WARNING
        summary += f"; {result.error}"
    detail = (f"Allow: {result.allow or '-'}; Supported: {result.supported or '-'}; top Via sent: {result.via_sent}; "
              f"returned: {result.via_received}; attempts {result.attempts} (RFC 3261 Timer E retransmission)")
    return _f(subject, status, summary, rule=f"sip-options-{result.status}", metrics=metrics, data=data,
              evidence=evidence, detail=detail)


def _srv_finding(ctx: Context, domain: str) -> Finding:
    from fieldkit.voip import sip

    records = sip.srv_lookup(domain, timeout_s=3.0, nameserver=ctx.option("dns_server"))
    if "error" in records:
        return _f(f"SIP SRV {domain}", Status.UNKNOWN, f"SRV lookup not possible: {records['error']}", rule="sip-srv")
    found = {k: v for k, v in records.items() if isinstance(v, list)}
    lines = [f"{k}: " + (", ".join(f"{r['target']}:{r['port']} (prio {r['priority']}, weight {r['weight']})"
                                   for r in v) if isinstance(v, list) else str(v)) for k, v in records.items()]
    if found:
        return _f(f"SIP SRV {domain}", Status.OK, f"SIP SRV records found for {domain}: {', '.join(found)}",
                  rule="sip-srv", detail="; ".join(lines), data={"srv": records})
    return _f(f"SIP SRV {domain}", Status.OK,
              f"No SIP SRV records for {domain}: phones must be configured with the server's host name and port",
              rule="sip-srv-none", detail="; ".join(lines), data={"srv": records})


# ------------------------------------------------------------------------------------------ ALG

def alg_findings(ctx: Context, reflector: str) -> list[Finding]:
    from fieldkit.voip import sip

    host, _ = split_hostport(reflector, 862)
    port = ctx.option("alg_port")
    out = []
    for transport in ("UDP", "TCP"):
        ctx.progress(f"voip: SIP ALG echo test over {transport} to {host}:{port}")
        result = sip.alg_echo_test(host, port, transport, timeout_s=min(3.0, max(0.5, ctx.time_left() / 4)))
        subject = f"SIP ALG {transport} {host}:{port}"
        data = {"transport": transport, "target": result.target, "echoed": result.echoed,
                "rewritten": result.rewritten, "swallowed": result.swallowed, "changes": result.changes}
        if result.swallowed:
            out.append(_f(subject, Status.WARNING, f"Possible SIP ALG over {transport}: {result.error}",
                          rule="alg-swallowed", data=data, tier=Tier.ON_SITE,
                          advice=Advice(meaning="Something between here and the test server blocks the phones' call "
                                                "set-up messages over this connection type.",
                                        action="Check the router or firewall for a 'SIP ALG' or SIP helper and "
                                               "switch it off.")))
        elif not result.echoed:
            out.append(_f(subject, Status.UNKNOWN, f"SIP ALG over {transport} not tested: {result.error}",
                          rule="alg-no-echo", data=data,
                          detail="Start the reflector with a listener on the ALG port, e.g. "
                                 f"`fieldkit reflect --listen 0.0.0.0:862 --listen 0.0.0.0:{port}`."))
        elif result.rewritten:
            out.append(_f(subject, Status.CRITICAL,
                          f"A SIP ALG rewrites SIP messages over {transport}: {len(result.changes)} line(s) changed "
                          "between here and the reflector", rule="alg-rewrite", data=data, tier=Tier.ON_SITE,
                          detail="\n".join(result.changes[:40]),
                          evidence=[Evidence(source="SIP ALG echo diff", excerpt="\n".join(result.changes[:40]))],
                          advice=Advice(meaning="A router or firewall changes the phones' call set-up messages. "
                                                "This commonly causes one-way audio, dropped calls and phones "
                                                "that lose their registration.",
                                        action="Switch off 'SIP ALG' (sometimes called SIP helper or SIP fixup) "
                                               "on the router or firewall.",
                                        prevention="Check the setting again after router firmware updates or "
                                                   "replacements.")))
        else:
            out.append(_f(subject, Status.OK, f"No SIP ALG over {transport}: the SIP message arrived at the reflector "
                                              "byte for byte as sent", rule="alg-clean", data=data))
    return out


def alg_heuristic_findings(ctx: Context, sip_results: list[Finding]) -> list[Finding]:
    """Without a reflector only weak hints exist: label them inconclusive."""
    hints = [f for f in sip_results if f.rule.startswith("sip-options") and f.data.get("transport") in ("UDP", "TCP")]
    if not hints:
        return []
    from fieldkit.voip.sip import OptionsResult, via_heuristic

    signs = []
    for finding in hints:
        result = OptionsResult(finding.data["transport"], finding.data["target"],
                               via_sent=finding.data.get("via_sent") or "",
                               via_received=finding.data.get("via_returned"))
        sign = via_heuristic(result)
        if sign:
            signs.append(f"{finding.data['transport']}: {sign}")
    if signs:
        return [_f("SIP ALG (heuristic)", Status.WARNING,
                   "Possible SIP ALG (inconclusive, single-ended test): " + "; ".join(signs), rule="alg-heuristic",
                   detail="Run `fieldkit reflect` on the far side and pass --reflector for a conclusive echo test.",
                   tier=Tier.ON_SITE)]
    return [_f("SIP ALG (heuristic)", Status.UNKNOWN,
               "SIP ALG inconclusive (no reflector configured): the SIP answers show no sign of rewriting, "
               "but many ALGs restore what they changed", rule="alg-inconclusive",
               detail="Run `fieldkit reflect` on the far side and pass --reflector for a conclusive echo test.")]


# ------------------------------------------------------------------------------------------ NAT

def nat_findings(ctx: Context, servers: list[str], budget: Callable[[], float]) -> list[Finding]:
    from fieldkit.voip import stun

    ctx.progress(f"voip: NAT behaviour with STUN ({', '.join(servers)})")
    report = stun.discover(servers, timeout_s=min(2.5, max(0.5, budget())),
                           lifetime_max_s=ctx.option("nat_lifetime_max_s"), time_left=budget,
                           checkpoint=ctx.checkpoint)
    subject = "NAT (STUN " + ", ".join(servers) + ")"
    data = {"local": list(report.local) if report.local else None,
            "mapped": list(report.mapped) if report.mapped else None, "nat_present": report.nat_present,
            "rfc5780": report.rfc5780, "mapping": report.mapping, "mapping_method": report.mapping_method,
            "filtering": report.filtering, "filtering_note": report.filtering_note,
            "lifetime_s_min": report.lifetime_s_min, "lifetime_s_max": report.lifetime_s_max,
            "lifetime_note": report.lifetime_note, "observations": report.observations, "errors": report.errors,
            "software": report.software}
    if report.mapped is None:
        return [_f(subject, Status.WARNING, "No STUN server answered: " + "; ".join(report.errors), rule="nat-no-answer",
                   data=data, tier=Tier.ENGINEERING,
                   advice=Advice(meaning="The test could not see how the router translates addresses; outgoing UDP "
                                         "may be blocked.",
                                 action="The technician will check the firewall and the STUN server address."))]
    parts = [f"public address {report.mapped[0]}:{report.mapped[1]}" if report.nat_present else "no NAT"]
    if report.mapping:
        parts.append(f"mapping {report.mapping}")
    if report.filtering:
        parts.append(f"filtering {report.filtering}")
    status, rule, advice = Status.OK, "nat-behaviour", Advice()
    notes = [n for n in (report.mapping_method, report.filtering_note, report.lifetime_note) if n]
    keepalive = ctx.option("sip_keepalive_s")
    metrics = []
    if report.lifetime_s_max is not None:
        metrics.append(Metric("nat_binding_lifetime_max_s", report.lifetime_s_max, "s"))
        parts.append(f"UDP binding gone after {report.lifetime_s_max:g} s idle")
        if report.lifetime_s_max <= keepalive:
            status, rule = Status.WARNING, "nat-binding-short"
            advice = Advice(meaning="The router forgets the phones' connections sooner than the phones refresh "
                                    "them, so incoming calls can fail to ring.",
                            action=f"Set the phones' keep-alive below {report.lifetime_s_max:g} seconds, or raise "
                                   "the router's UDP timeout.")
    elif report.lifetime_s_min is not None:
        metrics.append(Metric("nat_binding_lifetime_min_s", report.lifetime_s_min, "s"))
        parts.append(f"UDP binding survives at least {report.lifetime_s_min:g} s idle")
    if report.mapping and "dependent" in report.mapping and "independent" not in report.mapping:
        status, rule = Status.WARNING, "nat-symmetric"
        advice = Advice(meaning="The router changes the phones' public port for every destination (a 'symmetric' "
                                "NAT). Audio can then go one way only unless the provider relays it.",
                        action="Ask the provider whether their server handles this (media relay or 'SBC latching'), "
                               "or configure the router for endpoint-independent mapping.")
    return [_f(subject, status, "NAT: " + ", ".join(parts), rule=rule, data=data, metrics=metrics,
               detail="; ".join(notes + report.errors), advice=advice,
               tier=Tier.ENGINEERING if status is not Status.OK else None)]


# ------------------------------------------------------------------------------------------ stream

def stream_findings(ctx: Context, reflector: str) -> list[Finding]:
    from fieldkit.voip import emodel, stream

    host, port = split_hostport(reflector, 862)
    port = port or 862
    duration = min(ctx.option("duration"), max(0.0, ctx.time_left() - 4))
    subject = f"call quality to {host}:{port}"
    if duration < 1:
        return [_f(subject, Status.UNKNOWN, "Stream test not run: the check's time budget is used up",
                   rule="stream-no-time")]
    codec = ctx.option("codec")
    ctx.progress(f"voip: {duration:g} s {codec.upper()} stream to {host}:{port}")
    try:
        run = stream.run_stream(host, port, duration_s=duration, codec=codec, dscp=ctx.option("dscp"),
                                cancel=ctx.cancel)
    except OSError as exc:
        return [_f(subject, Status.UNKNOWN, f"Stream test could not start: {exc.strerror or exc}", rule="stream-error")]
    report = stream.analyse(run)
    if report.received == 0:
        return [_no_reflection(run, report, subject, host, port)]
    one_way = report.rtt_ms["median"] / 2
    jitter = _jitter_for_rating(report)
    loss = _loss_for_rating(report)
    rating = emodel.rate_path(model=ctx.option("mos_model"), codec=codec, one_way_ms=one_way,
                              rtt_ms=report.rtt_ms["median"], jitter_ms=jitter, loss_pct=loss,
                              burst_r=report.bursts.burst_ratio)
    return [_quality_finding(ctx, run, report, rating, subject, one_way, jitter, loss),
            _dscp_finding(ctx, run, report, host, port)]


def _jitter_for_rating(report: Any) -> float:
    """The worse direction's RFC 3550 jitter when the reflector's timestamps split it, else the RTT jitter."""
    values = [d.jitter.final_ms for d in (report.upstream, report.downstream) if d and d.jitter.final_ms is not None]
    return max(values) if values else (report.rtt_jitter.final_ms or 0.0)


def _max_jitter(report: Any) -> float | None:
    """The largest RFC 3550 jitter value reached during the stream, over the directions measured."""
    peaks = [d.jitter.max_ms for d in (report.upstream, report.downstream) if d and d.jitter.max_ms is not None]
    if not peaks and report.rtt_jitter.max_ms is not None:
        peaks = [report.rtt_jitter.max_ms]
    return max(peaks) if peaks else None


def _loss_for_rating(report: Any) -> float:
    if report.split_loss and report.upstream and report.downstream:
        return max(report.upstream.loss_pct or 0.0, report.downstream.loss_pct or 0.0)
    return report.loss_pct  # round trip: conservative when the directions cannot be told apart


def _no_reflection(run: Any, report: Any, subject: str, host: str, port: int) -> Finding:
    data = {"sent": report.sent, "garbage": report.garbage, "icmp_refused": report.icmp_refused}
    if report.garbage:
        return _f(subject, Status.UNKNOWN,
                  f"The reflector at {host}:{port} answered {report.garbage} packet(s) that are not TWAMP-light "
                  "reflections of the stream: another service uses that port, or it is not a reflector",
                  rule="stream-garbage", data=data,
                  evidence=[Evidence(source=f"first bad answer from {host}:{port}", excerpt=run.garbage_sample.hex())])
    why = ("the port is closed (ICMP port unreachable)" if report.icmp_refused else
           "no answer at all (reflector not running, wrong address, or UDP blocked on the way)")
    if run.gave_up:
        why += f"; stopped after {report.sent} packets instead of running the full duration"
    return _f(subject, Status.UNKNOWN, f"No answer from the reflector at {host}:{port} to {report.sent} packets: {why}",
              rule="stream-no-answer", data=data,
              detail=f"Start `fieldkit reflect --listen 0.0.0.0:{port}` on the far side and allow UDP {port} "
                     "through its firewall." + (f" Send errors: {run.send_errors}" if run.send_errors else ""),
              advice=Advice(meaning="The call-quality test could not reach its test partner, so call quality "
                                    "was not measured.",
                            action="The technician will start the test partner and repeat the test."))


def _level(value: float, warn: float, crit: float, lower_is_worse: bool = False) -> Status:
    if lower_is_worse:
        return Status.CRITICAL if value < crit else Status.WARNING if value < warn else Status.OK
    return Status.CRITICAL if value > crit else Status.WARNING if value > warn else Status.OK


def _quality_finding(ctx: Context, run: Any, report: Any, rating: Any, subject: str, one_way: float,
                     jitter: float, loss: float) -> Finding:
    o = ctx.option
    verdicts = {
        "one-way delay": _level(one_way, o("one_way_warn_ms"), o("one_way_crit_ms")),
        "jitter": _level(jitter, o("jitter_warn_ms"), o("jitter_crit_ms")),
        "packet loss": _level(loss, o("loss_warn_pct"), o("loss_crit_pct")),
        "MOS": _level(rating.mos, o("mos_warn"), o("mos_crit"), lower_is_worse=True),
    }
    status = max(verdicts.values(), key=lambda s: s.severity)
    grade = {Status.OK: "PASS", Status.WARNING: "WARN", Status.CRITICAL: "FAIL"}[status]
    bad = [name for name, s in verdicts.items() if s is not Status.OK]
    up, down = report.upstream, report.downstream
    summary = (f"{grade}: MOS {rating.mos:.2f} (R {rating.r:.1f}), RTT median {report.rtt_ms['median']:.1f} ms, "
               f"jitter {jitter:.1f} ms, loss {loss:.2f}%" + (f"; too high: {', '.join(bad)}" if bad else ""))
    metrics = [
        Metric("mos", round(rating.mos, 2), "", o("mos_warn"), o("mos_crit"), 1, 4.5),
        Metric("r_factor", round(rating.r, 1), "", None, None, 0, 100),
        Metric("loss_pct", round(loss, 3), "%", o("loss_warn_pct"), o("loss_crit_pct"), 0, 100),
        Metric("jitter_ms", round(jitter, 3), "ms", o("jitter_warn_ms"), o("jitter_crit_ms")),
        Metric("one_way_ms", round(one_way, 3), "ms", o("one_way_warn_ms"), o("one_way_crit_ms")),
        Metric("rtt_min_ms", _r(report.rtt_ms["min"], 3), "ms"),
        Metric("rtt_median_ms", _r(report.rtt_ms["median"], 3), "ms"),
        Metric("rtt_p95_ms", _r(report.rtt_ms["p95"], 3), "ms"),
        Metric("rtt_p99_ms", _r(report.rtt_ms["p99"], 3), "ms"),
        Metric("rtt_max_ms", _r(report.rtt_ms["max"], 3), "ms"),
        Metric("jitter_max_ms", _r(_max_jitter(report), 3), "ms"),
        Metric("rtt_loss_pct", round(report.loss_pct, 3), "%"),
        Metric("sent", report.sent, "c"), Metric("received", report.received, "c"),
        Metric("duplicates", report.duplicates, "c"), Metric("reordered", report.reordered, "c"),
        Metric("max_consecutive_lost", report.bursts.max_consecutive_lost, "c"),
        Metric("pacing_p50_ms", _r(report.pacing_ms["p50"], 3), "ms"),
        Metric("pacing_p99_ms", _r(report.pacing_ms["p99"], 3), "ms"),
    ]
    for name, direction in (("up", up), ("down", down)):
        if direction is None:
            continue
        metrics.append(Metric(f"jitter_{name}_ms", _r(direction.jitter.final_ms, 3), "ms"))
        if direction.loss_pct is not None:
            metrics.append(Metric(f"loss_{name}_pct", round(direction.loss_pct, 3), "%"))
    data = {
        "series": report.series,
        "codec": o("codec"), "duration_s": round(report.sent * run.interval_ms / 1000, 2),
        "packet_bytes": run.size, "interval_ms": run.interval_ms,
        "rtt_ms": {k: _r(v, 3) for k, v in report.rtt_ms.items()},
        "rtt_jitter": _jitter_dict(report.rtt_jitter),
        "upstream": _direction_dict(up), "downstream": _direction_dict(down), "split_loss": report.split_loss,
        "loss": {"sent": report.sent, "received": report.received, "lost": report.lost,
                 "loss_pct": round(report.loss_pct, 3), "duplicates": report.duplicates,
                 "reordered": report.reordered},
        "bursts": {k: _r(v, 4) if isinstance(v, float) else v for k, v in vars(report.bursts).items()},
        "pacing_ms": {k: _r(v, 4) for k, v in report.pacing_ms.items()},
        "kernel_timestamps": report.kernel_timestamps, "pacer_realtime": run.realtime,
        "reflector_processing_ms": _r(report.reflector_processing_ms, 4),
        "rating": {"model": rating.model, "r": round(rating.r, 2), "mos": round(rating.mos, 3),
                   "mouth_to_ear_ms": _r(rating.mouth_to_ear_ms), "assumptions": rating.assumptions,
                   "parts": {k: round(v, 3) for k, v in rating.parts.items()}},
        "verdicts": {k: v.name for k, v in verdicts.items()},
    }
    detail_lines = [
        f"RTT min/median/p95/p99/max {_fmt(report.rtt_ms['min'])}/{_fmt(report.rtt_ms['median'])}/"
        f"{_fmt(report.rtt_ms['p95'])}/{_fmt(report.rtt_ms['p99'])}/{_fmt(report.rtt_ms['max'])} ms",
        f"one-way delay {one_way:.1f} ms is RTT/2 (clocks not synchronised); per-direction estimate up "
        f"{_fmt(up.one_way_median_ms if up else None)} / down {_fmt(down.one_way_median_ms if down else None)} ms "
        "(clock offset taken from the minimum-RTT packet)",
    ]
    for name, d in (("upstream", up), ("downstream", down)):
        if d:
            detail_lines.append(
                f"{name}: RFC 3550 jitter {_fmt(d.jitter.final_ms)} ms (max {_fmt(d.jitter.max_ms)}), IPDV p50/p95/p99 "
                f"{_fmt(d.jitter.ipdv_p50_ms)}/{_fmt(d.jitter.ipdv_p95_ms)}/{_fmt(d.jitter.ipdv_p99_ms)} ms, PDV p99 "
                f"{_fmt(d.jitter.pdv_p99_ms)} ms"
                + (f", RTP-receiver view incl. sender lateness {_fmt(d.nominal_jitter_ms, 2)} ms"
                   if d.nominal_jitter_ms is not None else "") + ", loss "
                + (f"{d.lost} ({d.loss_pct:.2f}%)" if d.loss_pct is not None else "not separable (stateless reflector)"))
    detail_lines += [
        f"loss {report.lost}/{report.sent} round trip, duplicates {report.duplicates}, reordered {report.reordered}, "
        f"max consecutive lost {report.bursts.max_consecutive_lost}, burst density {report.bursts.burst_density:.3f}, "
        f"gap density {report.bursts.gap_density:.4f} (RFC 3611, Gmin 16), BurstR {report.bursts.burst_ratio:.2f}",
        f"sender timing error p50 {_fmt(report.pacing_ms['p50'], 3)} ms, p99 {_fmt(report.pacing_ms['p99'], 3)} ms, "
        f"max {_fmt(report.pacing_ms['max'], 3)} ms (absolute-deadline pacing"
        f"{', SCHED_FIFO pacer thread' if run.realtime else ', normal priority'}; actual send times are in the packets)",
        f"receive timestamps: {'kernel (SO_TIMESTAMPNS)' if report.kernel_timestamps else 'user space'}",
        rating.assumptions,
    ]
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(
            meaning="Calls over this connection are likely to sound " +
                    ("choppy or robotic" if verdicts["packet loss"] is not Status.OK or verdicts["jitter"] is not Status.OK
                     else "delayed, with people talking over each other") + ".",
            action="The technician will look for what congests the connection (large uploads, backups, a busy "
                   "Wi-Fi) and, if it is the provider's line, raise it with the provider.",
            prevention="Give phone traffic priority on the router (QoS) and keep big transfers out of office hours.")
    return _f(subject, status, summary, metrics=metrics, data=data, detail="\n".join(detail_lines),
              rule="stream-" + grade.lower(), advice=advice, tier=Tier.ENGINEERING if status is not Status.OK else None)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _jitter_dict(j: Any) -> dict:
    return {"final_ms": _r(j.final_ms, 3), "max_ms": _r(j.max_ms, 3), "mean_abs_d_ms": _r(j.mean_abs_d_ms, 3),
            "ipdv_p50_ms": _r(j.ipdv_p50_ms, 3), "ipdv_p95_ms": _r(j.ipdv_p95_ms, 3),
            "ipdv_p99_ms": _r(j.ipdv_p99_ms, 3), "pdv_p99_ms": _r(j.pdv_p99_ms, 3)}


def _direction_dict(d: Any) -> dict | None:
    if d is None:
        return None
    return {"jitter": _jitter_dict(d.jitter), "lost": d.lost, "loss_pct": _r(d.loss_pct, 3),
            "reordered": d.reordered, "one_way_estimate_ms": _r(d.one_way_median_ms, 3),
            "nominal_jitter_ms": _r(d.nominal_jitter_ms, 3)}


def _dscp_finding(ctx: Context, run: Any, report: Any, host: str, port: int) -> Finding:
    wanted = ctx.option("dscp")
    up, down = report.dscp_at_reflector, report.dscp_at_client
    subject = f"DSCP to {host}:{port}"
    data = {"requested": wanted, "marking_set": run.tos_set, "at_reflector": up, "at_client": down}
    metrics = [Metric("dscp_at_reflector", up, ""), Metric("dscp_at_client", down, "")]
    if not run.tos_set:
        return _f(subject, Status.UNKNOWN, f"DSCP {wanted} could not be set on this system (the OS refused)",
                  rule="dscp-not-set", data=data, metrics=metrics)
    if wanted == 0:
        return _f(subject, Status.OK, "Stream sent unmarked (DSCP 0): preservation not tested", rule="dscp-zero",
                  data=data, metrics=metrics)
    legs = {"to the reflector": up, "back from the reflector": down}
    changed = [f"{leg}: {value}" for leg, value in legs.items() if value is not None and value != wanted]
    unknown = [leg for leg, value in legs.items() if value is None]
    if changed:
        return _f(subject, Status.WARNING,
                  f"DSCP {wanted} is not preserved ({'; '.join(changed)}): voice gets no priority on that leg",
                  rule="dscp-rewritten", data=data, metrics=metrics, tier=Tier.ENGINEERING,
                  advice=Advice(meaning="The network strips the 'voice first' label from phone traffic, so calls are "
                                        "not prioritised when the line is busy.",
                                action="The technician will check the QoS settings of the router and switches and ask "
                                       "the provider whether they honour voice marking."))
    if unknown:
        return _f(subject, Status.UNKNOWN, f"DSCP {wanted} preserved where visible; not visible {', '.join(unknown)}",
                  rule="dscp-partial", data=data, metrics=metrics)
    return _f(subject, Status.OK, f"DSCP {wanted} preserved to the reflector and back", rule="dscp-preserved",
              data=data, metrics=metrics)
