"""A scan that holds at least one finding of every rule of every check, made by the checks' own code.

The findings are built by the real classification code (a fake psutil and a fake /sys for
``system``), so their texts are exactly the ``t()``/``tn()`` messages a customer gets; the
report tests render this scan in every language. A check whose rules are added here must
produce them through its own code, never through hand-written summaries.
"""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from fieldkit.checks import system
from fieldkit.context import Context, Environment
from fieldkit.findings import Finding, Status
from fieldkit.result import CheckRecord, ScanResult

T0 = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)
GIB = 2**30


def _ctx(check: str, env: Environment, *, budget_s: float = 60, **options: Any) -> Context:
    from fieldkit import checks

    spec = checks.load(check)
    merged = spec.defaults()
    for key, value in options.items():
        merged[key] = spec.option(key).convert(value)
    return Context(check=check, options=merged, env=env, deadline=env.monotonic() + budget_s)


def fake_psutil(*, used_pct: float = 97.0, avail_pct: float = 3.0, swap_pct: float = 90.0, temp_c: float = 99.0,
                load15: float = 12.0, boot_age_s: float = 90 * 86400, now: float | None = None) -> SimpleNamespace:
    """What psutil returns on a tired office PC: full disk, no memory, hot CPU, busy, never restarted."""
    now = time.time() if now is None else now
    total = 500 * 10**9
    partitions = [SimpleNamespace(device="/dev/sda2", mountpoint="/", fstype="ext4"),
                  SimpleNamespace(device="/dev/sdb1", mountpoint="/srv/data", fstype="ext4")]
    usage = {"/": SimpleNamespace(total=total, used=total * used_pct / 100, free=total * (1 - used_pct / 100),
                                  percent=used_pct),
             "/srv/data": SimpleNamespace(total=total * 2, used=total * 1.7, free=total * 0.3, percent=85.0)}
    return SimpleNamespace(
        virtual_memory=lambda: SimpleNamespace(total=16 * GIB, available=16 * GIB * avail_pct / 100),
        swap_memory=lambda: SimpleNamespace(total=4 * GIB, used=4 * GIB * swap_pct / 100, percent=swap_pct),
        disk_partitions=lambda all=False: partitions,
        disk_usage=lambda mount: usage[mount],
        net_if_stats=lambda: {"eth0": SimpleNamespace(isup=True, speed=1000, mtu=1500)},
        net_if_addrs=lambda: {"eth0": [SimpleNamespace(family=socket.AF_INET, address="192.0.2.10")]},
        AF_LINK=17,
        cpu_count=lambda logical=True: 4,
        sensors_temperatures=lambda: {"coretemp": [SimpleNamespace(label="Package id 0", current=temp_c, high=84.0,
                                                                   critical=100.0)]},
        getloadavg=lambda: (load15, load15, load15),
        boot_time=lambda: now - boot_age_s,
    )


