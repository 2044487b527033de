"""The VoIP check's verdicts: measurements of :mod:`fieldkit.voip` into findings
(classification against the profile's thresholds, and plain-language advice).

The measuring package returns typed measurements and never builds a finding; everything
that decides a status or words a sentence for the customer is here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from fieldkit.checks._build import finding_maker, fmt_num, level, round_or_none
from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.messages import Msg, N_, duration, joined, t, tn
from fieldkit.options import join_hostport, split_hostport

if TYPE_CHECKING:
    from fieldkit.voip import emodel, playout, stream

CHECK = "voip"
_f = finding_maker(CHECK)


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        return True


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
                          t("SIP OPTIONS over {transport} not tried: the check's time budget is used up",
                            transport=transport),
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
            "reason": result.reason, "response_ms": round_or_none(result.response_ms), "attempts": result.attempts,
            "server": result.server, "allow": result.allow, "supported": result.supported,
            "via_received": result.received, "via_rport": result.rport,
            "local": list(result.local) if result.local else None, "nat_detected": result.nat_detected,
            "tls_verified": result.tls_verified, "via_sent": result.via_sent, "via_returned": result.via_received}
    metrics = [Metric("sip_response_ms", round_or_none(result.response_ms), "ms")] if result.response_ms is not None else []
    if not result.answered:
        if result.transport == "TLS" and result.kind == "refused":
            # a port number is a name, not a quantity: as text it is never grouped ("5.061" in Italian)
            return _f(subject, Status.OK, t("SIP over TLS is not offered on port {port} (connection refused)",
                                            port=str(port)),
                      rule="sip-tls-not-offered", data=data, evidence=evidence)
        # Phones mostly speak SIP over UDP: unreachable there is critical. Many PBXs offer UDP only,
        # so a missing TCP/TLS answer is a warning.
        status = Status.CRITICAL if result.transport == "UDP" else Status.WARNING
        what = {"refused": t("the port is closed or blocked"),
                "timeout": t("no answer (blocked by a firewall, or the server is down)"),
                "garbage": t("something answered that is not SIP"),
                "resolve": t("the name does not resolve"), "tls": t("TLS failed")}.get(result.kind) \
            or t("the connection failed")
        return _f(subject, status, t("SIP server {target} not reachable over {transport}: {what}",
                                     target=f"{host}:{port}", transport=result.transport, what=what),
                  rule=f"sip-{result.kind or 'error'}", detail=result.error, data=data, evidence=evidence,
                  tier=Tier.ENGINEERING,
                  advice=Advice(meaning=t("The phones may be unable to reach the phone system over this path, so "
                                          "calls or registrations can fail."),
                                action=t("The technician will check the firewall rules and the phone system's "
                                         "address with your provider.")))
    summary, status = _answer_summary(result)
    advice = Advice()
    if status is Status.WARNING and result.status is not None and result.status >= 500:
        advice = Advice(meaning=t("The phone system answered, but said it cannot handle requests right now, so "
                                  "calls may fail."),
                        action=t("The technician will check the phone system's state with your provider."))
    detail = (f"answered {result.status} {result.reason}; Server: {result.server or '-'}; "
              f"Allow: {result.allow or '-'}; Supported: {result.supported or '-'}; top Via sent: {result.via_sent}; "
              f"returned: {result.via_received}; attempts {result.attempts} (RFC 3261 Timer E retransmission)")
    if result.transport == "TLS" and result.tls_verified is False:
        detail += f"; {result.error}"
    return _f(subject, status, summary, rule=f"sip-options-{result.status}", metrics=metrics, data=data,
              evidence=evidence, detail=detail, advice=advice)


def _answer_summary(result: Any) -> tuple[Msg, Status]:
    """The customer's sentences about an answered OPTIONS, and the status they stand for.

    The answer is one sentence; what the answer also showed (NAT on the way, an untrusted TLS
    certificate) are sentences of their own, so each reads whole in every language. The server's
    reason phrase and software name are the server's English: they go to the detail, not here."""
    if result.status in (401, 403, 407):
        answer = t("SIP server reachable over {transport} in {ms:.1f} ms: it answered with code {code} "
                   "(authentication required or OPTIONS refused, which still proves it is reachable).",
                   transport=result.transport, ms=result.response_ms, code=result.status)
        status = Status.OK
    else:
        answer = t("The SIP server answered with code {code} over {transport} in {ms:.1f} ms.",
                   code=result.status, transport=result.transport, ms=result.response_ms)
        status = Status.WARNING if result.status >= 500 and result.status != 501 else Status.OK
    notes = []
    if result.nat_detected:
        notes.append(t("There is address translation (NAT) between here and the server: it sees this computer "
                       "as {address}.", address=join_hostport(result.received or "", result.rport)))
    elif result.nat_detected is False:
        notes.append(t("There is no address translation (NAT) between here and the server: it sees this "
                       "computer's own address."))
    if result.transport == "TLS" and result.tls_verified is False:
        notes.append(t("The server's TLS certificate is not trusted: phones that check certificates will refuse "
                       "the encrypted connection."))
        status = Status.WARNING
    return _sentences(answer, *notes), status


def _sentences(first: Msg, *more: Msg) -> Msg:
    """Whole sentences shown one after the other (each translated on its own)."""
    if not more:
        return first
    # TRANSLATORS: two or more whole sentences shown one after the other; keep both placeholders.
    return t("{first} {more}", first=first, more=joined(more, " "))


