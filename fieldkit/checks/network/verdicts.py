"""Turn probe results into findings for the ``network`` check (thresholds, advice, data).

The probes in :mod:`fieldkit.net` return measurements; this module, part of the check,
classifies them. Kept apart from the check's ``__init__`` so that one stays a
plan-and-run skeleton.
"""

from __future__ import annotations

from typing import Any, Callable

from fieldkit.checks._build import finding_maker, fmt_ms, level
from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier, worst
from fieldkit.net import RttStats
from fieldkit.options import join_hostport
from fieldkit.net.dns import DnsAnswer, NxdomainResult
from fieldkit.net.http import HttpResult, PortalResult
from fieldkit.net.icmp import PingResult
from fieldkit.net.local import Interface, ResolverConfig, Route
from fieldkit.net.pmtu import PmtuResult
from fieldkit.net.tcp import TcpResult
from fieldkit.net.traceroute import TraceResult, analyse

CHECK = "network"
_f = finding_maker(CHECK)


# ---------------------------------------------------------------------------- local configuration
_APIPA_ADVICE = Advice(
    meaning="This computer gave itself an emergency address because no device on the network handed it one. "
            "With that address it cannot reach the internet or most other devices.",
    action="Check the cable or Wi-Fi connection and restart the router; if it persists the router's address "
           "service (DHCP) is not working and needs to be fixed.",
    prevention="Keep the router's firmware up to date and avoid a second router handing out addresses on the same network.")

_NO_LINK_ADVICE = Advice(
    meaning="This computer is not connected to any network right now.",
    action="Plug in the network cable or connect to the Wi-Fi, and check that the network adapter is switched on.",
    prevention="Use cable clips so network cables are not pulled out by accident.")

_NO_ROUTE_ADVICE = Advice(
    meaning="This computer does not know where to send traffic for the internet, so only local devices can be reached.",
    action="Restart the network connection or the router so the computer gets its settings again; if the address "
           "was typed in by hand, the router address (gateway) is missing.",
    prevention="Let the router configure the computer automatically unless there is a reason not to.")

_NO_DNS_ADVICE = Advice(
    meaning="No name server is configured, so web sites and services cannot be found by name.",
    action="Reconnect to the network so the router supplies a name server, or enter one in the network settings.",
    prevention="Let the router configure the computer automatically.")


def local_findings(interfaces: list[Interface], routes: list[Route], resolver_config: ResolverConfig,
                   resolvers: list[str], dns_enabled: bool) -> list[Finding]:
    out = [_interfaces_finding(interfaces)]
    for iface in interfaces:
        if iface.connected and not iface.loopback and iface.link_local_ipv4:
            only = len(iface.link_local_ipv4) == len(iface.ipv4)
            out.append(_f(f"interface {iface.name}", Status.CRITICAL,
                          f"{iface.name} has a self-assigned address {iface.link_local_ipv4[0]}"
                          + (" and no other IPv4 address" if only else ""),
                          rule="apipa-address", advice=_APIPA_ADVICE, tier=Tier.ON_SITE,
                          detail="169.254.0.0/16 (RFC 3927 link-local) means DHCP got no answer.",
                          data={"interface": iface.to_dict()}))
    out.append(_routes_finding(routes, interfaces))
    out.append(_resolvers_finding(resolver_config, resolvers, dns_enabled))
    out[0].evidence.append(Evidence(source="psutil.net_if_stats/net_if_addrs, /sys/class/net/*/operstate",
                                    excerpt="; ".join(f"{i.name} {i.operstate} mtu {i.mtu} {' '.join(i.ipv4)}"
                                                      for i in interfaces)))
    out[-2].evidence.append(Evidence(source="/proc/net/route, /proc/net/ipv6_route",
                                     excerpt="; ".join(f"default via {r.gateway} dev {r.interface} metric {r.metric}"
                                                       for r in routes) or "no default route"))
    out[-1].evidence.append(Evidence(source=resolver_config.source,
                                     excerpt="; ".join(f"nameserver {s}" for s in resolver_config.servers)
                                     or "no nameserver line"))
    return out


