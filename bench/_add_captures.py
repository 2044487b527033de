#!/usr/bin/env python3
"""Write capture excerpts typed from public sources: blocks start with '@@@ name|repo|commit|path'."""
import sys, json
from pathlib import Path
out = Path(sys.argv[1])
man = out / "manifest.jsonl"
cur = None
buf = []
def flush():
    global cur
    if cur is None:
        return
    name, repo, commit, path = cur
    (out / name).write_text("\n".join(buf).rstrip("\n") + "\n")
    with man.open("a") as f:
        f.write(json.dumps({"file": name, "repo": repo, "commit": commit, "path": path}) + "\n")
def nvme(banner, rec):
    (model, fw, cap, wc, cc, health, cw, temp, spare, spth, used, cycles, poh, unsafe, media, errlog, wt, ct) = rec.split("|")
    def kv(k, v):
        return f"{k + ':':<36}{v}"
    out = ([banner, ""] if banner.strip() else []) + ["=== START OF INFORMATION SECTION ===",
        kv("Model Number", model), kv("Serial Number", "--"), kv("Firmware Version", fw),
        (kv("Namespace 1 Size/Capacity", cap[3:]) if cap.startswith("ns:") else kv("Total NVM Capacity", cap)), kv("Warning  Comp. Temp. Threshold", wc + " Celsius"),
        kv("Critical Comp. Temp. Threshold", cc + " Celsius"), "", "=== START OF SMART DATA SECTION ===",
        "SMART overall-health self-assessment test result: " + health, "", "SMART/Health Information (NVMe Log 0x02)",
        kv("Critical Warning", cw), kv("Temperature", temp + " Celsius"), kv("Available Spare", spare + "%"),
        kv("Available Spare Threshold", spth + "%"), kv("Percentage Used", used + "%"), kv("Power Cycles", cycles),
        kv("Power On Hours", poh), kv("Unsafe Shutdowns", unsafe), kv("Media and Data Integrity Errors", media),
        kv("Error Information Log Entries", errlog), kv("Warning  Comp. Temperature Time", wt),
        kv("Critical Comp. Temperature Time", ct)]
    return out
lines = sys.stdin.read().split("\n")
i = 0
while i < len(lines):
    line = lines[i]
    i += 1
    if line.startswith("@@@N "):
        flush()
        cur = line[5:].split("|")
        buf = nvme(lines[i], lines[i + 1])
        i += 2
        flush()
        cur = None
        buf = []
        continue
    if line.startswith("@@@ "):
        flush()
        cur = line[4:].split("|")
        buf = []
    else:
        buf.append(line)
flush()
