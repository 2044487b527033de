#!/usr/bin/env python3
"""A fake ``smartctl`` executable that replays real captures (tests/fixtures/smart).

fieldkit runs it exactly like the real program (subprocess, argv, exit bitmask, stdout),
so the live code path is exercised, not only the parsers. It is driven by a scenario
JSON named by ``FAKE_SMARTCTL_SCENARIO``:

    {"scan": {"devices": [{"name": "/dev/sda", "type": "sat", ...}]},
     "devices": {"/dev/sda": {"json": PATH, "text": PATH, "rc": N, "sleep": S, "standby": bool,
                              "stdout": TEXT, "bridge_needs": "sat"}},
     "selftest": {"/dev/sda": {"polls": 2, "status": "Completed: read failure", "lba": 123}},
     "log": PATH}

Every call appends {"argv", "LC_ALL"} to ``log``. A device not in ``devices`` answers like a
vanished disk (exit 2, "No such device"). Self-test state lives next to the scenario file.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    scenario_path = Path(os.environ["FAKE_SMARTCTL_SCENARIO"])
    scenario = json.loads(scenario_path.read_text())
    if scenario.get("log"):
        with open(scenario["log"], "a") as log:
            log.write(json.dumps({"argv": argv, "LC_ALL": os.environ.get("LC_ALL")}) + "\n")
    if "--version" in argv:
        print(f"smartctl {scenario.get('version', '7.3')} 2022-02-28 r5338 [x86_64-linux] (local build)")
        return 0
    if ("--scan-open" in argv or "--scan" in argv) and "--json" not in argv:
        for dev in (scenario.get("scan") or {}).get("devices", []):
            print(f"{dev['name']} -d {dev.get('type', 'auto')} # {dev['name']}, ATA device")
        return 0
    if "--scan-open" in argv or "--scan" in argv:
        time.sleep(scenario.get("scan_sleep", 0))
        body = {"json_format_version": [1, 0], "smartctl": {"version": [7, 3], "exit_status": 0}}
        body.update(scenario.get("scan") or {})
        print(json.dumps(body))
        return 0
    device = argv[-1] if argv else ""
    cfg = (scenario.get("devices") or {}).get(device)
    as_json = "--json" in argv or "-j" in argv
    if cfg is None:
        return _message(as_json, f"Smartctl open device: {device} failed: No such device", 2)
    time.sleep(cfg.get("sleep", 0))          # a hanging disk or USB bridge
    if "stdout" in cfg:
        sys.stdout.write(cfg["stdout"])
        return cfg.get("rc", 0)
    dtype = argv[argv.index("-d") + 1] if "-d" in argv else None
    if cfg.get("bridge_needs") and dtype != cfg["bridge_needs"]:
        return _message(as_json, f"{device}: Unknown USB bridge [0x152d:0x0578 (0x205)]", 1,
                        "Please specify device type with the -d option.")
    if "-n" in argv and cfg.get("standby"):
        return _message(as_json, "Device is in STANDBY mode, exit(2)", 2)
    state_path = scenario_path.with_suffix(".state.json")
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    test = (scenario.get("selftest") or {}).get(device)
    if "-t" in argv:
        if test is None:
            print("Self-test not supported")
            return 4
        state[device] = {"polls": 0}
        state_path.write_text(json.dumps(state))
        print("=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\n"
              "Sending command: \"Execute SMART Short self-test routine immediately in off-line mode\".\n"
              "Drive command \"Execute SMART Short self-test routine immediately in off-line mode\" successful.\n"
              "Testing has begun.\nPlease wait 1 minutes for test to complete.\n"
              "Test will complete after Mon Nov 23 18:30:00 2026\n")
        return 0
    phase = None
    if test is not None and device in state:
        state[device]["polls"] += 1
        state_path.write_text(json.dumps(state))
        phase = "running" if state[device]["polls"] <= test.get("polls", 1) else "done"
    if "-d" in argv and dtype == "test":
        print(f"{device}: Device of type '{cfg.get('type', 'sat')}' [ATA] opened")
        return 0
    if as_json:
        obj = json.loads(Path(cfg["json"]).read_text())
        if phase:
            _json_selftest(obj, phase, test)
        print(json.dumps(obj, indent=1))
        return cfg.get("rc", (obj.get("smartctl") or {}).get("exit_status", 0))
    if ("--all" in argv or "-a" in argv) and cfg.get("text"):
        text = Path(cfg["text"]).read_text()
        if phase:
            text = _text_selftest(text, phase, test)
        sys.stdout.write(text)
        return cfg.get("rc", 0)
    return 1   # -l sataphy and friends: not captured


def _message(as_json: bool, message: str, rc: int, extra: str = "") -> int:
    if as_json:
        msgs = [{"string": message, "severity": "error"}] + ([{"string": extra, "severity": "error"}] if extra else [])
        print(json.dumps({"json_format_version": [1, 0],
                          "smartctl": {"version": [7, 3], "messages": msgs, "exit_status": rc}}))
    else:
        print("smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)\n\n" + message + ("\n" + extra if extra else ""))
    return rc


def _json_selftest(obj: dict, phase: str, test: dict) -> None:
    if "nvme_smart_health_information_log" in obj:
        log = obj.setdefault("nvme_self_test_log", {"table": []})
        if phase == "running":
            log["current_self_test_operation"] = {"value": 1, "string": "Short self-test in progress"}
            log["current_self_test_completion_percent"] = 30
            return
        log["current_self_test_operation"] = {"value": 0, "string": "No self-test in progress"}
        status = test.get("status", "Completed without error")
        log.setdefault("table", []).insert(0, {
            "self_test_code": {"value": 1, "string": "Short"},
            "self_test_result": {"value": 0 if "without error" in status else 7, "string": status},
            "power_on_hours": (obj.get("power_on_time") or {}).get("hours", 0)})
        return
    data = obj.setdefault("ata_smart_data", {})
    if phase == "running":
        data["self_test"] = {"status": {"value": 249, "string": "in progress, 90% remaining",
                                        "remaining_percent": 90}}
        return
    log = obj.setdefault("ata_smart_self_test_log", {}).setdefault("standard", {"revision": 1, "table": []})
    status = test.get("status", "Completed without error")
    passed = "without error" in status
    data.setdefault("self_test", {})["status"] = {"value": 0 if passed else 0x79, "string": status.lower(),
                                                  "passed": passed}
    entry = {"type": {"value": 1, "string": "Short offline"},
             "status": {"value": 0 if "without error" in status else 121, "string": status,
                        "passed": "without error" in status},
             "lifetime_hours": (obj.get("power_on_time") or {}).get("hours", 0)}
    if test.get("lba") is not None:
        entry["lba"] = test["lba"]
    log.setdefault("table", []).insert(0, entry)


def _text_selftest(text: str, phase: str, test: dict) -> str:
    import re

    if "SMART/Health Information" in text:   # NVMe layout (smartctl 7.x)
        text = re.sub(r"\nSelf-test Log \(NVMe Log 0x06\)\n(?:.*\S.*\n?)*", "\n", text)
        if phase == "running":
            return text + ("\nSelf-test Log (NVMe Log 0x06)\n"
                           "Self-test status: Short self-test in progress (30% completed)\nNo Self-tests Logged\n")
        status = test.get("status", "Completed without error")
        return text + ("\nSelf-test Log (NVMe Log 0x06)\nSelf-test status: No self-test in progress\n"
                       "Num  Test_Description  Status                       Power_on_Hours  Failing_LBA  NSID Seg SCT Code\n"
                       f" 0   Short             {status:<28} {15:>6}            -     -   -   -    -\n")

    if phase == "running":
        return re.sub(r"Self-test execution status:.*\n(?:\s+.*\n)*?(?=\S)",
                      "Self-test execution status:      ( 249)\tSelf-test routine in progress...\n"
                      "\t\t\t\t\t90% of test remaining.\n", text, count=1)
    status = test.get("status", "Completed without error")
    lba = str(test["lba"]) if test.get("lba") is not None else "-"
    row = f"# 1  Short offline       {status:<29} {'00%' if 'without' in status else '90%'}       253         {lba}\n"
    header = "Num  Test_Description    Status                  Remaining  LifeTime(hours)  LBA_of_first_error\n"
    if "No self-tests have been logged" in text:
        return re.sub(r"No self-tests have been logged.*\n", header + row, text, count=1)
    return re.sub(r"(Num\s+Test_Description.*\n)", lambda m: m.group(1) + row, text, count=1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
