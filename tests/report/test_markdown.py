"""Markdown for a ticket: same content as the HTML, machine strings inert in Markdown and in HTML."""

from __future__ import annotations

from fieldkit import report
from fieldkit.report.markdown import cell, md

from report_samples import sample_scan, sample_visit


def test_markdown_has_customer_part_problems_assets_and_appendix():
    text = report.render([sample_scan(visit=sample_visit())], "md")
    assert text.startswith("# Visit report\n")
    order = [text.index(h) for h in ("## Summary", "## At a glance", "## What we found and what to do",
                                     "## Notes and actions taken", "## Equipment list", "## Technical appendix")]
    assert order == sorted(order)
    assert "✖ **Urgent**" in text and "– **Not checked**" not in text
    assert "| Disks | ✖ **Urgent** |" in text
    assert "> ⚠ **Parts we could not examine:** Phone line / VoIP (timed out after 30 s)" in text
    assert "**Action taken:** Replaced SATA cable on reception PC" in text
    assert "WD-WCC6Y7XK1234" in text
    assert "```\nsmartctl --json -x /dev/sda\n```" in text


def test_markdown_escapes_machine_strings():
    assert md("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md("a|b *c* [l](u) ![i](x)") == "a\\|b \\*c\\* \\[l\\](u) !\\[i\\](x)"
    assert md("# not a heading") == "\\# not a heading"
    assert md("1. not a list") == "1\\. not a list"
    assert md("line\nbreak") == "line break"
    assert md("2026-11-23 v1.2") == "2026-11-23 v1.2"
    assert cell("1.21.0") == "1.21.0" and cell("-62.5") == "-62.5" and cell("a|b") == "a\\|b"


def test_markdown_hostile_hostname_stays_text():
    scan = sample_scan(hostname="<img src=x onerror=alert(1)>|evil")
    text = report.render([scan], "md")
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;\\|evil" in text


def test_code_fence_survives_backticks_in_evidence():
    scan = sample_scan()
    scan.findings[2].evidence[0].excerpt = "```\n# injected heading\n```"
    text = report.render([scan], "md")
    assert "````\n```\n# injected heading\n```\n````" in text


def test_spanish_markdown():
    text = report.render([sample_scan()], "md", lang="es")
    assert text.startswith("# Informe de visita") and "## Resumen" in text and "Urgente" in text
