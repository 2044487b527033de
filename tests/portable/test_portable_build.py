"""The portable build runs on a machine without Python, keeps its data on the stick, and ships smartctl.

Each command runs in a private mount namespace (``unshare -m``) in which every Python
installation, the virtual environment and the source tree are covered by empty
folders/files, so the build can only use what it carries. The build folder is
bind-mounted into a fresh "stick" folder next to a ``fieldkit-data`` folder, as a
technician would carry it.
"""

from __future__ import annotations

import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from conftest import FIXTURES, IS_ROOT, ROOT, fieldkit_cmd, need

# The first test pays for the build when it is stale (minutes on two cores); the others reuse it.
pytestmark = [pytest.mark.real, pytest.mark.timeout(1800)]



def _python_paths() -> list[str]:
    """Every place a Python interpreter or library lives on this machine, plus the venv and the sources."""
    found: set[str] = set()
    patterns = ["/usr/bin/python*", "/usr/local/bin/python*", "/usr/lib/python3*", "/usr/local/lib/python3*",
                "/usr/lib/x86_64-linux-gnu/libpython3*", "/opt/python*", "/usr/local/python*"]
    for pattern in patterns:
        found.update(glob.glob(pattern))
    for candidate in (Path.home() / ".pyenv", Path(sys.base_prefix), Path(sys.prefix), ROOT / ".venv",
                      ROOT / "fieldkit"):
        if candidate.exists() and str(candidate) not in ("/", "/usr", "/usr/local"):
            found.add(str(candidate))
    paths = sorted({os.path.realpath(p) for p in found})
    # A path inside one already covered vanishes with it (and could not be mounted over).
    return [p for p in paths if not any(p.startswith(q.rstrip("/") + "/") for q in paths if q != p)]


class Stick:
    """Runs the build from a stick folder in a mount namespace without any Python."""

    def __init__(self, build: Path, tmp: Path) -> None:
        self.build = build
        self.stick = tmp / "stick"
        self.data = self.stick / "fieldkit-data"
        self.data.mkdir(parents=True)
        self.mountpoint = self.stick / build.name
        self.mountpoint.mkdir()
        self.home = tmp / "host-home"
        self.home.mkdir()
        self.cwd = tmp / "host-cwd"
        self.cwd.mkdir()
        self.empty_dir = tmp / "empty-dir"
        self.empty_dir.mkdir()
        self.empty_file = tmp / "empty-file"
        self.empty_file.write_text("")
        self.hidden = _python_paths() + [p for p in ("/usr/sbin/smartctl", "/sbin/smartctl", "/usr/bin/smartctl",
                                                     "/usr/local/sbin/smartctl") if os.path.isfile(p)]

    def script(self, argv: list[str]) -> str:
        lines = ["set -e", f"mount --bind {shlex.quote(str(self.build))} {shlex.quote(str(self.mountpoint))}"]
        for path in self.hidden:
            source = self.empty_dir if os.path.isdir(path) else self.empty_file
            lines.append(f"mount --bind {shlex.quote(str(source))} {shlex.quote(path)}")
        # Proof that no Python is left: each must fail inside the namespace.
        lines.append("for p in python3 python3.11 python; do if command -v $p >/dev/null 2>&1 && $p -c pass "
                     "2>/dev/null; then echo \"python still runs: $p\" >&2; exit 99; fi; done")
        lines.append("exec " + " ".join(shlex.quote(a) for a in argv))
        return "\n".join(lines)

    def run(self, *args: str, timeout: float = 240, extra_env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(self.home),
               "LANG": "C.UTF-8", "TERM": "dumb", **(extra_env or {})}
        argv = [str(self.mountpoint / "fieldkit"), *args]
        return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", self.script(argv)],
                              capture_output=True, text=True, timeout=timeout, env=env, cwd=self.cwd)


@pytest.fixture
def stick(portable_build: Path, tmp_path: Path) -> Stick:
    need(IS_ROOT and shutil.which("unshare"), "root and unshare(1) for a mount namespace without Python")
    return Stick(portable_build, tmp_path)


def _host_state(stick: Stick) -> dict[str, list[str]]:
    """Everything fieldkit could write on the host outside the stick."""
    state = {}
    for folder in (stick.home, stick.cwd, Path("/etc/fieldkit"), Path("/var/lib/fieldkit")):
        state[str(folder)] = sorted(str(p) for p in folder.rglob("*")) if folder.exists() else ["<absent>"]
    return state


def test_version_and_help_without_python(stick: Stick) -> None:
    from fieldkit import __version__

    proc = stick.run("--version")
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout
    proc = stick.run("--help")
    assert proc.returncode == 0 and "Usage: fieldkit" in proc.stdout and "scan" in proc.stdout, proc.stderr
    proc = stick.run("check", "--help")  # Click itself, not the snapshot
    assert proc.returncode == 0 and "smart" in proc.stdout, proc.stderr


def _essence(doc: dict) -> list[tuple]:
    return sorted((f["check"], f["subject"], f["status"], f.get("rule")) for f in doc["findings"])


