"""The smart check end to end: real captures replayed through a fake smartctl executable,
captured-output import, growth against baselines/history, self-tests via pySMART, and the
real smartctl on this machine for the scan and error paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, IS_ROOT, fieldkit_cmd, need
from fieldkit.context import Environment
from fieldkit.findings import Finding, Status

CORPUS = FIXTURES / "smart"
FAKE = Path(__file__).resolve().parent.parent / "smart" / "fake_smartctl.py"
LABELS = {item["file"]: item for item in json.loads((CORPUS / "labels.json").read_text())}


def corpus(prefix: str) -> Path:
    return next(CORPUS.glob(prefix + "_*"))


class FakeSmartctl:
    """Writes a scenario for tests/smart/fake_smartctl.py and builds an Environment using it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.scenario: dict[str, Any] = {"scan": {"devices": []}, "devices": {}, "selftest": {},
                                         "log": str(tmp / "calls.log")}
        self.sys_root = tmp / "root"
        (self.sys_root / "sys" / "block").mkdir(parents=True)

    def device(self, name: str, scan_type: str | None = "auto", in_scan: bool = True, **cfg: Any) -> None:
        for key in ("json", "text"):
            if isinstance(cfg.get(key), Path):
                cfg[key] = str(cfg[key])
        self.scenario["devices"][name] = cfg
        if in_scan:
            entry = {"name": name, "info_name": name, "protocol": "ATA"}
            if scan_type != "auto":
                entry["type"] = scan_type
            self.scenario["scan"]["devices"].append(entry)

    def sysfs_disk(self, name: str, vendor: str = "ATA", model: str = "DISK") -> None:
        dev = self.sys_root / "sys" / "block" / name / "device"
        dev.mkdir(parents=True)
        (dev / "vendor").write_text(vendor + "\n")
        (dev / "model").write_text(model + "\n")

    def env(self, is_root: bool = True, path_first: bool = False) -> Environment:
        scenario = self.tmp / "scenario.json"
        scenario.write_text(json.dumps(self.scenario))
        environ = {"PATH": os.environ.get("PATH", ""), "FAKE_SMARTCTL_SCENARIO": str(scenario)}
        if path_first:   # the fake is "smartctl", first on PATH, like an installed program
            bindir = self.tmp / "bin"
            bindir.mkdir(exist_ok=True)
            (bindir / "smartctl").symlink_to(FAKE)
            environ["PATH"] = f"{bindir}:{environ['PATH']}"
        else:
            environ["FIELDKIT_SMARTCTL"] = str(FAKE)
        return Environment(environ=environ, is_root=is_root, root=self.sys_root)

    def calls(self) -> list[dict[str, Any]]:
        log = Path(self.scenario["log"])
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def fake(tmp_path: Path) -> FakeSmartctl:
    os.chmod(FAKE, 0o755)
    return FakeSmartctl(tmp_path)


def run_check(make_ctx, env: Environment, timeout: float = 60.0, **options: Any) -> list[Finding]:
    from fieldkit.checks import smart

    ctx = make_ctx("smart", env=env, timeout=timeout, **options)
    findings = smart.run(ctx)
    for f in findings:   # well-formed: serialisable, a rule, advice for anything not OK
        json.dumps(f.to_dict())
        assert f.rule and f.summary
        if f.status is not Status.OK:
            assert f.advice.meaning and f.advice.action
    return findings


def by_device(findings: list[Finding]) -> dict[str, Finding]:
    return {f.subject.split(" ")[0]: f for f in findings}


# ------------------------------------------------------------------------------ live path via the fake