def _sysfs(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def system_findings(tmp: Path) -> list[Finding]:
    """Every rule of the system check, from its own code."""
    now = time.time()
    battery = {"sys/class/power_supply/BAT0/type": "Battery\n",
               "sys/class/power_supply/BAT0/energy_full": "20000000\n",
               "sys/class/power_supply/BAT0/energy_full_design": "50000000\n",
               "sys/class/power_supply/BAT0/cycle_count": "912\n"}
    drifted = tmp / "drifted"
    _sysfs(drifted, {**battery, "sys/class/rtc/rtc0/since_epoch": f"{int(now) - 3600}\n"})
    plain = tmp / "plain"
    _sysfs(plain, {"sys/class/rtc/rtc0/since_epoch": f"{int(now) - 600}\n"})
    out: list[Finding] = []
    psutil = fake_psutil(now=now)
    env = Environment(root=drifted, clock=lambda: now)
    ctx = _ctx("system", env)
    out.append(system._inventory(ctx, psutil))
    for step in (system._filesystems, system._memory, system._swap, system._temperatures, system._battery,
                 system._load, system._uptime, system._clock):
        out.extend(step(ctx, psutil))
    out.extend(system._clock(_ctx("system", Environment(root=plain, clock=lambda: now)), psutil))
    past = Environment(root=tmp / "empty", clock=lambda: 978307200.0)  # 2001: a dead CMOS battery
    out.extend(system._clock(_ctx("system", past), psutil))
    out.extend(system._uptime(_ctx("system", past), fake_psutil(now=now)))  # boot time in the future
    out.extend(system._clock(_ctx("system", Environment(root=tmp / "empty", clock=lambda: now)), psutil))
    # A system fieldkit cannot read these from yet (the platform seam says so).
    windows = Environment(root=tmp / "empty", clock=lambda: now, platform="windows")
    laptop = fake_psutil(now=now)
    laptop.sensors_battery = lambda: SimpleNamespace(percent=80, power_plugged=True)
    out.extend(system._battery(_ctx("system", windows), laptop))
    out.extend(system._clock(_ctx("system", windows), laptop))
    other = Environment(root=tmp / "empty", clock=lambda: now, platform="other")   # a system without a name of its own
    out.extend(system._battery(_ctx("system", other), laptop))
    out.extend(system._clock(_ctx("system", other), laptop))
    return out


def lan_findings(tmp: Path) -> list[Finding]:
    """The lan check's rules, from its classifier fed with measured facts (as tests/checks/test_lan.py does)."""
    from fieldkit.checks.lan import classify
    from fieldkit.checks.lan.plan import Measurements
    from fieldkit.net.lan.arp import AddressCheck, ArpResult
    from fieldkit.net.lan.dhcp import DhcpResult, Offer
    from fieldkit.net.lan.discovery import DiscoveryResult, Neighbor
    from fieldkit.net.lan.link import LinkInfo
    from fieldkit.net.lan.wifi import Bss, WifiLink, WifiResult

    def link(**kw: Any) -> LinkInfo:
        base = dict(interface="eth0", carrier=True, operstate="up", speed_mbps=1000, duplex="full", autoneg=True,
                    counters={"rx_errors": 0, "tx_errors": 0, "rx_dropped": 0, "tx_dropped": 0})
        base.update(kw)
        return LinkInfo(**base)

    def measured(*links: LinkInfo, **kw: Any) -> Measurements:
        m = Measurements(wired=list(links), elapsed_s=2.0, gateways={i.interface: "192.168.1.1" for i in links},
                         resolvers=["192.168.1.1"])
        m.counters_after = {i.interface: dict(i.counters) for i in links}
        for key, value in kw.items():
            setattr(m, key, value)
        return m

    def offer(server: str, address: str, routers: list[str], dns: list[str], ms: float = 12.0) -> Offer:
        return Offer(server, server, "02:00:00:00:00:" + server.split(".")[-1].zfill(2)[-2:], address,
                     "255.255.255.0", routers, dns, 3600, None, ms)

    def neighbor(**kw: Any) -> Neighbor:
        base = dict(protocol="lldp", source_mac="00:11:22:33:44:55", system_name="sw-core-2", port_id="Gi1/0/12",
                    native_vlan=20, voice_vlan=30, heard_after_s=0.4)
        base.update(kw)
        return Neighbor(**base)

    def wifi(signal: float) -> WifiResult:
        return WifiResult("wlan0", WifiLink("wlan0", True, "ClinicaTuria", "aa:bb:cc:dd:ee:ff", 2412.0, signal, 72.2),
                          [Bss("11:22:33:44:55:66", "Vecinos-5", 2422.0, -70.0, 3)], True)

    def arp(checks: list[AddressCheck], macs: list[str]) -> ArpResult:
        return ArpResult("eth0", "3c:52:82:aa:bb:cc", checks, "192.168.1.1", macs, 0.8, 1.0)

    out: list[Finding] = []
    out += classify.findings_for(measured(link(duplex="half", speed_mbps=100)))
    out += classify.findings_for(measured(link(speed_mbps=100)), expect_speed_mbps=1000)
    out += classify.findings_for(measured(link(carrier=False, operstate="down", speed_mbps=None), explicit=True))
    grown = measured(link())
    grown.counters_after = {"eth0": {"rx_errors": 5000, "tx_errors": 0, "rx_dropped": 0, "tx_dropped": 0}}
    out += classify.findings_for(grown)
    out += classify.findings_for(measured(link(), raw_error="raw frames need root or the CAP_NET_RAW capability"))
    for found in (neighbor(), neighbor(voice_vlan=20)):
        out += classify.findings_for(measured(link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=found)}),
                                     expect_voice_vlan=30)
    out += classify.findings_for(measured(link(), discovery={"eth0": DiscoveryResult("eth0", 35.0)}))
    for offers in ([], [offer("192.168.1.1", "192.168.1.50", ["192.168.1.1"], ["192.168.1.1"]),
                        offer("192.168.0.1", "192.168.0.23", ["192.168.0.1"], ["8.8.8.8"], ms=40)],
                   [offer("192.168.1.1", "192.168.1.50", ["192.168.1.254"], ["192.168.1.1"])],
                   [offer("192.168.1.1", "192.168.1.50", ["192.168.1.1"], ["192.168.1.1"])]):
        out += classify.findings_for(measured(link(), dhcp={"eth0": DhcpResult("eth0", "02:aa:00:00:00:01", 5.0,
                                                                                offers=offers)}))
    out += classify.findings_for(measured(link(), arp={"eth0": arp(
        [AddressCheck("192.168.1.23", ["00:0c:29:12:34:56"])], ["00:11:22:33:44:55", "00:11:22:33:44:66"])}))
    out += classify.findings_for(measured(link(), arp={"eth0": arp([AddressCheck("192.168.1.23")], [])}))
    for signal in (-55, -70, -80):
        out += classify.findings_for(Measurements(wifi=[wifi(signal)]))
    return out