def _srv_finding(ctx: Context, domain: str) -> Finding:
    from fieldkit.voip import sip

    return srv_verdict(domain, sip.srv_lookup(domain, timeout_s=3.0, nameserver=ctx.option("dns_server")))


def srv_verdict(domain: str, records: dict[str, Any]) -> Finding:
    """The SRV answers of :func:`fieldkit.voip.sip.srv_lookup` as a finding."""
    if "error" in records:
        return _f(f"SIP SRV {domain}", Status.UNKNOWN,
                  t("The SIP server's DNS records (SRV) could not be looked up from this computer."),
                  rule="sip-srv", detail=str(records["error"]), data={"srv": records})
    found = {k: v for k, v in records.items() if isinstance(v, list)}
    lines = [f"{k}: " + (", ".join(f"{r['target']}:{r['port']} (prio {r['priority']}, weight {r['weight']})"
                                   for r in v) if isinstance(v, list) else str(v)) for k, v in records.items()]
    if found:
        return _f(f"SIP SRV {domain}", Status.OK,
                  t("SIP SRV records found for {domain}: {records}", domain=domain, records=", ".join(found)),
                  rule="sip-srv", detail="; ".join(lines), data={"srv": records})
    return _f(f"SIP SRV {domain}", Status.OK,
              t("No SIP SRV records for {domain}: phones must be configured with the server's host name and port",
                domain=domain),
              rule="sip-srv-none", detail="; ".join(lines), data={"srv": records})


# ------------------------------------------------------------------------------------------ ALG

def alg_findings(ctx: Context, reflector: str, *, required: bool = False,
                 not_run: list[dict[str, str]] | None = None) -> list[Finding]:
    """The echo test against the reflector.  When it cannot run (nothing answers on the ALG port)
    it is UNKNOWN only if the profile required it; otherwise it is listed in ``not_run``."""
    from fieldkit.voip import sip

    host, _ = split_hostport(reflector, 862)
    port = ctx.option("alg_port")
    out = []
    for transport in ("UDP", "TCP"):
        ctx.progress(f"voip: SIP ALG echo test over {transport} to {host}:{port}")
        result = sip.alg_echo_test(host, port, transport, timeout_s=min(3.0, max(0.5, ctx.time_left() / 4)))
        out.extend(alg_verdict(result, transport, host, port, required=required, not_run=not_run))
    return out


def alg_verdict(result: Any, transport: str, host: str, port: int, *, required: bool = False,
                not_run: list[dict[str, str]] | None = None) -> list[Finding]:
    """One echo test (:func:`fieldkit.voip.sip.alg_echo_test`) as a finding, or none when it could not run
    and was not required (then it is listed in ``not_run``)."""
    subject = f"SIP ALG {transport} {host}:{port}"
    data = {"transport": transport, "target": result.target, "echoed": result.echoed,
            "rewritten": result.rewritten, "swallowed": result.swallowed, "changes": result.changes}
    if result.swallowed:
        return [_f(subject, Status.WARNING,
                   t("Possible SIP ALG over {transport}: the connection was accepted, but the SIP message never "
                     "came back.", transport=transport),
                   rule="alg-swallowed", data=data, tier=Tier.ON_SITE, detail=result.error,
                   advice=Advice(meaning=t("Something between here and the test server blocks the phones' "
                                           "call set-up messages over this connection type."),
                                 action=t("Check the router or firewall for a 'SIP ALG' or SIP helper and "
                                          "switch it off.")))]
    if not result.echoed:
        hint = ("Start the reflector with a listener on the ALG port, e.g. "
                f"`fieldkit reflect --listen 0.0.0.0:862 --listen 0.0.0.0:{port}`.")
        if required:
            return [_f(subject, Status.UNKNOWN,
                       t("The SIP ALG test over {transport} was asked for but could not run: the test partner did "
                         "not send the test message back.", transport=transport),
                       rule="alg-no-echo", data=data, detail=f"{result.error}. {hint}")]
        if not_run is not None:
            not_run.append({"part": f"SIP ALG test over {transport} to {host}:{port}",
                            "reason": f"{result.error}. {hint}"})
        return []
    if result.rewritten:
        return [_f(subject, Status.CRITICAL,
                   tn("A SIP ALG rewrites SIP messages over {transport}: {n} line changed between here and "
                      "the reflector.",
                      "A SIP ALG rewrites SIP messages over {transport}: {n} lines changed between here and "
                      "the reflector.", n=len(result.changes), transport=transport),
                   rule="alg-rewrite", data=data, tier=Tier.ON_SITE,
                   detail="\n".join(result.changes[:40]),
                   evidence=[Evidence(source="SIP ALG echo diff", excerpt="\n".join(result.changes[:40]))],
                   advice=Advice(meaning=t("A router or firewall changes the phones' call set-up messages. "
                                           "This commonly causes one-way audio, dropped calls and phones "
                                           "that lose their registration."),
                                 action=t("Switch off 'SIP ALG' (sometimes called SIP helper or SIP fixup) "
                                          "on the router or firewall."),
                                 prevention=t("Check the setting again after router firmware updates or "
                                              "replacements.")))]
    return [_f(subject, Status.OK,
               t("No SIP ALG over {transport}: the SIP message arrived at the reflector byte for byte as "
                 "sent.", transport=transport), rule="alg-clean", data=data)]


