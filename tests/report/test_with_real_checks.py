"""The report consumes what the real checks produce (not only the hand-built samples).

The smart check evaluates the captured smartctl corpus (``--from-file``), the system check
inspects this machine; the report must show every drive in the asset table, SMART charts
in the appendix and the customer part, without depending on how the samples were built.
"""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from conftest import FIXTURES
from fieldkit import report
from fieldkit.cli import cli

from html_probe import probe


def test_report_from_real_smart_and_system_findings(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "smart", "--from-file", str(FIXTURES / "smart"), "--out", str(tmp_path),
                                 "--quiet", "--no-history"])
    assert result.exit_code in (0, 1, 2, 3), result.stderr
    result = runner.invoke(cli, ["check", "system", "--out", str(tmp_path / "sys"), "--quiet", "--no-history"])
    assert result.exit_code in (0, 1, 2, 3), result.stderr
    files = sorted(tmp_path.glob("*.json")) + sorted((tmp_path / "sys").glob("*.json"))
    assert len(files) == 2
    smart = json.loads(files[0].read_text())
    drives = [f["data"]["drive"] for f in smart["findings"] if isinstance(f["data"].get("drive"), dict)]
    serials = {d["serial"] for d in drives if d.get("serial")}
    assert len(serials) >= 5
    scans = report.load_scans(files)
    html = report.render(scans, "html")
    assets = re.search(r'<section id="assets".*?</section>', html, re.S).group(0)
    for serial in serials:
        assert serial in assets, serial
    titles = re.findall(r'<title id="chart\d+t">([^<]*)</title>', html)
    assert sum(1 for title in titles if title.startswith("SMART attributes of")) >= 5
    assert len(probe(html).find("svg")) == len(titles)
    assert 'data-area="disks"' in html and "Not checked" in html  # no acoustic/network/voip findings
    problems = re.findall(r'<article class="problem (crit|warn)">', html)
    assert problems and problems[0] == "crit"
    redacted = report.render(scans, "html", redact=True)
    for serial in serials:
        if len(serial) >= 4:  # "yes" (a capture's own placeholder) identifies nothing
            assert serial not in redacted, serial
    assert "yes" in redacted