def network_findings(tmp: Path) -> list[Finding]:
    """The network check's rules, from its classifier fed with probe results (as tests/checks/test_network_verdicts.py
    does): the measured facts of a small office whose internet works badly."""
    import errno
    from socket import AF_INET

    from fieldkit.checks.network import verdicts
    from fieldkit.net.dns import DnsAnswer, NxdomainResult
    from fieldkit.net.http import HttpResult, PortalResult, TlsInfo
    from fieldkit.net.icmp import PingResult
    from fieldkit.net.local import Interface, ResolverConfig, Route
    from fieldkit.net.pmtu import PmtuResult
    from fieldkit.net.tcp import TcpResult
    from fieldkit.net.traceroute import Hop, TraceResult

    arp = tmp / "arp-root"
    _sysfs(arp, {"proc/net/arp": "IP address HW type Flags HW address Mask Device\n"
                                 "192.168.1.1 0x1 0x2 3c:52:82:00:00:01 * eth0\n"})
    ctx = _ctx("network", Environment(root=tmp / "empty"))
    filtered_ctx = _ctx("network", Environment(root=arp, platform="linux"))
    eth0 = Interface("eth0", True, 1500, 1000, ["192.168.1.50"], [], "3c:52:82:aa:bb:cc", "up")
    wlan0 = Interface("wlan0", False, 1500, None, [], [], None, "down")
    apipa = Interface("eth1", True, 1500, 100, ["169.254.12.7"], [], None, "up")
    routes = [Route("eth0", "192.168.1.1", AF_INET, 100), Route("tun0", None, AF_INET, 50)]
    plain = ResolverConfig(["192.168.1.1"], "/etc/resolv.conf")
    stub = ResolverConfig(["127.0.0.53", "192.168.1.1"], "/etc/resolv.conf", stub=True,
                          upstream_source="/run/systemd/resolve/resolv.conf")
    out: list[Finding] = []
    out += verdicts.local_findings([eth0, wlan0, apipa], routes, stub, [], True)
    out += verdicts.local_findings([wlan0], [], ResolverConfig([], "/etc/resolv.conf"), [], True)
    out += verdicts.local_findings([apipa], None, ResolverConfig([], "", unsupported="not supported on Windows yet"),
                                   [], True)
    out += verdicts.local_findings([], [], ResolverConfig(["127.0.0.53"], "/etc/resolv.conf", stub=True), [], True)
    out += verdicts.local_findings([eth0], routes[:1], plain, [], True)

    out += verdicts.gateway(ctx, "192.168.1.1", PingResult("192.168.1.1", "192.168.1.1", "dgram", [2.0, None, 1.5, 3.0]))
    out += verdicts.gateway(filtered_ctx, "192.168.1.1", PingResult("192.168.1.1", "192.168.1.1", "scapy", [None] * 5))
    out += verdicts.ping(ctx, "pbx.example.com", PingResult("pbx.example.com", None, "none", error="name unknown",
                                                            error_kind="dns"))
    out += verdicts.ping(ctx, "192.0.2.9", PingResult("192.0.2.9", "192.0.2.9", "none", error="no route",
                                                      error_kind="no-route"))
    out += verdicts.ping(ctx, "192.0.2.7", PingResult("192.0.2.7", "192.0.2.7", "tcp", [None] * 5, port=443))
    out += verdicts.ping(ctx, "192.0.2.8", PingResult("192.0.2.8", "192.0.2.8", "scapy", [180.5, 210.25, 199.0]))
    for state in ("refused", "filtered", "unreachable", "no-route", "dns", "error"):
        out += verdicts.tcp(ctx, TcpResult("pbx.example.com", 5061, "192.0.2.10", state, [None], [state],
                                           error=errno.errorcode.get(errno.ECONNREFUSED, "")))
    out += verdicts.tcp(ctx, TcpResult("pbx.example.com", 5061, "192.0.2.10", "open", [12.5, None, None],
                                       ["open", "filtered", "refused"]))

    ok = DnsAnswer("192.168.1.1", "www.example.com", "A", "NOERROR", ["192.0.2.80"], 12.0)
    silent = DnsAnswer("192.0.2.53", ".", "NS", "TIMEOUT", error="no answer from 192.0.2.53 within 2 s")
    closed = DnsAnswer("192.0.2.54", ".", "NS", "ERROR", closed=True, error="nothing answers on port 53")
    broken = DnsAnswer("192.0.2.55", ".", "NS", "ERROR", error="[Errno 101] Network is unreachable")
    for dead in (silent, closed, broken):
        out += verdicts.resolver(ctx, dead.resolver, {"answers": [dead], "nxdomain": None})
    slow = DnsAnswer("192.168.1.1", "www.example.com", "A", "NOERROR", ["192.0.2.80"], 2000.5)
    refused = DnsAnswer("192.168.1.1", "sip.example.com", "AAAA", "REFUSED", [], 3.0)
    failing = DnsAnswer("192.168.1.1", "sip.example.com", "A", "SERVFAIL", [], 3.0)
    out += verdicts.resolver(ctx, "192.168.1.1", {"answers": [ok, failing, refused], "nxdomain": None})
    out += verdicts.resolver(ctx, "192.168.1.1", {"answers": [slow], "nxdomain": None})
    gone = DnsAnswer("192.168.1.1", "www.example.com", "A", "NXDOMAIN", [], 3.0)
    lie = DnsAnswer("192.168.1.1", "fk-nx-1.example.com", "A", "NOERROR", ["198.51.100.1"], 3.0)
    out += verdicts.resolver(ctx, "192.168.1.1", {"answers": [gone],
                                                  "nxdomain": NxdomainResult("192.168.1.1", lie.name, True, lie)})
    out += verdicts.sip_domain(ctx, "192.0.2.53", "example.com", [silent])
    out += verdicts.sip_domain(ctx, "192.168.1.1", "example.com",
                               [DnsAnswer("192.168.1.1", "example.com", "NAPTR", "NODATA", [], 2.0)])
    out += verdicts.sip_domain(ctx, "192.168.1.1", "example.com",
                               [DnsAnswer("192.168.1.1", "_sip._udp.example.com", "SRV", "NOERROR",
                                          ["10 50 5060 sip.example.com."], 4.0)])

    for kind in ("dns", "no-route", "refused", "timeout", "tls", "http", "error"):
        out += verdicts.url(ctx, HttpResult("https://portal.example.com/", error=f"raw {kind} error", error_kind=kind))
    out += verdicts.url(ctx, HttpResult("https://portal.example.com/", status=503, reason="Service Unavailable",
                                        total_ms=50.0))
    out += verdicts.url(ctx, HttpResult("http://portal.example.com/", status=301, reason="Moved Permanently",
                                        total_ms=4.25, location="https://portal.example.com/"))
    for code, days in ((10, -3.0), (18, 200.0), (20, 90.0), (62, 1.0), (None, 30.0)):
        out += verdicts.url(ctx, HttpResult("https://portal.example.com/", status=200, reason="OK", total_ms=5000.0,
                                            tls=TlsInfo(False, "raw verify error", verify_code=code, days_left=days,
                                                        self_signed=code == 18)))
    out += verdicts.url(ctx, HttpResult("https://portal.example.com/", status=200, reason="OK", total_ms=80.0,
                                        tls=TlsInfo(True, days_left=21.0)))
    out += verdicts.url(ctx, HttpResult("https://portal.example.com/", status=200, reason="OK", total_ms=80.0,
                                        tls=TlsInfo(True, days_left=1.0)))
    probe = "http://connectivity.example.com/generate_204"
    out += verdicts.captive(ctx, PortalResult(probe, None, "no answer: refused", HttpResult(probe), "no-answer", 204))
    out += verdicts.captive(ctx, PortalResult(probe, True, "redirected", HttpResult(probe, 302, location="http://login/"),
                                              "redirected", 204))
    out += verdicts.captive(ctx, PortalResult(probe, True, "redirected", HttpResult(probe, 302), "redirected", 204))
    out += verdicts.captive(ctx, PortalResult(probe, True, "replaced", HttpResult(probe, 200), "replaced", 204))
    out += verdicts.captive(ctx, PortalResult(probe, False, "as expected", HttpResult(probe, 204), "expected", 204))

    target = "pbx.example.com"
    for kind in ("dns", "no-route", "ipv6", "needs-root"):
        out += verdicts.trace(ctx, TraceResult(target, None, "icmp", error=f"raw {kind}", error_kind=kind))
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "udp", []))
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "icmp", [Hop(1, "192.168.1.1", [1.0]),
                                                                          Hop(2, None, [None])]))
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "icmp", [Hop(1, None, [None])]))
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "icmp", [Hop(1, "192.168.1.1", [1.0]),
                                                                          Hop(2, "198.51.100.1", [9.0],
                                                                              unreachable="host unreachable")]))
    reached = [Hop(1, "192.168.1.1", [1.0, 1.0, 1.0, 1.0]), Hop(2, "198.51.100.1", [8.0, None, 8.5, 8.0]),
               Hop(3, "192.0.2.10", [12.0, None, 12.5, 12.0], final=True)]
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "tcp", reached, reached=True))
    limited = [Hop(1, "192.168.1.1", [1.0, None]), Hop(2, "198.51.100.1", [8.0, None]),
               Hop(3, "192.0.2.10", [12.0, 12.5], final=True)]
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "icmp", limited, reached=True))
    out += verdicts.trace(ctx, TraceResult(target, "192.0.2.10", "icmp", [Hop(1, "192.0.2.10", [0.5], final=True)],
                                           reached=True))
    for kind in ("dns", "needs-linux", "ipv6", "no-route", "probe-failed", "unreachable"):
        out += verdicts.pmtu(ctx, PmtuResult(target, None if kind == "dns" else "192.0.2.10", error=f"raw {kind}",
                                             error_kind=kind))
    out += verdicts.pmtu(ctx, PmtuResult(target, "192.0.2.10", 1400, 1500, False))
    out += verdicts.pmtu(ctx, PmtuResult(target, "192.0.2.10", 1500, 1500, True))

    tasks = {key: (lambda: None) for key in ("gw:192.168.1.1", "dns:192.168.1.1", "sip:192.168.1.1:example.com",
                                             "trace:pbx.example.com", "pmtu:pbx.example.com", "captive",
                                             "url:https://portal.example.com/", "ping:pbx.example.com",
                                             "tcp:pbx.example.com:5061")}
    results: dict[str, Any] = {"ping:pbx.example.com": RuntimeError("socket exploded"),
                               "tcp:pbx.example.com:5061": TcpResult("pbx.example.com", 5061, "192.0.2.10", "open",
                                                                     [10.0], ["open"])}
    judges = {"tcp:pbx.example.com:5061": lambda r: verdicts.tcp(ctx, r),
              "ping:pbx.example.com": lambda r: verdicts.ping(ctx, "pbx.example.com", r)}
    out += verdicts.assemble(ctx, tasks, judges, results)
    filtered = {"ping:pbx.example.com": PingResult("pbx.example.com", "192.0.2.10", "dgram", [None] * 3),
                "tcp:pbx.example.com:5061": results["tcp:pbx.example.com:5061"]}
    out += verdicts.assemble(ctx, {k: tasks[k] for k in filtered}, judges, filtered)
    from fieldkit.checks import network

    out += network.run(_ctx("network", Environment(root=tmp / "empty"), local=False, gateway=False, dns=False))
    return out


