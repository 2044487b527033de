"""Findings from the lan measurements: thresholds, plain-language advice, report and history data."""

from __future__ import annotations

from typing import Any

from fieldkit.checks._build import finding_maker
from fieldkit.checks.lan.plan import Measurements
from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.messages import Msg, joined, t, tn

NAME = "lan"
_f = finding_maker(NAME)


def _vlan_id(vlan: int | None) -> str:
    """A VLAN number as the name it is: never grouped like a quantity ("VLAN 1020", not "1.020")."""
    return "?" if vlan is None else str(vlan)


def _speed_text(mbps: int | None) -> Msg | str:
    """A link speed with its unit, the number in the reader's notation ("2,5 Gb/s"; Russian writes the unit
    its own way)."""
    if mbps is None:
        return "?"
    return t("{speed} Gb/s", speed=_number(mbps / 1000)) if mbps >= 1000 else t("{speed} Mb/s", speed=mbps)


def _number(value: float) -> int | float:
    """A measured value for a sentence: a whole number reads without ".0"; the report writes the rest in the
    reader's notation ("0,4 s")."""
    return int(value) if float(value).is_integer() else value


def _counter_text(key: str, n: int) -> Msg | str:
    """How much one error counter of the link grew, in words."""
    if key == "rx_errors":
        return tn("{n} receive error", "{n} receive errors", n=n)
    if key == "tx_errors":
        return tn("{n} send error", "{n} send errors", n=n)
    if key == "rx_dropped":
        return tn("{n} incoming frame dropped", "{n} incoming frames dropped", n=n)
    if key == "tx_dropped":
        return tn("{n} outgoing frame dropped", "{n} outgoing frames dropped", n=n)
    if key == "rx_crc_errors":
        return tn("{n} damaged frame (checksum error)", "{n} damaged frames (checksum errors)", n=n)
    if key == "collisions":
        return tn("{n} collision", "{n} collisions", n=n)
    return f"{key} +{n}"   # a counter of a newer kernel: its name, as the technician knows it


def findings_for(m: Measurements, **options: Any) -> list[Finding]:
    """Classify measurements with the check's default options overridden by ``options`` (tests, replays)."""
    from fieldkit import checks

    spec = checks.load(NAME)
    merged = spec.defaults()
    for key, value in options.items():
        option = spec.option(key)
        if option is None:
            raise KeyError(f"lan has no option {key}")
        merged[key] = option.convert(value)
    return findings(Context(check=NAME, options=merged), m)


def findings(ctx: Context, m: Measurements) -> list[Finding]:
    out: list[Finding] = []
    for name in m.missing:
        out.append(_f(name, Status.UNKNOWN, t("There is no network interface called {name} on this computer", name=name),
                      rule="lan-no-interface", detail="Named with --interface / [checks.lan] interface."))
    if not m.wired and not m.wifi and not m.missing:
        if m.skipped_ports:
            names = ", ".join(i.interface for i in m.skipped_ports)
            out.append(_f(t("wired network"), Status.UNKNOWN,
                          tn("No network cable is plugged into the wired port ({names})",
                             "No network cable is plugged into any of the {n} wired ports ({names})",
                             n=len(m.skipped_ports), names=names),
                          rule="lan-no-cable",
                          detail="Ports without carrier: " + names + ". Plug the cable in, or name the port with "
                                 "--interface to have it judged (no link is then CRITICAL).",
                          advice=Advice(meaning=t("The wired network could not be tested because no cable is connected."))))
        else:
            out.append(_f(t("wired network"), Status.UNKNOWN, t("This computer has no wired or Wi-Fi network port to test"),
                          rule="lan-no-interface"))
    for info in m.wired:
        name = info.interface
        if ctx.option("link"):
            out.append(_link(ctx, m, info))
        if info.carrier is False:
            continue
        if m.raw_error and (ctx.option("discovery") or ctx.option("dhcp") or ctx.option("arp")):
            out.append(_f(t("{interface} switch, DHCP and addresses", interface=name), Status.UNKNOWN,
                          t("The switch port, DHCP and duplicate-address tests need administrator rights"),
                          rule="lan-no-raw-socket",
                          detail=f"{m.raw_error}. Run as root, or grant the capability: "
                                 "sudo setcap cap_net_raw+ep $(readlink -f $(which python3)).",
                          advice=Advice(action=t("The technician will repeat these tests with administrator rights."))))
            continue
        if name in m.discovery:
            out.append(_discovery(ctx, name, m.discovery[name]))
        if name in m.dhcp:
            out.append(_dhcp(ctx, m, name, m.dhcp[name]))
        if name in m.arp:
            out.extend(_arp(name, m.arp[name]))
    for result in m.wifi:
        out.append(_wifi(ctx, result))
    return out


