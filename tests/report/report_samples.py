"""ScanResults built in code for the report tests and the benchmark.

Findings follow the brief's data conventions (SMART ``drive``/``attributes``/``counters``,
acoustic ``spectrogram``/``envelope``/``clicks_s``, network ``rtt_ms``/``hops``, VoIP
``series``) so the report is exercised exactly as the real checks will feed it, without
depending on the other checks' branches.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.result import CheckRecord, ScanResult

#: strings that would run script or break out of an element if they were not escaped
HOSTILE = {
    "script": '<script>document.title="PWNED-SCRIPT";document.body.setAttribute("data-pwned","script")</script>',
    "img": '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">',
    "style": '</style><script>document.title="PWNED-STYLE"</script><style>',
    "svg": '<svg onload="document.body.setAttribute(\'data-pwned\',\'svg\')"></svg>',
    "attr": '" onmouseover="document.body.setAttribute(\'data-pwned\',\'attr\')" x="',
    "textarea": '</textarea></title><script>document.title="PWNED-TITLE"</script>',
}

T0 = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)


def hostile_text(port: int | None = None) -> str:
    """All payloads in one string; with a port, also ones that would fetch from a local server."""
    text = " ".join(HOSTILE.values())
    if port:
        text += (f' <script>fetch("http://127.0.0.1:{port}/script-fetch")</script>'
                 f' <img src="http://127.0.0.1:{port}/img-load">'
                 f' <link rel="stylesheet" href="http://127.0.0.1:{port}/css-load">'
                 f' <iframe src="http://127.0.0.1:{port}/iframe-load"></iframe>')
    return text


def smart_findings(device: str, serial: str, *, model: str = "WDC WD10EZEX-08WN4A0", status: Status = Status.OK,
                   hours: int = 21034, pending: int = 0) -> list[Finding]:
    drive = {"device": device, "model": model, "serial": serial, "firmware": "01.01A01",
             "capacity_bytes": 1000204886016, "power_on_hours": hours, "interface": "sata", "protocol": "ATA",
             "rotation_rpm": 7200}
    attributes = [
        {"id": 5, "name": "Reallocated_Sector_Ct", "value": 100 if pending == 0 else 3, "worst": 100 if pending == 0
         else 3, "thresh": 140, "raw": pending * 8, "when_failed": "now" if pending else None},
        {"id": 9, "name": "Power_On_Hours", "value": 72, "worst": 72, "thresh": 0, "raw": hours, "when_failed": None},
        {"id": 197, "name": "Current_Pending_Sector", "value": 200, "worst": 200, "thresh": 0, "raw": pending,
         "when_failed": None},
        {"id": 198, "name": "Offline_Uncorrectable", "value": 200, "worst": 200, "thresh": 0, "raw": pending // 2,
         "when_failed": None},
    ]
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning="This disk is wearing out: some parts of it can no longer hold data reliably.",
                        action="Back up your files now; we recommend replacing the disk within two weeks.",
                        prevention="Keep automatic backups; replace disks older than five years.")
    return [Finding(
        check="smart", subject=device, status=status,
        summary=f"{device} ({model}): {pending} sectors pending reallocation" if pending else
        f"{device} ({model}): SMART health passed",
        metrics=[Metric("pending_sectors", pending, "c", 1, 10, 0), Metric("reallocated_sectors", pending * 8, "c", 1, 50, 0),
                 Metric("power_on_hours", hours, "", None, None, 0)],
        evidence=[Evidence(["smartctl", "--json", "-x", device], 4 if pending else 0,
                           '{"smart_status": {"passed": %s}}' % ("false" if pending else "true"), "smartctl")],
        advice=advice, detail=f"attribute 197 raw {pending}; rule pending>0 -> WARNING, >=10 -> CRITICAL",
        tier=Tier.HARDWARE if status is not Status.OK else None, rule="smart-pending",
        data={"drive": drive, "attributes": attributes,
              "counters": {"reallocated": pending * 8, "pending": pending, "uncorrectable": pending // 2,
                           "media_errors": None}})]


def nvme_finding(device: str, serial: str) -> Finding:
    return Finding(check="smart", subject=device, status=Status.OK, summary=f"{device}: NVMe health good",
                   metrics=[Metric("percentage_used", 3, "%", 80, 95, 0, 100)],
                   data={"drive": {"device": device, "model": "Samsung SSD 980 PRO 1TB", "serial": serial,
                                   "firmware": "5B2QGXA7", "capacity_bytes": 10**12, "power_on_hours": 812,
                                   "interface": "nvme", "protocol": "NVMe", "rotation_rpm": 0},
                         "attributes": [{"name": "percentage_used", "value": 3},
                                        {"name": "media_errors", "value": 0},
                                        {"name": "unsafe_shutdowns", "value": 41}],
                         "counters": {"media_errors": 0}})


def acoustic_finding(rng: random.Random, status: Status = Status.WARNING) -> Finding:
    times = [round(i * 0.05, 3) for i in range(160)]
    freqs = [round(i * 187.5, 1) for i in range(64)]
    clicks = [1.2, 3.45, 6.1]
    db = [[round(-80 + 40 * math.exp(-f / 4000) + rng.uniform(-3, 3) + (25 if any(abs(t - c) < 0.06 for c in clicks)
                                                                        else 0), 1) for t in times] for f in freqs]
    env_t = [round(i * 0.008, 4) for i in range(1000)]
    env = [round(0.02 + 0.01 * rng.random() + (0.6 if any(abs(t - c) < 0.01 for c in clicks) else 0), 4)
           for t in env_t]
    return Finding(check="acoustic", subject="/dev/sda (microphone)", status=status,
                   summary=f"{len(clicks)} periodic clicks detected near the disk", rule="acoustic-clicks",
                   metrics=[Metric("clicks", len(clicks), "c", 1, 5, 0), Metric("noise_floor_db", -62.5, "")],
                   evidence=[Evidence(["parecord", "--channels=1", "--rate=16000"], 0, "", "pulseaudio")],
                   advice=Advice(), tier=Tier.HARDWARE,
                   data={"spectrogram": {"times_s": times, "freqs_hz": freqs, "db": db},
                         "envelope": {"times_s": env_t, "values": env}, "clicks_s": clicks})


def network_findings(rng: random.Random, target: str = "192.168.1.1") -> list[Finding]:
    rtt = [None if i in (17, 18, 63) else round(1.2 + rng.random() * 2 + (8 if 40 < i < 50 else 0), 2)
           for i in range(100)]
    hops = [{"ttl": 1, "address": "192.168.1.1", "rtt_ms": 0.8, "loss_pct": 0.0},
            {"ttl": 2, "address": "100.64.12.1", "rtt_ms": 7.9, "loss_pct": 0.0},
            {"ttl": 3, "address": None, "rtt_ms": None, "loss_pct": 100.0},
            {"ttl": 4, "address": "core1.isp.example", "rtt_ms": 14.2, "loss_pct": 10.0},
            {"ttl": 5, "address": "9.9.9.9", "rtt_ms": 15.0, "loss_pct": 0.0}]
    return [
        Finding(check="network", subject=target, status=Status.OK, summary=f"Gateway {target}: 3% loss, median 2.1 ms",
                metrics=[Metric("rtt_median_ms", 2.1, "ms", 50, 150, 0), Metric("loss_pct", 3.0, "%", 2, 10, 0, 100)],
                evidence=[Evidence(["ping", "-c", "100", "-i", "0.2", target], 0, "100 packets transmitted, 97 received")],
                rule="ping-loss", data={"rtt_ms": rtt, "target": target}),
        Finding(check="network", subject="route to 9.9.9.9", status=Status.OK, summary="5 hops to 9.9.9.9",
                evidence=[Evidence(["traceroute", "-n", "9.9.9.9"], 0, "")], rule="traceroute", data={"hops": hops}),
    ]


def voip_finding(rng: random.Random, status: Status = Status.WARNING, advice: bool = False) -> Finding:
    t = [round(i * 0.02, 2) for i in range(1000)]
    rtt = [round(40 + 10 * math.sin(i / 50) + rng.random() * 5, 2) for i in range(1000)]
    jitter = [round(2 + (25 if 400 < i < 460 else 0) + rng.random() * 2, 2) for i in range(1000)]
    return Finding(check="voip", subject="sip.provider.example", status=status,
                   summary="Jitter peaks at 29 ms during the test call (threshold 20 ms)",
                   metrics=[Metric("jitter_p95_ms", 28.7, "ms", 20, 40, 0), Metric("mos", 3.9, "", None, None, 1, 5)],
                   evidence=[Evidence(["sipp", "-sn", "uac", "sip.provider.example", "-p", "5060"], 0, "")],
                   advice=Advice() if not advice else Advice("Calls may sound choppy.", "", ""), rule="voip-jitter",
                   tier=Tier.ENGINEERING,
                   data={"series": {"t_s": t, "rtt_ms": rtt, "jitter_ms": jitter}, "server": "sip.provider.example"})


def system_findings(hostname: str, mac: str = "3c:52:82:aa:bb:cc", ip: str = "192.168.1.23") -> list[Finding]:
    return [
        Finding(check="system", subject=hostname, status=Status.OK, summary="Linux 6.1, 4 CPU cores, 15.5 GiB memory",
                rule="inventory", data={"interfaces": [{"name": "eth0", "up": True, "mac": mac,
                                                        "addresses": [ip, "fe80::3e52:82ff:feaa:bbcc"]}],
                                        "partitions": [{"device": "/dev/sda1", "mountpoint": "/home/alice",
                                                        "fstype": "ext4"}]}),
        Finding(check="system", subject="/", status=Status.WARNING, summary="Filesystem / 91.0% used, 8.1 GiB free",
                metrics=[Metric("used_pct", 91.0, "%", 85, 95, 0, 100)], rule="fs-usage", tier=Tier.ON_SITE,
                advice=Advice("The disk is nearly full.", "Delete files you no longer need.", "Keep 15% free.")),
    ]


def sample_scan(hostname: str = "pc-reception", *, seed: int = 1, serial: str = "WD-WCC6Y7XK1234",
                nvme_serial: str = "S6B0NL0T123456", pending: int = 12, visit: dict[str, Any] | None = None,
                timeout_check: bool = True, start: datetime = T0, extra: dict[str, Any] | None = None) -> ScanResult:
    rng = random.Random(seed)
    findings = (system_findings(hostname) + smart_findings("/dev/sda", serial, pending=pending,
                                                           status=Status.CRITICAL if pending >= 10 else
                                                           Status.WARNING if pending else Status.OK)
                + [nvme_finding("/dev/nvme0", nvme_serial), acoustic_finding(rng)] + network_findings(rng)
                + [voip_finding(rng)])
    checks = [CheckRecord("system", "completed", 0.4, 20, findings=2),
              CheckRecord("smart", "completed", 2.1, 60, findings=2),
              CheckRecord("acoustic", "completed", 12.0, 60, findings=1),
              CheckRecord("network", "completed", 21.0, 60, findings=2)]
    if timeout_check:
        findings.append(Finding(check="voip", subject="voip", status=Status.UNKNOWN,
                                summary="The check did not finish within its 30 s budget and was stopped",
                                rule="timeout", tier=Tier.ON_SITE,
                                advice=Advice("This part of the machine could not be examined in the time allowed.")))
        checks.append(CheckRecord("voip", "timeout", 30.0, 30, error="timed out after 30 s", findings=2))
    else:
        checks.append(CheckRecord("voip", "completed", 9.0, 30, findings=1))
    machine = {"hostname": hostname, "fqdn": f"{hostname}.office.lan", "os": "Linux",
               "os_release": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0-18-amd64", "architecture": "x86_64",
               "cpu_model": "Intel(R) Core(TM) i5-8500", "memory_bytes": 16_600_000_000,
               "system_vendor": "Dell Inc.", "system_product": "OptiPlex 7060", "system_serial": f"SYS-{serial[-6:]}",
               "board_serial": f"BRD-{serial[-6:]}", "bios_version": "1.21.0", "host_id": f"{seed:016x}"}
    return ScanResult(machine=machine, profile={"name": "full"}, started_at=start,
                      finished_at=start + timedelta(minutes=3), findings=findings, checks=checks,
                      scan_id=f"{seed:08x}" + "0" * 24, argv=["fieldkit", "scan", "--profile", "full"],
                      complete=True, visit=visit, extra=extra or {})


def sample_visit(**overrides: Any) -> dict[str, Any]:
    visit = {"id": "20261123T085500Z-abc123", "customer": "Acme Dental", "site": "Main street office",
             "ticket": "TCK-4711", "technician": "Sam Tech", "started_at": "2026-11-23T08:55:00Z",
             "ended_at": "2026-11-23T10:40:00Z",
             "notes": [{"time": "2026-11-23T09:10:00Z", "text": "Customer reports clicking noise from reception PC",
                        "kind": "note"},
                       {"time": "2026-11-23T10:20:00Z", "text": "Replaced SATA cable on reception PC",
                        "kind": "action"}]}
    visit.update(overrides)
    return visit