def reflected_stream(*, loss_every: int = 0, tos_set: bool = True, dscp_back: int | None = 46,
                     packets: int = 500) -> Any:
    """A finished 20 ms stream (:class:`fieldkit.voip.stream.StreamRun`) as a stateful reflector returns it:
    every ``loss_every``-th packet lost on the way there, DSCP 46 seen at the reflector and ``dscp_back``
    (None: not readable) on the replies."""
    from fieldkit.voip import stream as vstream

    run = vstream.StreamRun("192.0.2.1:862", ("192.0.2.1", 862), 20.0, 172, 184, tos_set, seq_base=1 << 20)
    t0 = 1_700_000_000_000_000_000
    reflector_seq = 0
    for seq in range(packets):
        sent = t0 + seq * 20_000_000
        run.sent.append(vstream.Sent(seq, seq * 20_000_000, seq * 20_000_000, sent))
        if loss_every and seq % loss_every == loss_every - 1:
            continue
        t2 = sent + 5_000_000 + (seq % 7) * 300_000  # a little delay variation, as on a real line
        run.replies.append(vstream.Reply(seq, sent, t2, t2 + 50_000, t2 + 5_100_000, reflector_seq, 184,
                                         None if dscp_back is None else dscp_back << 2, 64, True))
        reflector_seq += 1
    return run


