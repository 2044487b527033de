"""Turn probe results into findings for the ``network`` check (thresholds, advice, data).

The probes in :mod:`fieldkit.net` return measurements; this module, part of the check,
classifies them. Kept apart from the check's ``__init__`` so that one stays a
plan-and-run skeleton.
"""

from __future__ import annotations

from typing import Any, Callable

from fieldkit.checks._build import finding_maker, fmt_ms, level, ms_number
from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier, worst
from fieldkit.messages import N_, Msg, joined, t, tn
from fieldkit.net import RttStats
from fieldkit.options import join_hostport
from fieldkit.net.dns import DnsAnswer, NxdomainResult
from fieldkit.net.http import HttpResult, PortalResult
from fieldkit.net.icmp import PingResult
from fieldkit.net.local import Interface, ResolverConfig, Route
from fieldkit.net.pmtu import PmtuResult
from fieldkit.net.tcp import TcpResult
from fieldkit.net.traceroute import LossVerdict, TraceResult, analyse

CHECK = "network"
_f = finding_maker(CHECK)


# ---------------------------------------------------------------------------- local configuration
_APIPA_ADVICE = Advice(
    meaning=t("This computer gave itself an emergency address because no device on the network handed it one. "
              "With that address it cannot reach the internet or most other devices."),
    action=t("Check the cable or Wi-Fi connection and restart the router; if it persists the router's address "
             "service (DHCP) is not working and needs to be fixed."),
    prevention=t("Keep the router's firmware up to date and avoid a second router handing out addresses on the "
                 "same network."))

_NO_LINK_ADVICE = Advice(
    meaning=t("This computer is not connected to any network right now."),
    action=t("Plug in the network cable or connect to the Wi-Fi, and check that the network adapter is switched on."),
    prevention=t("Use cable clips so network cables are not pulled out by accident."))

_NO_ROUTE_ADVICE = Advice(
    meaning=t("This computer does not know where to send traffic for the internet, so only local devices can be "
              "reached."),
    action=t("Restart the network connection or the router so the computer gets its settings again; if the address "
             "was typed in by hand, the router address (gateway) is missing."),
    prevention=t("Let the router configure the computer automatically unless there is a reason not to."))

_NO_DNS_ADVICE = Advice(
    meaning=t("No name server is configured, so web sites and services cannot be found by name."),
    action=t("Reconnect to the network so the router supplies a name server, or enter one in the network settings."),
    prevention=t("Let the router configure the computer automatically."))


def local_findings(interfaces: list[Interface], routes: list[Route] | None, resolver_config: ResolverConfig,
                   resolvers: list[str], dns_enabled: bool) -> list[Finding]:
    out = [_interfaces_finding(interfaces)]
    for iface in interfaces:
        if iface.connected and not iface.loopback and iface.link_local_ipv4:
            only = len(iface.link_local_ipv4) == len(iface.ipv4)
            out.append(_f(t("interface {interface}", interface=iface.name), Status.CRITICAL,
                          t("{interface} has a self-assigned address {address} and no other IPv4 address",
                            interface=iface.name, address=iface.link_local_ipv4[0]) if only else
                          t("{interface} has a self-assigned address {address}",
                            interface=iface.name, address=iface.link_local_ipv4[0]),
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
                                                       for r in routes or []) or "no default route"))
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
    listing = joined((_interface_text(i) for i in real), ", ")
    metrics = [Metric("interfaces_up", len(connected), ""), Metric("interfaces_total", len(real), "")]
    subject = t("interfaces")
    if not real:
        return _f(subject, Status.CRITICAL, t("This computer has no network interface"),
                  rule="no-link", advice=_NO_LINK_ADVICE, tier=Tier.ON_SITE, metrics=metrics, data=data)
    if not connected:
        return _f(subject, Status.CRITICAL,
                  t("No network interface has a link (interfaces: {interfaces})", interfaces=listing),
                  rule="no-link", advice=_NO_LINK_ADVICE, tier=Tier.ON_SITE, metrics=metrics, data=data)
    if not with_address:
        return _f(subject, Status.CRITICAL,
                  t("No connected interface has a usable address ({interfaces})", interfaces=listing),
                  rule="no-address", advice=_APIPA_ADVICE, tier=Tier.ON_SITE, metrics=metrics, data=data)
    return _f(subject, Status.OK,
              t("{connected} of {total} interfaces connected: {interfaces}",
                total=len(real), connected=len(connected), interfaces=listing),
              rule="interfaces", metrics=metrics, data=data)


