"""deploy/ansible/fieldkit.yml against this machine (ansible_connection=local), with every path in a temp folder.

The playbook unpacks the portable build, installs the scheduled scan into a root folder
(an image, so this machine's cron and systemd stay untouched), runs one scan and fetches
the newest result, from which `fieldkit report` makes the site report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, fieldkit_cmd, need

PLAYBOOK = ROOT / "deploy" / "ansible" / "fieldkit.yml"
pytestmark = [pytest.mark.real, pytest.mark.timeout(1800)]


def _playbook(tmp: Path, extra: dict, *args: str) -> subprocess.CompletedProcess:
    bindir = Path(sys.executable).parent
    inventory = tmp / "inventory.ini"
    inventory.write_text(f"[fieldkit]\nlocalhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    variables = tmp / "vars.json"
    variables.write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-local"), ANSIBLE_REMOTE_TEMP=str(tmp / "ansible-remote"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_CONFIG=str(tmp / "none.cfg"))
    return subprocess.run([str(bindir / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOK),
                           "-e", f"@{variables}", *args], capture_output=True, text=True, env=env, cwd=tmp,
                          timeout=900)


def test_playbook_installs_schedules_scans_and_collects(portable_build: Path, tmp_path: Path) -> None:
    need(shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)),
         "ansible-core in the venv (pip install -e '.[test]')")
    tarball = Path(str(portable_build) + ".tar.gz")
    extra = {
        "fieldkit_tarball": str(tarball),
        "fieldkit_install_dir": str(tmp_path / "opt"),
        "fieldkit_bin_link": str(tmp_path / "bin" / "fieldkit"),
        "fieldkit_profile": "quick",
        "fieldkit_every": "30 2 * * 1-5",
        "fieldkit_schedule_backend": "cron",
        "fieldkit_schedule_root": str(tmp_path / "image"),
        "fieldkit_reports_dir": str(tmp_path / "reports"),
        "fieldkit_environment": {"FIELDKIT_HOME": str(tmp_path / "home")},
        "fieldkit_collect_dir": str(tmp_path / "collected"),
    }
    (tmp_path / "bin").mkdir()
    proc = _playbook(tmp_path, extra)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    installed = tmp_path / "opt" / portable_build.name / "fieldkit"
    assert installed.is_file() and os.access(installed, os.X_OK)
    assert (tmp_path / "opt" / "current").resolve() == installed.parent
    assert (tmp_path / "bin" / "fieldkit").resolve() == installed
    cron_d = tmp_path / "image" / "etc" / "cron.d" / "fieldkit-quick"
    entry = [line for line in cron_d.read_text().splitlines() if line.startswith("30 2 * * 1-5 root ")]
    assert len(entry) == 1 and "/fieldkit scan --profile quick" in entry[0] and "-m fieldkit" not in entry[0], entry
    assert str(tmp_path / "reports") in entry[0]

    # Collecting before any scan ran fails with a clear message instead of fetching nothing.
    early = _playbook(tmp_path, extra, "--tags", "collect")
    assert early.returncode != 0 and "no fieldkit result" in early.stdout

    proc = _playbook(tmp_path, extra, "--tags", "scan,collect")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    latest = tmp_path / "collected" / "localhost" / "latest.json"
    doc = json.loads(latest.read_text())
    assert doc["schema"] == "fieldkit.scan/1" and doc["profile"]["name"] == "quick"
    assert {c["outcome"] for c in doc["checks"]} == {"completed"}
    # The installed copy's scan went into the history under the FIELDKIT_HOME it was given.
    assert (tmp_path / "home" / "data" / "history.sqlite").exists()

    site = tmp_path / "site.html"
    report = subprocess.run([*fieldkit_cmd(), "report", str(latest), "--format", "html", "--out", str(site)],
                            capture_output=True, text=True, timeout=240)
    assert report.returncode == 0, report.stderr
    assert doc["machine"]["hostname"] in site.read_text(encoding="utf-8")
