"""Shared test fixtures and the real-component rule.

Tests that use a real component (a daemon, a network namespace, an audio server, a
browser, root) are marked ``@pytest.mark.real`` and call :func:`need` for each
precondition. As a normal user a missing precondition skips with a reason; in CI
(``CI=true``) any skip of a ``real`` test is turned into a failure, so a green CI
proves the real component ran.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# A shell starts a background job ("make test &" in a script) with SIGINT ignored, and Python
# keeps an inherited SIG_IGN: _thread.interrupt_main() then does nothing and a `fieldkit scan`
# child ignores its SIGINT too, so the Ctrl-C tests would fail for the way they were started.
# With Python's own handler here, the children get the default disposition at exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def need(condition: Any, reason: str) -> None:
    """Skip (fail in CI) unless ``condition`` holds; ``reason`` says what is missing."""
    if not condition:
        if IN_CI:
            pytest.fail(f"real component unavailable in CI: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("real") is not None:
        report.outcome = "failed"
        report.longrepr = f"real-component test skipped in CI: {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own FIELDKIT_HOME: no test reads or writes the user's files."""
    home = tmp_path_factory.mktemp("fieldkit-home")
    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    return home


@pytest.fixture
def fieldkit_home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture
def make_ctx():
    """Build a Context for a check with its default options overridden by keyword arguments."""
    from fieldkit import checks
    from fieldkit.context import Context, Environment

    def factory(check: str, env: Environment | None = None, timeout: float = 30.0, **options: Any) -> Context:
        spec = checks.load(check)
        merged = spec.defaults()
        for key, value in options.items():
            option = spec.option(key)
            assert option is not None, f"{check} has no option {key}"
            merged[key] = option.convert(value)
        env = env or Environment()
        return Context(check=check, options=merged, env=env, deadline=env.monotonic() + timeout)

    return factory


def fieldkit_cmd() -> list[str]:
    """The installed CLI, run as a real subprocess."""
    return [sys.executable, "-m", "fieldkit"]


@pytest.fixture
def extra_checks(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the test checks in tests/fixtures/checks (fixed, sleeper, crasher, ...) available."""
    folder = FIXTURES / "checks"
    monkeypatch.setenv("FIELDKIT_EXTRA_CHECKS", str(folder))
    return folder


def write_profile(folder: Path, text: str, name: str = "test.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def portable_build() -> Path:
    """Built once per test run: scripts/build_portable.py --if-stale reuses an up-to-date build."""
    need(shutil.which("smartctl") or Path("/usr/sbin/smartctl").exists(), "smartctl (smartmontools) to bundle")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        need(False, "PyInstaller (pip install -e '.[test]')")
    where = subprocess.run([sys.executable, "scripts/build_portable.py", "--print-path"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    proc = subprocess.run([sys.executable, "scripts/build_portable.py", "--if-stale"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, f"make portable failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    build = Path(where)
    assert (build / "fieldkit").is_file() and os.access(build / "fieldkit", os.X_OK)
    return build