#: the customer's words for a part of the SIP message header that came back changed (single-ended hint)
_VIA_SIGNS = {
    "sent-by": N_("over {transport}, the return address in the phone's call set-up message came back changed"),
    "branch": N_("over {transport}, the identifier of the phone's call set-up message came back changed"),
}


def alg_heuristic_findings(ctx: Context, sip_results: list[Finding], *, required: bool = False,
                           not_run: list[dict[str, str]] | None = None) -> list[Finding]:
    """Without a reflector only weak hints exist: a sign of rewriting is a warning; no sign is
    inconclusive (UNKNOWN when the ALG test was required, else listed as not run)."""
    hints = [f for f in sip_results if f.rule.startswith("sip-options") and f.data.get("transport") in ("UDP", "TCP")]
    if not hints:
        return []
    from fieldkit.voip.sip import OptionsResult, via_change, via_heuristic

    signs, seen = [], []
    for finding in hints:
        result = OptionsResult(finding.data["transport"], finding.data["target"],
                               via_sent=finding.data.get("via_sent") or "",
                               via_received=finding.data.get("via_returned"))
        change = via_change(result)
        if change:
            signs.append(t(_VIA_SIGNS[change[0]], transport=finding.data["transport"]))
            seen.append(f"{finding.data['transport']}: {via_heuristic(result)}")
    hint = "Run `fieldkit reflect` on the far side and pass --reflector for a conclusive echo test."
    subject = t("SIP ALG (heuristic)")
    if signs:
        return [_f(subject, Status.WARNING,
                   t("Possible SIP ALG (inconclusive, single-ended test): {signs}.", signs=joined(signs)),
                   rule="alg-heuristic", detail="\n".join(seen + [hint]), tier=Tier.ON_SITE)]
    if required:
        return [_f(subject, Status.UNKNOWN,
                   t("SIP ALG inconclusive (no reflector configured): the SIP answers show no sign of rewriting, "
                     "but many ALGs restore what they changed."), rule="alg-inconclusive", detail=hint)]
    if not_run is not None:
        not_run.append({"part": "SIP ALG echo test",
                        "reason": "no reflector configured; the SIP answers show no sign of rewriting, but many "
                                  "ALGs restore what they changed. " + hint})
    return []


# ------------------------------------------------------------------------------------------ NAT

def nat_findings(ctx: Context, servers: list[str], budget: Callable[[], float]) -> list[Finding]:
    from fieldkit.voip import stun

    ctx.progress(f"voip: NAT behaviour with STUN ({', '.join(servers)})")
    report = stun.discover(servers, timeout_s=min(2.5, max(0.5, budget())),
                           lifetime_max_s=ctx.option("nat_lifetime_max_s"), time_left=budget,
                           checkpoint=ctx.checkpoint)
    return [nat_verdict(report, keepalive_s=ctx.option("sip_keepalive_s"))]


#: the customer's words for each NAT mapping behaviour :mod:`fieldkit.voip.stun` reports (RFC 4787 terms)
_MAPPING_WORDS = {
    "endpoint-independent": N_("The router keeps the same public port whatever the destination "
                               "(endpoint-independent mapping), which suits phones."),
    "address-dependent": N_("The router gives the phones a new public port for each destination address "
                            "(address-dependent mapping)."),
    "address-and-port-dependent": N_("The router gives the phones a new public port for each destination address "
                                     "and port (address-and-port-dependent mapping, a 'symmetric' NAT)."),
    "address-dependent or address-and-port-dependent": N_("The router gives the phones a new public port for each "
                                                          "destination (a 'symmetric' NAT)."),
}
_MAPPING_WORDS["address-dependent or address-and-port-dependent (symmetric)"] = \
    _MAPPING_WORDS["address-dependent or address-and-port-dependent"]
#: ... and for each filtering behaviour (the router's, or a firewall's when there is no NAT)
_FILTERING_WORDS = {
    "endpoint-independent": N_("Once a phone has sent something out, the router or firewall lets in answers from any "
                               "address (endpoint-independent filtering)."),
    "address-dependent": N_("The router or firewall lets in only answers from addresses a phone has sent to "
                            "(address-dependent filtering)."),
    "address-and-port-dependent": N_("The router or firewall lets in only answers from the exact address and port a "
                                     "phone has sent to (address-and-port-dependent filtering)."),
}


