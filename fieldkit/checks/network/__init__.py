"""network: where does the path break? Local configuration, gateway, DNS, ICMP, TCP, HTTP(S), traceroute, path MTU.

The probes live in :mod:`fieldkit.net`; this module plans them from the options,
runs them concurrently within the check's budget and classifies the results into
findings. Traffic goes only to the configured targets, URLs, traceroute/PMTU hosts,
the default gateway(s) and the configured resolvers: nothing else is contacted.
"""

from __future__ import annotations

from typing import Any, Callable

from fieldkit.checks._build import finding_maker
from fieldkit.context import Context
from fieldkit.findings import Finding, Status
from fieldkit.messages import t
from fieldkit.options import Option, join_hostport, split_hostport

NAME = "network"
_f = finding_maker(NAME)
DESCRIPTION = "Network reachability: local configuration, gateway, DNS, ping, TCP ports, HTTP(S), traceroute, path MTU"
AREA = "network"
TIMEOUT_S = 30

OPTIONS = [
    Option("target", "hostport", [], "Host to ping; with :PORT also a TCP connect test", multiple=True),
    Option("url", "url", [], "HTTP(S) URL to fetch (status, time, TLS certificate)", multiple=True),
    Option("traceroute", "host", [], "Host to trace the route to (needs root)", multiple=True),
    Option("pmtu", "host", [], "Host to measure the path MTU toward", multiple=True),
    Option("dns_names", "host", [], "Names every resolver must resolve (A and AAAA)", multiple=True, metavar="NAME"),
    Option("sip_domains", "host", [], "SIP domains whose NAPTR/SRV records (RFC 3263) every resolver must serve",
           multiple=True, metavar="DOMAIN"),
    Option("resolvers", "host", [], "Resolvers to test instead of the configured ones", multiple=True, metavar="IP"),
    Option("local", "bool", True, "Check interfaces, addresses and default routes"),
    Option("gateway", "bool", True, "Ping the default gateway(s)"),
    Option("dns", "bool", True, "Query each resolver (liveness, names, NXDOMAIN rewriting)"),
    Option("nxdomain_check", "bool", True, "Detect resolvers that answer for names that do not exist"),
    Option("nxdomain_domain", "host", "example.com", "Domain under which a random non-existent name is asked",
           metavar="DOMAIN"),
    Option("captive_url", "url", None, "Connectivity-check URL for captive portal detection (none: skipped)"),
    Option("captive_status", "int", 204, "Status the captive_url answers when no portal intercepts", min=100, max=599),
    Option("ca_file", "path", None, "Extra CA certificates (PEM) to trust for HTTPS URLs"),
    Option("count", "int", 5, "Echo requests per target", min=1, max=1000),
    Option("interval", "float", 0.2, "Seconds between echo requests", min=0.01, max=10),
    Option("probe_timeout", "float", 1.0, "Seconds to wait for an answer to each probe", min=0.1, max=30),
    Option("ping_method", "choice", "auto", "How to ping: auto (best available), scapy, dgram, tcp",
           choices=("auto", "scapy", "dgram", "tcp")),
    Option("tcp_ping_port", "int", 80, "Port for TCP-connect pings when ICMP is not possible", min=1, max=65535),
    Option("tcp_attempts", "int", 3, "Connect attempts per TCP target", min=1, max=50),
    Option("loss_warn_pct", "float", 1.0, "Packet loss (%) that is a warning", min=0, max=100),
    Option("loss_crit_pct", "float", 10.0, "Packet loss (%) that is critical", min=0, max=100),
    Option("rtt_warn_ms", "float", 150.0, "Median round-trip time (ms) that is a warning", min=0),
    Option("rtt_crit_ms", "float", 500.0, "Median round-trip time (ms) that is critical", min=0),
    Option("dns_warn_ms", "float", 300.0, "DNS answer time (ms) that is a warning", min=0),
    Option("dns_crit_ms", "float", 1500.0, "DNS answer time (ms) that is critical", min=0),
    Option("http_warn_ms", "float", 3000.0, "HTTP response time (ms) that is a warning", min=0),
    Option("http_crit_ms", "float", 10000.0, "HTTP response time (ms) that is critical", min=0),
    Option("cert_warn_days", "float", 21.0, "Days before certificate expiry that are a warning", min=0),
    Option("cert_crit_days", "float", 7.0, "Days before certificate expiry that are critical", min=0),
    Option("traceroute_method", "choice", "icmp", "Traceroute probes: icmp, udp or tcp", choices=("icmp", "udp", "tcp")),
    Option("traceroute_port", "int", None, "Destination port for udp/tcp traceroute (default 33434+/80)",
           min=1, max=65535),
    Option("max_hops", "int", 30, "Traceroute hop limit", min=1, max=64),
    Option("traceroute_probes", "int", 3, "Probes per hop", min=1, max=50),
    Option("pmtu_port", "int", 33434, "UDP port the path-MTU probes are sent to (a closed port confirms)",
           min=1, max=65535),
    Option("sip_message_bytes", "int", 1300, "Size of the largest SIP message expected over UDP (bytes)",
           min=200, max=65000),
]