def unanswered_stream(*, icmp_refused: int = 0, garbage: int = 0, gave_up: bool = False) -> Any:
    """A stream nothing reflected: a closed port, silence, or another service answering."""
    from fieldkit.voip import stream as vstream

    run = vstream.StreamRun("192.0.2.1:862", ("192.0.2.1", 862), 20.0, 172, 184, True, icmp_refused=icmp_refused,
                            garbage=garbage, garbage_sample=b"SIP/2.0 400" if garbage else b"", gave_up=gave_up)
    run.sent = [vstream.Sent(seq, seq * 20_000_000, seq * 20_000_000, seq * 20_000_000) for seq in range(150)]
    return run


def voip_findings(tmp: Path) -> list[Finding]:
    """The voip check's rules, from its verdicts fed with measured results (what the SIP, STUN and stream
    measurements return), plus the parts of run() that need no network."""
    from fieldkit.checks import voip
    from fieldkit.checks.voip import verdicts as vf
    from fieldkit.voip.sip import AlgResult, OptionsResult
    from fieldkit.voip.stun import NatReport

    env = Environment(root=tmp / "empty")
    out: list[Finding] = list(voip.run(_ctx("voip", env)))
    out += vf.sip_findings(_ctx("voip", env, sip=["pbx.example.net"]), "pbx.example.net", budget=lambda: 0.0)
    via = "SIP/2.0/UDP 192.168.1.20:40000;branch=z9hG4bK1;rport"
    answered = dict(reason="OK", response_ms=23.4, attempts=1, server="Asterisk PBX 18", via_sent=via,
                    via_received="SIP/2.0/UDP 203.0.113.7:61000;branch=z9hG4bK1;rport=61000",
                    local=("192.168.1.20", 40000),
                    received="203.0.113.7", rport=61000, raw_excerpt="SIP/2.0 200 OK")
    results = [
        OptionsResult("UDP", "pbx.example.net:5060", status=200, **answered),
        OptionsResult("TCP", "pbx.example.net:5060", status=403, **{**answered, "reason": "Forbidden",
                                                                      "received": "192.168.1.20", "rport": 40000}),
        OptionsResult("TLS", "pbx.example.net:5061", status=200, tls_verified=False,
                      error="TLS certificate not trusted: self-signed certificate", **answered),
        OptionsResult("UDP", "pbx.example.net:5060", status=503, **{**answered, "reason": "Service Unavailable",
                                                                      "local": None}),
        OptionsResult("TLS", "pbx.example.net:5061", kind="refused", error="connection refused"),
    ] + [OptionsResult("UDP", "pbx.example.net:5060", kind=kind, error=f"{kind} (technician's words)")
         for kind in ("timeout", "refused", "garbage", "resolve", "tls", "error")]
    sip = [vf._options_finding(r, "pbx.example.net", int(r.target.rsplit(":", 1)[1])) for r in results]
    out += sip
    branch = OptionsResult("TCP", "pbx.example.net:5060", status=200, response_ms=8.0, via_sent=via,
                           via_received=via.replace("z9hG4bK1", "z9hG4bK2"))
    out += vf.alg_heuristic_findings(_ctx("voip", env), [sip[0], vf._options_finding(branch, "pbx.example.net", 5060)])
    clean = OptionsResult("UDP", "pbx.example.net:5060", status=200, response_ms=8.0, via_sent=via, via_received=via)
    out += vf.alg_heuristic_findings(_ctx("voip", env), [vf._options_finding(clean, "pbx.example.net", 5060)],
                                     required=True)
    out.append(vf.srv_verdict("example.net", {"_sip._udp.example.net": [
        {"priority": 10, "weight": 5, "port": 5060, "target": "pbx.example.net"}],
        "_sip._tcp.example.net": "no SRV record", "_sips._tcp.example.net": "no such name"}))
    out.append(vf.srv_verdict("example.org", {"_sip._udp.example.org": "no SRV record"}))
    out.append(vf.srv_verdict("example.com", {"error": "dnspython is not installed"}))
    for transport in ("UDP", "TCP"):
        out += vf.alg_verdict(AlgResult(transport, "192.0.2.1:5060", echoed=True, rewritten=False), transport,
                              "192.0.2.1", 5060)
    out += vf.alg_verdict(AlgResult("UDP", "192.0.2.1:5060", echoed=True, rewritten=True,
                                    changes=["-Via: SIP/2.0/UDP 192.168.1.20:5060", "+Via: SIP/2.0/UDP 203.0.113.7:5060"]),
                          "UDP", "192.0.2.1", 5060)
    out += vf.alg_verdict(AlgResult("TCP", "192.0.2.1:5060", swallowed=True, error="the message never came back"),
                          "TCP", "192.0.2.1", 5060)
    out += vf.alg_verdict(AlgResult("UDP", "192.0.2.1:5060", error="no echo within 3 s"), "UDP", "192.0.2.1", 5060,
                          required=True)
    nat = dict(servers=["stun.example.net:3478"], local=("192.168.1.20", 40000), mapped=("203.0.113.7", 61000),
               nat_present=True, rfc5780=True, mapping_method="RFC 5780 tests I-III (OTHER-ADDRESS)")
    out.append(vf.nat_verdict(NatReport(**nat, mapping="endpoint-independent", filtering="address-and-port-dependent",
                                        lifetime_s_min=120.0), keepalive_s=30))
    out.append(vf.nat_verdict(NatReport(**nat, mapping="address-and-port-dependent", filtering="address-dependent"),
                              keepalive_s=30))
    out.append(vf.nat_verdict(NatReport(**nat, mapping="endpoint-independent", filtering="endpoint-independent",
                                        lifetime_s_min=2.0, lifetime_s_max=5.0), keepalive_s=30))
    out.append(vf.nat_verdict(NatReport(**nat, mapping="address-dependent"), keepalive_s=30))
    out.append(vf.nat_verdict(NatReport(**{**nat, "mapped": ("192.168.1.20", 40000), "nat_present": False},
                                        mapping="no NAT (mapped address = local address)",
                                        filtering="endpoint-independent"), keepalive_s=30))
    out.append(vf.nat_verdict(NatReport(["stun.example.net:3478", "stun2.example.net:3478"], **{
        k: v for k, v in nat.items() if k != "servers"}, mapping="address-dependent or address-and-port-dependent "
        "(symmetric)"), keepalive_s=30))
    out.append(vf.nat_verdict(NatReport(["stun.example.net:3478"], errors=["stun.example.net:3478: no STUN answer "
                                                                            "within 2.5 s"]), keepalive_s=30))
    out += vf.stream_findings(_ctx("voip", env, budget_s=2), "192.0.2.1:862")  # too little time for a stream
    streams = [
        (reflected_stream(), dict(preset="teams")),
        (reflected_stream(loss_every=50, dscp_back=0), dict(preset="ringcentral")),
        (reflected_stream(loss_every=10, dscp_back=None), dict(preset="twilio")),
        (reflected_stream(tos_set=False), dict(preset="teams-client", jitter_buffer="fixed")),
        (reflected_stream(), dict(preset="8x8", dscp=0)),
        (unanswered_stream(icmp_refused=12, gave_up=True), {}),
        (unanswered_stream(), {}),
        (unanswered_stream(garbage=3), {}),
    ]
    for run, options in streams:
        out += vf.stream_verdicts(_ctx("voip", env, reflector="192.0.2.1", **options), run, "192.0.2.1", 862)
    return out


