"""Machine identity for every scan: what the report's asset table and history key on.

Everything here is best effort and never raises: a field that cannot be read is None.
The DMI serial numbers are readable by root only (``/sys/class/dmi/id/*_serial`` are 0400).
"""

from __future__ import annotations

import platform
import socket
from typing import Any

from fieldkit.context import Environment
from fieldkit.platform.hostid import host_id


def _read(env: Environment, path: str) -> str | None:
    try:
        text = env.path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    # Firmware placeholders are not identities (seen on white-box boards).
    if not text or text.lower() in {"to be filled by o.e.m.", "default string", "system serial number",
                                    "not specified", "none", "0", "0123456789"}:
        return None
    return text


def identify(env: Environment | None = None) -> dict[str, Any]:
    import psutil

    env = env or Environment()
    dmi = "/sys/class/dmi/id/"
    try:
        cpu_model = _cpu_model(env)
    except Exception:  # noqa: BLE001 - identity is best effort
        cpu_model = None
    try:
        freq = psutil.cpu_freq()
    except Exception:  # noqa: BLE001 - absent on some VMs and containers
        freq = None
    return {
        "hostname": socket.gethostname(),
        "fqdn": socket.getfqdn(),
        "os": platform.system(),
        "os_release": _os_pretty_name(env) or platform.platform(),
        "kernel": platform.release(),
        "architecture": platform.machine(),
        "cpu_model": cpu_model,
        "cpu_cores_physical": psutil.cpu_count(logical=False),
        "cpu_cores_logical": psutil.cpu_count(logical=True),
        "cpu_max_mhz": round(freq.max, 1) if freq and freq.max else None,
        "memory_bytes": psutil.virtual_memory().total,
        "boot_time": psutil.boot_time(),
        "system_vendor": _read(env, dmi + "sys_vendor"),
        "system_product": _read(env, dmi + "product_name"),
        "system_serial": _read(env, dmi + "product_serial"),
        "board_vendor": _read(env, dmi + "board_vendor"),
        "board_name": _read(env, dmi + "board_name"),
        "board_serial": _read(env, dmi + "board_serial"),
        "bios_version": _read(env, dmi + "bios_version"),
        # A stable id for history and fleets that does not reveal the machine-id itself.
        "host_id": host_id(env.root, env.platform),
        "virtualization": _virtualization(env),
    }


def _cpu_model(env: Environment) -> str | None:
    try:
        for line in env.path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "processor\t: arm")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _os_pretty_name(env: Environment) -> str | None:
    try:
        for line in env.path("/etc/os-release").read_text(errors="replace").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def _virtualization(env: Environment) -> str | None:
    product = (_read(env, "/sys/class/dmi/id/product_name") or "").lower()
    vendor = (_read(env, "/sys/class/dmi/id/sys_vendor") or "").lower()
    for needle, name in (("kvm", "kvm"), ("qemu", "qemu"), ("virtualbox", "virtualbox"), ("vmware", "vmware"),
                         ("microsoft corporation", "hyper-v"), ("xen", "xen"), ("bochs", "bochs")):
        if needle in product or needle in vendor:
            return name
    cpuinfo = env.path("/proc/cpuinfo")
    try:
        if " hypervisor" in cpuinfo.read_text(errors="replace"):
            return "unknown hypervisor"
    except OSError:
        pass
    return None