# ---------------------------------------------------------------------------- link
def _link(ctx: Context, m: Measurements, info: Any) -> Finding:
    from fieldkit.net.lan.link import counter_growth

    name = info.interface
    subject = t("{interface} link", interface=name)
    evidence = [Evidence(source=info.source, excerpt=f"carrier={info.carrier} operstate={info.operstate} "
                                                     f"speed={info.speed_mbps} duplex={info.duplex} "
                                                     f"autoneg={info.autoneg} counters={info.counters}")]
    if not info.exists:
        return _f(subject, Status.UNKNOWN, t("There is no network interface called {name} on this computer", name=name),
                  rule="lan-no-interface")
    if info.carrier is False:
        return _f(subject, Status.CRITICAL, t("No network link on {name}: the cable is unplugged, broken, or the "
                                              "switch port is off", name=name),
                  rule="lan-no-carrier", tier=Tier.ON_SITE, evidence=evidence,
                  detail=f"carrier 0, operstate {info.operstate}",
                  advice=Advice(meaning=t("This computer has no wired network connection through this socket."),
                                action=t("Check the cable and the wall socket; try another cable or another port "
                                         "on the switch."),
                                prevention=t("Label wall sockets with their switch port so a dead socket is found "
                                             "quickly.")))
    metrics = [Metric("speed", info.speed_mbps, "Mb/s", min=0),
               Metric("full_duplex", None if info.duplex is None else info.duplex == "full")]
    if info.autoneg is not None:
        metrics.append(Metric("autonegotiation", info.autoneg))
    growth = counter_growth(info.counters, m.counters_after.get(name, {}))
    for key, delta in sorted(growth.items()):
        metrics.append(Metric(f"{key}_per_s", round(delta / m.elapsed_s, 3), "/s", warn=0))
    data = {"connection": {"interface": name, "speed_mbps": info.speed_mbps, "duplex": info.duplex}}
    speed = _speed_text(info.speed_mbps)
    if info.duplex == "half":
        return _f(subject, Status.WARNING, t("The network link on {name} runs at half duplex ({speed})", name=name,
                                             speed=speed),
                  rule="lan-half-duplex", tier=Tier.ON_SITE, metrics=metrics, evidence=evidence, data=data,
                  detail=f"duplex half, autoneg {info.autoneg}: usually a duplex mismatch (one side forced).",
                  advice=Advice(meaning=t("The connection is slow and loses data under load; phone calls can "
                                          "break up."),
                                action=t("Set both this computer and the switch port to automatic speed and duplex, "
                                         "or replace the cable.")))
    expected = int(ctx.option("expect_speed_mbps") or 0)
    drops = sum(v for k, v in growth.items() if k.endswith("_dropped"))
    errors = {k: v for k, v in growth.items() if not k.endswith("_dropped")}
    # A dropped frame now and then is normal (a full queue, a frame for a protocol nobody runs);
    # errors (CRC, frame, collisions) are not.
    if errors or drops / m.elapsed_s >= float(ctx.option("drops_warn_per_s")):
        rates = joined((_counter_text(k, v) for k, v in sorted(growth.items())), ", ")
        return _f(subject, Status.WARNING, t("Network errors on {name} grew during the test ({rates} in {seconds} s)",
                                             name=name, seconds=_number(round(m.elapsed_s, 1)), rates=rates),
                  rule="lan-errors-growing", tier=Tier.ON_SITE, metrics=metrics, evidence=evidence, data=data,
                  detail="Counters from /sys/class/net/IF/statistics at the start and end of the check: "
                         + ", ".join(f"{k} +{v}" for k, v in sorted(growth.items())) + f" in {m.elapsed_s:.1f} s.",
                  advice=Advice(meaning=t("Data is being damaged or dropped on the cable or at the switch."),
                                action=t("Replace the patch cable and try another switch port; if errors continue, "
                                         "the socket cabling needs testing.")))
    if info.virtual:
        return _f(subject, Status.UNKNOWN, t("{name} is a virtual network interface: it has no physical link speed "
                                             "to check", name=name),
                  rule="lan-virtual-link", metrics=[Metric("speed", None, "Mb/s")], evidence=evidence,
                  data={"connection": {"interface": name}},
                  detail=f"{name} lives under /sys/devices/virtual (veth, bridge, tun...); the driver reports a "
                         f"nominal speed ({info.speed_mbps}) that says nothing about a cable.")
    if info.speed_mbps is None:
        return _f(subject, Status.UNKNOWN, t("The link speed of {name} could not be read", name=name),
                  rule="lan-speed-unknown", metrics=metrics, evidence=evidence, data=data,
                  detail="Neither /sys/class/net/IF/speed nor the ethtool ioctl reported a speed.")
    if expected and info.speed_mbps < expected:
        return _f(subject, Status.WARNING, t("The network link on {name} runs at {speed}, slower than the expected "
                                             "{expected}", name=name, speed=speed, expected=_speed_text(expected)),
                  rule="lan-slow-link", tier=Tier.ON_SITE,
                  metrics=[Metric("speed", info.speed_mbps, "Mb/s", warn=expected, min=0)] + metrics[1:],
                  evidence=evidence, data=data,
                  detail=f"autoneg {info.autoneg}; a gigabit port that links at 100 Mb/s usually has a damaged "
                         "pair in the cable or socket (gigabit needs all four pairs).",
                  advice=Advice(meaning=t("The network connection is slower than it should be."),
                                action=t("Replace the patch cable; if it stays slow, have the wall socket and its "
                                         "cabling tested.")))
    summary = (t("Network link on {name}: {speed}, full duplex", name=name, speed=speed) if info.duplex == "full"
               else t("Network link on {name}: {speed}, duplex unknown", name=name, speed=speed))
    return _f(subject, Status.OK, summary,
              rule="lan-link-ok", metrics=metrics, evidence=evidence, data=data)


