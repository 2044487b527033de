"""Structure of the rendered HTML report: sections, words for statuses, escaping, charts, accessibility."""

from __future__ import annotations

import re
from datetime import timedelta

from fieldkit import report
from fieldkit.findings import Advice, Evidence, Finding, Status
from fieldkit.result import CheckRecord

from html_probe import probe
from report_samples import HOSTILE, T0, hostile_text, sample_scan, sample_visit, smart_findings, system_findings


def _html(scans, **kw) -> str:
    return report.render(scans, "html", **kw)


def test_sections_in_customer_order_then_appendix():
    html = _html([sample_scan(visit=sample_visit())])
    p = probe(html)
    ids = [a.get("id") for t, a in p.tags if t == "section"]
    assert ids[:8] == ["summary", "areas", "problems", "incomplete", "visit", "assets", "signoff", "appendix"]
    assert p.count("h1") == 1
    # headings are real headings, in order: the customer part uses h2, the appendix nests h3/h4
    assert p.count("h2") >= 7 and p.count("h3") >= 1 and p.count("h4") >= 1


def test_lang_attribute_and_spanish_customer_part():
    scan = sample_scan(visit=sample_visit())
    assert re.search(r'<html lang="en">', _html([scan]))
    es = _html([scan], lang="es")
    assert '<html lang="es">' in es
    for word in ("Resumen", "De un vistazo", "Urgente", "Requiere atención", "Lo que encontramos y qué hacer",
                 "Qué significa para usted", "Lista de equipos", "Su visita", "Anexo técnico"):
        assert word in es, word
    assert "What it means for you" not in es


def test_every_area_has_a_word_and_unchecked_areas_say_so():
    scan = sample_scan()
    scan.findings = [f for f in scan.findings if f.check in ("system", "smart")]
    scan.checks = [c for c in scan.checks if c.name in ("system", "smart")]
    p = probe(_html([scan]))
    rows = {}
    html = _html([scan])
    for area in ("disks", "disk_sounds", "network", "voip", "system"):
        match = re.search(rf'<tr data-area="{area}">(.*?)</tr>', html, re.S)
        assert match, area
        rows[area] = match.group(1)
    assert 'data-status="CRITICAL"' in rows["disks"] and "Urgent" in rows["disks"]
    assert 'data-status="WARNING"' in rows["system"] and "Needs attention" in rows["system"]
    for area in ("disk_sounds", "network", "voip"):
        assert 'data-status="NONE"' in rows[area] and "Not checked" in rows[area]
    # status is never colour alone: every status badge carries its word
    badges = re.findall(r'<span class="status [a-z]+" data-status="([A-Z]+)"><span aria-hidden="true">.</span> ([^<]+)</span>', html)
    words = {"OK": "Good", "WARNING": "Needs attention", "CRITICAL": "Urgent", "UNKNOWN": "Could not check",
             "NONE": "Not checked"}
    assert badges and all(words[s] == w for s, w in badges)
    assert p.count("th", scope="row") > 0


def test_all_table_headers_have_scope():
    p = probe(_html([sample_scan(visit=sample_visit()), sample_scan("pc-2", seed=2)]))
    ths = p.find("th")
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)


def test_overall_verdict_counts_problems_and_worst_first():
    html = _html([sample_scan()])
    assert 'data-overall="CRITICAL"' in html
    assert "4 items need attention." in html
    statuses = re.findall(r'<article class="problem (crit|warn)">', html)
    assert statuses[0] == "crit" and "crit" not in statuses[1:]


def test_problem_has_plain_language_parts_and_generic_advice_when_check_wrote_none():
    html = _html([sample_scan()])
    voip = re.search(r'<article class="problem warn">\s*<h3>.*?Phone line / VoIP.*?</article>', html, re.S).group(0)
    # the VoIP finding has empty advice: generic text for its area and status fills in
    assert "Phone calls over the internet may sound choppy" in voip
    assert "Plan to deal with it in the coming weeks" in voip
    disk = re.search(r'<article class="problem crit">.*?</article>', html, re.S).group(0)
    for label in ("What we found", "What it means for you", "What we did or what to do next",
                  "How to avoid it next time"):
        assert label in disk
    assert "Back up your files now" in disk  # the check's own advice wins over the generic text