def test_scan_reads_every_drive_with_json_all_standby_and_c_locale(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", "sat", json=corpus("f03"))
    fake.device("/dev/nvme0", "nvme", json=corpus("f07"))
    fake.device("/dev/sdb", "sat", json=corpus("h11"))
    findings = by_device(run_check(make_ctx, fake.env(path_first=True)))

    assert findings["/dev/sda"].status is Status.CRITICAL
    assert findings["/dev/sda"].rule == "reallocated-sectors"
    assert "HGST HUS726060ALA640" in findings["/dev/sda"].subject and "AR01234567890C" in findings["/dev/sda"].subject
    assert findings["/dev/nvme0"].status is Status.WARNING and findings["/dev/nvme0"].rule == "nvme-media-errors"
    assert findings["/dev/sdb"].status is Status.OK
    drive = findings["/dev/sda"].data["drive"]
    assert set(drive) == {"device", "model", "model_family", "serial", "firmware", "capacity_bytes", "power_on_hours", "interface",
                          "protocol", "rotation_rpm"}
    assert findings["/dev/sda"].data["counters"]["pending"] == 878
    assert findings["/dev/sda"].data["counters"]["uncorrectable"] == 1272
    reads = [c for c in fake.calls() if "--scan-open" not in c["argv"] and "--version" not in c["argv"]]
    assert len(reads) == 3
    for call in reads:
        assert call["argv"][:4] == ["--json", "--all", "-n", "standby"]
        assert call["LC_ALL"] == "C"
    assert ["-d", "nvme"] == reads[1]["argv"][4:6]


def test_exit_bitmask_is_decoded_for_a_failed_drive(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sdc", "usbjmicron", json=corpus("f01"))
    [finding] = run_check(make_ctx, fake.env())
    assert finding.status is Status.CRITICAL
    assert "exit status 216" in finding.detail
    assert "bit 3: SMART status check returned DISK FAILING" in finding.detail
    assert "bit 7" in finding.detail
    assert finding.data["drive"]["interface"] == "usb"
    assert "back up" in finding.advice.action.lower()


def test_controller_exit_bit_2_with_complete_data_is_not_a_failure(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/bus/0", "megaraid,14", json=corpus("h15"))
    [finding] = run_check(make_ctx, fake.env())
    assert finding.status is Status.OK, finding.summary
    assert "bit 2" in finding.detail


def test_sleeping_disk_is_skipped_never_woken(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", "sat", json=corpus("h11"), standby=True)
    fake.device("/dev/sdb", "sat", json=corpus("h09"))
    findings = by_device(run_check(make_ctx, fake.env()))
    asleep = findings["/dev/sda"]
    assert asleep.status is Status.UNKNOWN and asleep.rule == "fault-standby"
    assert asleep.summary.startswith("skipped:") and asleep.data["skipped"] is True
    assert findings["/dev/sdb"].status is Status.OK
    for call in fake.calls():   # every read carried -n standby: nothing could have spun the disk up
        if "/dev/sda" in call["argv"]:
            assert call["argv"][call["argv"].index("-n") + 1] == "standby"


def test_vanished_device_is_unknown(fake: FakeSmartctl, make_ctx) -> None:
    [finding] = run_check(make_ctx, fake.env(), device="/dev/sdq")
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-vanished"
    assert "No such device" in finding.detail
    assert finding.evidence and finding.evidence[0].exit_code == 2


def test_hanging_smartctl_is_killed_and_reported(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", "sat", json=corpus("h11"), sleep=60)
    fake.device("/dev/sdb", "sat", json=corpus("h09"))
    # 4 s, not 1: on a loaded 2-CPU box the fake's own start-up for --scan-open took over a second
    findings = by_device(run_check(make_ctx, fake.env(), command_timeout_s=4))
    assert findings["/dev/sda"].status is Status.UNKNOWN and findings["/dev/sda"].rule == "fault-timeout"
    assert "did not answer" in findings["/dev/sda"].summary and "timed out" in findings["/dev/sda"].detail
    assert findings["/dev/sdb"].status is Status.OK   # the other drive is still judged


def test_truncated_live_json_is_unknown(fake: FakeSmartctl, make_ctx) -> None:
    text = corpus("h11").read_text()
    fake.device("/dev/sda", "sat", stdout=text[: len(text) // 2], rc=0)
    [finding] = run_check(make_ctx, fake.env())
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-garbled"
    assert "truncated or garbled" in finding.summary


def test_unknown_usb_bridge_retries_with_sat(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sdd", None, json=corpus("h14"), bridge_needs="sat")
    [finding] = run_check(make_ctx, fake.env())
    assert finding.status is Status.OK, finding.summary
    types = [c["argv"][c["argv"].index("-d") + 1] if "-d" in c["argv"] else None
             for c in fake.calls() if "/dev/sdd" in c["argv"]]
    assert types == [None, "sat"]   # auto first, then the first fallback that answers; no blind probing


def test_unknown_device_type_is_unknown_with_the_way_out(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sde", None, stdout=json.dumps({"smartctl": {"exit_status": 1, "messages": [
        {"string": "/dev/sde: Unable to detect device type", "severity": "error"}]}}), rc=1)
    [finding] = run_check(make_ctx, fake.env(), device="/dev/sde")
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-unknown-type"
    assert "--device-types" in finding.advice.action


def test_device_type_override_is_passed_to_smartctl(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/bus/0", None, in_scan=False, json=corpus("f04"))
    findings = run_check(make_ctx, fake.env(), device="/dev/bus/0", device_types=["/dev/bus/0=megaraid,1"])
    assert findings[0].status is Status.CRITICAL
    read = [c for c in fake.calls() if "/dev/bus/0" in c["argv"]][0]
    assert read["argv"][-3:] == ["-d", "megaraid,1", "/dev/bus/0"]


def test_bad_device_types_entry_is_one_clear_finding(fake: FakeSmartctl, make_ctx) -> None:
    [finding] = run_check(make_ctx, fake.env(), device_types=["sdb-sat"])
    assert finding.status is Status.UNKNOWN and "DEVICE=TYPE" in finding.summary


def test_permission_denied_as_normal_user(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", "sat", stdout=json.dumps({"smartctl": {"exit_status": 2, "messages": [
        {"string": "Smartctl open device: /dev/sda failed: Permission denied", "severity": "error"}]}}), rc=2)
    [finding] = run_check(make_ctx, fake.env(is_root=False))
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-not-root"
    assert "sudo" in finding.advice.action


def test_no_smartctl_installed(tmp_path: Path, make_ctx) -> None:
    root = tmp_path / "root"
    (root / "sys" / "block").mkdir(parents=True)
    env = Environment(environ={"PATH": str(tmp_path / "empty-bin")}, root=root)
    [finding] = run_check(make_ctx, env)
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-no-smartctl"
    assert "smartmontools" in finding.summary and "apt install smartmontools" in finding.advice.action


def test_sysfs_disk_missing_from_scan_is_still_read_and_virtual_ones_skipped(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", None, in_scan=False, json=corpus("h09"))
    fake.sysfs_disk("sda", "ATA", "WDC WUH721816ALE6L4")
    fake.sysfs_disk("sdb", "QEMU", "QEMU HARDDISK")
    fake.sysfs_disk("sr0", "HL-DT-ST", "DVDRAM")
    (fake.sys_root / "sys" / "block" / "loop0").mkdir()
    findings = run_check(make_ctx, fake.env())
    assert [f.status for f in findings] == [Status.OK, Status.OK]
    skipped = findings[1]
    assert skipped.rule == "skipped-devices"
    assert "/dev/sdb: virtual disk (QEMU QEMU HARDDISK)" in skipped.summary
    assert "/dev/sr0: optical drive" in skipped.summary and "loop0" not in skipped.summary


def test_machine_without_drives_is_unknown_never_silent_ok(fake: FakeSmartctl, make_ctx) -> None:
    (fake.sys_root / "sys" / "block" / "vda").mkdir()
    [finding] = run_check(make_ctx, fake.env())
    assert finding.status is Status.UNKNOWN and finding.rule == "no-drives"
    assert finding.summary.startswith("no SMART-capable drives found: /dev/vda: virtual disk")


# ------------------------------------------------------------------------------ captures (--from-file)

def test_from_file_folder_meets_the_corpus_targets(make_ctx) -> None:
    findings = run_check(make_ctx, Environment(), from_file=[str(CORPUS)])
    assert len(findings) == len(LABELS) == 41
    for finding in findings:
        name = Path(finding.subject.split(":")[0].split(" (")[0]).name
        state = LABELS[name]["state"]
        if state == "failing":
            assert finding.status is Status.CRITICAL, name
        elif state == "degraded":
            assert finding.status in (Status.WARNING, Status.CRITICAL), name
        elif state == "unknown":
            assert finding.status is Status.UNKNOWN, name
        else:
            assert finding.status is not Status.CRITICAL, name
            if finding.status is Status.WARNING:   # only the cable rule may warn on a healthy capture
                assert finding.rule in ("cable-crc-many", "cable-crc-rate", "cable-recent-interface-errors"), (
                        name, finding.rule)


def test_open_failed_capture_f19_is_unknown(make_ctx) -> None:
    [finding] = run_check(make_ctx, Environment(), from_file=[str(corpus("f19"))])
    assert finding.status is Status.UNKNOWN
    assert "Open failed, Error=5" in finding.detail
    assert "no health data" in finding.summary


def test_text_capture_x_with_bogus_counters(make_ctx) -> None:
    [finding] = run_check(make_ctx, Environment(), from_file=[str(corpus("f18"))])
    assert finding.status is Status.CRITICAL and finding.rule == "reallocated-sectors"
    assert finding.data["counters"]["pending"] is None      # 0xFFFFFFF1 is not 4 billion sectors
    assert "bogus-counter-ignored" in finding.detail
    assert finding.data["drive"]["serial"] is None           # hw-probe's "--"


@pytest.mark.parametrize("cut", ["json", "text", "table", "garbage", "empty"])
def test_bad_captures_are_unknown_and_do_not_stop_the_others(tmp_path: Path, make_ctx, cut: str) -> None:
    bad = tmp_path / f"bad-{cut}"
    if cut == "json":
        data = corpus("h09").read_text()
        bad.write_text(data[: len(data) // 3])
    elif cut == "text":   # a -a capture cut before its SMART section
        bad.write_text(corpus("h01").read_text().split("=== START OF READ SMART DATA SECTION ===")[0])
    elif cut == "table":  # cut inside the attribute table: no false OK from half the counters
        text = corpus("h01").read_text()
        bad.write_text(text[: text.index("197 Current_Pending_Sector")])
    elif cut == "garbage":
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00 not smartctl at all")
    else:
        bad.write_text("")
    findings = run_check(make_ctx, Environment(), from_file=[str(bad), str(corpus("f05")), str(tmp_path / "nope")])
    assert [f.status for f in findings] == [Status.UNKNOWN, Status.CRITICAL, Status.UNKNOWN]
    assert "no such file or folder" in findings[2].summary


def test_windows_capture_model_is_not_the_add_product_id(make_ctx) -> None:
    [finding] = run_check(make_ctx, Environment(), from_file=[str(corpus("h03"))])
    assert finding.data["drive"]["model"] == "Apacer AS340 240GB"     # pySMART reads "mavlsata"
    assert finding.status is Status.OK


# ------------------------------------------------------------------------------ growth

def _scan_file(path: Path, findings: list[Finding]) -> Path:
    from fieldkit.result import ScanResult

    result = ScanResult(machine={"hostname": "pc"}, profile={"name": "quick"},
                        started_at=datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc),
                        finished_at=datetime(2026, 5, 1, 9, 1, tzinfo=timezone.utc), findings=findings, complete=True)
    result.write(path)
    return path


def _earlier(serial: str, **counters: int) -> Finding:
    return Finding("smart", "/dev/sda", Status.OK, "healthy", rule="healthy",
                   data={"drive": {"serial": serial}, "counters": counters})


def test_baseline_growth_of_small_counts_is_critical(tmp_path: Path, make_ctx) -> None:
    # f17: KINGSTON with 1 reallocated sector (WARNING alone); it had 0 at the last visit.
    baseline = _scan_file(tmp_path / "visit1.json", [_earlier("REDACTED", reallocated=0, pending=0)])
    [finding] = run_check(make_ctx, Environment(), from_file=[str(corpus("f17"))], baseline=str(baseline))
    assert finding.status is Status.CRITICAL and finding.rule == "growth-reallocated"
    assert "grew from 0 to 1 since May 1, 2026" in finding.summary   # the day of the earlier visit
    assert "since 2026-05-01 09:00 UTC" in finding.detail


def test_crc_count_unchanged_since_baseline_is_history(tmp_path: Path, make_ctx) -> None:
    baseline = _scan_file(tmp_path / "visit1.json", [_earlier("S14LNEACC02756X", crc_errors=108)])
    [finding] = run_check(make_ctx, Environment(), from_file=[str(corpus("f11"))], baseline=str(baseline))
    assert finding.status is Status.OK
    assert "crc-errors-unchanged" in finding.detail


def test_history_feeds_growth_automatically(make_ctx) -> None:
    from fieldkit.checks import smart

    class History:
        def previous_findings(self, check: str) -> list[Finding]:
            assert check == "smart"
            return [_earlier("S466NX0M776250H", media_errors=3)]

    ctx = make_ctx("smart", from_file=[str(corpus("f07"))])
    ctx.history = History()
    [finding] = smart.run(ctx)
    assert finding.status is Status.CRITICAL and finding.rule == "growth-media-errors"
    assert "from 3 to 7" in finding.summary


def test_unusable_baseline_is_reported_and_the_scan_goes_on(tmp_path: Path, make_ctx) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    findings = run_check(make_ctx, Environment(), from_file=[str(corpus("f05"))], baseline=str(bad))
    assert [f.status for f in findings] == [Status.UNKNOWN, Status.CRITICAL]
    assert "baseline not usable" in findings[0].summary


# ------------------------------------------------------------------------------ self-tests

def test_selftest_via_pysmart_reports_a_read_failure(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", "sat", json=corpus("h14"), text=corpus("h02"), type="sat")
    fake.scenario["selftest"]["/dev/sda"] = {"polls": 2, "status": "Completed: read failure", "lba": 123456}
    progress: list[str] = []
    from fieldkit.checks import smart

    ctx = make_ctx("smart", env=fake.env(), selftest="short", selftest_poll_s=0.2)
    ctx.progress = progress.append
    findings = smart.run(ctx)
    test_finding = next(f for f in findings if "selftest" in f.data)
    drive_finding = next(f for f in findings if "selftest" not in f.data)
    assert test_finding.status is Status.CRITICAL, test_finding.summary
    assert "read failure" in test_finding.detail and "123456" in test_finding.detail
    assert "could not read part of its surface" in test_finding.summary
    assert "via pysmart" in test_finding.detail
    # The test just failed; the drive's bad-sector counters do not (yet) confirm it, so the drive's own
    # finding asks for a re-check while the self-test finding carries the failing verdict.
    assert drive_finding.status is Status.WARNING and drive_finding.rule == "selftest-failed-unconfirmed"
    assert any("self-test" in line for line in progress)
    argvs = [c["argv"] for c in fake.calls()]
    assert ["-d", "sat", "-t", "short", "/dev/sda"] in argvs          # pySMART's test_start
    assert any(a[:3] == ["-d", "sat", "--all"] for a in argvs)          # pySMART's polling (text)
    assert all(c["LC_ALL"] == "C" for c in fake.calls())
    assert os.environ.get("LANG") != "C" or "LANG" in os.environ       # pySMART import did not leak


def test_selftest_on_bridge_pysmart_rejects_uses_smartctl_directly(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sdc", "usbjmicron", json=corpus("h11"))
    fake.scenario["selftest"]["/dev/sdc"] = {"polls": 1, "status": "Completed without error"}
    findings = run_check(make_ctx, fake.env(), selftest="short", selftest_poll_s=0.2)
    test_finding = next(f for f in findings if "selftest" in f.data)
    assert test_finding.status is Status.OK, test_finding.summary
    assert "pySMART rejected -d usbjmicron" in test_finding.detail
    assert test_finding.data["selftest"]["progress_pct"] == 10   # 90% remaining while it ran
    assert ["-d", "usbjmicron", "-t", "short", "/dev/sdc"] in [c["argv"] for c in fake.calls()]


def test_selftest_not_supported_is_unknown(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sdc", "usbjmicron", json=corpus("h11"))
    findings = run_check(make_ctx, fake.env(), selftest="long", selftest_poll_s=0.2)
    test_finding = next(f for f in findings if "selftest" in f.data)
    assert test_finding.status is Status.UNKNOWN


def test_selftest_still_running_at_the_bound_is_unknown(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sdc", "usbjmicron", json=corpus("h11"))
    fake.scenario["selftest"]["/dev/sdc"] = {"polls": 1000, "status": "Completed without error"}
    findings = run_check(make_ctx, fake.env(), selftest="short", selftest_poll_s=0.2, selftest_wait_s=5)
    test_finding = next(f for f in findings if "selftest" in f.data)
    assert test_finding.status is Status.UNKNOWN and test_finding.rule == "selftest-running"
    assert "finishes it by itself" in test_finding.summary


# ------------------------------------------------------------------------------ CLI

def test_cli_from_file_json_and_exit_code(tmp_path: Path) -> None:
    res = subprocess.run(fieldkit_cmd() + ["check", "smart", "--from-file", str(corpus("f03")),
                                           "--from-file", str(corpus("h09")), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    data = json.loads(res.stdout)
    statuses = [f["status"] for f in data["findings"]]
    assert statuses == ["CRITICAL", "OK"]
    assert data["findings"][0]["data"]["drive"]["model"] == "HGST HUS726060ALA640"


def test_cli_rejects_bad_selftest_choice_in_one_line() -> None:
    res = subprocess.run(fieldkit_cmd() + ["check", "smart", "--selftest", "destroy"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 3
    assert "short, long" in res.stderr and len(res.stderr.strip().splitlines()) <= 3


# ------------------------------------------------------------------------------ the real smartctl

def _real_smartctl() -> str | None:
    return shutil.which("smartctl") or next((p for p in ("/usr/sbin/smartctl", "/sbin/smartctl")
                                             if os.path.exists(p)), None)


@pytest.mark.real
def test_real_smartctl_scan_of_this_machine(make_ctx) -> None:
    need(_real_smartctl(), "smartctl (smartmontools) not installed")
    need(IS_ROOT, "reading SMART needs root")
    findings = run_check(make_ctx, Environment())
    assert findings
    block = Path("/sys/block")
    physical = [p.name for p in block.iterdir() if p.name.startswith(("sd", "nvme", "hd"))]
    if not physical:   # a VM like the CI runners: never a silent OK
        assert [f.rule for f in findings] == ["no-drives"]
        assert findings[0].status is Status.UNKNOWN
        assert findings[0].summary.startswith("no SMART-capable drives found")
        if (block / "vda").exists():
            assert "/dev/vda: virtual disk" in findings[0].summary
    for f in findings:
        if f.rule not in ("no-drives", "skipped-devices") and not f.rule.startswith("fault-"):
            assert f.data["drive"]["device"]


@pytest.fixture
def loop_device(tmp_path: Path):
    need(shutil.which("losetup") and IS_ROOT, "losetup and root are needed for a loop device")
    image = tmp_path / "disk.img"
    with open(image, "wb") as fh:
        fh.truncate(8 * 1024 * 1024)
    res = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True, timeout=30)
    need(res.returncode == 0, f"losetup failed: {res.stderr.strip()}")
    dev = res.stdout.strip()
    yield dev
    subprocess.run(["losetup", "-d", dev], capture_output=True, timeout=30)


@pytest.mark.real
def test_real_smartctl_unknown_device_type(make_ctx, loop_device: str) -> None:
    need(_real_smartctl(), "smartctl (smartmontools) not installed")
    [finding] = run_check(make_ctx, Environment(), device=loop_device)
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-unknown-type"
    assert "Unable to detect device type" in finding.detail
    assert finding.evidence[0].exit_code == 1


@pytest.mark.real
def test_real_smartctl_missing_device(make_ctx) -> None:
    need(_real_smartctl(), "smartctl (smartmontools) not installed")
    missing = "/dev/sdzz"
    need(not os.path.exists(missing), f"{missing} exists on this machine")
    [finding] = run_check(make_ctx, Environment(), device=missing)
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-vanished"
    assert finding.evidence[0].exit_code == 2 and "bit 1" in finding.detail


@pytest.mark.real
def test_real_smartctl_as_normal_user_is_permission_denied(loop_device: str, tmp_path: Path, make_ctx) -> None:
    smartctl = _real_smartctl()
    need(smartctl, "smartctl (smartmontools) not installed")
    need(shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root")
    # The real smartctl, run as user nobody (what a technician gets without sudo).
    wrapper = tmp_path / "smartctl-as-nobody"
    wrapper.write_text(f"#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups {smartctl} \"$@\"\n")
    wrapper.chmod(0o755)
    env = Environment(environ=dict(os.environ, FIELDKIT_SMARTCTL=str(wrapper)), is_root=False)
    [finding] = run_check(make_ctx, env, device=loop_device, device_types=[f"{loop_device}=sat"])
    assert finding.status is Status.UNKNOWN and finding.rule == "fault-not-root", finding.detail
    assert "Permission denied" in finding.detail
    assert "sudo" in finding.advice.action


def test_megaraid_volume_is_skipped_when_its_members_are_read(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/bus/0", "megaraid,14", json=corpus("h15"))
    fake.device("/dev/sda", None, in_scan=False, stdout=json.dumps({"smartctl": {"exit_status": 1, "messages": [
        {"string": "Smartctl open device: /dev/sda failed: DELL or MegaRaid controller, please try adding "
                   "'-d megaraid,N'", "severity": "error"}]}}), rc=1)
    fake.sysfs_disk("sda", "AVAGO", "MR9361-16i")
    findings = run_check(make_ctx, fake.env())
    assert [f.status for f in findings] == [Status.OK, Status.OK]
    assert "ST6000NM0115" in findings[0].subject
    assert "/dev/sda: RAID volume; member disks read via -d megaraid,14" in findings[1].summary


def test_scanned_usb_stick_and_virtual_disk_are_skipped_not_read(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sdb", "scsi", json=corpus("h13"))
    fake.device("/dev/sdc", "sat", json=corpus("h09"))
    fake.sysfs_disk("sdb", "QEMU", "QEMU HARDDISK")
    fake.sysfs_disk("sdc", "SanDisk", "Cruzer Blade")
    (fake.sys_root / "sys" / "block" / "sdc" / "removable").write_text("1\n")
    [finding] = run_check(make_ctx, fake.env())
    assert finding.status is Status.UNKNOWN and finding.rule == "no-drives"
    assert "/dev/sdc: removable media (SanDisk Cruzer Blade)" in finding.summary
    assert not [c for c in fake.calls() if "--all" in c["argv"]]   # neither was read


def test_selftest_with_only_captures_says_it_needs_a_live_drive(make_ctx) -> None:
    findings = run_check(make_ctx, Environment(), from_file=[str(corpus("h09"))], selftest="short")
    assert [f.status for f in findings] == [Status.OK, Status.UNKNOWN]
    assert "need a live drive" in findings[1].summary


def test_smartctl_6_without_json_is_read_as_text(fake: FakeSmartctl, make_ctx) -> None:
    fake.scenario["version"] = "6.6"
    fake.device("/dev/sda", "sat", text=corpus("h01"))
    fake.device("/dev/sdb", "scsi", text=corpus("h07"))
    fake.device("/dev/sdc", "sat", text=corpus("h02"), standby=True)
    findings = by_device(run_check(make_ctx, fake.env()))
    assert findings["/dev/sda"].status is Status.OK and findings["/dev/sda"].data["drive"]["model"] == "OOS12000G"
    assert findings["/dev/sdb"].status is Status.OK and findings["/dev/sdb"].data["counters"]["grown_defects"] == 0
    assert findings["/dev/sdc"].rule == "fault-standby"
    argvs = [c["argv"] for c in fake.calls()]
    assert ["--scan-open"] in argvs
    assert all("--json" not in a for a in argvs)
    assert ["--all", "-n", "standby", "-d", "sat", "/dev/sda"] in argvs


def test_drive_that_vanishes_between_scan_and_read(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/sda", "sat", json=corpus("h09"))
    fake.scenario["scan"]["devices"].append({"name": "/dev/sdb", "type": "sat"})   # listed, then unplugged
    findings = by_device(run_check(make_ctx, fake.env()))
    assert findings["/dev/sda"].status is Status.OK
    assert findings["/dev/sdb"].status is Status.UNKNOWN and findings["/dev/sdb"].rule == "fault-vanished"


def test_baseline_of_another_model_with_the_same_serial_is_not_compared(tmp_path: Path, make_ctx) -> None:
    other = _earlier("REDACTED", reallocated=0)
    other.data["drive"]["model"] = "ST3500418AS"              # f06's model, f17 is a KINGSTON
    baseline = _scan_file(tmp_path / "visit1.json", [other])
    [finding] = run_check(make_ctx, Environment(), from_file=[str(corpus("f17"))], baseline=str(baseline))
    assert finding.status is Status.WARNING and finding.rule == "reallocated-sectors"


def test_selftest_on_nvme_via_pysmart(fake: FakeSmartctl, make_ctx) -> None:
    fake.device("/dev/nvme0", "nvme", json=corpus("f21"), text=corpus("h04"), type="nvme")
    fake.scenario["selftest"]["/dev/nvme0"] = {"polls": 2, "status": "Completed without error"}
    findings = run_check(make_ctx, fake.env(), selftest="short", selftest_poll_s=0.2)
    test_finding = next(f for f in findings if "selftest" in f.data)
    assert test_finding.status is Status.OK, test_finding.summary
    assert "via pysmart" in test_finding.detail and "Completed without error" in test_finding.detail
    assert test_finding.summary == "short self-test passed: the drive found no fault"
    assert ["-d", "nvme", "-t", "short", "/dev/nvme0"] in [c["argv"] for c in fake.calls()]
    drive = next(f for f in findings if "selftest" not in f.data)
    assert drive.status is Status.OK and drive.data["self_tests"][0]["outcome"] == "passed"
