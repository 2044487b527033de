"""Plan and run the lan measurements inside the check's budget, then classify them."""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from typing import Any

from fieldkit.context import Context
from fieldkit.findings import Finding


@dataclass
class Measurements:
    """Everything the lan check measured, handed to the classifier."""

    wired: list[Any] = field(default_factory=list)           # LinkInfo at the start
    counters_after: dict[str, dict[str, int]] = field(default_factory=dict)
    elapsed_s: float = 0.0
    skipped_ports: list[Any] = field(default_factory=list)   # LinkInfo of ports without a cable (auto mode)
    missing: list[str] = field(default_factory=list)         # named interfaces that do not exist
    explicit: bool = False
    primary: str | None = None
    raw_error: str | None = None
    discovery: dict[str, Any] = field(default_factory=dict)
    dhcp: dict[str, Any] = field(default_factory=dict)
    arp: dict[str, Any] = field(default_factory=dict)
    wifi: list[Any] = field(default_factory=list)
    addresses: dict[str, list[str]] = field(default_factory=dict)
    gateways: dict[str, str] = field(default_factory=dict)
    resolvers: list[str] = field(default_factory=list)


def _plan_interfaces(ctx: Context, m: Measurements) -> tuple[list[str], list[str]]:
    from fieldkit.net.lan import link

    root = ctx.env.root
    named = list(ctx.option("interface") or [])
    present = set(link.list_interfaces(root))
    if named:
        m.explicit = True
        m.missing = [n for n in named if n not in present]
        names = [n for n in named if n in present]
        return [n for n in names if not link.is_wireless(n, root)], [n for n in names if link.is_wireless(n, root)]
    wired = [n for n in sorted(present) if link.is_candidate(n, root)]
    # The default route's interface counts even when it is virtual (a VM's virtio port is fine, a veth too).
    for gw_iface in m.gateways:
        if gw_iface not in wired and gw_iface in present and not link.is_wireless(gw_iface, root) and gw_iface != "lo":
            wired.append(gw_iface)
    wireless = [n for n in sorted(present) if link.is_wireless(n, root)]
    return wired, wireless


def measure(ctx: Context) -> Measurements:
    from fieldkit.net import local
    from fieldkit.net.lan import arp, dhcp, discovery, link, raw, wifi

    m = Measurements()
    root = ctx.env.root
    start = ctx.env.monotonic()
    for route in local.default_routes(root):
        if route.gateway and "." in route.gateway:
            m.gateways.setdefault(route.interface, route.gateway)
    by_name = {i.name: i for i in local.interfaces(root)}
    m.resolvers = list(local.resolvers(root).servers)
    wired_names, wireless_names = _plan_interfaces(ctx, m)
    infos = [link.read_link(n, root) for n in wired_names]
    for info in infos:
        if m.explicit or info.carrier:
            m.wired.append(info)
        else:
            m.skipped_ports.append(info)
    live = [i.interface for i in m.wired if i.carrier is not False]
    for name in live:
        m.addresses[name] = [a.split("/")[0] for a in (by_name[name].ipv4 if name in by_name else [])
                             if not a.startswith("169.254.")]
    m.primary = next((n for n in live if n in m.gateways), live[0] if live else None)

    tasks: dict[str, Any] = {}
    needs_raw = live and (ctx.option("discovery") or ctx.option("dhcp") or ctx.option("arp"))
    if needs_raw:
        m.raw_error = raw.raw_available()
    if needs_raw and m.raw_error is None:
        budget = max(0.5, ctx.time_left() - 2.0)
        if ctx.option("discovery"):
            listen_s = min(float(ctx.option("listen_s")), budget)
            for name in live:
                tasks[f"discovery:{name}"] = lambda name=name: discovery.listen(
                    name, listen_s, cancelled=lambda: ctx.cancelled)
        if ctx.option("dhcp") and m.primary:
            dhcp_wait = min(float(ctx.option("dhcp_wait_s")), budget)
            tasks[f"dhcp:{m.primary}"] = lambda: dhcp.probe(m.primary, dhcp_wait, full=bool(ctx.option("dhcp_full")))
        if ctx.option("arp"):
            arp_wait = min(float(ctx.option("arp_wait_s")), budget)
            for name in live:
                if m.addresses.get(name) or m.gateways.get(name):
                    tasks[f"arp:{name}"] = lambda name=name: arp.check(name, m.addresses.get(name, []),
                                                                       m.gateways.get(name), arp_wait)
    if tasks:
        ctx.progress(f"lan: {len(tasks)} link-layer probes")
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(tasks)) as pool:
            futures = {key: pool.submit(fn) for key, fn in tasks.items()}
            for key, future in futures.items():
                part, name = key.split(":", 1)
                try:
                    value = future.result(timeout=max(0.5, ctx.time_left() - 0.5))
                except Exception as exc:  # noqa: BLE001 - one probe's failure must not lose the others
                    value = exc
                getattr(m, part)[name] = value
    if ctx.option("wifi"):
        for name in wireless_names:
            m.wifi.append(wifi.measure(name, ctx.run))
    for info in m.wired:
        m.counters_after[info.interface] = link.read_counters(info.interface, root)
    m.elapsed_s = max(0.001, ctx.env.monotonic() - start)
    return m


def run(ctx: Context) -> list[Finding]:
    from fieldkit.checks.lan import classify
    from fieldkit.platform import LINUX, label

    if ctx.env.platform != LINUX:  # link state, ethtool and raw link-layer sockets are Linux interfaces
        from fieldkit.findings import Status
        from fieldkit.messages import t

        return [Finding(check="lan", subject="local network", status=Status.UNKNOWN,
                        summary=t("The local network could not be checked: not supported on {system} yet",
                                  system=label(ctx.env.platform)), rule="lan-unsupported")]
    return classify.findings(ctx, measure(ctx))