def test_smart_captures_give_the_same_verdicts_as_the_installed_package(stick: Stick, tmp_path: Path) -> None:
    captures = tmp_path / "captures"
    shutil.copytree(FIXTURES / "smart", captures)
    proc = stick.run("check", "smart", "--from-file", str(captures), "--json", "--no-history")
    assert proc.returncode in (0, 1, 2, 3) and "Traceback" not in proc.stderr, proc.stderr
    frozen = json.loads(proc.stdout)
    installed = subprocess.run([*fieldkit_cmd(), "check", "smart", "--from-file", str(captures), "--json",
                                "--no-history"], capture_output=True, text=True, timeout=240)
    expected = json.loads(installed.stdout)
    assert len(frozen["findings"]) >= 20
    assert {f["status"] for f in frozen["findings"]} >= {"OK", "CRITICAL"}
    assert _essence(frozen) == _essence(expected)


def _click_wav(path: Path) -> None:
    """Four seconds of a faint noise floor with a sharp click every 0.8 s (numpy, outside the namespace)."""
    import numpy as np

    fs = 16000
    rng = np.random.default_rng(7)
    signal = rng.normal(0, 0.002, fs * 4)
    for start in np.arange(0.3, 4.0, 0.8):
        i = int(start * fs)
        signal[i:i + 40] += 0.6 * np.exp(-np.arange(40) / 6.0) * np.sign(rng.normal(size=40))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(fs)
        out.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())


def test_acoustic_wav_is_analysed_like_the_installed_package(stick: Stick, tmp_path: Path) -> None:
    wav = tmp_path / "disk.wav"
    _click_wav(wav)
    proc = stick.run("check", "acoustic", "--from-wav", str(wav), "--json", "--no-history")
    assert "Traceback" not in proc.stderr, proc.stderr
    frozen = json.loads(proc.stdout)
    assert [c["outcome"] for c in frozen["checks"]] == ["completed"], frozen["checks"]
    installed = subprocess.run([*fieldkit_cmd(), "check", "acoustic", "--from-wav", str(wav), "--json",
                                "--no-history"], capture_output=True, text=True, timeout=240)
    assert _essence(frozen) == _essence(json.loads(installed.stdout))


def test_portaudio_is_bundled(stick: Stick) -> None:
    proc = stick.run("audio", "devices")
    assert "PortAudio library not found" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_scan_from_the_stick_uses_bundled_smartctl_and_leaves_the_host_untouched(stick: Stick) -> None:
    import jsonschema

    before = _host_state(stick)
    proc = stick.run("scan", "--profile", "quick", "--json")
    assert proc.returncode in (0, 1, 2, 3) and "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    schema = json.loads((ROOT / "fieldkit" / "schemas" / "scan.schema.json").read_text())
    jsonschema.validate(doc, schema)
    outcomes = {c["name"]: c["outcome"] for c in doc["checks"]}
    assert {"system", "smart", "network"} <= set(outcomes) and set(outcomes.values()) == {"completed"}, outcomes
    # The machine has no smartctl in the namespace: the bundled one answered, and every SMART finding says so.
    smart = [f for f in doc["findings"] if f["check"] == "smart"]
    assert smart
    for finding in smart:
        used = finding["data"]["smartctl"]
        assert used["origin"] == "bundled" and used["path"].endswith("tools/smartctl/smartctl"), used
        assert used["version"] and "smartctl used: bundled" in finding["detail"]
    # Everything went onto the stick: result, report, history.
    results = sorted((stick.data / "data" / "reports").glob("*.json"))
    assert len(results) == 1 and results[0].with_suffix(".html").exists()
    assert (stick.data / "data" / "history.sqlite").exists()
    assert _host_state(stick) == before, "the scan wrote outside the stick"

    out = stick.data / "visit.html"
    proc = stick.run("report", str(results[0]), "--format", "html", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and doc["machine"]["hostname"] in html

    proc = stick.run("history", "list")
    assert proc.returncode == 0 and doc["machine"]["hostname"][:16] in proc.stdout, proc.stderr
    assert _host_state(stick) == before


def test_bundled_smartctl_ships_its_licence_and_source(portable_build: Path) -> None:
    folder = portable_build / "tools" / "smartctl"
    assert "GNU GENERAL PUBLIC LICENSE" in (folder / "COPYING").read_text()
    assert "Version 2" in (folder / "COPYING").read_text()
    source = (folder / "SOURCE.txt").read_text()
    assert "smartmontools" in source and "https://" in source
    proc = subprocess.run([str(folder / "smartctl"), "--version"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout.startswith("smartctl ")
    info = (portable_build / "BUILD-INFO.txt").read_text()
    assert "needs glibc >=" in info
    assert Path(str(portable_build) + ".tar.gz").is_file()


def test_schedule_from_the_stick_installs_a_copy_on_the_machine(stick: Stick, tmp_path: Path) -> None:
    image = tmp_path / "image"
    image.mkdir()
    before = _host_state(stick)
    proc = stick.run("schedule", "install", "--profile", "quick", "--every", "daily", "--backend", "cron",
                     "--root", str(image))
    assert proc.returncode == 0, proc.stderr
    copy = image / "opt" / "fieldkit" / stick.build.name
    assert (copy / "fieldkit").is_file() and (copy / "tools" / "smartctl" / "smartctl").is_file()
    entry = (image / "etc" / "cron.d" / "fieldkit-quick").read_text()
    # The schedule runs the machine's copy (the path as the machine sees it), never the stick.
    assert f"/opt/fieldkit/{stick.build.name}/fieldkit scan --profile quick" in entry
    assert str(stick.stick) not in entry
    assert _host_state(stick) == before