def _interface_text(iface: Interface) -> Msg:
    """One interface in a list: its name, whether it has a link, its first IPv4 address."""
    if iface.connected:
        return (t("{interface} (connected, {address})", interface=iface.name, address=iface.ipv4[0]) if iface.ipv4
                else t("{interface} (connected)", interface=iface.name))
    return (t("{interface} (not connected, {address})", interface=iface.name, address=iface.ipv4[0]) if iface.ipv4
            else t("{interface} (not connected)", interface=iface.name))


def _routes_finding(routes: list[Route] | None, interfaces: list[Interface]) -> Finding:
    subject = t("default route")
    if routes is None:  # the platform cannot read its route table yet: unknown, not "no route"
        return _f(subject, Status.UNKNOWN,
                  t("The default route could not be read: not supported on this system yet"),
                  rule="default-route-unsupported")
    data = {"default_routes": [r.to_dict() for r in routes]}
    if not routes:
        return _f(subject, Status.CRITICAL, t("No default route: only the local network can be reached"),
                  rule="no-default-route", advice=_NO_ROUTE_ADVICE, tier=Tier.ON_SITE, data=data,
                  detail="No 0.0.0.0/0 entry in /proc/net/route and no ::/0 in /proc/net/ipv6_route.")
    text = joined(t("via {gateway} on {interface}", gateway=r.gateway, interface=r.interface) if r.gateway
                  else t("directly on {interface}", interface=r.interface) for r in routes)
    return _f(subject, Status.OK, t("Default route {routes}", routes=text), rule="default-route", data=data,
              metrics=[Metric("default_routes", len(routes), "")])


