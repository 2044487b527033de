"""The platform seam: Linux reads behind fieldkit.platform, honest UNKNOWN elsewhere.

The whole-scan tests run the real CLI with FIELDKIT_PLATFORM=windows / macos on this
Linux machine: every Linux-only read then raises Unsupported, and the scan must finish
with a finding that says so for each part, no crash and no traceback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit import platform
from fieldkit.platform import Unsupported, blockdev, hostid, locking, neighbours, power, routes, rtc
from conftest import fieldkit_cmd

SYSTEMS = [platform.WINDOWS, platform.MACOS]


def test_current_follows_the_override_and_ignores_unknown_names() -> None:
    assert platform.current({"FIELDKIT_PLATFORM": "windows"}) == "windows"
    assert platform.current({"FIELDKIT_PLATFORM": "MacOS"}) == "macos"
    assert platform.current({"FIELDKIT_PLATFORM": "beos"}) == platform.detect()
    assert platform.current({}) == platform.detect() == "linux"  # the suite runs on Linux


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_linux_only_read_raises_unsupported_elsewhere(system: str, tmp_path: Path) -> None:
    for call in (lambda: routes.default_routes(tmp_path, system), lambda: neighbours.neighbour_mac("192.0.2.1", tmp_path, system),
                 lambda: blockdev.block_devices(tmp_path, system), lambda: power.batteries(tmp_path, system),
                 lambda: rtc.rtc_epoch(tmp_path, system)):
        with pytest.raises(Unsupported, match=f"not supported on {platform.label(system)} yet"):
            call()


def test_linux_reads_use_the_root_prefix(tmp_path: Path) -> None:
    (tmp_path / "sys/block/sda/device").mkdir(parents=True)
    (tmp_path / "sys/block/sda/device/model").write_text("Samsung SSD 860\n")
    (tmp_path / "sys/block/sdb").mkdir(parents=True)
    (tmp_path / "sys/block/sdb/removable").write_text("1\n")
    devices = blockdev.block_devices(tmp_path)
    assert [(d.name, d.model, d.removable) for d in devices] == [("sda", "Samsung SSD 860", False), ("sdb", "", True)]
    bat = tmp_path / "sys/class/power_supply/BAT0"
    bat.mkdir(parents=True)
    for name, value in (("type", "Battery"), ("energy_full", "40000000"), ("energy_full_design", "50000000"),
                        ("cycle_count", "312")):
        (bat / name).write_text(value + "\n")
    [battery] = power.batteries(tmp_path)
    assert (battery.full, battery.design, battery.cycles) == (40000000, 50000000, 312)
    (tmp_path / "sys/class/rtc/rtc0").mkdir(parents=True)
    (tmp_path / "sys/class/rtc/rtc0/since_epoch").write_text("1790000000\n")
    assert rtc.rtc_epoch(tmp_path) == 1790000000
    assert rtc.rtc_epoch(tmp_path / "none") is None


def test_host_id_is_stable_and_keys_on_the_machine_id_not_the_hostname(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    first = hostid.host_id(tmp_path, platform.LINUX)
    assert first == hostid.host_id(tmp_path, platform.LINUX) and len(first) == 16
    other = tmp_path / "other"
    (other / "etc").mkdir(parents=True)
    (other / "etc/machine-id").write_text("fedcba9876543210fedcba9876543210\n")
    assert hostid.host_id(other, platform.LINUX) != first, "two machines with the same hostname must differ"
    # An unset machine-id (first boot) is not an identity: fall back to the dbus copy, then the hostname.
    (tmp_path / "etc/machine-id").write_text("uninitialized\n")
    (tmp_path / "var/lib/dbus").mkdir(parents=True)
    (tmp_path / "var/lib/dbus/machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    assert hostid.host_id(tmp_path, platform.LINUX) == first
    empty = tmp_path / "empty"
    empty.mkdir()
    assert hostid.machine_id(empty, platform.LINUX) is None
    import hashlib

    assert hostid.host_id(empty, platform.LINUX) == hashlib.sha256(
        ("fieldkit:" + socket.gethostname()).encode()).hexdigest()[:16]


def test_lock_is_exclusive_between_processes(tmp_path: Path) -> None:
    path = tmp_path / "l"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    assert locking.try_lock(fd)
    probe = ("import os,sys; from fieldkit.platform import locking; "
             "fd=os.open(sys.argv[1], os.O_RDWR); print(locking.try_lock(fd))")
    held = subprocess.run([*fieldkit_cmd()[:1], "-c", probe, str(path)], capture_output=True, text=True)
    assert held.stdout.strip() == "False", held.stderr
    locking.unlock(fd)
    free = subprocess.run([*fieldkit_cmd()[:1], "-c", probe, str(path)], capture_output=True, text=True)
    assert free.stdout.strip() == "True", free.stderr
    os.close(fd)


@pytest.mark.parametrize("system", SYSTEMS)
def test_system_check_says_unknown_for_unread_parts(system: str, make_ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    from fieldkit.checks import system as system_check
    from fieldkit.context import Environment

    monkeypatch.setattr(psutil, "sensors_battery", lambda: object())  # a laptop
    findings = system_check.run(make_ctx("system", env=Environment(platform=system)))
    by_rule = {f.rule: f for f in findings}
    for rule in ("battery-unsupported", "clock-rtc-unsupported"):
        assert by_rule[rule].status.name == "UNKNOWN"
        assert f"not supported on {platform.label(system)} yet" in by_rule[rule].summary
    # A desktop without a battery gets no battery finding at all, as on Linux.
    monkeypatch.setattr(psutil, "sensors_battery", lambda: None)
    findings = system_check.run(make_ctx("system", env=Environment(platform=system)))
    assert not [f for f in findings if f.subject.startswith("battery")]


def _scan_as(system: str, home: Path, fixtures: Path) -> tuple[subprocess.CompletedProcess, dict]:
    env = dict(os.environ, FIELDKIT_PLATFORM=system, FIELDKIT_HOME=str(home),
               # The SMART check reads real captures through a fake smartctl, so the disk part is exercised too.
               FIELDKIT_SMARTCTL=str(fixtures / "no-such-smartctl"))
    proc = subprocess.run([*fieldkit_cmd(), "scan", "--profile", "quick", "--json", "--no-report", "--out",
                           str(home / "out")], capture_output=True, text=True, env=env, timeout=240)
    return proc, json.loads(proc.stdout)


@pytest.mark.parametrize("system", SYSTEMS)
def test_whole_scan_faked_as_other_system_is_honest(system: str, tmp_path: Path) -> None:
    proc, doc = _scan_as(system, tmp_path, tmp_path)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.returncode in (0, 1, 2, 3), proc.stderr
    outcomes = {c["name"]: c["outcome"] for c in doc["checks"]}
    assert {"system", "smart", "network"} <= set(outcomes) and set(outcomes.values()) == {"completed"}, doc["checks"]
    for finding in doc["findings"]:
        assert "Traceback" not in json.dumps(finding)
        assert finding.get("rule") not in ("no-default-route", "no-resolver"), \
            f"an unread table must not read as an empty one: {finding}"
    by_rule = {f.get("rule"): f for f in doc["findings"]}
    label = platform.label(system)
    assert by_rule["clock-rtc-unsupported"]["status"] == "UNKNOWN"
    assert label in by_rule["clock-rtc-unsupported"]["summary"]
    assert by_rule["default-route-unsupported"]["status"] == "UNKNOWN"
    if "lan" in outcomes:
        assert by_rule["lan-unsupported"]["status"] == "UNKNOWN" and label in by_rule["lan-unsupported"]["summary"]
    # Without smartctl the disks are UNKNOWN (never OK), whatever the system.
    smart = [f for f in doc["findings"] if f["check"] == "smart"]
    assert smart and all(f["status"] == "UNKNOWN" for f in smart)
    assert doc["status"] == "UNKNOWN" or doc["status"] in ("WARNING", "CRITICAL")

_hex = st.text("0123456789ABCDEFabcdefxyz-", min_size=0, max_size=34)
_route_line = st.lists(st.one_of(_hex, st.sampled_from(["eth0", "lo", "00000000", "0003", "0" * 32, "00"])),
                       min_size=0, max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_route_line, max_size=6), st.lists(_route_line, max_size=6), st.lists(_route_line, max_size=4))
def test_proc_tables_with_damaged_lines_never_raise(v4: list[str], v6: list[str], arp: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "proc/net").mkdir(parents=True)
        header = "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT"
        (root / "proc/net/route").write_text("\n".join([header, *v4]) + "\n")
        (root / "proc/net/ipv6_route").write_text("\n".join(v6) + "\n")
        (root / "proc/net/arp").write_text("\n".join(["IP address HW type Flags HW address Mask Device", *arp]) + "\n")
        for route in routes.default_routes(root):
            assert route.interface and route.family in (socket.AF_INET, socket.AF_INET6)
        neighbours.neighbour_mac("192.0.2.1", root)


def test_a_valid_default_route_survives_a_damaged_neighbour_line(tmp_path: Path) -> None:
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/route").write_text(
        "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT\n"
        "eth0 00000000 zz000000 0003 0 0 100 00000000 0 0 0\n"            # damaged gateway field
        "eth1 00000000 0102000A 0003 0 0 100 00000000 0 0 0\n")
    [route] = routes.default_routes(tmp_path)
    assert (route.interface, route.gateway, route.metric) == ("eth1", "10.0.2.1", 100)