def test_checks_that_did_not_complete_are_said_loudly():
    scan = sample_scan()
    scan.checks.append(CheckRecord("lan", "skipped", 0.0, 10, skip_reason="no microphone found"))
    scan.checks.append(CheckRecord("smart2", "error", 0.1, 10, error="ValueError: boom",
                                   traceback="Traceback (most recent call last): ..."))
    scan.profile = {"name": "t", "checks": {"lan": {"area": "network"}, "smart2": {"area": "disks"}}}
    html = _html([scan])
    loud = re.search(r'<div class="loud".*?</div>', html, re.S).group(0)
    # the customer reads the part of the computer in their words, never the check's code name
    assert "Phone line / VoIP (timed out after 30 s)" in loud
    assert "Network (skipped)" in loud and "Disks (the check failed)" in loud
    assert not re.search(r"\b(voip|lan|smart2)\b", loud)
    incomplete = re.search(r'<section id="incomplete".*?</section>', html, re.S).group(0)
    assert "no microphone found" in incomplete and "ValueError: boom" in incomplete
    assert "<strong>TIMEOUT</strong>" in html and "<strong>SKIPPED</strong>" in html


def test_visit_block_shows_times_duration_notes_and_actions():
    html = _html([sample_scan(visit=sample_visit())])
    visit = re.search(r'<section id="visit".*?</section>', html, re.S).group(0)
    for text in ("Acme Dental", "Main street office", "TCK-4711", "Sam Tech", "1 h 45 min",
                 "Customer reports clicking noise", "Replaced SATA cable on reception PC", "Action taken"):
        assert text in visit, text
    open_visit = _html([sample_scan(visit=sample_visit(ended_at=None))], now=T0 + timedelta(hours=1))
    assert "visit still open" in open_visit and "1 h 05 min" in open_visit


def test_asset_table_lists_machine_and_drives_with_serial_firmware_and_age():
    html = _html([sample_scan()])
    assets = re.search(r'<section id="assets".*?</section>', html, re.S).group(0)
    for text in ("OptiPlex 7060", "SYS-XK1234", "WDC WD10EZEX-08WN4A0", "WD-WCC6Y7XK1234", "01.01A01",
                 "Samsung SSD 980 PRO 1TB", "S6B0NL0T123456", "5B2QGXA7", "21,034 h (2.4 years)", "Drive /dev/sda"):
        assert text in assets, text


def test_changes_section_only_when_history_provided_them():
    assert 'id="changes"' not in _html([sample_scan()])
    scan = sample_scan(extra={"changes_since_last": [
        {"check": "smart", "subject": "/dev/sda", "before": 0, "after": 12,
         "summary": "Pending sectors on /dev/sda grew from 0 to 12"}]})
    html = _html([scan])
    changes = re.search(r'<section id="changes".*?</section>', html, re.S).group(0)
    assert "What changed since the last visit" in changes
    assert "Pending sectors on /dev/sda grew from 0 to 12" in changes and "<td>12</td>" in changes


def test_charts_are_inline_svg_with_text_alternatives_and_data_tables():
    html = _html([sample_scan(timeout_check=False)])
    p = probe(html)
    svgs = p.find("svg")
    # SMART bars, spectrogram, envelope, ping series, traceroute hops, VoIP series
    assert len(svgs) == 6
    ids = {a.get("id") for _, a in p.tags if a.get("id")}
    for attrs in svgs:
        assert attrs.get("role") == "img"
        for ref in attrs["aria-labelledby"].split():
            assert ref in ids
    assert p.count("table", **{"class": "chart-data"}) >= 6
    assert "3 clicks detected at 1.20, 3.45, 6.10 s" in html
    assert "data:image/png;base64," in html  # the spectrogram raster stays inside the file
    assert "4 core1.isp.example" in html and "10% loss" in html  # hops with loss


