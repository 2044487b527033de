"""Prometheus textfile output, parsed with prometheus_client's own text parser."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from fk_scans import at, disk, scan, system, target
from fieldkit.cli import cli
from fieldkit.export.prometheus import metric_name, render, textfile_name, write_textfile
from fieldkit.findings import Finding, Metric, Status


def _families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _sample(families: dict, name: str, **labels: str):
    matches = [s for s in families[name].samples if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matches) == 1, (name, labels, families[name].samples)
    return matches[0]


def _result():
    odd = Finding(check="network", subject='gw "main"\\lan\nx', status=Status.WARNING, summary="odd name",
                  metrics=[Metric("loss_pct", 2.5, "%"), Metric("path", "via vpn"), Metric("jitter_ms", None, "ms"),
                           Metric("up", True)])
    return scan([disk("/dev/sda", Status.CRITICAL, 60, serial="WD-123"), disk("/dev/sdb", Status.OK, 0),
                 target("pbx.example", Status.OK, 12.5, 0.0), system("/", Status.WARNING, 90.0), odd],
                profile="nightly", hostname="alpha")


def test_textfile_parses_with_base_units_and_entity_labels() -> None:
    text = render(_result())
    fams = _families(text)
    assert all(f.type == "gauge" and f.documentation for f in fams.values())
    assert all(s.timestamp is None for f in fams.values() for s in f.samples)  # the collector forbids timestamps
    sda = _sample(fams, "fieldkit_smart_reallocated", drive="/dev/sda")
    assert sda.value == 60 and sda.labels["serial"] == "WD-123" and sda.labels["model"] == "WDC WD10EZEX"
    assert sda.labels["profile"] == "nightly"
    assert _sample(fams, "fieldkit_smart_temperature_celsius", drive="/dev/sdb").value == 38.5
    assert _sample(fams, "fieldkit_network_rtt_median_seconds", target="pbx.example").value == 0.0125
    assert _sample(fams, "fieldkit_system_used_ratio", subject="/").value == 0.9
    assert _sample(fams, "fieldkit_check_status", check="smart", drive="/dev/sda").value == 2
    assert _sample(fams, "fieldkit_scan_status").value == 2
    assert _sample(fams, "fieldkit_findings", status="WARNING").value == 2
    assert _sample(fams, "fieldkit_scan_info").labels["hostname"] == "alpha"
    assert _sample(fams, "fieldkit_last_success_timestamp_seconds").value == at(0).timestamp() + 42


def test_label_values_are_escaped_and_text_or_missing_values_skipped() -> None:
    fams = _families(render(_result()))
    odd = _sample(fams, "fieldkit_network_loss_ratio", target='gw "main"\\lan\nx')
    assert odd.value == 0.025
    assert _sample(fams, "fieldkit_network_up", target='gw "main"\\lan\nx').value == 1
    assert "fieldkit_network_path" not in fams
    assert "fieldkit_network_jitter_seconds" not in fams


def test_no_duplicate_series_and_help_agrees_across_profiles() -> None:
    # node_exporter merges every *.prom file: a duplicate series or a HELP mismatch breaks the scrape.
    a = _families(render(_result()))
    other = _result()
    other.profile = {"name": "weekly"}
    b = _families(render(other))
    seen = set()
    for fams in (a, b):
        for fam in fams.values():
            for s in fam.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                assert key not in seen
                seen.add(key)
    for name in set(a) & set(b):
        assert a[name].documentation == b[name].documentation


def test_metric_names_follow_prometheus_conventions() -> None:
    assert metric_name("network", "rtt_median_ms", "ms") == ("fieldkit_network_rtt_median_seconds", 0.001)
    assert metric_name("smart", "capacity", "B") == ("fieldkit_smart_capacity_bytes", 1.0)
    assert metric_name("voip", "mos", "") == ("fieldkit_voip_mos", 1.0)
    assert metric_name("system", "9 lives!", "")[0] == "fieldkit_system_9_lives"
    assert textfile_name(_result()) == "fieldkit-nightly.prom"


def test_write_is_atomic_and_world_readable(tmp_path: Path) -> None:
    target_file = tmp_path / "fieldkit.prom"
    texts = [render(_result()), render(scan([system("/", Status.OK, 1.0)]))]
    write_textfile(target_file, texts[0])
    assert stat.S_IMODE(target_file.stat().st_mode) == 0o644  # node_exporter runs as another user
    stop = threading.Event()
    seen: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            seen.append(target_file.read_text())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(200):
            write_textfile(target_file, texts[i % 2])
    finally:
        stop.set()
        thread.join()
    assert seen and all(text in texts for text in seen)  # never a half-written file
    assert sorted(os.listdir(tmp_path)) == ["fieldkit.prom"]  # no temp files left behind


def test_scan_writes_the_textfile_and_export_reads_the_history(tmp_path: Path) -> None:
    runner = CliRunner()
    textdir, single = tmp_path / "textfile", tmp_path / "one.prom"
    result = runner.invoke(cli, ["scan", "--profile", "quick", "-q", "--out", str(tmp_path / "r"),
                                 "--textfile-dir", str(textdir), "--prometheus", str(single)])
    assert result.exit_code in (0, 1, 2, 3), result.output
    written = (textdir / "fieldkit-quick.prom").read_text()
    assert single.read_text() == written
    fams = _families(written)
    assert _sample(fams, "fieldkit_scan_status").value == result.exit_code
    exported = runner.invoke(cli, ["export", "prometheus"])
    assert exported.exit_code == 0 and exported.stdout == written
    out = tmp_path / "exported.prom"
    assert runner.invoke(cli, ["export", "prometheus", "--out", str(out)]).exit_code == 0
    assert out.read_text() == written


def test_export_without_history_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["export", "prometheus"])
    assert result.exit_code == 3 and "no scans stored yet" in result.stderr
