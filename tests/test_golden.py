"""Golden test: the JSON result of a scan of fixed inputs does not change.

A refactoring (moving verdicts into the checks, stamping facts into the result, moving
the scan use case out of the CLI) must not change what a scan reports. The inputs are
fixed: captured SMART files, a WAV recording of a click-of-death train, and a network
check against loopback only (an HTTP server of the test, a refused port). What may
differ between two runs (times, ids, this machine's description, the loopback port,
round-trip times) is normalised; everything else must equal ``tests/fixtures/golden/scan.json``.

To regenerate after an intended change of the result: ``FIELDKIT_UPDATE_GOLDEN=1 pytest
tests/test_golden.py``, and say in the commit what changed and why.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "scan.json"
SMART_CAPTURES = ["f03_ata_json_HUS726060ALA640-realloc1040-pending878_libblockdev.json",
                  "f18_ata_text-x_ST3320620AS-realloc127-uncorr171-pendingbogus_linuxhw.txt",
                  "f19_unknown_json_open-failed-exit2_scrutiny.json",
                  "h04_nvme_text_Samsung970EVOPlus_pysmart.txt",
                  "h09_ata_json_WUH721816ALE6L4_pysmart.json"]
#: keys whose value is a time, an id or this machine's description
_VOLATILE_TOP = ("scan_id", "started_at", "finished_at", "duration_s", "argv", "machine", "tool")
#: units of measured durations: their values differ from run to run
_TIME_UNITS = ("ms", "s")


@pytest.fixture
def http_port() -> Iterator[int]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _profile(port: int) -> Any:
    from fieldkit import profiles

    parts = [
        profiles.ad_hoc("smart", {"from_file": [str(FIXTURES / "smart" / name) for name in SMART_CAPTURES]}),
        profiles.ad_hoc("acoustic", {"from_wav": str(FIXTURES / "golden" / "clicks.wav")}),
        # thresholds far above any loopback time, so a loaded test machine cannot turn OK into WARNING
        profiles.ad_hoc("network", {"local": False, "gateway": False, "dns": False, "ping_method": "tcp",
                                    "tcp_ping_port": port, "count": 3, "interval": 0.05, "probe_timeout": 10.0,
                                    "rtt_warn_ms": 5000.0, "rtt_crit_ms": 9000.0,
                                    "http_warn_ms": 20000.0, "http_crit_ms": 30000.0,
                                    "target": [f"127.0.0.1:{port}", "127.0.0.1:1"],
                                    "url": [f"http://127.0.0.1:{port}/"]}),
    ]
    profile = parts[0]
    profile.name, profile.description, profile.source = "golden", "golden test", "tests/test_golden.py"
    for part in parts[1:]:
        profile.checks.update(part.checks)
    return profile


def _scan(profile: Any, out_dir: Path) -> dict[str, Any]:
    """Run the scan use case as ``fieldkit scan`` does, with the history, and read back the result file."""
    from fieldkit import scan

    scan.run(scan.ScanRequest(profile, out_dir=out_dir))
    [result_file] = out_dir.glob("*.json")
    return json.loads(result_file.read_text(encoding="utf-8"))


def _normalise(doc: dict[str, Any], port: int) -> dict[str, Any]:
    doc = _strings(doc, lambda text: re.sub(rf"\b{port}\b", "<port>", text.replace(str(FIXTURES), "<fixtures>")))
    doc = {k: v for k, v in doc.items() if k not in _VOLATILE_TOP}
    # checks run concurrently: the order in which they finish is not part of the result
    doc["checks"].sort(key=lambda record: record["name"])
    doc["findings"].sort(key=lambda finding: finding["check"])
    for record in doc["checks"]:
        record.pop("duration_s", None)
    for finding in doc["findings"]:
        if finding["check"] != "network":
            continue
        for metric in finding["metrics"]:
            if metric["unit"] in _TIME_UNITS and isinstance(metric["value"], (int, float)):
                metric["value"] = "<time>"
        finding["data"] = "<network data: round-trip times>"
        for key in ("summary", "detail"):
            finding[key] = _no_times(finding[key])
        for evidence in finding["evidence"]:
            evidence["excerpt"] = _no_times(evidence["excerpt"])
        if "i18n" in finding:  # the parameters of the translatable texts carry the same times
            finding["i18n"] = _time_params(_strings(finding["i18n"], _no_times), port)
    return doc


#: parameters of the network check's sentences that hold a measured time (a number, formatted by the report)
_TIME_PARAMS = ("median", "min", "max", "p95", "time", "slowest")


def _time_params(value: Any, port: int) -> Any:
    """The translatable texts' numeric parameters: measured times and the loopback port made constant."""
    if isinstance(value, list):
        return [_time_params(v, port) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _time_params(v, port) for k, v in value.items()}
    params = out.get("params")
    if isinstance(params, dict):
        for key, param in params.items():
            if isinstance(param, bool) or not isinstance(param, (int, float)):
                continue
            if key in _TIME_PARAMS:
                params[key] = "<num>"
            elif key == "port" and param == port:
                params[key] = "<port>"
    return out


def _strings(value: Any, edit: Callable[[str], str]) -> Any:
    """``value`` with ``edit`` applied to every string in it (keys too), floats to six digits."""
    if isinstance(value, str):
        return edit(value)
    if isinstance(value, dict):
        return {edit(k): _strings(v, edit) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, edit) for v in value]
    if isinstance(value, float):
        # six significant digits: the same result on another CPU or numpy build (FFT rounding)
        return float(f"{value:.6g}")
    return value


def _no_times(text: str) -> str:
    """Round-trip times in a sentence: fractions, and whole numbers of milliseconds."""
    return re.sub(r"(?<![\d.])\d+\.\d+(?![\d.])|\d+(?= ?ms\b)", "<num>", text)


def test_scan_of_fixed_inputs_matches_the_golden_result(tmp_path: Path, http_port: int) -> None:
    got = _normalise(_scan(_profile(http_port), tmp_path), http_port)
    if os.environ.get("FIELDKIT_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [c["name"] for c in got["checks"]] == ["acoustic", "network", "smart"]
    assert got == want