def test_self_contained_no_script_and_no_external_reference():
    html = _html([sample_scan(visit=sample_visit())])
    p = probe(html)
    assert p.count("script") == 0 and p.count("iframe") == 0 and p.count("object") == 0
    # the one <link> is an empty data: favicon, so that no browser asks a server for /favicon.ico
    assert [a for a in p.find("link")] == [{"rel": "icon", "href": "data:,"}]
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("src", "href"):
                assert value.startswith(("#", "data:")), (tag, name, value)
    csp = [a for a in p.find("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    assert "@media print" in html and "thead { display: table-header-group; }" in html
    assert "break-inside: avoid" in html


def _hostile_scan():
    evil = hostile_text()
    scan = sample_scan(hostname=evil, visit=sample_visit(customer=evil, site=evil, ticket=evil, technician=evil,
                                                          notes=[{"time": "2026-11-23T09:00:00Z", "text": evil,
                                                                  "kind": "action"}]))
    drive = smart_findings(evil, evil, model=evil, status=Status.WARNING, pending=3)[0]
    drive.summary = evil
    drive.detail = evil
    drive.advice = Advice(evil, evil, evil)
    drive.evidence = [Evidence(["smartctl", evil], 4, evil, evil)]
    drive.data["attributes"][0]["name"] = evil
    drive.data["hops"] = [{"ttl": 1, "address": evil, "rtt_ms": 1.0, "loss_pct": 0}]
    scan.findings.append(drive)
    scan.checks.append(CheckRecord(evil, "error", 0.1, 10, error=evil, traceback=evil))
    scan.extra["changes_since_last"] = [{"check": evil, "subject": evil, "before": evil, "after": evil,
                                         "summary": evil}]
    return scan


def test_every_machine_string_is_escaped():
    html = _html([_hostile_scan()])
    for payload in HOSTILE.values():
        assert payload not in html
    p = probe(html)
    assert p.count("script") == 0 and p.count("img") == 0 and p.count("iframe") == 0
    assert p.count("style") == 1  # only ours: "</style>" in a hostname did not close it
    assert p.count("textarea") == 0
    for tag, attrs in p.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    # the payloads are there, as text the reader can see
    assert '<script>document.title="PWNED-SCRIPT"' in p.all_text
    assert p.title_text.startswith("Visit report – ") and p.title_text != "PWNED-SCRIPT"


def test_site_report_machine_table_and_worst_findings_first():
    healthy = sample_scan("pc-ok", seed=3, pending=0, timeout_check=False)
    healthy.findings = [f for f in healthy.findings if f.check in ("smart", "network")]
    warned = sample_scan("pc-warn", seed=4, pending=3)
    critical = sample_scan("pc-crit", seed=5, pending=20)
    html = _html([healthy, warned, critical])
    assert "Site visit report" in html
    table = re.search(r'<section id="machines".*?</section>', html, re.S).group(0)
    order = re.findall(r'<th scope="row"><a href="#m\d+">([^<]+)</a></th>', table)
    assert order == ["pc-crit", "pc-warn", "pc-ok"]
    problems = re.findall(r'<article class="problem (crit|warn)">\s*<h3>.*?: ([^,<]+), ', html, re.S)
    assert problems[0] == ("crit", "pc-crit")
    assert all(kind == "warn" for kind, _ in problems[1:])
    # every machine gets its own appendix section and its drives in the asset table
    assert html.count('<h3 id="m') == 3
    assets = re.search(r'<section id="assets".*?</section>', html, re.S).group(0)
    for host in ("pc-ok", "pc-warn", "pc-crit"):
        assert f'<th scope="row">{host}</th>' in assets


def test_charts_skip_malformed_data_gracefully():
    scan = sample_scan()
    bad = Finding("acoustic", "mic", Status.WARNING, "odd data",
                  data={"spectrogram": {"times_s": "x", "freqs_hz": None, "db": "garbage"}, "envelope": 5,
                        "clicks_s": "no", "hops": [1, 2, "x"], "rtt_ms": [None, None], "series": {"t_s": [1]},
                        "attributes": "nope", "drive": "?"})
    scan.findings.append(bad)
    html = _html([scan])
    assert "odd data" in html  # the finding itself is still reported


def test_findings_without_charts_or_visit_render():
    scan = sample_scan()
    scan.findings = system_findings("pc")
    html = _html([scan])
    assert "No visit was recorded for these scans." in html
    assert "<svg" not in html


def test_a_scan_with_no_finding_is_not_reported_as_healthy():
    scan = sample_scan()
    scan.findings = []
    scan.checks = [CheckRecord("smart", "skipped", 0.0, 60, skip_reason="smartctl not installed")]
    html = _html([scan])
    assert 'data-overall="NONE"' in html and "Everything we checked is in good order" not in html
    assert "No check produced a result" in html and "smartctl not installed" in html
    assert report.render([scan], "json").count('"status": "NONE"') >= 1


def test_odd_but_loadable_scan_files_still_render():
    """Scan files are edited by hand, truncated, written by older tools: the report must not crash."""
    from fieldkit.result import ScanResult

    d = sample_scan().to_dict()
    d["machine"] = ["not", "a", "dict"]
    d["visit"] = "a string"
    d["extra"] = {"changes_since_last": "not a list"}
    d["findings"][0]["data"] = [1, 2, 3]
    d["findings"][1]["metrics"][0]["value"] = {"nested": True}
    d["findings"][2]["evidence"][0]["command"] = "smartctl -a /dev/sda"
    d["findings"][2]["data"]["drive"] = {"device": None, "power_on_hours": "lots"}
    d["checks"][0]["outcome"] = "something new"
    scan = ScanResult.from_dict(d)
    for fmt in ("html", "md", "json"):
        text = report.render([scan], fmt)
        assert "smartctl -a /dev/sda" in text or fmt == "json"


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_status_colours_meet_wcag_aa_contrast_on_their_backgrounds():
    from fieldkit.report.html import TEMPLATES

    css = (TEMPLATES / "report.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    for status in ("ok", "warn", "crit", "unknown", "none"):
        fg, bg = _luminance(colours[status]), _luminance(colours[f"{status}-bg"])
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        assert ratio >= 4.5, (status, round(ratio, 2))
