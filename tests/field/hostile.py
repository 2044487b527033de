"""The hostile-string corpus: what a customer's machine, a device or a typo can put in a field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fieldkit.findings import Advice, Evidence, Finding, Metric, Status
from fieldkit.result import CheckRecord, ScanResult

TITLE = "\x1b]0;pwned\x07"            # retitles the terminal window
CLEAR = "\x1b[2J\x1b[H"               # clears the screen
OVERWRITE = "disk OK\b\b\b\b\b\b\bFAILING"  # backspaces overwrite what was printed
BIDI = "invoice\u202efdp.exe\u202c"   # right-to-left override (Trojan Source)
ISOLATE = "a\u2066b\u2069c\u200f"
NUL = "nul\x00byte"
C1 = "csi\x9b31m"                     # 8-bit CSI
UNDECODABLE = b"model \xff\xfe\xc3".decode("utf-8", "surrogateescape")  # invalid UTF-8 kept as surrogates
REPLACED = b"model \xff\xfe".decode("utf-8", "replace")                 # invalid UTF-8 as U+FFFD
MARKUP = "[bold red]fake[/] [/] [link=x]y"
LONG = "L" * 10_000
PIPES = "a|b'c=d\"e\\f\nnext line"

CORPUS = [TITLE, CLEAR, OVERWRITE, BIDI, ISOLATE, NUL, C1, UNDECODABLE, REPLACED, MARKUP, LONG, PIPES]
#: characters that must never reach a terminal, Markdown or the HTML raw
RAW_FORBIDDEN = ["\x1b", "\x07", "\x08", "\x00", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069", "\u200f"]


def forbidden_in(text: str) -> list[str]:
    found = [repr(c) for c in RAW_FORBIDDEN if c in text]
    found += [repr(c) for c in set(text) if 0xD800 <= ord(c) <= 0xDFFF]
    return found


def hostile_scan() -> ScanResult:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    findings = []
    for i, text in enumerate(CORPUS):
        findings.append(Finding(
            check="smart", subject=f"/dev/sd{chr(97 + i)}{text}", status=[Status.OK, Status.WARNING][i % 2],
            summary=f"summary {text}", detail=f"detail {text}", rule=f"rule-{i}",
            metrics=[Metric(f"metric {text[:40]}", float(i), "c", 1, 5, 0)],
            evidence=[Evidence(["smartctl", "-a", f"/dev/x{text[:30]}"], 0, f"excerpt {text}", f"src {text[:30]}")],
            advice=Advice(f"meaning {text}", f"action {text}", f"prevention {text}"),
            data={"drive": {"device": f"/dev/sd{chr(97 + i)}", "model": f"WDC {text}", "serial": f"SN{i}{text[:50]}",
                            "firmware": text[:20], "power_on_hours": 100 + i}}))
    findings.append(Finding(check="network", subject=f"pbx{BIDI}", status=Status.CRITICAL,
                            summary=f"SIP Server header: {TITLE}{CLEAR}", data={"rtt_ms": [1.0, None, 2.0]}))
    visit = {"id": "20261123T085500Z-abc123", "customer": f"Acme {TITLE}{BIDI}", "site": f"Main {CLEAR}",
             "ticket": NUL, "technician": OVERWRITE, "started_at": "2026-11-23T08:55:00Z", "ended_at": None,
             "notes": [{"time": "2026-11-23T09:10:00Z", "text": t, "kind": "note"} for t in CORPUS]}
    return ScanResult(
        machine={"hostname": f"host{TITLE}{UNDECODABLE}", "host_id": "h1", "os_release": f"Linux {BIDI}"},
        profile={"name": f"prof{CLEAR}", "checks": {"smart": {"timeout_s": 60}, "network": {"timeout_s": 60}}},
        started_at=start, finished_at=start + timedelta(minutes=2), findings=findings,
        checks=[CheckRecord("smart", "completed", 1.0, 60, findings=len(CORPUS)),
                CheckRecord("network", "error", 1.0, 60, error=f"boom {TITLE}{NUL}", findings=1)],
        complete=True, visit=visit)