def run(ctx: Context) -> list[Finding]:
    plan = _Plan(ctx)
    findings = plan.local_findings()
    findings += plan.run_probes()
    if not findings:
        findings.append(_f("network", Status.UNKNOWN, t("Nothing to test: no targets, URLs or resolvers configured"),
                           rule="nothing-configured",
                           detail="Enable local/gateway/dns or give --target, --url, --traceroute or --pmtu."))
    return findings


def _is_root(ctx: Context) -> bool:
    return bool(ctx.env.is_root)


class _Plan:
    """Decides which probes to run from the options and the local configuration."""

    def __init__(self, ctx: Context) -> None:
        from fieldkit.net import local
        from fieldkit.platform import Unsupported

        self.ctx = ctx
        self.interfaces = local.interfaces(ctx.env.root) if ctx.option("local") or ctx.option("gateway") else []
        self.routes: list[local.Route] | None = []
        if ctx.option("local") or ctx.option("gateway"):
            try:
                self.routes = local.default_routes(ctx.env.root, ctx.env.platform)
            except Unsupported:
                self.routes = None  # unknown, which is not the same as "no default route"
        self.resolver_config = local.resolvers(ctx.env.root, ctx.env.platform)
        explicit = ctx.option("resolvers") or []
        self.resolvers: list[str] = list(explicit) if explicit else list(self.resolver_config.servers)

    # ---------------------------------------------------------------- local configuration
    def local_findings(self) -> list[Finding]:
        if not self.ctx.option("local"):
            return []
        from fieldkit.checks.network import verdicts

        return verdicts.local_findings(self.interfaces, self.routes, self.resolver_config, self.resolvers,
                                       bool(self.ctx.option("dns")))

    # ---------------------------------------------------------------- probes
    def run_probes(self) -> list[Finding]:
        from fieldkit.checks.network import verdicts as classify
        from fieldkit.net import run_parallel

        ctx = self.ctx
        tasks: dict[str, Callable[[], Any]] = {}
        judges: dict[str, Callable[[Any], list[Finding]]] = {}
        self._plan_pings(tasks, judges, classify)
        self._plan_tcp(tasks, judges, classify)
        self._plan_dns(tasks, judges, classify)
        self._plan_http(tasks, judges, classify)
        self._plan_paths(tasks, judges, classify)
        if not tasks:
            return []
        ctx.progress(f"network: {len(tasks)} probes")
        budget = max(0.5, ctx.time_left() - 1.0)
        results = run_parallel(tasks, budget, cancelled=lambda: ctx.cancelled)
        return classify.assemble(ctx, tasks, judges, results)

    def _ping(self, host: str, port: int | None) -> Callable[[], Any]:
        from fieldkit.net import icmp

        ctx = self.ctx
        return lambda: icmp.ping(host, count=ctx.option("count"), interval=ctx.option("interval"),
                                 timeout=ctx.option("probe_timeout"), method=ctx.option("ping_method"),
                                 tcp_port=port or ctx.option("tcp_ping_port"), is_root=_is_root(ctx))

    def _plan_pings(self, tasks: dict, judges: dict, classify: Any) -> None:
        ctx = self.ctx
        if ctx.option("gateway"):
            for gw in self.gateways():
                tasks[f"gw:{gw}"] = self._ping(gw, None)
                judges[f"gw:{gw}"] = lambda r, gw=gw: classify.gateway(ctx, gw, r)
        for target in ctx.option("target") or []:
            host, port = split_hostport(target)
            if f"ping:{host}" not in tasks:
                tasks[f"ping:{host}"] = self._ping(host, port)
                judges[f"ping:{host}"] = lambda r, host=host: classify.ping(ctx, host, r)

    def gateways(self) -> list[str]:
        """IPv4 gateways of the default routes (IPv6 link-local gateways need a scope; skipped)."""
        seen: list[str] = []
        for route in self.routes or []:
            if route.gateway and "." in route.gateway and route.gateway not in seen:
                seen.append(route.gateway)
        return seen

    def _plan_tcp(self, tasks: dict, judges: dict, classify: Any) -> None:
        from fieldkit.net import tcp

        ctx = self.ctx
        for target in ctx.option("target") or []:
            host, port = split_hostport(target)
            if port is None:
                continue
            key = f"tcp:{join_hostport(host, port)}"
            tasks[key] = lambda host=host, port=port: tcp.probe(host, port, attempts=ctx.option("tcp_attempts"),
                                                               timeout=max(1.0, ctx.option("probe_timeout")))
            judges[key] = lambda r: classify.tcp(ctx, r)

    def _plan_dns(self, tasks: dict, judges: dict, classify: Any) -> None:
        from fieldkit.net import dns

        ctx = self.ctx
        if not ctx.option("dns"):
            return
        timeout = max(1.0, ctx.option("probe_timeout") * 2)
        names = ctx.option("dns_names") or []
        for resolver in self.resolvers:
            key = f"dns:{resolver}"

            nx_domain = ctx.option("nxdomain_domain") if ctx.option("nxdomain_check") else None
            tasks[key] = lambda resolver=resolver, nx_domain=nx_domain: dns.probe_resolver(
                resolver, names, nx_domain, timeout=timeout)
            judges[key] = lambda r, resolver=resolver: classify.resolver(ctx, resolver, r)
            for domain in ctx.option("sip_domains") or []:
                skey = f"sip:{resolver}:{domain}"
                tasks[skey] = lambda resolver=resolver, domain=domain: dns.sip_records(resolver, domain, timeout)
                judges[skey] = lambda r, resolver=resolver, domain=domain: classify.sip_domain(ctx, resolver, domain, r)

    def _plan_http(self, tasks: dict, judges: dict, classify: Any) -> None:
        from fieldkit.net import http

        ctx = self.ctx
        timeout = max(2.0, min(ctx.option("http_crit_ms") / 1000.0, ctx.time_left() - 2))
        for url in ctx.option("url") or []:
            tasks[f"url:{url}"] = lambda url=url: http.fetch(url, timeout=timeout, ca_file=ctx.option("ca_file"))
            judges[f"url:{url}"] = lambda r: classify.url(ctx, r)
        captive = ctx.option("captive_url")
        if captive:
            tasks["captive"] = lambda: http.captive_portal(captive, ctx.option("captive_status"), timeout=timeout)
            judges["captive"] = lambda r: classify.captive(ctx, r)

    def _plan_paths(self, tasks: dict, judges: dict, classify: Any) -> None:
        from fieldkit.net import pmtu, traceroute

        ctx = self.ctx
        for host in ctx.option("traceroute") or []:
            tasks[f"trace:{host}"] = lambda host=host: traceroute.traceroute(
                host, method=ctx.option("traceroute_method"), max_hops=ctx.option("max_hops"),
                probes=ctx.option("traceroute_probes"), timeout=ctx.option("probe_timeout"),
                port=ctx.option("traceroute_port"), is_root=_is_root(ctx))
            judges[f"trace:{host}"] = lambda r: classify.trace(ctx, r)
        for host in ctx.option("pmtu") or []:
            tasks[f"pmtu:{host}"] = lambda host=host: pmtu.discover(
                host, port=ctx.option("pmtu_port"), timeout=ctx.option("probe_timeout"),
                deadline_s=max(1.0, ctx.time_left() - 2))
            judges[f"pmtu:{host}"] = lambda r: classify.pmtu(ctx, r)
