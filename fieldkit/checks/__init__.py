"""The check registry.

One module (or package) per check in this package; its name is the check name, the
profile key and the CLI word (``fieldkit check smart``). The registry is an explicit
ordered list of names (pip's ``commands_dict`` idea) so that listing checks imports no
check module; everything else about a check is declared once, in its module, and read
through :func:`load` as a :class:`CheckSpec`.

A check module declares:

``NAME``        the check name (equal to the module name)
``DESCRIPTION`` one line for ``--help`` and the report
``AREA``        report area: ``disks``, ``disk_sounds``, ``network``, ``voip`` or ``system``
``TIMEOUT_S``   default time budget, enforced by the runner (a profile may override it)
``OPTIONS``     a list of :class:`fieldkit.options.Option`
``run(ctx)``    measure and classify, return ``list[Finding]``; never print, never exit
``applicable(ctx)`` optional: a reason string when the check cannot apply here (skipped)
``RUNS_ALONE``  optional, default False: the runner starts this check only after all the
                others have finished, one such check at a time (the acoustic check listens
                to the machine: it must not hear the scan's own disk reads and traffic)
``BEFORE_RUN``  optional: what the technician must do before the check runs (where to put
                the microphone): a string, or a function of the check's options returning
                a string or None. ``scan`` and ``check`` print it on stderr unless ``--quiet``
                or ``--json``; read it through :meth:`CheckSpec.notice`.

The runner stamps ``AREA`` and ``DESCRIPTION`` into the result (``profile.checks.NAME``),
so the report, the history and the exports read them from the document and never import
this package. Findings are built with the helpers of :mod:`fieldkit.checks._build`.

Site-local checks (a support company's own, like sos's local plugins) live in folders
named by ``FIELDKIT_EXTRA_CHECKS`` (``os.pathsep``-separated): every ``NAME.py`` there
is a check module with the same contract. They cannot replace a built-in check.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from fieldkit.context import Context
from fieldkit.findings import Finding
from fieldkit.options import Option
from fieldkit.result import AREAS

#: the built-in checks, in the order they are listed (names only: listing imports no check module)
REGISTRY: tuple[str, ...] = ("system", "smart", "acoustic", "network", "lan", "voip")

#: what ``BEFORE_RUN`` may be: a fixed text, or a function of the check's options
BeforeRun = str | Callable[[dict[str, Any]], "str | None"] | None


@dataclass(frozen=True)
class CheckSpec:
    name: str
    description: str
    area: str
    timeout_s: float
    options: tuple[Option, ...]
    run: Callable[[Context], list[Finding]]
    applicable: Callable[[Context], "str | None"] | None
    module: ModuleType
    runs_alone: bool = False
    before_run: BeforeRun = None

    def notice(self, options: dict[str, Any]) -> str | None:
        """The ``BEFORE_RUN`` text for these options, or None."""
        text = self.before_run(dict(options)) if callable(self.before_run) else self.before_run
        return text or None

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def defaults(self) -> dict[str, object]:
        return {o.name: (list(o.default) if o.multiple and o.default else o.default) for o in self.options}


class UnknownCheck(KeyError):
    def __str__(self) -> str:
        return f"unknown check {self.args[0]!r} (known: {', '.join(names())})"


def extra_modules() -> dict[str, Path]:
    """Site-local check files from ``FIELDKIT_EXTRA_CHECKS``; built-in names win."""
    found: dict[str, Path] = {}
    for folder in filter(None, os.environ.get("FIELDKIT_EXTRA_CHECKS", "").split(os.pathsep)):
        for file in sorted(Path(folder).glob("*.py")):
            if file.stem.isidentifier() and file.stem not in REGISTRY and not file.stem.startswith("_"):
                found.setdefault(file.stem, file)
    return found


def names() -> list[str]:
    return list(REGISTRY) + list(extra_modules())


def exists(name: str) -> bool:
    return name in REGISTRY or name in extra_modules()


def _import(name: str) -> ModuleType:
    if name in REGISTRY:
        return importlib.import_module(f"fieldkit.checks.{name}")
    file = extra_modules().get(name)
    if file is None:
        raise UnknownCheck(name)
    module_name = f"fieldkit_extra_checks.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load(name: str) -> CheckSpec:
    module = _import(name)
    spec = CheckSpec(
        name=module.NAME,
        description=module.DESCRIPTION,
        area=module.AREA,
        timeout_s=float(module.TIMEOUT_S),
        options=tuple(module.OPTIONS),
        run=module.run,
        applicable=getattr(module, "applicable", None),
        module=module,
        runs_alone=bool(getattr(module, "RUNS_ALONE", False)),
        before_run=getattr(module, "BEFORE_RUN", None),
    )
    if spec.name != name or spec.area not in AREAS:
        raise RuntimeError(f"check module fieldkit.checks.{name} declares NAME={spec.name!r} AREA={spec.area!r}")
    return spec