def _interfaces_finding(interfaces: list[Interface]) -> Finding:
    real = [i for i in interfaces if not i.loopback]
    connected = [i for i in real if i.connected]
    with_address = [i for i in connected if [a for a in i.ipv4 if not a.startswith("169.254.")] or
                    [a for a in i.ipv6 if not a.lower().startswith("fe80")]]
    data = {"interfaces": [i.to_dict() for i in interfaces]}
    listing = ", ".join(f"{i.name} ({i.operstate}{', ' + i.ipv4[0] if i.ipv4 else ''})" for i in real) or "none"
    metrics = [Metric("interfaces_up", len(connected), ""), Metric("interfaces_total", len(real), "")]
    if not connected:
        return _f("interfaces", Status.CRITICAL, f"No network interface has a link (interfaces: {listing})",
                  rule="no-link", advice=_NO_LINK_ADVICE, tier=Tier.ON_SITE, metrics=metrics, data=data)
    if not with_address:
        return _f("interfaces", Status.CRITICAL, f"No connected interface has a usable address ({listing})",
                  rule="no-address", advice=_APIPA_ADVICE, tier=Tier.ON_SITE, metrics=metrics, data=data)
    return _f("interfaces", Status.OK, f"{len(connected)} of {len(real)} interfaces connected: {listing}",
              rule="interfaces", metrics=metrics, data=data)


def _routes_finding(routes: list[Route], interfaces: list[Interface]) -> Finding:
    data = {"default_routes": [r.to_dict() for r in routes]}
    if not routes:
        return _f("default route", Status.CRITICAL, "No default route: only the local network can be reached",
                  rule="no-default-route", advice=_NO_ROUTE_ADVICE, tier=Tier.ON_SITE, data=data,
                  detail="No 0.0.0.0/0 entry in /proc/net/route and no ::/0 in /proc/net/ipv6_route.")
    text = "; ".join(f"via {r.gateway or 'direct'} on {r.interface}" for r in routes)
    return _f("default route", Status.OK, f"Default route {text}", rule="default-route", data=data,
              metrics=[Metric("default_routes", len(routes), "")])


def _resolvers_finding(config: ResolverConfig, resolvers: list[str], dns_enabled: bool) -> Finding:
    data = {"configured": config.servers, "tested": resolvers, "search": config.search, "source": config.source,
            "note": config.note}
    if not config.servers and not resolvers:
        return _f("resolvers", Status.CRITICAL, f"No DNS resolver configured in {config.source}",
                  rule="no-resolver", advice=_NO_DNS_ADVICE, tier=Tier.ON_SITE, data=data)
    summary = f"DNS resolvers: {', '.join(resolvers or config.servers)}"
    if config.note:
        summary += f" ({config.note})"
    return _f("resolvers", Status.OK, summary, rule="resolvers-configured", data=data,
              metrics=[Metric("resolvers", len(resolvers or config.servers), "")])


