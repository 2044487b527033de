"""The check registry.

One module per check in this package; the module name is the check name, the profile
key and the CLI word (``fieldkit check smart``). The registry is an explicit ordered
list (pip's ``commands_dict`` idea) so that listing checks imports nothing heavy, and
a check module is imported only when it is used.

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
from typing import Callable

from fieldkit.context import Context
from fieldkit.findings import Finding
from fieldkit.options import Option

#: name -> one-line description (kept here so listing checks imports no check module)
REGISTRY: dict[str, str] = {
    "system": "Machine inventory and health: disks space, memory, temperatures, battery, clock",
    "smart": "SMART disk health of every drive, captured-output import, self-tests",
    "acoustic": "Listens through the microphone for a dying hard disk: click of death, stall beeps, whine, grinding",
    "network": "Network reachability: local configuration, gateway, DNS, ping, TCP, HTTP(S), traceroute, path MTU",
    "lan": "Local network: link speed/duplex, switch and port (LLDP/CDP), VLAN, DHCP servers, duplicate addresses, Wi-Fi",
    "voip": "VoIP path: call-quality stream with MOS, SIP OPTIONS, SIP ALG, NAT behaviour, DSCP",
}

AREAS = ("disks", "disk_sounds", "network", "voip", "system")


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
    )
    if spec.name != name or spec.area not in AREAS:
        raise RuntimeError(f"check module fieldkit.checks.{name} declares NAME={spec.name!r} AREA={spec.area!r}")
    return spec
