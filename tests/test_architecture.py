"""The architecture contracts: layers, consumers that never load checks, measuring code without verdicts.

The import contracts live in pyproject.toml (``[tool.importlinter]``) and are checked by
import-linter, which sees every import statement including the lazy ones inside
functions. The rule "measuring packages never build a finding" is about names rather
than modules (they may record ``Evidence`` and compare ``Status``), so it is checked here
on the syntax tree.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

MEASURING = ("smart", "net", "voip", "audio")
#: what only a check uses: building findings and writing customer sentences
FINDING_BUILDING = {("fieldkit.findings", "Finding"), ("fieldkit.findings", "Advice"), ("fieldkit.findings", "Tier"),
                    ("fieldkit", "Finding"), ("fieldkit", "Advice"), ("fieldkit", "Tier"),
                    ("fieldkit.messages", "t"), ("fieldkit.messages", "tn")}


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _finding_building_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.module}.{alias.name}" for alias in node.names if (node.module, alias.name) in FINDING_BUILDING]
    return found


def test_measuring_packages_build_no_findings() -> None:
    offenders = {}
    for package in MEASURING:
        for path in sorted((ROOT / "fieldkit" / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            names = _finding_building_imports(path)
            if names:
                offenders[relative] = names
    assert not offenders, f"measuring code builds findings (move it into the check): {offenders}"