def nat_verdict(report: Any, *, keepalive_s: float) -> Finding:
    """What :func:`fieldkit.voip.stun.discover` found out about the NAT, as one finding."""
    subject = "NAT (STUN " + ", ".join(report.servers) + ")"
    data = {"local": list(report.local) if report.local else None,
            "mapped": list(report.mapped) if report.mapped else None, "nat_present": report.nat_present,
            "rfc5780": report.rfc5780, "mapping": report.mapping, "mapping_method": report.mapping_method,
            "filtering": report.filtering, "filtering_note": report.filtering_note,
            "lifetime_s_min": report.lifetime_s_min, "lifetime_s_max": report.lifetime_s_max,
            "lifetime_note": report.lifetime_note, "observations": report.observations, "errors": report.errors,
            "software": report.software}
    if report.mapped is None:
        return _f(subject, Status.WARNING,
                  t("No STUN server answered, so how the router translates addresses could not be tested."),
                  rule="nat-no-answer", data=data, tier=Tier.ENGINEERING, detail="; ".join(report.errors),
                  advice=Advice(meaning=t("The test could not see how the router translates addresses; outgoing "
                                          "UDP may be blocked."),
                                action=t("The technician will check the firewall and the STUN server address.")))
    sentences = [t("The router translates this computer's address to the public address {address}.",
                   address=join_hostport(*report.mapped)) if report.nat_present
                 else t("There is no address translation (NAT): the internet sees this computer's own address.")]
    if report.nat_present and report.mapping in _MAPPING_WORDS:
        sentences.append(t(_MAPPING_WORDS[report.mapping]))
    if report.filtering in _FILTERING_WORDS:
        sentences.append(t(_FILTERING_WORDS[report.filtering]))
    status, rule, advice = Status.OK, "nat-behaviour", Advice()
    notes = [n for n in (report.mapping, report.mapping_method, report.filtering and f"filtering {report.filtering}",
                         report.filtering_note, report.lifetime_note) if n]
    metrics = []
    if report.lifetime_s_max is not None:
        metrics.append(Metric("nat_binding_lifetime_max_s", report.lifetime_s_max, "s"))
        sentences.append(t("The router forgets an idle connection after about {time}.",
                           time=duration(report.lifetime_s_max)))
        if report.lifetime_s_max <= keepalive_s:
            status, rule = Status.WARNING, "nat-binding-short"
            advice = Advice(meaning=t("The router forgets the phones' connections sooner than the phones refresh "
                                      "them, so incoming calls can fail to ring."),
                            action=t("Set the phones' keep-alive below {s:g} seconds, or raise the router's UDP "
                                     "timeout.", s=report.lifetime_s_max))
    elif report.lifetime_s_min is not None:
        metrics.append(Metric("nat_binding_lifetime_min_s", report.lifetime_s_min, "s"))
        sentences.append(t("The router keeps an idle connection open for at least {time}.",
                           time=duration(report.lifetime_s_min)))
    if report.mapping and "dependent" in report.mapping and "independent" not in report.mapping:
        status, rule = Status.WARNING, "nat-symmetric"
        advice = Advice(meaning=t("The router changes the phones' public port for every destination (a "
                                  "'symmetric' NAT). Audio can then go one way only unless the provider relays it."),
                        action=t("Ask the provider whether their server handles this (media relay or 'SBC "
                                 "latching'), or configure the router for endpoint-independent mapping."))
    return _f(subject, status, _sentences(*sentences), rule=rule, data=data, metrics=metrics,
              detail="; ".join(notes + report.errors), advice=advice,
              tier=Tier.ENGINEERING if status is not Status.OK else None)


# ------------------------------------------------------------------------------------------ stream

@dataclass
class DirectionQuality:
    """One direction of the call as the emulated receiver heard it, and its rating."""

    name: str                      # "upstream" / "downstream"
    stats: "stream.DirectionStats"
    playout: "playout.Playout"
    rating: "emodel.Rating"
    window_mos: float | None       # the worst sliding 5 s window's MOS


def stream_findings(ctx: Context, reflector: str) -> list[Finding]:
    from fieldkit.voip import stream

    host, port = split_hostport(reflector, 862)
    port = port or 862
    duration = min(ctx.option("duration"), max(0.0, ctx.time_left() - 4))
    subject = t("call quality to {target}", target=join_hostport(host, port))
    if duration < 1:
        return [_f(subject, Status.UNKNOWN, t("The call-quality test was not run: the check's time budget is used up."),
                   rule="stream-no-time")]
    codec = ctx.option("codec")
    ctx.progress(f"voip: {duration:g} s {codec.upper()} stream to {host}:{port}")
    try:
        run = stream.run_stream(host, port, duration_s=duration, codec=codec, dscp=ctx.option("dscp"),
                                cancel=ctx.cancel)
    except OSError as exc:
        return [_f(subject, Status.UNKNOWN,
                   t("The call-quality test could not start: this computer could not send to the test partner."),
                   rule="stream-error", detail=str(exc.strerror or exc))]
    return stream_verdicts(ctx, run, host, port)


def stream_verdicts(ctx: Context, run: "stream.StreamRun", host: str, port: int) -> list[Finding]:
    """A finished stream (:func:`fieldkit.voip.stream.run_stream`) analysed and judged: call quality, the
    profile's readiness preset and DSCP, or why nothing came back."""
    from fieldkit.voip import stream

    subject = t("call quality to {target}", target=join_hostport(host, port))
    codec = ctx.option("codec")
    report = stream.analyse(run)
    if report.received == 0 or report.upstream is None or report.downstream is None:
        return [_no_reflection(run, report, subject, host, port)]
    directions = rate_directions(report, codec=codec, mos_model=ctx.option("mos_model"),
                                 buffer=ctx.option("jitter_buffer"), fixed_ms=ctx.option("jitter_buffer_ms"),
                                 interval_ms=run.interval_ms, plc_reach=ctx.option("plc_reach"))
    out = [_quality_finding(ctx, run, report, directions, subject)]
    preset = ctx.option("preset")
    if preset and preset != "none":
        from fieldkit.checks.voip import presets

        out.append(presets.readiness_finding(preset, report, directions, run.interval_ms, host, port))
    out.append(_dscp_finding(ctx, run, report, host, port))
    return out


