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
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from fieldkit.context import Context
from fieldkit.findings import Finding
from fieldkit.options import Option

#: name -> one-line description (kept here so listing checks imports no check module)
REGISTRY: dict[str, str] = {
    "system": "Machine inventory and health: disks space, memory, temperatures, battery, clock",
    "network": "Network reachability: local configuration, gateway, DNS, ping, TCP, HTTP(S), traceroute, path MTU",
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

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def defaults(self) -> dict[str, object]:
        return {o.name: (list(o.default) if o.multiple and o.default else o.default) for o in self.options}


class UnknownCheck(KeyError):
    def __str__(self) -> str:
        return f"unknown check {self.args[0]!r} (known: {', '.join(REGISTRY)})"


def names() -> list[str]:
    return list(REGISTRY)


def load(name: str) -> CheckSpec:
    if name not in REGISTRY:
        raise UnknownCheck(name)
    module = importlib.import_module(f"fieldkit.checks.{name}")
    spec = CheckSpec(
        name=module.NAME,
        description=module.DESCRIPTION,
        area=module.AREA,
        timeout_s=float(module.TIMEOUT_S),
        options=tuple(module.OPTIONS),
        run=module.run,
        applicable=getattr(module, "applicable", None),
        module=module,
    )
    if spec.name != name or spec.area not in AREAS:
        raise RuntimeError(f"check module fieldkit.checks.{name} declares NAME={spec.name!r} AREA={spec.area!r}")
    return spec
