"""Time the lan check in each lab case (needs root, dnsmasq and lldpd; namespaces fklan-*).

Each case builds tests/lanlab.py afresh, runs ``fieldkit check lan`` in the client namespace
and reads the check's own duration from the JSON result (the runner's clock, without
Python start-up), next to the wall time of the whole command.

Targets (issue): the quick part (profile ``quick``: link + duplicate address) under 2 s;
the full check within the LLDP/CDP listening time + 3 s. The DHCP window runs while the
check listens, so a switch that is heard early ends the check at the DHCP window
(dnsmasq pings an address for 3 s before it offers it).

usage: python bench/lan_speed.py [--listen-s S] [--dhcp-wait-s S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import lanlab  # noqa: E402


def run_case(name: str, setup: list[str], args: list[str]) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory(prefix="fklan-bench-") as folder:
        lab = lanlab.build(Path(folder))
        try:
            for part in setup:
                if part == "lldpd":
                    lab.lldpd()
                elif part == "dup":
                    lab.duplicate()
                else:
                    lab.dhcp(int(part[-1]))
            _, result, wall = lab.fieldkit(*args)
        finally:
            lab.down()
    record = next(c for c in result["checks"] if c["name"] == "lan")
    statuses = ", ".join(f"{f['subject'].removeprefix('lan0 ')}={f['status']}" for f in result["findings"])
    return record["duration_s"], wall, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen-s", type=float, default=8.0, help="LLDP/CDP listening time for the full cases")
    parser.add_argument("--dhcp-wait-s", type=float, default=5.0, help="DHCP offer window (the check's default)")
    opts = parser.parse_args()
    ok, why = lanlab.available()
    if not ok:
        print(f"skipped: {why}")
        return 0
    full = ["--profile", "full", "--listen-s", f"{opts.listen_s:g}", "--dhcp-wait-s", f"{opts.dhcp_wait_s:g}"]
    cases = [
        ("quick: link + duplicate address", ["lldpd", "d1", "dup"], ["--profile", "quick"], 2.0),
        ("full: switch (LLDP+CDP), one DHCP server", ["lldpd", "d1"], full, opts.listen_s + 3),
        ("full: switch, two DHCP servers, duplicate", ["lldpd", "d1", "d2", "dup"], full, opts.listen_s + 3),
        ("full: switch, no DHCP server", ["lldpd"], full, opts.listen_s + 3),
        ("full: no switch (nothing heard), one DHCP", ["d1"], full, opts.listen_s + 3),
        ("full + dhcp_full (REQUEST/ACK/RELEASE)", ["lldpd", "d1"], full + ["--dhcp-full"], opts.listen_s + 3),
    ]
    print(f"{'case':45} {'check s':>8} {'wall s':>7} {'target s':>9}  ok   findings")
    failed = 0
    for name, setup, args, target in cases:
        duration, wall, statuses = run_case(name, setup, args)
        good = duration < target
        failed += not good
        print(f"{name:45} {duration:8.2f} {wall:7.2f} {target:9.1f}  {'yes' if good else 'NO ':3}  {statuses}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