#: check name -> builder of findings covering every rule of that check (from the check's own code)
BUILDERS: dict[str, Callable[[Path], list[Finding]]] = {"system": system_findings, "lan": lan_findings,
                                                        "network": network_findings, "voip": voip_findings}


def every_rule_scan(tmp: Path, *, visit: dict[str, Any] | None = None, hostname: str = "pc-recepcion") -> ScanResult:
    findings: list[Finding] = []
    for build in BUILDERS.values():
        findings.extend(build(tmp))
    checks = sorted({f.check for f in findings})
    scan = ScanResult(machine={"hostname": hostname, "host_id": "host-every-rule", "os_release": "Debian 12"},
                      profile={"name": "full"}, started_at=T0, finished_at=T0 + timedelta(minutes=3),
                      findings=findings, checks=[CheckRecord(c, "completed", 2.0, 60.0) for c in checks],
                      scan_id="0123456789abcdef0123456789abcdef", complete=True, visit=visit)
    from fieldkit import checks as check_specs

    for name in checks:  # each check's report area, as the runner stamps it into a real scan
        spec = check_specs.load(name)
        scan.stamp_check(name, area=spec.area, description=spec.description)
    return scan


def visit(lang: str | None = None, signed_by: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": "20261202T090000Z-abc123", "customer": "Clínica Dental Turia", "site": "Valencia",
                           "ticket": "TCK-4711", "technician": "Marta Puig", "started_at": "2026-12-02T09:00:00Z",
                           "ended_at": "2026-12-02T10:45:00Z",
                           "notes": [{"time": "2026-12-02T09:40:00Z", "text": "cable SATA cambiado", "kind": "action"}]}
    if lang:
        out["lang"] = lang
    if signed_by:
        out["signed_by"] = signed_by
        out["signed_at"] = out["ended_at"]
    return out


def _sample_value(name: str, spec: str) -> Any:
    if name == "n":
        return 3
    if spec.endswith("d"):
        return 7
    if spec and spec[-1:] in "fg%":
        return 12.5
    return f"<{name}>"


