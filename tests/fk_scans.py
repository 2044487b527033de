"""Synthetic scan results for the history, export and schedule tests (issue 8).

Real findings shaped as the checks produce them (SMART ``data["drive"]``, network
targets, metrics with units and thresholds), built without hardware.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from fieldkit.findings import Finding, Metric, Status
from fieldkit.result import CheckRecord, ScanResult

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def disk(device: str, status: Status, reallocated: int, *, serial: str = "", pending: int = 0) -> Finding:
    serial = serial or f"SN-{device.rsplit('/', 1)[-1]}"
    return Finding(check="smart", subject=device, status=status,
                   summary=f"{device}: {reallocated} reallocated sectors, {pending} pending",
                   metrics=[Metric("reallocated", reallocated, "c", 1, 50, 0),
                            Metric("pending", pending, "c", 1, 10, 0),
                            Metric("temperature_c", 38.5, "C", 50, 60)],
                   data={"drive": {"device": device, "model": "WDC WD10EZEX", "serial": serial,
                                   "firmware": "01.01A01", "capacity_bytes": 10**12, "power_on_hours": 1234,
                                   "interface": "sata", "protocol": "ATA", "rotation_rpm": 7200},
                         "counters": {"reallocated": reallocated, "pending": pending}})


def target(host: str, status: Status, rtt_ms: float, loss_pct: float) -> Finding:
    return Finding(check="network", subject=host, status=status, summary=f"{host}: {rtt_ms} ms, {loss_pct}% loss",
                   metrics=[Metric("rtt_median_ms", rtt_ms, "ms", 100, 300, 0),
                            Metric("loss_pct", loss_pct, "%", 1, 5, 0, 100)],
                   data={"rtt_ms": [rtt_ms, None, rtt_ms]})


def system(subject: str, status: Status, used_pct: float) -> Finding:
    return Finding(check="system", subject=subject, status=status, summary=f"{subject} {used_pct}% used",
                   metrics=[Metric("used_pct", used_pct, "%", 85, 95, 0, 100)])


def scan(findings: Iterable[Finding], *, started: datetime = T0, host_id: str = "host-a", hostname: str = "alpha",
         profile: str = "quick", checks: dict[str, str] | None = None, visit: dict[str, Any] | None = None,
         scan_id: str | None = None) -> ScanResult:
    findings = list(findings)
    if checks is None:
        checks = {f.check: "completed" for f in findings}
    result = ScanResult(machine={"hostname": hostname, "host_id": host_id}, profile={"name": profile},
                        started_at=started, finished_at=started + timedelta(seconds=42), findings=findings,
                        checks=[CheckRecord(name, outcome, 1.5, 60.0,
                                            findings=sum(1 for f in findings if f.check == name))
                                for name, outcome in checks.items()],
                        scan_id=scan_id or uuid.uuid4().hex, complete=True, visit=visit)
    return result