#: the customer's words for the limits a call-quality verdict names ("too high or too low: ...")
_VERDICT_WORDS = {
    "one-way delay": N_("one-way delay"),
    "jitter": N_("jitter"),
    "packet loss": N_("packet loss"),
    "MOS": N_("MOS"),
    "MOS in the worst 5 s": N_("MOS in the worst 5 s"),
}
_STREAM_RULES = {Status.OK: "stream-pass", Status.WARNING: "stream-warn", Status.CRITICAL: "stream-fail"}
#: the direction of the call a MOS was heard in ("MOS 3.9 (upstream, ...)")
_DIRECTION_WORDS = {"upstream": N_("upstream"), "downstream": N_("downstream")}


def buffer_label(model: str, fixed_ms: float) -> str:
    if model == "fixed":
        return f"fixed {fixed_ms:g} ms jitter buffer"
    return "adaptive jitter buffer (95th percentile of the last 2 s of delay variation)"


def rate_directions(report: "stream.StreamReport", *, codec: str, mos_model: str, buffer: str, fixed_ms: float,
                    interval_ms: float, plc_reach: bool = True) -> list[DirectionQuality]:
    """Emulate the receiver on each direction and rate what it would have played.

    The fixed part of the delay is half the fastest round trip (queueing shows up as delay
    variation, which the buffer absorbs and turns into buffer delay or late loss), so a path
    whose delay varies in one direction only is penalised in that direction only.
    """
    from fieldkit.voip import emodel, playout

    base_one_way = (report.rtt_ms["min"] or 0.0) / 2
    label = buffer_label(buffer, fixed_ms)
    out = []
    for name, stats in (("upstream", report.upstream), ("downstream", report.downstream)):
        if stats is None:
            continue
        po = playout.emulate(stats.transits_ms, stats.lost_flags, interval_ms=interval_ms, model=buffer,
                             fixed_ms=fixed_ms)
        jitter = stats.jitter.mean_ms or 0.0

        def rate(loss: float, burst: float, depth: float, lost: list[bool]) -> "emodel.Rating":
            return emodel.rate_path(model=mos_model, codec=codec, one_way_ms=base_one_way,
                                    rtt_ms=report.rtt_ms["median"] or 0.0, jitter_ms=jitter, loss_pct=loss,
                                    burst_r=burst, buffer_ms=depth, buffer_label=label, lost=lost,
                                    plc_reach=plc_reach)

        rating = rate(po.effective_loss_pct, po.bursts.burst_ratio, po.buffer_ms, po.effective_lost)
        size = max(1, int(round(playout.WINDOW_S * 1000 / interval_ms)))
        window_mos = min((rate(w.effective_loss_pct, w.burst_ratio, w.buffer_ms,
                               po.effective_lost[int(round(w.start_s * 1000 / interval_ms)):][:size]).mos
                          for w in po.windows), default=None)
        out.append(DirectionQuality(name, stats, po, rating, window_mos))
    return out


def _no_reflection(run: Any, report: Any, subject: str, host: str, port: int) -> Finding:
    data = {"sent": report.sent, "garbage": report.garbage, "icmp_refused": report.icmp_refused}
    if report.garbage:
        return _f(subject, Status.UNKNOWN,
                  tn("The test partner at {target} answered {n} packet that is not a reflection of the test call: "
                     "another service uses that port, or it is not a reflector.",
                     "The test partner at {target} answered {n} packets that are not reflections of the test call: "
                     "another service uses that port, or it is not a reflector.",
                     n=report.garbage, target=f"{host}:{port}"),
                  rule="stream-garbage", data=data,
                  evidence=[Evidence(source=f"first bad answer from {host}:{port}", excerpt=run.garbage_sample.hex())])
    if report.icmp_refused:
        why = t("the port is closed (ICMP port unreachable)")
    else:
        why = t("no answer at all (reflector not running, wrong address, or UDP blocked on the way)")
    if run.gave_up:
        summary = tn("No answer from the reflector at {target} to {n} packet: {why}; stopped early instead of "
                     "running the full duration.",
                     "No answer from the reflector at {target} to {n} packets: {why}; stopped early instead of "
                     "running the full duration.", n=report.sent, target=f"{host}:{port}", why=why)
    else:
        summary = tn("No answer from the reflector at {target} to {n} packet: {why}.",
                     "No answer from the reflector at {target} to {n} packets: {why}.",
                     n=report.sent, target=f"{host}:{port}", why=why)
    return _f(subject, Status.UNKNOWN, summary, rule="stream-no-answer", data=data,
              detail=f"Start `fieldkit reflect --listen 0.0.0.0:{port}` on the far side and allow UDP {port} "
                     "through its firewall." + (f" Send errors: {run.send_errors}" if run.send_errors else ""),
              advice=Advice(meaning=t("The call-quality test could not reach its test partner, so call quality "
                                      "was not measured."),
                            action=t("The technician will start the test partner and repeat the test.")))