# ---------------------------------------------------------------------------- ICMP / gateway
def _ping_metrics(ctx: Context, stats: RttStats) -> list[Metric]:
    return [
        Metric("loss_pct", stats.loss_pct, "%", ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"), 0, 100),
        Metric("rtt_min_ms", stats.min_ms, "ms"),
        Metric("rtt_median_ms", stats.median_ms, "ms", ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms")),
        Metric("rtt_p95_ms", stats.p95_ms, "ms"),
        Metric("rtt_max_ms", stats.max_ms, "ms"),
        Metric("sent", stats.sent, "c"),
        Metric("received", len(stats.received), "c"),
    ]


def _ping_data(result: PingResult) -> dict[str, Any]:
    return {"address": result.address, "method": result.method, "method_label": result.method_label,
            "rtt_ms": result.samples, "note": result.note, "port": result.port}


def ping(ctx: Context, host: str, result: PingResult, subject: str | None = None,
         advice: Advice | None = None) -> list[Finding]:
    subject = subject or host
    data = _ping_data(result)
    if result.error:
        return [_f(subject, Status.CRITICAL, f"{subject}: {result.error}", rule="ping-error", data=data,
                   advice=advice or _unreachable_advice(host), tier=Tier.ON_SITE,
                   detail=f"method {result.method}")]
    stats = result.stats
    metrics = _ping_metrics(ctx, stats)
    method = result.method_label
    if not stats.received:
        return [_f(subject, Status.CRITICAL, f"{subject} did not answer any of {stats.sent} probes ({method})",
                   rule="ping-no-reply", metrics=metrics, data=data, advice=advice or _unreachable_advice(host),
                   tier=Tier.ON_SITE, detail=f"{result.address}; {result.note}".strip("; "))]
    loss_status = level(stats.loss_pct, ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"))
    rtt_status = level(stats.median_ms, ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms"))
    status = worst([loss_status, rtt_status])
    summary = (f"{subject}: {stats.loss_pct:g}% loss, RTT median {fmt_ms(stats.median_ms)} ms "
               f"(min {fmt_ms(stats.min_ms)}, p95 {fmt_ms(stats.p95_ms)}, max {fmt_ms(stats.max_ms)}) via {method}")
    out_advice = Advice()
    if status is not Status.OK:
        out_advice = advice or Advice(
            meaning=f"The connection to {host} loses data or is slow: pages load slowly, calls break up.",
            action="Find the first point on the way where the problem appears (see the route test) and fix "
                   "that device or connection; report it to the provider if it is outside the building.",
            prevention="Avoid overloaded Wi-Fi for important devices; use a cable where possible.")
    return [_f(subject, status, summary, rule="ping", metrics=metrics, data=data, advice=out_advice,
               tier=Tier.ON_SITE if status is not Status.OK else None,
               detail=f"address {result.address}; {stats.sent} probes, interval {ctx.option('interval')} s"
                      + (f"; {result.note}" if result.note else ""))]


def gateway(ctx: Context, gw: str, result: PingResult) -> list[Finding]:
    findings = ping(ctx, gw, result, subject=f"gateway {gw}", advice=_GW_ADVICE)
    finding = findings[0]
    if finding.rule == "ping-no-reply":
        from fieldkit.net.local import neighbour_mac

        mac = neighbour_mac(gw, ctx.env.root)
        if mac:
            # Many provider routers drop ping; answering ARP proves the router is up on this network.
            finding.status, finding.advice, finding.tier = Status.OK, Advice(), None
            finding.rule = "gateway-icmp-filtered"
            finding.summary = f"gateway {gw} does not answer ping but answers on the local network (ARP, {mac})"
            finding.data["mac"] = mac
    return findings


_GW_ADVICE = Advice(
    meaning="This computer cannot reach the router that connects it to the rest of the network, "
            "so nothing outside this computer works.",
    action="Check the network cable or Wi-Fi connection and that the router is switched on; restart the router.",
    prevention="Keep network equipment on a protected power strip and label its cables.")


def _unreachable_advice(host: str) -> Advice:
    return Advice(meaning=f"{host} cannot be reached from this computer, so the service it provides does not work here.",
                  action="Check the connection to the internet first (gateway and DNS results); if those are fine, "
                         "the problem is at the other end or at the provider: report it with this result.",
                  prevention="")


# ---------------------------------------------------------------------------- TCP
_TCP_TEXT = {
    "refused": "refused the connection: the host is up but no service accepts connections on this port "
               "(or a firewall rejects them)",
    "filtered": "did not answer: a firewall silently drops the connection attempts (or the host is down)",
    "unreachable": "is unreachable: a router or firewall on the way sent back an error",
    "no-route": "cannot be reached: this computer has no route to it",
    "dns": "cannot be reached: its name could not be resolved",
    "error": "could not be tested",
}


def tcp(ctx: Context, result: TcpResult) -> list[Finding]:
    subject = join_hostport(result.host, result.port)
    stats = result.stats
    data = {"address": result.address, "port": result.port, "state": result.state, "states": result.states,
            "rtt_ms": result.samples}
    metrics = [Metric("connect_median_ms", stats.median_ms, "ms", ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms")),
               Metric("connect_p95_ms", stats.p95_ms, "ms"),
               Metric("attempts", len(result.states), "c"),
               Metric("connected", sum(s == "open" for s in result.states), "c")]
    if result.state == "open":
        failed = [s for s in result.states if s != "open"]
        status = level(stats.median_ms, ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms"))
        summary = f"TCP {subject} open, connect {fmt_ms(stats.median_ms)} ms median"
        if failed:
            status = worst([status, Status.WARNING])
            summary += f" ({len(failed)} of {len(result.states)} attempts failed: {', '.join(sorted(set(failed)))})"
        advice = Advice() if status is Status.OK else Advice(
            meaning=f"The service at {subject} answers, but not every time or only slowly: connections may fail "
                    "now and then.",
            action="Look at the route and ping results for loss on the way; check the load of the server.",
            prevention="")
        return [_f(subject, status, summary, rule="tcp-open", metrics=metrics, data=data, advice=advice)]
    return [_f(subject, Status.CRITICAL, f"TCP {subject} {_TCP_TEXT.get(result.state, result.state)}",
               rule=f"tcp-{result.state}", metrics=metrics, data=data, tier=Tier.ON_SITE,
               detail=result.error,
               advice=Advice(meaning=f"The service at {subject} cannot be used from this computer.",
                             action="Check that the service is running at the other end and that no firewall "
                                    "between here and there blocks this port.",
                             prevention="Document which ports your services need so firewall changes keep them open."))]


# ---------------------------------------------------------------------------- DNS
def resolver(ctx: Context, server: str, probe: dict[str, Any]) -> list[Finding]:
    answers: list[DnsAnswer] = probe["answers"]
    nx: NxdomainResult | None = probe["nxdomain"]
    subject = f"resolver {server}"
    latencies = [a.latency_ms for a in answers if a.latency_ms is not None]
    worst_ms = max(latencies) if latencies else None
    data: dict[str, Any] = {"resolver": server, "queries": [a.to_dict() for a in answers],
                            "nxdomain": None if nx is None else {"name": nx.name, "rewritten": nx.rewritten,
                                                                 "answer": nx.answer.to_dict()}}
    metrics = [Metric("dns_latency_ms", worst_ms, "ms", ctx.option("dns_warn_ms"), ctx.option("dns_crit_ms")),
               Metric("queries", len(answers), "c"), Metric("answered", sum(a.answered for a in answers), "c")]
    dead = [a for a in answers if not a.answered]
    out: list[Finding] = []
    if len(dead) == len(answers):
        why = dead[0].error if dead else "no query"
        out.append(_f(subject, Status.CRITICAL, f"DNS resolver {server} does not answer: {why}", rule="dns-dead",
                      metrics=metrics, data=data, tier=Tier.ON_SITE,
                      advice=Advice(meaning="A name server this computer relies on does not answer, so web sites "
                                            "and services are found slowly or not at all.",
                                    action="Restart the router; if the address was set by hand, correct it or use "
                                           "the router's name server.",
                                    prevention="Configure at least two working name servers.")))
    else:
        # Probe names (". NS" liveness, the random NXDOMAIN name) only have to be answered.
        # For real names, "no such record" for one type is normal (a name with an A but no
        # AAAA; dnsmasq even says NXDOMAIN there): a name fails only when no type resolves.
        # A resolver that refuses or fails (REFUSED, SERVFAIL) is a warning in any case.
        probes = {".", nx.name if nx else ""}
        failures = [a for a in answers if not a.answered or a.status in ("SERVFAIL", "REFUSED")]
        names_without = sorted({a.name for a in answers if a.name not in probes and
                                not any(b.answers for b in answers if b.name == a.name)})
        status = level(worst_ms, ctx.option("dns_warn_ms"), ctx.option("dns_crit_ms"))
        parts = [f"answered {len(answers) - len(dead)}/{len(answers)} queries, slowest {fmt_ms(worst_ms)} ms"]
        if names_without:
            status = worst([status, Status.CRITICAL])
            parts.append("no address for " + ", ".join(names_without))
        elif failures:
            status = worst([status, Status.WARNING])
            parts.append("errors: " + ", ".join(f"{a.name} {a.rdtype} {a.status}" for a in failures))
        resolved = [f"{a.name} {a.rdtype} {','.join(a.answers)}" for a in answers if a.answers]
        out.append(_f(subject, status, f"DNS resolver {server} " + "; ".join(parts), rule="dns",
                      metrics=metrics, data=data, detail="; ".join(resolved),
                      advice=Advice() if status is Status.OK else Advice(
                          meaning="Looking up names is slow or fails for some names, which makes everything "
                                  "on the internet feel slow or broken.",
                          action="Restart the router; if it persists use another name server.",
                          prevention="Configure at least two working name servers.")))
    if nx is not None and nx.rewritten:
        out.append(_f(f"resolver {server} NXDOMAIN", Status.WARNING,
                      f"DNS resolver {server} answers for names that do not exist ({nx.name} -> "
                      f"{', '.join(nx.answer.answers)}): it rewrites NXDOMAIN",
                      rule="dns-nxdomain-rewrite", data={"resolver": server, "name": nx.name,
                                                         "answers": nx.answer.answers},
                      advice=Advice(meaning="The name server makes up answers for mistyped or unknown names, usually to "
                                            "show advertising pages. Some programs then connect to the wrong place.",
                                    action="Turn off the provider's 'search assistance' option or use a different "
                                           "name server.",
                                    prevention="Prefer name servers that answer honestly."),
                      tier=Tier.ON_SITE))
    return out


def sip_domain(ctx: Context, server: str, domain: str, answers: list[DnsAnswer]) -> list[Finding]:
    subject = f"SIP domain {domain} via {server}"
    data = {"resolver": server, "domain": domain, "records": [a.to_dict() for a in answers]}
    found = [a for a in answers if a.answers]
    latencies = [a.latency_ms for a in answers if a.latency_ms is not None]
    metrics = [Metric("dns_latency_ms", max(latencies) if latencies else None, "ms",
                      ctx.option("dns_warn_ms"), ctx.option("dns_crit_ms")),
               Metric("records_found", sum(len(a.answers) for a in answers), "c")]
    if not any(a.answered for a in answers):
        return [_f(subject, Status.CRITICAL, f"Resolver {server} did not answer the SIP lookups for {domain}",
                   rule="sip-dns-dead", data=data, metrics=metrics, detail=answers[0].error if answers else "",
                   advice=Advice(meaning="The phones cannot look up where to find the phone system, so they "
                                         "cannot register and calls fail.",
                                 action="Fix the name server first (see the resolver result), then test again.",
                                 prevention="Configure at least two working name servers."))]
    if not found:
        return [_f(subject, Status.WARNING,
                   f"No NAPTR or SRV records for {domain} (RFC 3263): phones must be given the server and port by hand",
                   rule="sip-dns-missing", data=data, metrics=metrics,
                   detail="; ".join(f"{a.name} {a.rdtype} {a.status}" for a in answers),
                   advice=Advice(meaning="The phone system's address cannot be found automatically; phones only work "
                                         "if the server and port are typed into each of them.",
                                 action="Ask the phone provider for the correct domain, or configure the server "
                                        "address and port on the phones.",
                                 prevention="Keep the provider's SIP domain and server list documented."))]
    text = "; ".join(f"{a.name} {a.rdtype}: {', '.join(a.answers)}" for a in found)
    return [_f(subject, level(metrics[0].value, ctx.option("dns_warn_ms"), ctx.option("dns_crit_ms")),
               f"SIP records for {domain}: {text}", rule="sip-dns", data=data, metrics=metrics)]


# ---------------------------------------------------------------------------- HTTP(S)
def url(ctx: Context, result: HttpResult) -> list[Finding]:
    data: dict[str, Any] = {"status": result.status, "address": result.address, "location": result.location,
                            "connect_ms": result.connect_ms, "first_byte_ms": result.first_byte_ms,
                            "total_ms": result.total_ms, "tls": result.tls.to_dict() if result.tls else None,
                            "error": result.error}
    metrics = [Metric("http_time_ms", result.total_ms, "ms", ctx.option("http_warn_ms"), ctx.option("http_crit_ms")),
               Metric("http_status", result.status, "")]
    if result.tls and result.tls.days_left is not None:
        metrics.append(Metric("cert_days_left", result.tls.days_left, "", ctx.option("cert_warn_days"),
                              ctx.option("cert_crit_days")))
    site_advice = Advice(meaning=f"The web address {result.url} does not work from this computer.",
                         action="Check the internet connection results first; if they are fine, the site or its "
                                "certificate needs attention from whoever runs it.",
                         prevention="Have certificate renewal automated and monitored.")
    if not result.ok:
        return [_f(result.url, Status.CRITICAL, f"{result.url}: {result.error}", rule=f"http-{result.error_kind}",
                   data=data, metrics=metrics, advice=site_advice, tier=Tier.ON_SITE)]
    statuses = [level(result.total_ms, ctx.option("http_warn_ms"), ctx.option("http_crit_ms"))]
    parts = [f"HTTP {result.status} {result.reason} in {fmt_ms(result.total_ms)} ms"]
    if result.status and result.status >= 500:
        statuses.append(Status.CRITICAL)
    elif result.status and result.status >= 400:
        statuses.append(Status.WARNING)
    elif result.status and 300 <= result.status < 400:
        parts.append(f"redirects to {result.location}")
    tls = result.tls
    if tls:
        if not tls.verified:
            statuses.append(Status.CRITICAL)
            parts.append(f"certificate NOT trusted: {tls.verify_error}" + (" (self-signed)" if tls.self_signed else ""))
        if tls.days_left is not None:
            if tls.days_left < 0:
                statuses.append(Status.CRITICAL)
                parts.append(f"certificate expired {-tls.days_left:.0f} days ago")
            else:
                statuses.append(Status.CRITICAL if tls.days_left <= ctx.option("cert_crit_days") else
                                Status.WARNING if tls.days_left <= ctx.option("cert_warn_days") else Status.OK)
                parts.append(f"certificate valid for {tls.days_left:.0f} more days")
    status = worst(statuses)
    return [_f(result.url, status, f"{result.url}: " + ", ".join(parts), rule="http", data=data, metrics=metrics,
               advice=Advice() if status is Status.OK else site_advice,
               detail=(f"TLS {tls.version}; subject {tls.subject}; issuer {tls.issuer}; expires {tls.not_after}"
                       if tls else ""))]


def captive(ctx: Context, result: PortalResult) -> list[Finding]:
    data = {"url": result.url, "portal": result.portal, "reason": result.reason, "status": result.http.status,
            "location": result.http.location}
    if result.portal is None:
        return [_f("captive portal", Status.UNKNOWN, f"Captive portal test inconclusive: {result.reason}",
                   rule="captive-unknown", data=data)]
    if result.portal:
        return [_f("captive portal", Status.CRITICAL, f"A captive portal intercepts web traffic: {result.reason}",
                   rule="captive-portal", data=data, tier=Tier.ON_SITE,
                   advice=Advice(meaning="This network shows a sign-in or terms page before it lets you on the "
                                         "internet; until that is done, programs and phones cannot connect.",
                                 action="Open a web browser, complete the sign-in or accept the terms, then test again.",
                                 prevention="For fixed devices (phones, printers) use a network without a sign-in page."))]
    return [_f("captive portal", Status.OK, f"No captive portal ({result.reason})", rule="captive-none", data=data)]


# ---------------------------------------------------------------------------- traceroute / path MTU
def trace(ctx: Context, result: TraceResult) -> list[Finding]:
    subject = f"route to {result.host}"
    hops = [h.to_dict() for h in result.hops]
    data = {"address": result.address, "method": result.method, "hops": hops, "reached": result.reached,
            "note": result.note}
    if result.error:
        status = Status.UNKNOWN if any(w in result.error for w in ("root", "scapy", "CAP_NET_RAW", "not supported")) \
            else Status.CRITICAL
        return [_f(subject, status, f"Traceroute to {result.host}: {result.error}", rule="traceroute-error", data=data,
                   advice=Advice() if status is Status.UNKNOWN else _unreachable_advice(result.host))]
    verdict = analyse(result)
    data["verdict"] = {"kind": verdict.kind, "first_ttl": verdict.first_ttl, "explanation": verdict.explanation}
    path = " -> ".join(h.address or "*" for h in result.hops)
    last = result.hops[-1] if result.hops else None
    metrics = [Metric("hops", len(result.hops) if result.reached else None, ""),
               Metric("loss_pct", verdict.loss_pct, "%", ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"), 0, 100),
               Metric("rtt_median_ms", last.rtt_ms if last and result.reached else None, "ms",
                      ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms"))]
    if verdict.kind == "unreached":
        return [_f(subject, Status.CRITICAL, f"{result.host} not reached ({result.method} traceroute): "
                                             f"{verdict.explanation}; path {path}",
                   rule="traceroute-unreached", data=data, metrics=metrics, tier=Tier.ON_SITE,
                   advice=_unreachable_advice(result.host))]
    status = level(verdict.loss_pct, ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"))
    count = len(result.hops)
    summary = f"{result.host} reached in {count} hop{'s' if count != 1 else ''} ({result.method}): {path}"
    if verdict.kind != "clean":
        summary += f"; {verdict.explanation}"
    advice = Advice()
    if status is not Status.OK:
        where = result.hops[verdict.first_ttl - 1].address if verdict.first_ttl else None
        advice = Advice(meaning=f"Data on the way to {result.host} gets lost, starting at step {verdict.first_ttl} "
                                f"of the route ({where or 'unknown device'}): pages stall and calls break up.",
                        action="If that step is inside the building (router, switch, Wi-Fi), check or replace it; "
                               "otherwise report the loss to the internet provider with this result.",
                        prevention="Use cables for fixed devices and keep network equipment up to date.")
    return [_f(subject, status, summary, rule=f"traceroute-{verdict.kind}", data=data, metrics=metrics, advice=advice,
               tier=Tier.ON_SITE if status is not Status.OK else None,
               detail="; ".join(f"{h.ttl} {h.address or '*'} {fmt_ms(h.rtt_ms)} ms {h.loss_pct:g}%" for h in result.hops))]


def pmtu(ctx: Context, result: PmtuResult) -> list[Finding]:
    subject = f"path MTU to {result.host}"
    data = {"address": result.address, "pmtu_bytes": result.pmtu_bytes, "local_mtu": result.local_mtu,
            "confirmed": result.confirmed, "steps": result.steps}
    if result.pmtu_bytes is None:
        status = Status.UNKNOWN if not result.address or "not supported" in result.error else Status.CRITICAL
        return [_f(subject, status, f"Path MTU to {result.host} unknown: {result.error}", rule="pmtu-error", data=data,
                   advice=Advice() if status is Status.UNKNOWN else _unreachable_advice(result.host))]
    sip_bytes = ctx.option("sip_message_bytes")
    mtu = result.pmtu_bytes
    metrics = [Metric("pmtu_bytes", mtu, "B", 1500), Metric("sip_udp_limit_bytes", mtu - 200, "B")]
    # RFC 3261 18.1.1: a request within 200 bytes of the path MTU (or above 1300 bytes when
    # the MTU is unknown) MUST go over a congestion-controlled transport such as TCP.
    fragments = sip_bytes + 28 > mtu
    notes = []
    status = Status.OK
    if mtu < 1500:
        status = Status.WARNING
        notes.append(f"below 1500 bytes (local MTU {result.local_mtu})")
    if fragments:
        status = Status.WARNING
        notes.append(f"a {sip_bytes}-byte SIP message over UDP would be fragmented")
    if sip_bytes > mtu - 200:
        notes.append(f"RFC 3261 18.1.1: SIP messages over {mtu - 200} bytes must use TCP on this path")
    if not result.confirmed:
        notes.append("not confirmed by the destination (no ICMP port-unreachable came back)")
    summary = f"Path MTU to {result.host}: {mtu} bytes" + (f" ({'; '.join(notes)})" if notes else "")
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning="Somewhere on the way, large data packets must be made smaller. Large phone-system "
                                "messages sent as one piece can then get lost, so calls may fail to set up.",
                        action="Configure the phones or phone system to use TCP for signalling, or fix the link "
                               "with the smaller packet size (often a VPN or DSL connection).",
                        prevention="Keep VPN/tunnel packet sizes documented and consistent.")
    return [_f(subject, status, summary, rule="pmtu", metrics=metrics, data=data, advice=advice,
               detail="; ".join(f"{s['size']}: {s['outcome']}" + (f" (mtu {s['mtu']})" if s.get("mtu") else "")
                                for s in result.steps))]


# ---------------------------------------------------------------------------- assembly
def assemble(ctx: Context, tasks: dict[str, Callable[[], Any]], judges: dict[str, Callable[[Any], list[Finding]]],
             results: dict[str, Any]) -> list[Finding]:
    """Judge every finished probe; a probe that did not finish or crashed becomes an UNKNOWN finding."""
    answered_hosts = {r.host for r in results.values() if isinstance(r, TcpResult) and r.state in ("open", "refused")}
    out: list[Finding] = []
    for key in tasks:
        subject = key.split(":", 1)[1] if ":" in key else key
        if key not in results:
            out.append(_f(subject, Status.UNKNOWN, f"{subject}: the probe did not finish within the check's time budget",
                          rule="probe-timeout", detail=key))
            continue
        value = results[key]
        if isinstance(value, Exception):
            out.append(_f(subject, Status.UNKNOWN, f"{subject}: the probe failed: {type(value).__name__}: {value}",
                          rule="probe-crash", detail=key))
            continue
        for finding in judges[key](value):
            if not finding.evidence:
                finding.evidence.append(_evidence(key, value))
            if (finding.rule == "ping-no-reply" and key.startswith("ping:") and subject in answered_hosts):
                # Many servers filter ICMP; a TCP answer proves the host is up.
                finding.status, finding.advice, finding.tier = Status.OK, Advice(), None
                finding.summary = f"{subject} does not answer ping (ICMP filtered) but answers on TCP"
                finding.rule = "ping-filtered"
            out.append(finding)
    return out


def _evidence(key: str, value: Any) -> Evidence:
    """What was sent where and what came back, in a technician-readable excerpt."""
    kind = key.split(":", 1)[0]
    if isinstance(value, PingResult):
        excerpt = f"rtt_ms (send order, null = lost): {value.samples}"
        return Evidence(source=f"{value.method_label} to {value.address or value.host}",
                        excerpt=value.error or excerpt)
    if isinstance(value, TcpResult):
        return Evidence(source=f"TCP connect to {value.address or value.host}:{value.port}",
                        excerpt=f"attempts: {value.states}; handshake ms: {value.samples}; {value.error}".strip("; "))
    if isinstance(value, TraceResult):
        lines = [f"{h.ttl:>2}  {h.address or '*':<15} {h.samples}" for h in value.hops]
        return Evidence(source=f"scapy {value.method} traceroute to {value.address or value.host}",
                        excerpt=value.error or "\n".join(lines))
    if isinstance(value, PmtuResult):
        return Evidence(source=f"DF UDP probes + IP_RECVERR error queue to {value.address or value.host}",
                        excerpt=value.error or f"steps: {value.steps}")
    if isinstance(value, HttpResult):
        return Evidence(source=f"HTTP GET {value.url}", excerpt=value.error or
                        f"HTTP {value.status} {value.reason}; location {value.location or '-'}")
    if isinstance(value, PortalResult):
        return Evidence(source=f"HTTP GET {value.url}", excerpt=value.reason)
    if kind in ("dns", "sip"):
        answers = value["answers"] if isinstance(value, dict) else value
        lines = [f"{a.name} {a.rdtype} -> {a.status} {a.answers} {a.latency_ms} ms {a.error}".rstrip()
                 for a in answers]
        if isinstance(value, dict) and value.get("nxdomain") is not None and value["nxdomain"].answer not in answers:
            nx = value["nxdomain"].answer
            lines.append(f"{nx.name} A -> {nx.status} {nx.answers} {nx.latency_ms} ms")
        return Evidence(source=f"DNS queries to {key.split(':')[1]} port 53", excerpt="\n".join(lines))
    return Evidence(source=key, excerpt=str(value)[:500])