def catalog_findings(check: str, domain: str) -> list[Finding]:
    """One finding per text of a check's catalog, with sample values: every sentence the check can say.

    This reaches the texts of rules that need hardware or a lab to happen; the fixture above reaches
    fewer texts but through the check's own code."""
    import string

    from babel.messages.pofile import read_po

    from fieldkit.findings import Status
    from fieldkit.i18n import po_path
    from fieldkit.messages import Msg

    po = po_path("en", domain)
    if not po.is_file():
        return []
    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = []
    for index, message in enumerate(m for m in catalog if m.id):
        forms = list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]
        params = {name: _sample_value(name, spec or "") for form in forms
                  for _, name, spec, _ in string.Formatter().parse(form) if name}
        text = Msg(forms[0], forms[1] if len(forms) > 1 else None, **params)
        out.append(Finding(check, f"item {index}", Status.WARNING, text, rule=f"catalog-{index}"))
    return out


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def smart_findings(tmp: Path) -> list[Finding]:
    """The smart check's findings, from its own code: every capture of the corpus (drive verdicts), growth
    against an earlier visit, every fault the collector can name, self-tests in every state, skipped devices."""
    from fieldkit.checks import smart
    from fieldkit.checks.smart import findings as smart_out
    from fieldkit.context import CommandResult
    from fieldkit.result import ScanResult
    from fieldkit.smart import collect
    from fieldkit.smart.model import Drive
    from fieldkit.smart.selftest import Session

    corpus = FIXTURES / "smart"
    env = Environment(root=tmp / "empty")
    out: list[Finding] = list(smart.run(_ctx("smart", env, from_file=[str(corpus)])))
    # growth since an earlier visit: a critical counter (f17: 1 reallocated sector, 0 before) and a cable one
    earlier = [Finding("smart", "/dev/sda", Status.OK, "healthy", rule="healthy",
                       data={"drive": {"serial": serial}, "counters": counters})
               for serial, counters in (("REDACTED", {"reallocated": 0, "pending": 0}),
                                        ("S14LNEACC02756X", {"crc_errors": 10}))]
    visit1 = ScanResult(machine={"hostname": "pc-recepcion"}, profile={"name": "full"}, started_at=T0 - timedelta(days=90),
                        finished_at=T0 - timedelta(days=90), findings=earlier, checks=[], scan_id="1" * 32)
    baseline = visit1.write(tmp / "visit1.json")
    captures = [str(next(corpus.glob(prefix + "_*"))) for prefix in ("f17", "f11")]
    out += smart.run(_ctx("smart", env, from_file=captures, baseline=str(baseline)))

    class History:
        def previous_findings(self, check: str) -> list[Finding]:
            return [Finding("smart", "/dev/nvme0", Status.OK, "healthy", rule="healthy",
                            data={"drive": {"serial": "S466NX0M776250H"}, "counters": {"media_errors": 3}})]

    ctx = _ctx("smart", env, from_file=[str(next(corpus.glob("f07_*")))])
    ctx.history = History()
    out += smart.run(ctx)
    # what the collector says when a drive cannot be read
    said = {"standby": "Device is in STANDBY mode, exit(2)", "usb": "/dev/sdb: Unknown USB bridge [0x152d:0x0578]",
            "type": "/dev/sdc: Unable to detect device type", "raid": "/dev/sdd: Device lacks SMART capability",
            "denied": "Smartctl open device: /dev/sde failed: Permission denied",
            "gone": "Smartctl open device: /dev/sdf failed: No such device", "quiet": ""}
    for index, message in enumerate(said.values()):
        drive = Drive(source=f"/dev/sd{'bcdefgh'[index]}", device=f"/dev/sd{'bcdefgh'[index]}", exit_status=2,
                      messages=[message] if message else [])
        out.append(smart_out.fault_finding(collect.classify_no_data(drive, False, [])))
    for no_smart in (Drive(source="/dev/sdi", device="/dev/sdi", smart_available=False),
                     Drive(source="/dev/sdj", device="/dev/sdj", smart_enabled=False)):
        out.append(smart_out.fault_finding(collect.classify_no_data(no_smart, True, [])))
    for result in (CommandResult(["smartctl"], None, "", "", 45.0, timed_out=True, error="timed out after 45 s"),
                   CommandResult(["smartctl"], None, "", "", 0.0, not_found=True, error="No such file"),
                   CommandResult(["smartctl"], None, "", "", 0.0, error="[Errno 13] Permission denied")):
        out.append(smart_out.fault_finding(collect.command_fault(result, "/dev/sda", _ctx("smart", env))))
    out += smart.run(_ctx("smart", env, from_file=[str(tmp / "no-such-capture.json")]))
    out += smart.run(_ctx("smart", env, device_types=["sdb:sat"]))
    out += smart.run(_ctx("smart", env, from_file=captures[:1], selftest="short"))   # a self-test needs a live drive

    class BrokenHistory:
        def previous_findings(self, check: str) -> list[Finding]:
            raise OSError("history database is locked")

    ctx = _ctx("smart", env, from_file=captures[:1])
    ctx.history = BrokenHistory()
    out += smart.run(ctx)
    # self-tests in every state a session can end in
    drive = Drive(source="/dev/sda", device="/dev/sda", model="WDC WD40EFRX", serial="WD-1")
    for state, message, progress in (("passed", "Short offline: Completed without error", None),
                                     ("failed", "Short offline: Completed: read failure, first bad LBA 123456", None),
                                     ("running", "", 40), ("aborted", "Short offline: Aborted by host", None),
                                     ("unsupported", "SMART self-test not supported", None),
                                     ("timeout", "smartctl timed out after 45 s", None),
                                     ("error", "the test ended without a new entry in the self-test log", None)):
        session = Session(drive=drive, how="pysmart", state=state, message=message, progress=progress)
        out.append(smart_out.selftest_finding(session, "short", []))
    out.append(smart_out.selftest_finding(Session(drive=drive, state="passed", message="Extended offline: "
                                                  "Completed without error"), "long", []))
    skipped = [collect.Skipped("/dev/sr0", "optical drive (no SMART)"),
               collect.Skipped("/dev/vda", "virtual disk (virtio/Xen: the hypervisor hides the physical drive)")]
    out.append(smart_out.skipped_finding(skipped, checked=2))
    out.append(smart_out.skipped_finding(skipped, checked=0))
    out.append(smart_out.skipped_finding([], checked=0))
    return out


