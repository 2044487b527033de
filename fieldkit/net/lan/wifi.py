"""Wi-Fi association and neighbourhood from ``iw`` output (Linux, nl80211 drivers).

``iw`` says its output is not for parsing and changes between versions, so each parser
reads only ``key: value`` lines it knows, tolerates anything else, and never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MAC = r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}"
_LINK_HEAD = re.compile(rf"^Connected to ({_MAC}|[0-9a-fxX:]+) \(on (\S+)\)")
_BSS_HEAD = re.compile(rf"^BSS ({_MAC})\s*\(on (\S+)\)(.*)$")
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class WifiLink:
    interface: str
    connected: bool = False
    ssid: str | None = None
    bssid: str | None = None
    freq_mhz: float | None = None
    signal_dbm: float | None = None
    tx_mbps: float | None = None
    rx_mbps: float | None = None
    noise_dbm: float | None = None

    @property
    def band(self) -> str | None:
        return band_of(self.freq_mhz)

    @property
    def channel(self) -> int | None:
        return channel_of(self.freq_mhz)


@dataclass
class Bss:
    bssid: str
    ssid: str | None = None
    freq_mhz: float | None = None
    signal_dbm: float | None = None
    channel: int | None = None
    associated: bool = False
    width_mhz: int | None = None


@dataclass
class WifiResult:
    interface: str
    link: WifiLink | None = None
    scan: list[Bss] = field(default_factory=list)
    scan_available: bool = False
    error: str | None = None
    evidence: list[tuple[list[str], int | None, str]] = field(default_factory=list)


def band_of(freq: float | None) -> str | None:
    if freq is None:
        return None
    if 2400 <= freq < 2500:
        return "2.4 GHz"
    if 5150 <= freq < 5925:
        return "5 GHz"
    if 5925 <= freq <= 7125:
        return "6 GHz"
    return None


def channel_of(freq: float | None) -> int | None:
    """IEEE 802.11 channel number from the centre frequency (MHz)."""
    if freq is None:
        return None
    f = int(round(freq))
    if f == 2484:
        return 14
    if 2412 <= f <= 2472:
        return (f - 2407) // 5
    if 5955 <= f <= 7115:
        return (f - 5950) // 5
    if 5000 <= f <= 5925:
        return (f - 5000) // 5
    return None


def _number(text: str) -> float | None:
    m = _NUM.search(text)
    return float(m.group()) if m else None


def _pairs(text: str) -> list[tuple[int, str, str]]:
    """(indent, key, value) for each ``key: value`` line; indent counts leading tabs/spaces."""
    out = []
    for line in text.splitlines():
        stripped = line.lstrip("\t ")
        if ":" not in stripped:
            continue
        key, _, value = stripped.partition(":")
        out.append((len(line) - len(stripped), key.strip().lower(), value.strip()))
    return out


def parse_link(text: str, interface: str = "") -> WifiLink:
    """``iw dev IF link``: "Connected to BSSID (on IF)" then SSID/freq/signal/bitrates; "Not connected." otherwise."""
    link = WifiLink(interface)
    for line in text.splitlines():
        m = _LINK_HEAD.match(line.strip())
        if m:
            link.connected, link.bssid = True, m.group(1).lower()
            link.interface = link.interface or m.group(2)
            break
    if not link.connected:
        return link
    for _, key, value in _pairs(text):
        if key == "ssid" and link.ssid is None:
            link.ssid = value
        elif key == "freq":
            link.freq_mhz = _number(value)
        elif key == "signal":
            link.signal_dbm = _number(value)
        elif key == "tx bitrate":
            link.tx_mbps = _number(value)
        elif key == "rx bitrate":
            link.rx_mbps = _number(value)
    return link


def parse_station(text: str, link: WifiLink) -> WifiLink:
    """Fill what ``iw dev IF link`` lacked from ``iw dev IF station dump`` (signal avg, bitrates)."""
    for indent, key, value in _pairs(text):
        if key == "signal" and link.signal_dbm is None:
            link.signal_dbm = _number(value)
        elif key == "tx bitrate" and link.tx_mbps is None:
            link.tx_mbps = _number(value)
        elif key == "rx bitrate" and link.rx_mbps is None:
            link.rx_mbps = _number(value)
    return link


def parse_scan(text: str) -> list[Bss]:
    """``iw dev IF scan dump`` (or ``scan``): one :class:`Bss` per "BSS xx:..(on IF)" block."""
    out: list[Bss] = []
    current: Bss | None = None
    for line in text.splitlines():
        head = _BSS_HEAD.match(line.strip())
        if head and not line.startswith(("\t", " ")):
            current = Bss(head.group(1).lower(), associated="associated" in head.group(3))
            out.append(current)
            continue
        if current is None:
            continue
        stripped = line.strip()
        key, sep, value = stripped.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        depth = len(line) - len(line.lstrip("\t "))
        if key == "ssid" and depth <= 1 and current.ssid is None:
            current.ssid = value
        elif key == "freq" and depth <= 1:
            current.freq_mhz = _number(value)
        elif key == "signal" and depth <= 1:
            current.signal_dbm = _number(value)
        elif key == "ds parameter set":
            number = _number(value)
            current.channel = int(number) if number is not None else current.channel
        elif key == "* primary channel" and current.channel is None:
            number = _number(value)
            current.channel = int(number) if number is not None else None
        elif key == "* sta channel width":
            number = _number(value)
            current.width_mhz = int(number) if number is not None else None
    for bss in out:
        if bss.channel is None:
            bss.channel = channel_of(bss.freq_mhz)
    return out


_NMCLI_ROW = re.compile(
    rf"^\s*(?P<inuse>\*)?\s*(?P<bssid>{_MAC})\s+(?P<ssid>.*?)\s+(?P<mode>\S+)\s+(?P<chan>\d+)\s+"
    r"(?P<rate>\d+(?:\.\d+)?)\s+\S*bit/s\s+(?P<signal>\d+)\s+(?P<bars>\S+)\s*(?P<security>.*?)\s*$")


def percent_to_dbm(percent: float) -> float | None:
    """Undo NetworkManager's nl80211 signal percentage: 100 - 70 * (-20 - dBm) / 70, clamped to -90..-20 dBm.

    Inside the clamp that is dBm = percent - 120; at either end the true value is unknown.
    """
    if percent <= 30 or percent >= 100:
        return None
    return float(percent) - 120.0


def parse_nmcli(text: str) -> tuple[WifiLink | None, list[Bss]]:
    """``nmcli device wifi list`` in its default table (IN-USE, BSSID, SSID, MODE, CHAN, RATE, SIGNAL, BARS,
    SECURITY): the row marked ``*`` is the association. Signal comes as a percentage and is converted."""
    link: WifiLink | None = None
    networks: list[Bss] = []
    for line in text.splitlines():
        m = _NMCLI_ROW.match(line)
        if not m:
            continue
        channel = int(m.group("chan"))
        freq = (2407 + 5 * channel if channel <= 13 else 2484 if channel == 14 else 5000 + 5 * channel)
        percent = float(m.group("signal"))
        ssid = m.group("ssid").strip() or None
        if ssid == "--":
            ssid = None
        bss = Bss(m.group("bssid").lower(), ssid, float(freq), percent_to_dbm(percent), channel,
                  associated=bool(m.group("inuse")))
        networks.append(bss)
        if m.group("inuse") and link is None:
            link = WifiLink("", True, ssid, bss.bssid, float(freq), bss.signal_dbm, float(m.group("rate")))
    return link, networks


def overlapping(link: WifiLink, networks: list[Bss]) -> list[Bss]:
    """Other networks on the same or an overlapping channel (2.4 GHz: within 4 channels; elsewhere: same channel)."""
    if link.freq_mhz is None:
        return []
    out = []
    for bss in networks:
        if bss.bssid == link.bssid or bss.freq_mhz is None:
            continue
        if band_of(bss.freq_mhz) != band_of(link.freq_mhz):
            continue
        if abs(bss.freq_mhz - link.freq_mhz) < (25 if band_of(link.freq_mhz) == "2.4 GHz" else 20):
            out.append(bss)
    return out


def measure(interface: str, run) -> WifiResult:  # run: Context.run-like (argv, timeout=) -> CommandResult
    """Read the association with ``iw dev IF link`` (+ ``station dump``) and cached scan results (``scan dump``)."""
    result = WifiResult(interface)
    link_out = run(["iw", "dev", interface, "link"], timeout=5)
    result.evidence.append((list(link_out.argv), link_out.returncode, link_out.stdout[:2000] or link_out.stderr[:500]))
    if link_out.not_found or not link_out.ok:
        reason = ("the iw tool is not installed" if link_out.not_found else
                  (link_out.stderr or link_out.error or "iw failed").strip().splitlines()[0])
        if not _from_nmcli(interface, run, result, with_link=True):
            result.error = reason
        return result
    result.link = parse_link(link_out.stdout, interface)
    if result.link.connected:
        station = run(["iw", "dev", interface, "station", "dump"], timeout=5)
        if station.ok:
            parse_station(station.stdout, result.link)
    scan = run(["iw", "dev", interface, "scan", "dump"], timeout=5)
    if scan.ok and scan.stdout.strip():
        result.scan_available = True
        result.scan = parse_scan(scan.stdout)
    else:
        _from_nmcli(interface, run, result, with_link=False)
    return result


def _from_nmcli(interface: str, run, result: WifiResult, *, with_link: bool) -> bool:
    """NetworkManager's cached scan (no rescan): the neighbourhood, and the association when iw is missing."""
    out = run(["nmcli", "-f", "IN-USE,BSSID,SSID,MODE,CHAN,RATE,SIGNAL,BARS,SECURITY", "device", "wifi", "list",
               "ifname", interface, "--rescan", "no"], timeout=10)
    if not out.ok:
        return False
    result.evidence.append((list(out.argv), out.returncode, out.stdout[:2000]))
    link, networks = parse_nmcli(out.stdout)
    result.scan, result.scan_available = networks, True
    if with_link:
        result.link = link or WifiLink(interface)
        result.link.interface = interface
    return True