def _quality_finding(ctx: Context, run: Any, report: Any, directions: list[DirectionQuality], subject: str) -> Finding:
    o = ctx.option
    worst = min(directions, key=lambda d: d.rating.mos)
    mos, rating = worst.rating.mos, worst.rating
    window_values = [d.window_mos for d in directions if d.window_mos is not None]
    window_mos = min(window_values) if window_values else mos
    one_way = report.rtt_ms["median"] / 2
    jitter = max(d.stats.jitter.mean_ms or 0.0 for d in directions)
    jitter_max = max(d.stats.jitter.max_ms or 0.0 for d in directions)
    loss = max(d.playout.network_loss_pct for d in directions)
    late = max(d.playout.late_loss_pct for d in directions)
    effective = max(d.playout.effective_loss_pct for d in directions)
    verdicts = {
        "one-way delay": level(one_way, o("one_way_warn_ms"), o("one_way_crit_ms"), inclusive=False),
        "jitter": level(jitter, o("jitter_warn_ms"), o("jitter_crit_ms"), inclusive=False),
        "packet loss": level(loss, o("loss_warn_pct"), o("loss_crit_pct"), inclusive=False),
        "MOS": level(mos, o("mos_warn"), o("mos_crit"), lower_is_worse=True, inclusive=False),
        # Calls fail on bursts, not on averages: a 5 s stretch below the critical MOS is a warning.
        "MOS in the worst 5 s": Status.WARNING if window_mos < o("mos_crit") else Status.OK,
    }
    status = max(verdicts.values(), key=lambda s: s.severity)
    bad = [name for name, s in verdicts.items() if s is not Status.OK]
    model = o("jitter_buffer")
    model_words = (t("a fixed {ms:g} ms jitter buffer", ms=o("jitter_buffer_ms")) if model == "fixed"
                   else t("an adaptive jitter buffer"))
    direction = t(_DIRECTION_WORDS[worst.name])
    params = dict(mos=mos, direction=direction, buffer=model_words, window=window_mos,
                  rtt=report.rtt_ms["median"], jitter=jitter, loss=loss, late=late)
    if status is Status.OK:
        summary = t("Call quality is good: MOS {mos:.2f} ({direction}, with {buffer}), worst 5 s {window:.2f}; "
                    "round trip {rtt:.1f} ms, jitter {jitter:.1f} ms, loss {loss:.2f}%, late packets {late:.2f}%.",
                    **params)
    else:
        summary = t("Call quality is not good enough: MOS {mos:.2f} ({direction}, with {buffer}), worst 5 s "
                    "{window:.2f}; round trip {rtt:.1f} ms, jitter {jitter:.1f} ms, loss {loss:.2f}%, late packets "
                    "{late:.2f}%; too high or too low: {bad}.",
                    bad=joined((t(_VERDICT_WORDS[name]) for name in bad), ", "), **params)
    metrics = [
        Metric("mos", round(mos, 2), "", o("mos_warn"), o("mos_crit"), 1, 4.5),
        # a warning below the critical MOS, never critical: crit 1.0 (the scale's floor) keeps the
        # lower-is-worse reading for exports (Nagios ranges)
        Metric("mos_min_window", round(window_mos, 2), "", o("mos_crit"), 1.0, 1, 4.5),
        Metric("r_factor", round(rating.r, 1), "", None, None, 0, 100),
        Metric("loss_pct", round(loss, 3), "%", o("loss_warn_pct"), o("loss_crit_pct"), 0, 100),
        Metric("late_loss_pct", round(late, 3), "%", None, None, 0, 100),
        Metric("effective_loss_pct", round(effective, 3), "%", None, None, 0, 100),
        Metric("jitter_ms", round(jitter, 3), "ms", o("jitter_warn_ms"), o("jitter_crit_ms")),
        Metric("jitter_max_ms", round(jitter_max, 3), "ms"),
        Metric("one_way_ms", round(one_way, 3), "ms", o("one_way_warn_ms"), o("one_way_crit_ms")),
        Metric("rtt_min_ms", round_or_none(report.rtt_ms["min"], 3), "ms"),
        Metric("rtt_median_ms", round_or_none(report.rtt_ms["median"], 3), "ms"),
        Metric("rtt_p95_ms", round_or_none(report.rtt_ms["p95"], 3), "ms"),
        Metric("rtt_p99_ms", round_or_none(report.rtt_ms["p99"], 3), "ms"),
        Metric("rtt_max_ms", round_or_none(report.rtt_ms["max"], 3), "ms"),
        Metric("rtt_loss_pct", round(report.loss_pct, 3), "%"),
        Metric("sent", report.sent, "packets"), Metric("received", report.received, "packets"),
        Metric("duplicates", report.duplicates, "packets"), Metric("reordered", report.reordered, "packets"),
        Metric("max_consecutive_lost", max(d.playout.bursts.max_consecutive_lost for d in directions), "packets"),
        Metric("pacing_p50_ms", round_or_none(report.pacing_ms["p50"], 3), "ms"),
        Metric("pacing_p99_ms", round_or_none(report.pacing_ms["p99"], 3), "ms"),
    ]
    for d in directions:
        short = "up" if d.name == "upstream" else "down"
        po = d.playout
        metrics += [
            Metric(f"mos_{short}", round(d.rating.mos, 2), "", None, None, 1, 4.5),
            Metric(f"jitter_{short}_ms", round_or_none(d.stats.jitter.mean_ms, 3), "ms"),
            Metric(f"jitter_{short}_max_ms", round_or_none(d.stats.jitter.max_ms, 3), "ms"),
            Metric(f"pdv_{short}_p50_ms", round_or_none(po.pdv_p50_ms, 3), "ms"),
            Metric(f"pdv_{short}_p95_ms", round_or_none(po.pdv_p95_ms, 3), "ms"),
            Metric(f"pdv_{short}_p99_ms", round_or_none(po.pdv_p99_ms, 3), "ms"),
            Metric(f"loss_{short}_pct", round(po.network_loss_pct, 3), "%", None, None, 0, 100),
            Metric(f"late_loss_{short}_pct", round(po.late_loss_pct, 3), "%", None, None, 0, 100),
            Metric(f"effective_loss_{short}_pct", round(po.effective_loss_pct, 3), "%", None, None, 0, 100),
            Metric(f"buffer_{short}_ms", round(po.buffer_ms, 2), "ms"),
        ]
    data = {
        "series": report.series,
        # Per-probe round trips in send order (None = lost), the shape every check's RTT chart uses.
        "rtt_ms": list(report.series.get("rtt_ms") or []),
        "rtt_summary_ms": {k: round_or_none(v, 3) for k, v in report.rtt_ms.items()},
        "codec": o("codec"), "duration_s": round(report.sent * run.interval_ms / 1000, 2),
        "packet_bytes": run.size, "interval_ms": run.interval_ms,
        "rtt_jitter": _jitter_dict(report.rtt_jitter),
        "upstream": _direction_dict(report.upstream), "downstream": _direction_dict(report.downstream),
        "split_loss": report.split_loss,
        "loss": {"sent": report.sent, "received": report.received, "lost": report.lost,
                 "loss_pct": round(report.loss_pct, 3), "duplicates": report.duplicates,
                 "reordered": report.reordered},
        "jitter_buffer": {"model": model, "fixed_ms": o("jitter_buffer_ms") if model == "fixed" else None,
                          "label": buffer_label(model, o("jitter_buffer_ms"))},
        "receiver": {d.name: _receiver_dict(d) for d in directions},
        "worse_direction": worst.name,
        "pacing_ms": {k: round_or_none(v, 4) for k, v in report.pacing_ms.items()},
        "kernel_timestamps": report.kernel_timestamps, "pacer_realtime": run.realtime,
        "reflector_processing_ms": round_or_none(report.reflector_processing_ms, 4),
        "rating": {"model": rating.model, "r": round(rating.r, 2), "mos": round(rating.mos, 3),
                   "mos_min_window": round(window_mos, 3),
                   "mouth_to_ear_ms": round_or_none(rating.mouth_to_ear_ms), "assumptions": rating.assumptions,
                   "parts": {k: round(v, 3) for k, v in rating.parts.items()}},
        "verdicts": {k: v.name for k, v in verdicts.items()},
    }
    detail_lines = [
        f"RTT min/median/p95/p99/max {fmt_num(report.rtt_ms['min'])}/{fmt_num(report.rtt_ms['median'])}/"
        f"{fmt_num(report.rtt_ms['p95'])}/{fmt_num(report.rtt_ms['p99'])}/{fmt_num(report.rtt_ms['max'])} ms; "
        f"one-way {one_way:.1f} ms is RTT/2 (clocks not synchronised); the E-model's fixed delay is half the "
        f"fastest round trip, {(report.rtt_ms['min'] or 0) / 2:.1f} ms, plus each direction's buffer delay",
        f"receiver emulation: {buffer_label(model, o('jitter_buffer_ms'))}; a packet later than its playout point is "
        "discarded (late loss) and concealed like a lost one",
    ]
    for d in directions:
        po, st = d.playout, d.stats
        detail_lines.append(
            f"{d.name}: MOS {d.rating.mos:.2f} (R {d.rating.r:.1f}), worst 5 s {fmt_num(d.window_mos)}; buffer "
            f"{po.buffer_ms:.1f} ms (max {po.buffer_max_ms:.1f}); loss network {po.network_loss_pct:.2f}% + late "
            f"{po.late_loss_pct:.2f}% = {po.effective_loss_pct:.2f}%, BurstR {po.bursts.burst_ratio:.2f}, max "
            f"consecutive {po.bursts.max_consecutive_lost}; PDV p50/p95/p99 {fmt_num(po.pdv_p50_ms)}/"
            f"{fmt_num(po.pdv_p95_ms)}/{fmt_num(po.pdv_p99_ms)} ms; RFC 3550 jitter mean {fmt_num(st.jitter.mean_ms)} ms, "
            f"max {fmt_num(st.jitter.max_ms)}, final {fmt_num(st.jitter.final_ms)}"
            + (f"; RTP-receiver view incl. sender lateness {fmt_num(st.nominal_jitter_ms, 2)} ms"
               if st.nominal_jitter_ms is not None else ""))
    if not report.split_loss:
        detail_lines.append("loss cannot be split by direction (stateless reflector): every loss counts in both")
    detail_lines += [
        f"loss {report.lost}/{report.sent} round trip, duplicates {report.duplicates}, reordered {report.reordered}",
        f"sender timing error p50 {fmt_num(report.pacing_ms['p50'], 3)} ms, p99 {fmt_num(report.pacing_ms['p99'], 3)} ms, "
        f"max {fmt_num(report.pacing_ms['max'], 3)} ms (absolute-deadline pacing"
        f"{', SCHED_FIFO pacer thread' if run.realtime else ', normal priority'}; "
        "actual send times are in the packets)",
        f"receive timestamps: {'kernel (SO_TIMESTAMPNS)' if report.kernel_timestamps else 'user space'}",
        f"{worst.name}: {rating.assumptions}",
    ]
    advice = Advice()
    if status is not Status.OK:
        choppy = any(verdicts[k] is not Status.OK for k in ("packet loss", "jitter", "MOS in the worst 5 s")) \
            or late > 0.5 or effective > loss + 0.5
        advice = Advice(
            meaning=(t("Calls over this connection are likely to sound choppy or robotic.") if choppy
                     else t("Calls over this connection are likely to sound delayed, with people talking over "
                            "each other.")),
            action=t("The technician will look for what congests the connection (large uploads, backups, a busy "
                     "Wi-Fi) and, if it is the provider's line, raise it with the provider."),
            prevention=t("Give phone traffic priority on the router (QoS) and keep big transfers out of office hours."))
    return _f(subject, status, summary, metrics=metrics, data=data, detail="\n".join(detail_lines),
              rule=_STREAM_RULES[status], advice=advice, tier=Tier.ENGINEERING if status is not Status.OK else None)