# ---------------------------------------------------------------------------- LLDP / CDP
def _discovery(ctx: Context, name: str, result: Any) -> Finding:
    subject = t("{interface} switch port", interface=name)
    if isinstance(result, Exception):
        return _f(subject, Status.UNKNOWN, t("Listening for the switch failed"), rule="lan-discovery-error",
                  detail=f"{type(result).__name__}: {result}")
    if result.error:
        return _f(subject, Status.UNKNOWN, t("Could not listen for the switch on {name}", name=name),
                  rule="lan-discovery-error", detail=result.error)
    if not result.neighbors:
        return _f(subject, Status.UNKNOWN,
                  t("No LLDP or CDP frames in {seconds} s (unmanaged switch, or disabled)",
                    seconds=_number(round(result.listened_s, 1))),
                  rule="lan-no-neighbor",
                  detail=f"Listened {result.listened_s:g} s on {name}. LLDP is sent every 30 s by default, CDP every "
                         "60 s: a longer listen_s can still hear a slow switch.",
                  advice=Advice(meaning=t("The switch did not say which port this socket is connected to; that is "
                                          "normal for small unmanaged switches.")))
    lldp, cdp = result.lldp, result.cdp
    best = lldp or cdp
    pick = lambda attr: next((getattr(n, attr) for n in (lldp, cdp) if n is not None and getattr(n, attr)), None)
    switch = pick("system_name") or pick("chassis_id")
    port = next((n.port for n in (lldp, cdp) if n is not None and n.port and not
                 (n.port_id_is_mac and n.port == n.port_id)), None) or pick("port_id")
    description, vlan, voice = pick("port_description"), pick("native_vlan"), pick("voice_vlan")
    mgmt = pick("management_address")
    protocols = "+".join(n.protocol.upper() for n in result.neighbors)
    connection = {"interface": name, "switch": switch, "port": port, "port_description": description,
                  "vlan": vlan, "voice_vlan": voice, "management_address": mgmt, "protocols": protocols}
    metrics = [Metric("vlan", vlan), Metric("voice_vlan", voice), Metric("heard_after", best.heard_after_s, "s")]
    if pick("poe_watts") is not None:
        metrics.append(Metric("poe_power", pick("poe_watts"), "W"))
    if pick("poe_class") is not None:
        metrics.append(Metric("poe_class", pick("poe_class")))
    detail_lines = []
    for n in result.neighbors:
        detail_lines.append(
            f"{n.protocol.upper()} from {n.source_mac}: chassis {n.chassis_id}, name {n.system_name}, port {n.port_id} "
            f"({n.port_description}), mgmt {n.management_address}, native VLAN {n.native_vlan}, voice VLAN "
            f"{n.voice_vlan} (tagged {n.voice_tagged}, DSCP {n.voice_dscp}), capabilities {', '.join(n.capabilities)}, "
            f"PoE class {n.poe_class} {n.poe_watts} W, platform {n.platform}, TTL {n.ttl_s}"
            + (" [malformed frame, parsed up to the error]" if n.malformed else ""))
    data = {"connection": connection,
            "compare": {"switch": switch, "port": port, "VLAN": vlan, "voice VLAN": voice}}
    port_name = port or description or "?"
    expect_vlan, expect_voice = ctx.option("expect_vlan"), ctx.option("expect_voice_vlan")
    if expect_voice and voice != expect_voice:
        return _f(subject, Status.WARNING,
                  t("This socket's voice VLAN is {voice}, the phones expect VLAN {expected}",
                    voice=_vlan_id(voice), expected=_vlan_id(expect_voice)) if voice is not None else
                  t("This socket has no voice VLAN, the phones expect VLAN {expected}",
                    expected=_vlan_id(expect_voice)),
                  rule="lan-voice-vlan-mismatch", tier=Tier.ON_SITE, metrics=metrics, data=data,
                  detail="\n".join(detail_lines),
                  advice=Advice(meaning=t("Phones plugged into this socket will not reach the phone system."),
                                action=t("Ask whoever manages the switch to set voice VLAN {expected} on port {port} "
                                         "of {switch}.", expected=_vlan_id(expect_voice), port=port_name,
                                         switch=switch or "?")))
    if expect_vlan and vlan is not None and vlan != expect_vlan:   # a switch that does not say proves nothing
        return _f(subject, Status.WARNING,
                  t("This socket is on VLAN {vlan}, expected VLAN {expected}", vlan=_vlan_id(vlan),
                    expected=_vlan_id(expect_vlan)),
                  rule="lan-vlan-mismatch", tier=Tier.ON_SITE, metrics=metrics, data=data,
                  detail="\n".join(detail_lines),
                  advice=Advice(meaning=t("Devices on this socket land in the wrong network and may not reach "
                                          "their servers."),
                                action=t("Ask whoever manages the switch to change port {port} of {switch} to VLAN "
                                         "{expected}.", port=port_name, switch=switch or "?",
                                         expected=_vlan_id(expect_vlan))))
    summary = t("Connected to port {port} of switch {switch}", port=port_name, switch=switch or "?")
    if vlan is not None and voice is not None:
        summary = t("Connected to port {port} of switch {switch}, VLAN {vlan}, voice VLAN {voice}", port=port_name,
                    switch=switch or "?", vlan=_vlan_id(vlan), voice=_vlan_id(voice))
    elif voice is not None:
        summary = t("Connected to port {port} of switch {switch}, voice VLAN {voice}", port=port_name,
                    switch=switch or "?", voice=_vlan_id(voice))
    elif vlan is not None:
        summary = t("Connected to port {port} of switch {switch}, VLAN {vlan}", port=port_name, switch=switch or "?",
                    vlan=_vlan_id(vlan))
    return _f(subject, Status.OK, summary, rule="lan-neighbor", metrics=metrics, data=data,
              detail="\n".join(detail_lines))