def _resolvers_finding(config: ResolverConfig, resolvers: list[str], dns_enabled: bool) -> Finding:
    data = {"configured": config.servers, "tested": resolvers, "search": config.search, "source": config.source,
            "note": config.note}
    subject = t("resolvers")
    if config.unsupported and not resolvers:
        return _f(subject, Status.UNKNOWN,
                  t("The configured DNS resolvers could not be read: not supported on this system yet"),
                  rule="resolvers-unsupported", detail=config.unsupported, data=data)
    if not config.servers and not resolvers:
        return _f(subject, Status.CRITICAL, t("No DNS resolver configured in {source}", source=config.source),
                  rule="no-resolver", advice=_NO_DNS_ADVICE, tier=Tier.ON_SITE, data=data)
    servers = ", ".join(resolvers or config.servers)
    if config.stub and config.upstream_source:
        summary = t("DNS resolvers: {servers} (this computer's own cache and the servers it asks, listed in {source})",
                    servers=servers, source=config.upstream_source)
    elif config.stub:
        summary = t("DNS resolvers: {servers} (only this computer's own cache: the servers it asks are not known)",
                    servers=servers)
    else:
        summary = t("DNS resolvers: {servers}", servers=servers)
    return _f(subject, Status.OK, summary, rule="resolvers-configured", data=data,
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


#: how the echo requests were sent, in the words of a sentence (``{port}``: the TCP port)
_PING_METHOD_TEXT = {
    "scapy": N_("ICMP echo (raw socket, scapy)"),
    "dgram": N_("ICMP echo (unprivileged datagram socket)"),
    "tcp": N_("TCP connect timing to port {port}"),
}

#: why nothing could be sent, one whole sentence per ``PingResult.error_kind`` ("" = any other failure)
_PING_ERROR_TEXT = {
    "dns": N_("{subject} cannot be reached: its name could not be resolved"),
    "no-route": N_("{subject} cannot be reached: this computer has no route to it"),
    "": N_("{subject} could not be tested"),
}


def _ping_method(result: PingResult) -> Msg | str:
    template = _PING_METHOD_TEXT.get(result.method)
    return t(template, port=result.port) if template else result.method


def ping(ctx: Context, host: str, result: PingResult, subject: str | None = None,
         advice: Advice | None = None) -> list[Finding]:
    subject = subject or host
    data = _ping_data(result)
    if result.error:
        sentence = _PING_ERROR_TEXT.get(result.error_kind, _PING_ERROR_TEXT[""])
        return [_f(subject, Status.CRITICAL, t(sentence, subject=subject),
                   rule="ping-error", data=data,
                   advice=advice or _unreachable_advice(host), tier=Tier.ON_SITE,
                   detail=f"{result.error}; method {result.method}")]
    stats = result.stats
    metrics = _ping_metrics(ctx, stats)
    method = _ping_method(result)
    if not stats.received:
        return [_f(subject, Status.CRITICAL,
                   t("{subject} did not answer any of {sent} probes ({method})",
                     sent=stats.sent, subject=subject, method=method),
                   rule="ping-no-reply", metrics=metrics, data=data, advice=advice or _unreachable_advice(host),
                   tier=Tier.ON_SITE, detail=f"{result.address}; {result.note}".strip("; "))]
    loss_status = level(stats.loss_pct, ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"))
    rtt_status = level(stats.median_ms, ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms"))
    status = worst([loss_status, rtt_status])
    summary = t("{subject}: {loss:g}% loss, RTT median {median} ms (min {min}, p95 {p95}, max {max}) via {method}",
                subject=subject, loss=stats.loss_pct, median=ms_number(stats.median_ms),
                min=ms_number(stats.min_ms), p95=ms_number(stats.p95_ms), max=ms_number(stats.max_ms), method=method)
    out_advice = Advice()
    if status is not Status.OK:
        out_advice = advice or Advice(
            meaning=t("The connection to {host} loses data or is slow: pages load slowly, calls break up.",
                      host=host),
            action=t("Find the first point on the way where the problem appears (see the route test) and fix "
                     "that device or connection; report it to the provider if it is outside the building."),
            prevention=t("Avoid overloaded Wi-Fi for important devices; use a cable where possible."))
    return [_f(subject, status, summary, rule="ping", metrics=metrics, data=data, advice=out_advice,
               tier=Tier.ON_SITE if status is not Status.OK else None,
               detail=f"address {result.address}; {stats.sent} probes, interval {ctx.option('interval')} s"
                      + (f"; {result.note}" if result.note else ""))]


def gateway(ctx: Context, gw: str, result: PingResult) -> list[Finding]:
    findings = ping(ctx, gw, result, subject=t("gateway {gateway}", gateway=gw), advice=_GW_ADVICE)
    finding = findings[0]
    if finding.rule == "ping-no-reply":
        from fieldkit.net.local import neighbour_mac

        mac = neighbour_mac(gw, ctx.env.root, ctx.env.platform)
        if mac:
            # Many provider routers drop ping; answering ARP proves the router is up on this network.
            finding.status, finding.advice, finding.tier = Status.OK, Advice(), None
            finding.rule = "gateway-icmp-filtered"
            finding.summary = t("gateway {gateway} does not answer ping but answers on the local network (ARP, {mac})",
                                gateway=gw, mac=mac)
            finding.data["mac"] = mac
    return findings


_GW_ADVICE = Advice(
    meaning=t("This computer cannot reach the router that connects it to the rest of the network, "
              "so nothing outside this computer works."),
    action=t("Check the network cable or Wi-Fi connection and that the router is switched on; restart the router."),
    prevention=t("Keep network equipment on a protected power strip and label its cables."))


def _unreachable_advice(host: str) -> Advice:
    return Advice(meaning=t("{host} cannot be reached from this computer, so the service it provides does not work "
                            "here.", host=host),
                  action=t("Check the connection to the internet first (gateway and DNS results); if those are fine, "
                           "the problem is at the other end or at the provider: report it with this result."),
                  prevention="")


# ---------------------------------------------------------------------------- TCP
#: one whole sentence per connection state (``{target}`` is HOST:PORT)
_TCP_TEXT = {
    "refused": N_("TCP {target} refused the connection: the host is up but no service accepts connections on this "
                  "port (or a firewall rejects them)"),
    "filtered": N_("TCP {target} did not answer: a firewall silently drops the connection attempts (or the host is down)"),
    "unreachable": N_("TCP {target} is unreachable: a router or firewall on the way sent back an error"),
    "no-route": N_("TCP {target} cannot be reached: this computer has no route to it"),
    "dns": N_("TCP {target} cannot be reached: its name could not be resolved"),
    "error": N_("TCP {target} could not be tested"),
}

#: one connection attempt's outcome, as a word in a list ("2 of 3 attempts failed: refused, no answer")
_TCP_STATE_WORD = {
    "refused": N_("refused"),
    "filtered": N_("no answer"),
    "unreachable": N_("unreachable"),
    "no-route": N_("no route"),
    "dns": N_("name not resolved"),
    "error": N_("error"),
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
        summary = t("TCP {target} open, connect {median} ms median", target=subject, median=ms_number(stats.median_ms))
        if failed:
            status = worst([status, Status.WARNING])
            summary = t("TCP {target} open, connect {median} ms median ({failed} of {attempts} attempts failed: "
                        "{states})", attempts=len(result.states), target=subject, median=ms_number(stats.median_ms),
                        failed=len(failed), states=joined((t(_TCP_STATE_WORD[s]) if s in _TCP_STATE_WORD else s
                                                           for s in sorted(set(failed))), ", "))
        advice = Advice() if status is Status.OK else Advice(
            meaning=t("The service at {target} answers, but not every time or only slowly: connections may fail "
                      "now and then.", target=subject),
            action=t("Look at the route and ping results for loss on the way; check the load of the server."),
            prevention="")
        return [_f(subject, status, summary, rule="tcp-open", metrics=metrics, data=data, advice=advice)]
    # every state of fieldkit.net.tcp.STATES has its sentence; a state of a newer probe reads as "could not be tested"
    summary = t(_TCP_TEXT.get(result.state, _TCP_TEXT["error"]), target=subject)
    return [_f(subject, Status.CRITICAL, summary,
               rule=f"tcp-{result.state}", metrics=metrics, data=data, tier=Tier.ON_SITE,
               detail=result.error,
               advice=Advice(meaning=t("The service at {target} cannot be used from this computer.", target=subject),
                             action=t("Check that the service is running at the other end and that no firewall "
                                      "between here and there blocks this port."),
                             prevention=t("Document which ports your services need so firewall changes keep them "
                                          "open.")))]


# ---------------------------------------------------------------------------- DNS
def resolver(ctx: Context, server: str, probe: dict[str, Any]) -> list[Finding]:
    answers: list[DnsAnswer] = probe["answers"]
    nx: NxdomainResult | None = probe["nxdomain"]
    subject = t("resolver {server}", server=server)
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
        out.append(_f(subject, Status.CRITICAL, _dead_resolver_text(server, dead[0] if dead else None),
                      rule="dns-dead", detail=dead[0].error if dead else "no query",
                      metrics=metrics, data=data, tier=Tier.ON_SITE,
                      advice=Advice(meaning=t("A name server this computer relies on does not answer, so web "
                                              "sites and services are found slowly or not at all."),
                                    action=t("Restart the router; if the address was set by hand, correct it or use "
                                             "the router's name server."),
                                    prevention=t("Configure at least two working name servers."))))
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
        counts = {"server": server, "answered": len(answers) - len(dead), "total": len(answers),
                  "slowest": ms_number(worst_ms)}
        summary = t("DNS resolver {server} answered {answered}/{total} queries, slowest {slowest} ms", **counts)
        if names_without:
            status = worst([status, Status.CRITICAL])
            summary = t("DNS resolver {server} answered {answered}/{total} queries, slowest {slowest} ms; "
                        "no address for {names}", names=", ".join(names_without), **counts)
        elif failures:
            status = worst([status, Status.WARNING])
            summary = t("DNS resolver {server} answered {answered}/{total} queries, slowest {slowest} ms; "
                        "errors: {errors}", errors=joined((_dns_failure_text(a) for a in failures), ", "), **counts)
        resolved = [f"{a.name} {a.rdtype} {','.join(a.answers)}" for a in answers if a.answers]
        out.append(_f(subject, status, summary, rule="dns",
                      metrics=metrics, data=data, detail="; ".join(resolved),
                      advice=Advice() if status is Status.OK else Advice(
                          meaning=t("Looking up names is slow or fails for some names, which makes everything "
                                    "on the internet feel slow or broken."),
                          action=t("Restart the router; if it persists use another name server."),
                          prevention=t("Configure at least two working name servers."))))
    if nx is not None and nx.rewritten:
        out.append(_f(t("resolver {server} NXDOMAIN", server=server), Status.WARNING,
                      t("DNS resolver {server} answers for names that do not exist ({name} -> {answers}): "
                        "it rewrites NXDOMAIN", server=server, name=nx.name, answers=", ".join(nx.answer.answers)),
                      rule="dns-nxdomain-rewrite", data={"resolver": server, "name": nx.name,
                                                         "answers": nx.answer.answers},
                      advice=Advice(meaning=t("The name server makes up answers for mistyped or unknown names, "
                                              "usually to show advertising pages. Some programs then connect to the "
                                              "wrong place."),
                                    action=t("Turn off the provider's 'search assistance' option or use a different "
                                             "name server."),
                                    prevention=t("Prefer name servers that answer honestly.")),
                      tier=Tier.ON_SITE))
    return out


def _dead_resolver_text(server: str, answer: DnsAnswer | None) -> Msg:
    """Why a resolver counts as dead, in words (the resolver's own error text goes to the detail)."""
    if answer is not None and answer.status == "TIMEOUT":
        return t("DNS resolver {server} does not answer: no reply came back in time", server=server)
    if answer is not None and answer.closed:
        return t("DNS resolver {server} does not answer: no name server runs at that address", server=server)
    return t("DNS resolver {server} does not answer: the query failed", server=server)


#: a query that failed, as an item of a list ("www.example.com (A): the server failed")
_DNS_FAILURE_TEXT = {
    "SERVFAIL": N_("{name} ({type}): the server failed"),
    "REFUSED": N_("{name} ({type}): refused"),
    "": N_("{name} ({type}): no answer"),
}


def _dns_failure_text(answer: DnsAnswer) -> Msg:
    return t(_DNS_FAILURE_TEXT.get(answer.status, _DNS_FAILURE_TEXT[""]), name=answer.name,
             type=answer.rdtype)


def sip_domain(ctx: Context, server: str, domain: str, answers: list[DnsAnswer]) -> list[Finding]:
    subject = t("SIP domain {domain} via {server}", domain=domain, server=server)
    data = {"resolver": server, "domain": domain, "records": [a.to_dict() for a in answers]}
    found = [a for a in answers if a.answers]
    latencies = [a.latency_ms for a in answers if a.latency_ms is not None]
    metrics = [Metric("dns_latency_ms", max(latencies) if latencies else None, "ms",
                      ctx.option("dns_warn_ms"), ctx.option("dns_crit_ms")),
               Metric("records_found", sum(len(a.answers) for a in answers), "c")]
    if not any(a.answered for a in answers):
        return [_f(subject, Status.CRITICAL,
                   t("Resolver {server} did not answer the SIP lookups for {domain}", server=server, domain=domain),
                   rule="sip-dns-dead", data=data, metrics=metrics, detail=answers[0].error if answers else "",
                   advice=Advice(meaning=t("The phones cannot look up where to find the phone system, so they "
                                           "cannot register and calls fail."),
                                 action=t("Fix the name server first (see the resolver result), then test again."),
                                 prevention=t("Configure at least two working name servers.")))]
    if not found:
        return [_f(subject, Status.WARNING,
                   t("No NAPTR or SRV records for {domain} (RFC 3263): phones must be given the server and port "
                     "by hand", domain=domain),
                   rule="sip-dns-missing", data=data, metrics=metrics,
                   detail="; ".join(f"{a.name} {a.rdtype} {a.status}" for a in answers),
                   advice=Advice(meaning=t("The phone system's address cannot be found automatically; phones "
                                           "only work if the server and port are typed into each of them."),
                                 action=t("Ask the phone provider for the correct domain, or configure the server "
                                          "address and port on the phones."),
                                 prevention=t("Keep the provider's SIP domain and server list documented.")))]
    text = "; ".join(f"{a.name} {a.rdtype}: {', '.join(a.answers)}" for a in found)  # names and records only
    return [_f(subject, level(metrics[0].value, ctx.option("dns_warn_ms"), ctx.option("dns_crit_ms")),
               t("SIP records for {domain}: {records}", domain=domain, records=text), rule="sip-dns", data=data,
               metrics=metrics)]


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
    site_advice = Advice(meaning=t("The web address {url} does not work from this computer.", url=result.url),
                         action=t("Check the internet connection results first; if they are fine, the site or its "
                                  "certificate needs attention from whoever runs it."),
                         prevention=t("Have certificate renewal automated and monitored."))
    if not result.ok:
        sentence = _HTTP_ERROR_TEXT.get(result.error_kind, _HTTP_ERROR_TEXT["error"])
        return [_f(result.url, Status.CRITICAL, t(sentence, url=result.url),
                   rule=f"http-{result.error_kind}", detail=result.error,
                   data=data, metrics=metrics, advice=site_advice, tier=Tier.ON_SITE)]
    statuses = [level(result.total_ms, ctx.option("http_warn_ms"), ctx.option("http_crit_ms"))]
    # the summary lists independent facts, each a whole clause: "URL: fact, fact, fact"
    parts = [t("HTTP status {status} in {time} ms", status=result.status, time=ms_number(result.total_ms))]
    if result.status and result.status >= 500:
        statuses.append(Status.CRITICAL)
    elif result.status and result.status >= 400:
        statuses.append(Status.WARNING)
    elif result.status and 300 <= result.status < 400:
        parts.append(t("redirects to {location}", location=result.location))
    tls = result.tls
    if tls:
        if not tls.verified:
            statuses.append(Status.CRITICAL)
            parts.append(_untrusted_text(tls))
        if tls.days_left is not None:
            if tls.days_left < 0:
                statuses.append(Status.CRITICAL)
                days = round(-tls.days_left)
                parts.append(tn("certificate expired {n} day ago", "certificate expired {n} days ago", n=days))
            else:
                statuses.append(Status.CRITICAL if tls.days_left <= ctx.option("cert_crit_days") else
                                Status.WARNING if tls.days_left <= ctx.option("cert_warn_days") else Status.OK)
                days = round(tls.days_left)
                parts.append(tn("certificate valid for {n} more day", "certificate valid for {n} more days", n=days))
    status = worst(statuses)
    detail = f"HTTP {result.status} {result.reason}"
    if tls:
        detail += (f"; TLS {tls.version}; subject {tls.subject}; issuer {tls.issuer}; expires {tls.not_after}"
                   + (f"; not trusted: {tls.verify_error}" if not tls.verified else ""))
    return [_f(result.url, status, t("{url}: {facts}", url=result.url, facts=joined(parts, ", ")), rule="http",
               data=data, metrics=metrics,
               advice=Advice() if status is Status.OK else site_advice, detail=detail)]


#: why a page could not be fetched, one whole sentence per ``HttpResult.error_kind``
_HTTP_ERROR_TEXT = {
    "dns": N_("{url} cannot be reached: its name could not be resolved"),
    "no-route": N_("{url} cannot be reached: this computer has no route to it"),
    "refused": N_("{url} cannot be reached: the server refused the connection"),
    "timeout": N_("{url} did not answer in time"),
    "tls": N_("{url} cannot be reached: the secure connection could not be set up"),
    "http": N_("{url} sent an answer that is not a valid web page"),
    "error": N_("{url} could not be tested"),
}

#: why a certificate is not trusted, by OpenSSL's verification error number (X509_V_ERR_*)
_UNTRUSTED_TEXT = {
    9: N_("certificate NOT trusted: it is not valid yet"),
    10: N_("certificate NOT trusted: it has expired"),
    18: N_("certificate NOT trusted: it is self-signed"),
    19: N_("certificate NOT trusted: it was issued by an authority this computer does not know"),
    20: N_("certificate NOT trusted: it was issued by an authority this computer does not know"),
    21: N_("certificate NOT trusted: it was issued by an authority this computer does not know"),
    62: N_("certificate NOT trusted: it was issued for another name"),
}


def _untrusted_text(tls: Any) -> Msg:
    template = _UNTRUSTED_TEXT.get(tls.verify_code) if tls.verify_code is not None else None
    if template is None and tls.self_signed:
        template = _UNTRUSTED_TEXT[18]
    return t(template or N_("certificate NOT trusted"))


def captive(ctx: Context, result: PortalResult) -> list[Finding]:
    data = {"url": result.url, "portal": result.portal, "reason": result.reason, "status": result.http.status,
            "location": result.http.location}
    subject = t("captive portal")
    if result.portal is None:
        return [_f(subject, Status.UNKNOWN, t("Captive portal test inconclusive: the test page did not answer"),
                   rule="captive-unknown", data=data, detail=result.reason)]
    if result.portal:
        if result.kind == "redirected" and result.http.location:
            summary = t("A captive portal intercepts web traffic: the test page is sent on to {location}",
                        location=result.http.location)
        elif result.kind == "redirected":
            summary = t("A captive portal intercepts web traffic: the test page is sent on to another page")
        else:
            summary = t("A captive portal intercepts web traffic: the test page was replaced by another one")
        return [_f(subject, Status.CRITICAL, summary,
                   rule="captive-portal", data=data, tier=Tier.ON_SITE, detail=result.reason,
                   advice=Advice(meaning=t("This network shows a sign-in or terms page before it lets you on the "
                                           "internet; until that is done, programs and phones cannot connect."),
                                 action=t("Open a web browser, complete the sign-in or accept the terms, then test "
                                          "again."),
                                 prevention=t("For fixed devices (phones, printers) use a network without a sign-in "
                                              "page.")))]
    return [_f(subject, Status.OK, t("No captive portal (the test page answered as expected)"), rule="captive-none",
               data=data, detail=result.reason)]


# ---------------------------------------------------------------------------- traceroute / path MTU
#: why no trace was made, one whole sentence per ``TraceResult.error_kind``
_TRACE_ERROR_TEXT = {
    "dns": N_("Traceroute to {host}: its name could not be resolved"),
    "no-route": N_("Traceroute to {host}: this computer has no route to it"),
    "ipv6": N_("Traceroute to {host}: not possible toward IPv6 addresses yet"),
    "needs-root": N_("Traceroute to {host}: needs administrator rights"),
    "": N_("Traceroute to {host} could not be made"),
}
#: errors that say nothing about the network (the test could not run here): UNKNOWN, not CRITICAL
_TRACE_NOT_RUN = ("ipv6", "needs-root")


def _trace_explanation(result: TraceResult, verdict: LossVerdict) -> Msg:
    """What the hops say about loss, in words (see :func:`fieldkit.net.traceroute.analyse`)."""
    if verdict.kind == "unreached":
        if not result.hops:
            return t("no hop answered")
        if verdict.silent_from and verdict.silent_from > 1:
            return t("the destination never answered; the path goes silent after hop {hop}",
                     hop=verdict.silent_from - 1)
        if verdict.silent_from == 1:
            return t("the destination never answered; the path goes silent at the first hop")
        return t("the destination never answered; a router on the way reported it unreachable")
    if verdict.kind == "rate-limited":
        return tn("hop {hops} dropped some probes but the destination answered all of them: that is ICMP rate "
                  "limiting on that router, not packet loss",
                  "hops {hops} dropped some probes but the destination answered all of them: that is ICMP rate "
                  "limiting on those routers, not packet loss",
                  n=len(verdict.lossy_ttls), hops=", ".join(str(ttl) for ttl in verdict.lossy_ttls))
    if verdict.kind == "loss":
        return t("{loss:g}% of probes to the destination were lost; the loss begins at hop {hop}",
                 loss=verdict.loss_pct, hop=verdict.first_ttl)
    return t("every hop answered every probe")


def trace(ctx: Context, result: TraceResult) -> list[Finding]:
    subject = t("route to {host}", host=result.host)
    hops = [h.to_dict() for h in result.hops]
    data = {"address": result.address, "method": result.method, "hops": hops, "reached": result.reached,
            "note": result.note}
    if result.error:
        status = Status.UNKNOWN if result.error_kind in _TRACE_NOT_RUN else Status.CRITICAL
        sentence = _TRACE_ERROR_TEXT.get(result.error_kind, _TRACE_ERROR_TEXT[""])
        return [_f(subject, status, t(sentence, host=result.host), detail=result.error,
                   rule="traceroute-error", data=data,
                   advice=Advice() if status is Status.UNKNOWN else _unreachable_advice(result.host))]
    verdict = analyse(result)
    explanation = _trace_explanation(result, verdict)
    method = result.method.upper()   # ICMP, UDP, TCP: the protocol's name in every language
    data["verdict"] = {"kind": verdict.kind, "first_ttl": verdict.first_ttl, "explanation": explanation}
    path = " -> ".join(h.address or "*" for h in result.hops)
    last = result.hops[-1] if result.hops else None
    metrics = [Metric("hops", len(result.hops) if result.reached else None, ""),
               Metric("loss_pct", verdict.loss_pct, "%", ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"), 0, 100),
               Metric("rtt_median_ms", last.rtt_ms if last and result.reached else None, "ms",
                      ctx.option("rtt_warn_ms"), ctx.option("rtt_crit_ms"))]
    if verdict.kind == "unreached":
        return [_f(subject, Status.CRITICAL,
                   t("{host} not reached ({method} traceroute): {explanation}; path {path}", host=result.host,
                     method=method, explanation=explanation, path=path),
                   rule="traceroute-unreached", data=data, metrics=metrics, tier=Tier.ON_SITE,
                   advice=_unreachable_advice(result.host))]
    status = level(verdict.loss_pct, ctx.option("loss_warn_pct"), ctx.option("loss_crit_pct"))
    count = len(result.hops)
    if verdict.kind != "clean":
        summary = tn("{host} reached in {n} hop ({method}): {path}; {explanation}",
                     "{host} reached in {n} hops ({method}): {path}; {explanation}", n=count, host=result.host,
                     method=method, path=path, explanation=explanation)
    else:
        summary = tn("{host} reached in {n} hop ({method}): {path}", "{host} reached in {n} hops ({method}): {path}",
                     n=count, host=result.host, method=method, path=path)
    advice = Advice()
    if status is not Status.OK:
        where = result.hops[verdict.first_ttl - 1].address if verdict.first_ttl else None
        meaning = (t("Data on the way to {host} gets lost, starting at step {step} of the route ({device}): pages "
                     "stall and calls break up.", host=result.host, step=verdict.first_ttl, device=where) if where
                   else t("Data on the way to {host} gets lost, starting at step {step} of the route (unknown "
                          "device): pages stall and calls break up.", host=result.host, step=verdict.first_ttl))
        advice = Advice(meaning=meaning,
                        action=t("If that step is inside the building (router, switch, Wi-Fi), check or replace it; "
                                 "otherwise report the loss to the internet provider with this result."),
                        prevention=t("Use cables for fixed devices and keep network equipment up to date."))
    return [_f(subject, status, summary, rule=f"traceroute-{verdict.kind}", data=data, metrics=metrics, advice=advice,
               tier=Tier.ON_SITE if status is not Status.OK else None,
               detail="; ".join(f"{h.ttl} {h.address or '*'} {fmt_ms(h.rtt_ms)} ms {h.loss_pct:g}%" for h in result.hops))]


#: why no path MTU was found, one whole sentence per ``PmtuResult.error_kind``
_PMTU_ERROR_TEXT = {
    "dns": N_("Path MTU to {host} unknown: its name could not be resolved"),
    "needs-linux": N_("Path MTU to {host} unknown: this test needs Linux"),
    "ipv6": N_("Path MTU to {host} unknown: not possible toward IPv6 addresses yet"),
    "no-route": N_("Path MTU to {host} unknown: this computer has no route to it"),
    "probe-failed": N_("Path MTU to {host} unknown: the test packets could not be sent"),
    "unreachable": N_("Path MTU to {host} unknown: the destination is unreachable"),
    "": N_("Path MTU to {host} unknown"),
}
#: errors that say nothing about the network (the test could not run here): UNKNOWN, not CRITICAL
_PMTU_NOT_RUN = ("dns", "needs-linux", "ipv6")


def pmtu(ctx: Context, result: PmtuResult) -> list[Finding]:
    subject = t("path MTU to {host}", host=result.host)
    data = {"address": result.address, "pmtu_bytes": result.pmtu_bytes, "local_mtu": result.local_mtu,
            "confirmed": result.confirmed, "steps": result.steps}
    if result.pmtu_bytes is None:
        status = Status.UNKNOWN if not result.address or result.error_kind in _PMTU_NOT_RUN else Status.CRITICAL
        sentence = _PMTU_ERROR_TEXT.get(result.error_kind, _PMTU_ERROR_TEXT[""])
        return [_f(subject, status, t(sentence, host=result.host), detail=result.error,
                   rule="pmtu-error", data=data,
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
        notes.append(t("below 1500 bytes (local MTU {mtu})", mtu=result.local_mtu))
    if fragments:
        status = Status.WARNING
        notes.append(t("a {size}-byte SIP message over UDP would be fragmented", size=sip_bytes))
    if sip_bytes > mtu - 200:
        notes.append(t("RFC 3261 18.1.1: SIP messages over {size} bytes must use TCP on this path", size=mtu - 200))
    if not result.confirmed:
        notes.append(t("not confirmed by the destination (no ICMP port-unreachable came back)"))
    summary = (t("Path MTU to {host}: {mtu} bytes ({notes})", host=result.host, mtu=mtu, notes=joined(notes))
               if notes else t("Path MTU to {host}: {mtu} bytes", host=result.host, mtu=mtu))
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning=t("Somewhere on the way, large data packets must be made smaller. Large "
                                  "phone-system messages sent as one piece can then get lost, so calls may fail to "
                                  "set up."),
                        action=t("Configure the phones or phone system to use TCP for signalling, or fix the link "
                                 "with the smaller packet size (often a VPN or DSL connection)."),
                        prevention=t("Keep VPN/tunnel packet sizes documented and consistent."))
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
        subject = _subject_of_key(key)
        if key not in results:
            out.append(_f(subject, Status.UNKNOWN,
                          t("{subject}: the probe did not finish within the check's time budget", subject=subject),
                          rule="probe-timeout", detail=key))
            continue
        value = results[key]
        if isinstance(value, Exception):
            out.append(_f(subject, Status.UNKNOWN, t("{subject}: the probe failed", subject=subject),
                          rule="probe-crash", detail=f"{key}: {type(value).__name__}: {value}"))
            continue
        for finding in judges[key](value):
            if not finding.evidence:
                finding.evidence.append(_evidence(key, value))
            if (finding.rule == "ping-no-reply" and key.startswith("ping:") and key[5:] in answered_hosts):
                # Many servers filter ICMP; a TCP answer proves the host is up.
                finding.status, finding.advice, finding.tier = Status.OK, Advice(), None
                finding.summary = t("{subject} does not answer ping (ICMP filtered) but answers on TCP", subject=subject)
                finding.rule = "ping-filtered"
            out.append(finding)
    return out


def _subject_of_key(key: str) -> str:
    """The subject the judge of a probe would have used (``gw:192.0.2.1`` -> "gateway 192.0.2.1"), for a probe
    that did not finish: the same subject, so the report and the history see one thing."""
    kind, _, rest = key.partition(":")
    if kind == "gw":
        return t("gateway {gateway}", gateway=rest)
    if kind == "dns":
        return t("resolver {server}", server=rest)
    if kind == "sip":
        server, _, domain = rest.partition(":")
        return t("SIP domain {domain} via {server}", domain=domain, server=server)
    if kind == "trace":
        return t("route to {host}", host=rest)
    if kind == "pmtu":
        return t("path MTU to {host}", host=rest)
    if kind == "captive":
        return t("captive portal")
    return rest or key   # ping:HOST, tcp:HOST:PORT, url:URL: the name itself


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