def _jitter_dict(j: Any) -> dict:
    return {"final_ms": round_or_none(j.final_ms, 3), "mean_ms": round_or_none(j.mean_ms, 3), "max_ms": round_or_none(j.max_ms, 3),
            "mean_abs_d_ms": round_or_none(j.mean_abs_d_ms, 3), "ipdv_p50_ms": round_or_none(j.ipdv_p50_ms, 3),
            "ipdv_p95_ms": round_or_none(j.ipdv_p95_ms, 3), "ipdv_p99_ms": round_or_none(j.ipdv_p99_ms, 3),
            "pdv_p99_ms": round_or_none(j.pdv_p99_ms, 3)}


def _direction_dict(d: Any) -> dict | None:
    if d is None:
        return None
    return {"jitter": _jitter_dict(d.jitter), "lost": d.lost, "loss_pct": round_or_none(d.loss_pct, 3),
            "reordered": d.reordered, "one_way_estimate_ms": round_or_none(d.one_way_median_ms, 3),
            "nominal_jitter_ms": round_or_none(d.nominal_jitter_ms, 3)}


def _receiver_dict(d: DirectionQuality) -> dict:
    po = d.playout
    return {"mos": round(d.rating.mos, 3), "r": round(d.rating.r, 2), "mos_min_window": round_or_none(d.window_mos, 3),
            "mouth_to_ear_ms": round_or_none(d.rating.mouth_to_ear_ms), "buffer_ms": round(po.buffer_ms, 2),
            "buffer_max_ms": round(po.buffer_max_ms, 2), "packets": po.slots, "network_lost": po.network_lost,
            "late": po.late, "network_loss_pct": round(po.network_loss_pct, 3),
            "late_loss_pct": round(po.late_loss_pct, 3), "effective_loss_pct": round(po.effective_loss_pct, 3),
            "pdv_ms": {"p50": round_or_none(po.pdv_p50_ms, 3), "p95": round_or_none(po.pdv_p95_ms, 3), "p99": round_or_none(po.pdv_p99_ms, 3)},
            "bursts": {k: round_or_none(v, 4) if isinstance(v, float) else v for k, v in vars(po.bursts).items()},
            "windows": [{"start_s": w.start_s, "effective_loss_pct": round(w.effective_loss_pct, 3),
                         "burst_ratio": round(w.burst_ratio, 3), "buffer_ms": round(w.buffer_ms, 2)}
                        for w in po.windows]}


