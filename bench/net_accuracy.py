"""Network check accuracy and concurrency, measured in a three-namespace lab (needs root).

Prints measured vs configured packet loss (nftables numgen in the router), hop count
(per traceroute method), path MTU (MTU of the router's server-side link), and the
wall time of one check against 20 targets compared with the slowest single target
and with the sum of all single-target runs (target: close to the slowest, not the sum).

usage: python bench/net_accuracy.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import re
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import netlab  # noqa: E402


def set_loss_rule(lab: netlab.Lab, expression: str) -> None:
    """Replace the loss rule for echo requests to LOSSY with ``expression`` (an nft match)."""
    rules = netlab.NFT_RULES.replace("numgen inc mod 5 == 0", expression)
    subprocess.run(["ip", "netns", "exec", lab.rtr, "nft", "delete", "table", "inet", "fknlab"], check=True)
    subprocess.run(["ip", "netns", "exec", lab.rtr, "nft", "-f", "-"], input=rules, text=True, check=True)


def router_drops(lab: netlab.Lab) -> int:
    """Packets the loss rule dropped (its nft counter): the ground truth for random loss."""
    listing = subprocess.run(["ip", "netns", "exec", lab.rtr, "nft", "list", "table", "inet", "fknlab"],
                             capture_output=True, text=True, check=True).stdout
    line = next(l for l in listing.splitlines() if "10.201.2.3" in l and "numgen" in l)
    return int(re.search(r"counter packets (\d+)", line).group(1))


def loss_rows(lab: netlab.Lab) -> list[tuple[str, str, str]]:
    rows = []
    count = 200
    for label, expression, configured in (
            ("deterministic 1 %", "numgen inc mod 100 == 0", 1.0),
            ("deterministic 5 %", "numgen inc mod 20 == 0", 5.0),
            ("deterministic 10 %", "numgen inc mod 10 == 0", 10.0),
            ("deterministic 20 %", "numgen inc mod 5 == 0", 20.0),
            ("random 5 %", "numgen random mod 100 < 5", 5.0),
            ("random 30 %", "numgen random mod 100 < 30", 30.0)):
        set_loss_rule(lab, expression)
        rc, result, _ = lab.fieldkit("--target", netlab.LOSSY, "--no-gateway", "--no-dns", "--no-local",
                                     "--count", str(count), "--interval", "0.01", "--probe-timeout", "0.5")
        finding = netlab.one(result, netlab.LOSSY)
        measured = netlab.metric(finding, "loss_pct")
        dropped = router_drops(lab)
        rows.append((f"loss, {label} ({count} echoes, {finding['data']['method']})", f"{configured:g} %",
                     f"{measured:g} % (router dropped {dropped}/{count} = {100 * dropped / count:g} %)"))
    set_loss_rule(lab, "numgen inc mod 5 == 0")
    return rows


def hop_rows(lab: netlab.Lab) -> list[tuple[str, str, str]]:
    rows = []
    for method in ("icmp", "udp", "tcp"):
        extra = ["--traceroute-port", "80"] if method == "tcp" else []
        rc, result, _ = lab.fieldkit("--traceroute", netlab.SERVER, "--traceroute-method", method, "--no-gateway",
                                     "--no-dns", "--no-local", *extra)
        finding = netlab.one(result, f"route to {netlab.SERVER}")
        path = " ".join(h["address"] or "*" for h in finding["data"]["hops"])
        rows.append((f"hops, {method} traceroute", f"2 ({netlab.ROUTER} {netlab.SERVER})",
                     f"{netlab.metric(finding, 'hops')} ({path})"))
    code = ("import json; from fieldkit.net import traceroute as t\n"
            f"r = t.traceroute({netlab.SERVER!r}, probes=3, is_root=False)\n"
            "print(json.dumps([h.address or '*' for h in r.hops]))")
    path = json.loads(lab.py(code).stdout)
    rows.append(("hops, unprivileged UDP + error queue", f"2 ({netlab.ROUTER} {netlab.SERVER})",
                 f"{len(path)} ({' '.join(path)})"))
    lab.ratelimit(True)
    rc, result, _ = lab.fieldkit("--traceroute", netlab.SERVER, "--traceroute-probes", "12", "--no-gateway",
                                 "--no-dns", "--no-local")
    lab.ratelimit(False)
    finding = netlab.one(result, f"route to {netlab.SERVER}")
    hop_loss = [h["loss_pct"] for h in finding["data"]["hops"]]
    rows.append(("traceroute, router ICMP rate limit on (12 probes)", "loss 0 % (rate limiting only)",
                 f"hop loss {hop_loss}, verdict {finding['data']['verdict']['kind']}, loss_pct "
                 f"{netlab.metric(finding, 'loss_pct')} %"))
    return rows


def mtu_rows(lab: netlab.Lab) -> list[tuple[str, str, str]]:
    rows = []
    for mtu in (1400, 1280, 1492, 1500):
        subprocess.run(["ip", "-n", lab.rtr, "link", "set", "rtr-s", "mtu", str(mtu)], check=True)
        subprocess.run(["ip", "-n", lab.srv, "link", "set", "srv0", "mtu", str(mtu)], check=True)
        subprocess.run(["ip", "-n", lab.cli, "route", "flush", "cache"], check=True)
        rc, result, _ = lab.fieldkit("--pmtu", netlab.SERVER, "--no-gateway", "--no-dns", "--no-local")
        finding = netlab.one(result, f"path MTU to {netlab.SERVER}")
        rows.append((f"path MTU, {mtu}-byte hop", f"{mtu} B",
                     f"{netlab.metric(finding, 'pmtu_bytes')} B ({finding['status']}, "
                     f"confirmed={finding['data']['confirmed']})"))
    for dev, ns in (("rtr-s", lab.rtr), ("srv0", lab.srv)):
        subprocess.run(["ip", "-n", ns, "link", "set", dev, "mtu", "1400"], check=True)
    return rows


def concurrency_rows(lab: netlab.Lab) -> list[tuple[str, str, str]]:
    addresses = [f"10.201.2.{i}" for i in range(10, 29)]
    for address in addresses:
        subprocess.run(["ip", "-n", lab.srv, "addr", "add", f"{address}/24", "dev", "srv0"], check=True)
    # 19 hosts with TCP port 80 answered by a RST (nothing listens there on these addresses:
    # the web server binds 10.201.2.2 only) plus the slowest one, a filtered port.
    targets = [f"{a}:80" for a in addresses] + [f"{netlab.SERVER}:8081"]
    common = ["--no-gateway", "--no-dns", "--no-local", "--count", "5", "--interval", "0.2",
              "--probe-timeout", "1.0", "--tcp-attempts", "3"]

    def duration(*targets_: str) -> float:
        args = [x for t in targets_ for x in ("--target", t)]
        rc, result, wall = lab.fieldkit(*args, *common)
        return result["checks"][0]["duration_s"]

    singles = [duration(t) for t in targets]
    together = duration(*targets)
    return [
        ("20 targets (ping + TCP each), one check", "~ slowest single target",
         f"{together:.2f} s (slowest single {max(singles):.2f} s, sum of singles {sum(singles):.2f} s, "
         f"median single {sorted(singles)[len(singles) // 2]:.2f} s)"),
    ]


def main() -> int:
    if os.geteuid() != 0:
        print("bench/net_accuracy.py needs root (network namespaces); skipped")
        return 0
    ok, why = netlab.available()
    if not ok:
        print(f"bench/net_accuracy.py: {why}; skipped")
        return 0
    lab = netlab.build(Path(tempfile.mkdtemp(prefix="fkn-bench-")))
    try:
        rows = loss_rows(lab) + hop_rows(lab) + mtu_rows(lab) + concurrency_rows(lab)
    finally:
        lab.down()
    width = max(len(r[0]) for r in rows)
    cwidth = max(len(r[1]) for r in rows)
    print(f"{'measurement':<{width}}  {'configured / target':<{cwidth}}  measured")
    print("-" * (width + cwidth + 40))
    for name, configured, measured in rows:
        print(f"{name:<{width}}  {configured:<{cwidth}}  {measured}")
    print(json.dumps({"rows": rows}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
