"""Shared helpers of the field-proofing suite: real fieldkit processes, nothing mocked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, ROOT

GOOD_WORDS = ("Everything we checked is in good order", "in good order")


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["FIELDKIT_HOME"] = str(home)
    env["FIELDKIT_EXTRA_CHECKS"] = str(FIXTURES / "checks")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FIELDKIT_DEBUG", None)
    env.update(extra)
    return env


def fk(args: list[str], home: Path, *, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fieldkit", *args], env=env_for(home), capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def popen(args: list[str], home: Path, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "fieldkit", *args], env=env_for(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def profile(folder: Path, checks: dict[str, dict[str, Any]], name: str = "fault") -> Path:
    """A profile of the test checks (tests/fixtures/checks): ``{"fixed": {"delay_s": 1}}``."""
    lines = [f'description = "fault-injection profile {name}"']
    for check, options in checks.items():
        lines.append(f"[checks.{check}]")
        for key, value in options.items():
            lines.append(f"{key} = {json.dumps(value)}")
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