#: the two legs of the stream, in the customer's words (DSCP findings)
_LEG_WORDS = {"up": N_("the way to the reflector"), "down": N_("the way back from the reflector")}
_LEG_CHANGED = {"up": N_("to the reflector: {value}"), "down": N_("back from the reflector: {value}")}


def _dscp_finding(ctx: Context, run: Any, report: Any, host: str, port: int) -> Finding:
    wanted = ctx.option("dscp")
    up, down = report.dscp_at_reflector, report.dscp_at_client
    subject = t("DSCP to {target}", target=join_hostport(host, port))
    data = {"requested": wanted, "marking_set": run.tos_set, "at_reflector": up, "at_client": down}
    metrics = [Metric("dscp_at_reflector", up, ""), Metric("dscp_at_client", down, "")]
    if not run.tos_set:
        return _f(subject, Status.UNKNOWN,
                  t("DSCP {dscp} could not be set on this system (the OS refused)", dscp=wanted),
                  rule="dscp-not-set", data=data, metrics=metrics)
    if wanted == 0:
        return _f(subject, Status.OK, t("Stream sent unmarked (DSCP 0): preservation not tested"), rule="dscp-zero",
                  data=data, metrics=metrics)
    legs = {"up": up, "down": down}
    changed = [t(_LEG_CHANGED[leg], value=value) for leg, value in legs.items()
               if value is not None and value != wanted]
    unknown = [t(_LEG_WORDS[leg]) for leg, value in legs.items() if value is None]
    if changed:
        return _f(subject, Status.WARNING,
                  t("DSCP {dscp} is not preserved ({changed}): voice gets no priority on that leg", dscp=wanted,
                    changed=joined(changed)),
                  rule="dscp-rewritten", data=data, metrics=metrics, tier=Tier.ENGINEERING,
                  advice=Advice(meaning=t("The network strips the 'voice first' label from phone traffic, so calls "
                                          "are not prioritised when the line is busy."),
                                action=t("The technician will check the QoS settings of the router and switches and "
                                         "ask the provider whether they honour voice marking.")))
    if unknown:
        return _f(subject, Status.UNKNOWN,
                  t("DSCP {dscp} preserved where it could be seen; it could not be seen on: {legs}", dscp=wanted,
                    legs=joined(unknown, ", ")),
                  rule="dscp-partial", data=data, metrics=metrics)
    return _f(subject, Status.OK, t("DSCP {dscp} preserved to the reflector and back", dscp=wanted),
              rule="dscp-preserved",
              data=data, metrics=metrics)
