"""Every chart a check can emit is drawn, and chart data matches its description in the JSON Schema.

The chart keys are read from the shipped schema (``$defs.chart_data``), so a new kind of
chart data must be described there and is then required to be drawn. The findings come
from the real checks on fixed inputs: SMART captures, a WAV recording, a ping and a TCP
test to loopback, a traceroute verdict, and a VoIP call-quality stream to an in-process
reflector on loopback.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest

from conftest import FIXTURES, ROOT
from fieldkit.findings import Finding
from fieldkit.report.model import charts_for

SCHEMA = json.loads((ROOT / "fieldkit" / "schemas" / "scan.schema.json").read_text(encoding="utf-8"))
CHART_KEYS = [key for key in SCHEMA["$defs"]["chart_data"]["properties"] if key != "clicks_s"]  # markers only
#: the title every chart of that data begins with
TITLES = {"attributes": "SMART ", "spectrogram": "Sound spectrogram", "envelope": "Sound level over time",
          "rtt_ms": "Round-trip times", "hops": "Traceroute hops", "series": "Latency and jitter"}


@pytest.fixture
def reflector_port() -> Iterator[int]:
    from fieldkit.voip.reflector import Reflector

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Reflector([("127.0.0.1", port)], rate_limit_pps=10000, log=lambda line: None)
    assert server.open(), server.errors
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.request_stop()
        server.stop()
        thread.join(5)


def _findings(make_ctx: Any, port: int) -> list[Finding]:
    from fieldkit.checks import acoustic, network, smart, voip
    from fieldkit.checks.network import verdicts
    from fieldkit.net.traceroute import Hop, TraceResult

    captures = [str(FIXTURES / "smart" / name) for name in
                ("f03_ata_json_HUS726060ALA640-realloc1040-pending878_libblockdev.json",
                 "h04_nvme_text_Samsung970EVOPlus_pysmart.txt")]
    found = list(smart.run(make_ctx("smart", from_file=captures)))
    found += acoustic.run(make_ctx("acoustic", from_wav=str(FIXTURES / "golden" / "clicks.wav")))
    found += network.run(make_ctx("network", local=False, gateway=False, dns=False, ping_method="tcp",
                                  tcp_ping_port=port, count=3, interval=0.05, target=["127.0.0.1:1"]))
    found += verdicts.trace(make_ctx("network"), TraceResult("h", "192.0.2.1", "icmp", [
        Hop(1, "192.0.2.254", [1.0, 1.2]), Hop(2, "192.0.2.1", [2.0, None], final=True)], reached=True))
    found += voip.run(make_ctx("voip", timeout=60, reflector=f"127.0.0.1:{port}", duration=1.0, alg_port=port))
    return found


def test_every_chart_a_check_can_emit_is_drawn(make_ctx: Any, reflector_port: int) -> None:
    findings = _findings(make_ctx, reflector_port)
    validator = jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/chart_data"})
    seen: set[str] = set()
    for finding in findings:
        data = finding.to_dict()["data"]
        validator.validate(data)
        titles = [chart.title for chart in charts_for(finding)]
        for key in CHART_KEYS:
            if data.get(key):
                seen.add(key)
                assert any(title.startswith(TITLES[key]) for title in titles), \
                    f"{finding.check} {finding.subject}: {key} is not drawn (charts: {titles})"
    assert seen == set(CHART_KEYS), f"no check emitted {set(CHART_KEYS) - seen}: extend the inputs of this test"


def test_a_voip_result_with_the_older_rtt_summary_still_gets_its_rtt_chart() -> None:
    finding = Finding("voip", "call quality to 192.0.2.10:862", "OK", "fine", data={
        "rtt_ms": {"min": 10.0, "median": 11.0, "p95": 12.0, "p99": 13.0, "max": 14.0},
        "series": {"t_s": [0.0, 0.02, 0.04], "rtt_ms": [10.0, None, 12.0], "jitter_ms": [0.0, 0.1, 0.2]}})
    charts = {chart.title.split(" to ")[0].split(",")[0]: chart for chart in charts_for(finding)}
    assert set(charts) == {"Round-trip times", "Latency and jitter over time"}
    assert "lost: 1" in charts["Round-trip times"].description


def test_chart_data_that_breaks_the_description_is_refused_by_the_schema() -> None:
    validator = jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/chart_data"})
    assert not validator.is_valid({"rtt_ms": "12 ms"})
    assert not validator.is_valid({"spectrogram": {"times_s": [0.0]}})  # no db: nothing to draw
    assert not validator.is_valid({"hops": [{"ttl": "one"}]})
    assert validator.is_valid({"drive": {"serial": "X"}, "rtt_ms": [1.0, None]})  # other keys are free