def acoustic_findings(tmp: Path) -> list[Finding]:
    """The acoustic check's findings: every verdict from analyses as the audio package measures them (fed to the
    check's own finding code, as tests/checks/test_acoustic.py does), the disk-reading results, and the recordings
    the check cannot use (through its run)."""
    import numpy as np

    from fieldkit.audio.analysis import Analysis
    from fieldkit.audio.clicks import ClickTrain
    from fieldkit.audio.exercise import ExerciseResult, Read
    from fieldkit.audio.thresholds import Thresholds
    from fieldkit.audio.tonal import Beeps, Line
    from fieldkit.audio.wav import write_wav
    from fieldkit.checks import acoustic
    from fieldkit.checks.acoustic import findings as ac
    from fieldkit.checks.acoustic.verdicts import Comparison

    th = Thresholds()

    def train(period: float, *, segments: list[tuple[float, float]] | None = None, jitter: float = 0.01) -> ClickTrain:
        times = [round(1.25 + k * period, 3) for k in range(int(25 / period))]
        return ClickTrain(period_s=period, times_s=times, score=14.5, fill=0.9, jitter=jitter, similarity=0.85,
                          snr_db=12.5, band_hz=(1500.0, 6500.0), slots=len(times), median_z=9.5, on_grid=0.9,
                          consistency=12.5, segments_s=segments or [])

    def analysis(**kw: Any) -> Analysis:
        base: dict[str, Any] = dict(samplerate=48000, duration_s=30.0, noise_floor_dbfs=-62.5, level_dbfs=-48.25,
                                    peak_dbfs=-12.5, score=0.5, train=None, candidate=None, events_s=[], event_rate_hz=0.0,
                                    event_ioi_cv=None, beeps=None, whine=None, grinding=None, spindle=None,
                                    spindle_is_hum_harmonic=False, hum_hz=None, max_period_s=8.0)
        base.update(kw)
        return Analysis(**base)

    cases: list[tuple[str, Analysis, ac.Extra | None]] = [
        ("click-of-death", analysis(train=train(1.25)), None),
        ("click-of-death", analysis(train=train(1.25, segments=[(4.5, 12.25), (20.0, 29.5)]),
                                    other_events_s=[0.5 * k for k in range(40)], other_rate_hz=4.5, other_ioi_cv=0.8),
         None),
        ("click-of-death", analysis(train=train(1.25)), ac.Extra(exercise=Comparison("drive", 12.5, 1.5))),
        ("slow-periodic-clicks", analysis(train=train(4.5)), None),
        ("slow-periodic-clicks", analysis(train=train(4.5, segments=[(2.5, 14.5)])), None),
        ("irregular-periodic-clicks", analysis(candidate=train(2.25)), None),
        ("clock-like-ticks", analysis(train=train(1.0, jitter=0.001)), None),
        ("faint-periodic-clicks", analysis(candidate=train(1.5)), None),
        ("room-clicks", analysis(train=train(1.5)), ac.Extra(positions=Comparison("room", 1.5, 12.0))),
        ("room-clicks", analysis(train=train(1.5)), ac.Extra(exercise=Comparison("room", 0.5, 12.0))),
        ("stall-beeps", analysis(beeps=Beeps(freq_hz=1250.5, period_s=2.5, count=9, burst_s=0.25, times_s=[])), None),
        ("beeps-while-spinning", analysis(beeps=Beeps(freq_hz=1250.5, period_s=2.5, count=9, burst_s=0.25,
                                                      times_s=[]), spindle=Line(120.0, 12.5)), None),
        ("bearing-whine", analysis(whine=Line(8250.5, 18.5)), None),
        ("grinding", analysis(grinding=Line(119.5, 9.5, depth=0.5)), None),
        ("seek-activity", analysis(events_s=[0.3 * k for k in range(80)], event_rate_hz=4.25), None),
        ("isolated-clicks", analysis(events_s=[3.5, 17.25]), None),
        ("quiet", analysis(), None),
    ]
    out = [ac.finding(a, verdict, th, "microphone", [], [], extra) for verdict, a, extra in cases]
    reads = [Read(100.5, 0, 1 << 20, 0.012), Read(103.0, 1 << 30, 1 << 20, 2.4), Read(108.0, 1 << 31, 1 << 20, 1.5)]
    for result, clicks in (
            (ExerciseResult("/dev/sdb", 10**12, True, 100.0, 130.0, reads=reads), [3.5]),
            (ExerciseResult("/dev/sdb", 10**12, True, 100.0, 130.0, reads=reads), []),
            (ExerciseResult("/dev/sdb", 10**12, True, 100.0, 130.0, reads=[*reads, Read(110.0, 5 << 30, 1 << 20,
                                                                                       0.5, ok=False)]), []),
            (ExerciseResult("/dev/sdb", 10**12, True, 100.0, 130.0, reads=reads[:1], stopped_by="error",
                            error="read error at 4096: Input/output error"), []),
            (ExerciseResult("/dev/sdb", 10**12, True, 100.0, 130.0, reads=reads[:1] * 1500), [])):
        out.append(ac.exercise_finding(result, clicks, 100.0))
    # recordings the check cannot use, through its own run
    env = Environment(root=tmp / "empty")
    silent = tmp / "silence.wav"
    write_wav(silent, np.zeros(48000 * 5, dtype=np.float32), 48000)
    short = tmp / "short.wav"
    write_wav(short, np.zeros(48000, dtype=np.float32) + np.float32(0.01), 48000)
    loud = tmp / "clipped.wav"
    write_wav(loud, np.where(np.arange(48000 * 5) % 2 == 0, 1.0, -1.0).astype(np.float32), 48000)
    for options in ({"from_file": str(silent)}, {"from_file": str(short)}, {"from_file": str(loud)},
                    {"from_file": str(tmp / "no-such-recording.wav")}, {"from_file": str(tmp)},
                    {"from_file": str(silent), "exercise": "/dev/sda"},
                    {"from_file": str(silent), "save_wav": str(tmp / "no-such-folder" / "keep.wav")}):
        out += acoustic.run(_ctx("acoustic", env, **options))
    return out


BUILDERS.update({"smart": smart_findings, "acoustic": acoustic_findings})