# ---------------------------------------------------------------------------- DHCP
def _dhcp(ctx: Context, m: Measurements, name: str, result: Any) -> Finding:
    subject = t("{interface} DHCP", interface=name)
    if isinstance(result, Exception):
        return _f(subject, Status.UNKNOWN, t("The DHCP test failed"), rule="lan-dhcp-error",
                  detail=f"{type(result).__name__}: {result}")
    if result.error:
        return _f(subject, Status.UNKNOWN, t("The DHCP test could not run on {name}", name=name),
                  rule="lan-dhcp-error", detail=result.error)
    lines = [f"DISCOVER from {result.client_mac} (locally administered, not this machine's MAC); window "
             f"{result.window_s:g} s"]
    for o in result.offers:
        lines.append(f"OFFER from {o.server} (frame from {o.source_ip} / {o.source_mac}) after {o.after_ms:g} ms: "
                     f"{o.address}/{o.subnet_mask}, gateway {', '.join(o.routers) or '-'}, DNS {', '.join(o.dns) or '-'},"
                     f" lease {o.lease_s} s, domain {o.domain}")
    if result.full:
        lines.append(f"REQUEST -> ACK {result.ack_ms} ms for {result.acked_address}, NAK from {result.nak_from}, "
                     f"released {result.released}")
    servers = result.servers
    metrics = [Metric("offers", len(result.offers), min=0), Metric("servers", len(servers), warn=1, min=0)]
    if result.offers:
        metrics.append(Metric("offer_time", result.offers[0].after_ms, "ms", min=0))
    if result.ack_ms is not None:
        metrics.append(Metric("ack_time", result.ack_ms, "ms", min=0))
    detail = "\n".join(lines)
    if not result.offers:
        return _f(subject, Status.CRITICAL, t("No DHCP server answered within {seconds} s",
                                              seconds=_number(result.window_s)),
                  rule="lan-dhcp-no-offer", tier=Tier.ON_SITE, metrics=metrics, detail=detail,
                  advice=Advice(meaning=t("Devices plugged into this network cannot get an address and will not "
                                          "work (phones, new computers)."),
                                action=t("Check that the router or DHCP server is running and reachable from this "
                                         "socket's network (VLAN).")))
    first = result.offers[0]
    data = {"connection": {"dhcp_server": first.server, "dhcp_servers": servers},
            "offers": [{"server": o.server, "address": o.address, "routers": o.routers, "dns": o.dns,
                        "after_ms": o.after_ms, "mac": o.source_mac} for o in result.offers]}
    if len(servers) > 1:
        named = joined(t("{server} offers {address}, gateway {gateway}, DNS {dns}", server=o.server,
                           address=o.address, gateway=", ".join(o.routers) or "–", dns=", ".join(o.dns) or "–")
                         for o in _one_per_server(result.offers))
        return _f(subject, Status.WARNING, tn("{n} DHCP server answers: {servers}", "{n} DHCP servers answer: {servers}",
                                              n=len(servers), servers=named),
                  rule="lan-dhcp-several", tier=Tier.ON_SITE, metrics=metrics, detail=detail, data=data,
                  advice=Advice(meaning=t("More than one device hands out network addresses. Devices may get a wrong "
                                          "address or gateway and lose the internet or the phone system at random."),
                                action=t("Find the extra DHCP server (often a home router plugged in by someone) and "
                                         "switch its DHCP off, unless it is a planned backup."),
                                prevention=t("Enable DHCP snooping on the switches so only the real server can "
                                             "answer.")))
    gateway = m.gateways.get(name)
    mismatches = []
    if gateway and first.routers and gateway not in first.routers:
        mismatches.append(t("gateway {offered} (this computer uses {used})", offered=", ".join(first.routers),
                            used=gateway))
    resolvers = [r for r in m.resolvers if not r.startswith("127.")]
    if resolvers and first.dns and not set(resolvers) & set(first.dns):
        mismatches.append(t("DNS {offered} (this computer uses {used})", offered=", ".join(first.dns),
                            used=", ".join(resolvers)))
    if mismatches:
        return _f(subject, Status.WARNING,
                  t("The DHCP server {server} offers different settings than this computer uses: {what}",
                    server=first.server, what=joined(mismatches)),
                  rule="lan-dhcp-differs", tier=Tier.ON_SITE, metrics=metrics, detail=detail, data=data,
                  advice=Advice(meaning=t("This computer is set up differently from what the network hands out; it "
                                          "may stop working when its settings are renewed."),
                                action=t("Check whether this computer has fixed settings on purpose, or whether the "
                                         "DHCP server hands out the wrong ones.")))
    if result.full and result.nak_from:
        return _f(subject, Status.WARNING, t("The DHCP server {server} refused the address it had just offered",
                                             server=result.nak_from),
                  rule="lan-dhcp-nak", tier=Tier.ENGINEERING, metrics=metrics, detail=detail, data=data)
    return _f(subject, Status.OK, t("DHCP server {server} answered in {ms} ms and offers {address}",
                                    server=first.server, ms=_number(first.after_ms), address=first.address),
              rule="lan-dhcp-ok", metrics=metrics, detail=detail, data=data)


def _one_per_server(offers: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for offer in offers:
        seen.setdefault(offer.server, offer)
    return list(seen.values())


# ---------------------------------------------------------------------------- ARP
def _arp(name: str, result: Any) -> list[Finding]:
    if isinstance(result, Exception):
        return [_f(t("{interface} addresses", interface=name), Status.UNKNOWN, t("The duplicate-address test failed"),
                   rule="lan-arp-error", detail=f"{type(result).__name__}: {result}")]
    if result.error:
        return [_f(t("{interface} addresses", interface=name), Status.UNKNOWN, t("The duplicate-address test could not run on {name}",
                                                          name=name), rule="lan-arp-error", detail=result.error)]
    out = []
    for item in result.addresses:
        subject = t("{interface} address {address}", interface=name, address=item.address)
        detail = (f"RFC 5227 ARP probe (sender 0.0.0.0) for {item.address} from {result.own_mac}, "
                  f"answers collected for {result.wait_s:g} s")
        if item.others:
            out.append(_f(subject, Status.CRITICAL,
                          t("Another device uses this computer's address {address}: {other} (this computer: {own})",
                            address=item.address, other=", ".join(item.others), own=result.own_mac),
                          rule="lan-duplicate-address", tier=Tier.ON_SITE, detail=detail,
                          metrics=[Metric("other_macs", len(item.others), crit=0, min=0)],
                          data={"own_mac": result.own_mac, "other_macs": item.others},
                          advice=Advice(meaning=t("Two devices share one network address; both lose their connection "
                                                  "at random."),
                                        action=t("Find the device with the other hardware address and give it a "
                                                 "different address (or let DHCP assign it)."),
                                        prevention=t("Keep fixed addresses outside the range the DHCP server hands "
                                                     "out."))))
        else:
            out.append(_f(subject, Status.OK, t("No other device uses the address {address}", address=item.address),
                          rule="lan-address-unique", detail=detail,
                          metrics=[Metric("other_macs", 0, crit=0, min=0)]))
    if result.gateway:
        subject = t("{interface} gateway {gateway}", interface=name, gateway=result.gateway)
        macs = result.gateway_macs
        metrics = [Metric("gateway_macs", len(macs), warn=1, min=0)]
        if result.gateway_ms is not None:
            metrics.append(Metric("gateway_arp_time", result.gateway_ms, "ms", min=0))
        if len(macs) > 1:
            out.append(_f(subject, Status.WARNING,
                          tn("The gateway {gateway} answers from {n} hardware address: {macs}",
                             "The gateway {gateway} answers from {n} hardware addresses: {macs}",
                             n=len(macs), gateway=result.gateway, macs=", ".join(macs)),
                          rule="lan-gateway-several-macs", tier=Tier.ENGINEERING, metrics=metrics,
                          data={"gateway_macs": macs},
                          detail="Several ARP replies for the gateway: a redundant router pair (VRRP/HSRP "
                                 "misconfigured to answer with real MACs) or ARP spoofing.",
                          advice=Advice(meaning=t("Two devices claim to be the way out of this network: either a "
                                                  "failover pair or someone intercepting traffic."),
                                        action=t("Have the network administrator identify both devices."))))
        elif not macs:
            out.append(_f(subject, Status.WARNING, t("The gateway {gateway} did not answer", gateway=result.gateway),
                          rule="lan-gateway-silent", tier=Tier.ON_SITE, metrics=metrics,
                          detail=f"No ARP reply within {result.wait_s:g} s.",
                          advice=Advice(meaning=t("This computer cannot reach the router that leads out of the "
                                                  "local network."))))
        else:
            out.append(_f(subject, Status.OK, t("The gateway {gateway} answers from {mac}", gateway=result.gateway,
                                                mac=macs[0]),
                          rule="lan-gateway-ok", metrics=metrics, data={"gateway_macs": macs}))
    return out


# ---------------------------------------------------------------------------- Wi-Fi
#: the band's frequency as a number, so the report writes "2,4 GHz" where the reader writes a decimal comma
_BAND_GHZ: dict[str, int | float] = {"2.4 GHz": 2.4, "5 GHz": 5, "6 GHz": 6}

def _wifi(ctx: Context, result: Any) -> Finding:
    from fieldkit.net.lan.wifi import overlapping

    name = result.interface
    subject = t("{interface} Wi-Fi", interface=name)
    evidence = [Evidence(command=argv, exit_code=rc, excerpt=text) for argv, rc, text in result.evidence]
    if result.error:
        return _f(subject, Status.UNKNOWN, t("The Wi-Fi connection could not be read"), rule="lan-wifi-error",
                  detail=result.error, evidence=evidence)
    link = result.link
    if link is None or not link.connected:
        return _f(subject, Status.UNKNOWN, t("{name} is not connected to a Wi-Fi network", name=name),
                  rule="lan-wifi-not-connected", evidence=evidence)
    warn, crit = float(ctx.option("wifi_signal_warn_dbm")), float(ctx.option("wifi_signal_crit_dbm"))
    others = overlapping(link, result.scan) if result.scan_available else []
    metrics = [Metric("signal", link.signal_dbm, "dBm", warn=warn, crit=crit),
               Metric("tx_rate", link.tx_mbps, "Mb/s", min=0), Metric("rx_rate", link.rx_mbps, "Mb/s", min=0),
               Metric("channel", link.channel)]
    if result.scan_available:
        metrics.append(Metric("overlapping_networks", len(others), min=0))
    detail = (f"SSID {link.ssid}, BSSID {link.bssid}, {link.freq_mhz} MHz ({link.band}, channel {link.channel}), "
              f"signal {link.signal_dbm} dBm, tx {link.tx_mbps} Mb/s, rx {link.rx_mbps} Mb/s; noise not reported by iw. "
              + (f"Networks on the same or an overlapping channel: "
                 + (", ".join(f"{b.ssid or '(hidden)'} {b.bssid} ch {b.channel} {b.signal_dbm} dBm" for b in others)
                    or "none") if result.scan_available else "No cached scan results (iw scan dump)."))
    data = {"connection": {"interface": name, "ssid": link.ssid, "bssid": link.bssid, "band": link.band,
                           "channel": link.channel, "signal_dbm": link.signal_dbm}}
    if link.signal_dbm is None:
        return _f(subject, Status.UNKNOWN, t("Connected to Wi-Fi {ssid}, but the signal strength could not be read",
                                             ssid=link.ssid or "?"),
                  rule="lan-wifi-no-signal", metrics=metrics, detail=detail, evidence=evidence, data=data)
    signal = _number(link.signal_dbm)
    advice = Advice(meaning=t("The Wi-Fi signal here is weak: calls may break up and connections drop."),
                    action=t("Move closer to the access point, or add an access point near this desk; use a cable "
                             "for phones and computers that do not move."),
                    prevention=t("Plan Wi-Fi coverage for at least -67 dBm where phones are used."))
    if link.signal_dbm < crit:
        return _f(subject, Status.CRITICAL, t("The Wi-Fi signal of {ssid} is very weak here ({signal} dBm)",
                                              ssid=link.ssid or "?", signal=signal),
                  rule="lan-wifi-signal", tier=Tier.ON_SITE, metrics=metrics, detail=detail, evidence=evidence,
                  data=data, advice=advice)
    if link.signal_dbm < warn:
        return _f(subject, Status.WARNING, t("The Wi-Fi signal of {ssid} is weak here ({signal} dBm)",
                                             ssid=link.ssid or "?", signal=signal),
                  rule="lan-wifi-signal", tier=Tier.ON_SITE, metrics=metrics, detail=detail, evidence=evidence,
                  data=data, advice=advice)
    ghz = _BAND_GHZ.get(link.band or "")
    summary = (t("Wi-Fi {ssid}: signal {signal} dBm on channel {channel} ({band} GHz)", ssid=link.ssid or "?",
                 signal=signal, channel=link.channel or "?", band=ghz) if ghz is not None else
               t("Wi-Fi {ssid}: signal {signal} dBm on channel {channel}", ssid=link.ssid or "?", signal=signal,
                 channel=link.channel or "?"))
    return _f(subject, Status.OK, summary,
              rule="lan-wifi-ok", metrics=metrics, detail=detail, evidence=evidence, data=data)
