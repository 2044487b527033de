"""Three-namespace lab for the VoIP tests and bench (lab notes §4): client / router / server.

fkv-c-<id> 10.202.1.2 (cli0) <-> fkv-r-<id> 10.202.1.1 | 10.202.2.1 <-> fkv-s-<id> 10.202.2.2 + 10.202.2.3

Every process started here is tracked and killed by PID in :meth:`Lab.down`; deleting the
namespaces removes the veths, nft/iptables rules and conntrack state with them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CLIENT_IP, ROUTER_C, ROUTER_S, SERVER_IP, SERVER_IP2 = "10.202.1.2", "10.202.1.1", "10.202.2.1", "10.202.2.2", "10.202.2.3"
NFQ_DELAY = Path(__file__).with_name("nfq_delay.py")


def available() -> str | None:
    """None when a lab can be built here, else the reason."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "nft"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    return None


class Lab:
    def __init__(self) -> None:
        suffix = secrets.token_hex(3)
        self.client, self.router, self.server = (f"fkv-c-{suffix}", f"fkv-r-{suffix}", f"fkv-s-{suffix}")
        self.procs: list[subprocess.Popen] = []

    # -- topology ---------------------------------------------------------------------------------
    def up(self) -> "Lab":
        c, r, s = self.client, self.router, self.server
        script = f"""
set -e
for n in {c} {r} {s}; do ip netns add $n; ip -n $n link set lo up; done
ip link add cli0 netns {c} type veth peer name rtr-c netns {r}
ip link add srv0 netns {s} type veth peer name rtr-s netns {r}
ip -n {c} addr add {CLIENT_IP}/24 dev cli0; ip -n {c} link set cli0 up
ip -n {r} addr add {ROUTER_C}/24 dev rtr-c; ip -n {r} link set rtr-c up
ip -n {r} addr add {ROUTER_S}/24 dev rtr-s; ip -n {r} link set rtr-s up
ip -n {s} addr add {SERVER_IP}/24 dev srv0; ip -n {s} addr add {SERVER_IP2}/24 dev srv0; ip -n {s} link set srv0 up
ip -n {c} route add default via {ROUTER_C}
ip -n {s} route add default via {ROUTER_S}
ip netns exec {r} sysctl -qw net.ipv4.ip_forward=1
"""
        try:
            subprocess.run(["sh", "-c", script], check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            self.down()
            raise RuntimeError(f"lab setup failed: {exc.stderr.strip()}") from None
        # veth DAD: wait until addresses are usable
        time.sleep(0.2)
        return self

    def down(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)
        self.procs.clear()
        for ns in (self.client, self.router, self.server):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    # -- processes ----------------------------------------------------------------------------------
    def run(self, ns: str, argv: list[str], *, timeout: float = 60, check: bool = True,
            input: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True,
                                timeout=timeout, input=input)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} in {ns}: rc {result.returncode}: {result.stderr.strip()[:500]}")
        return result

    def start(self, ns: str, argv: list[str], **kw) -> subprocess.Popen:
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, **kw)
        self.procs.append(proc)
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float = 5) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(2)

    def nft(self, ns: str, ruleset: str) -> None:
        self.run(ns, ["nft", "-f", "-"], input=ruleset)

    def start_reflector(self, *listen: str) -> subprocess.Popen:
        argv = [sys.executable, "-m", "fieldkit", "reflect"]
        for item in listen or (f"{SERVER_IP}:862", f"{SERVER_IP}:5060"):
            argv += ["--listen", item]
        proc = self.start(self.server, argv)
        wait_udp_listen(self, self.server, listen[0] if listen else f"{SERVER_IP}:862")
        return proc

    def fieldkit_check(self, *args: str, timeout: float = 120) -> tuple[int, dict]:
        result = self.run(self.client, [sys.executable, "-m", "fieldkit", "check", "voip", "--json", *args],
                          timeout=timeout, check=False)
        try:
            return result.returncode, json.loads(result.stdout)
        except json.JSONDecodeError:
            raise RuntimeError(f"no JSON from fieldkit (rc {result.returncode}): {result.stderr[-2000:]}") from None


def wait_udp_listen(lab: Lab, ns: str, hostport: str, timeout: float = 10) -> None:
    """Poll `ss` until something listens on UDP hostport in ns."""
    port = hostport.rsplit(":", 1)[1]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = lab.run(ns, ["ss", "-Hlun"], check=False).stdout
        if any(line.split()[3].endswith(":" + port) for line in out.splitlines() if len(line.split()) > 3):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on UDP {hostport} in {ns}")


def wait_listen(lab: Lab, ns: str, port: str, proto: str = "u", timeout: float = 10) -> None:
    """Poll `ss` until something listens on ``port`` (any address) in ns."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = lab.run(ns, ["ss", f"-Hl{proto}n"], check=False).stdout
        if any(len(line.split()) > 3 and line.split()[3].endswith(":" + port) for line in out.splitlines()):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}/{proto} in {ns}")


def nft_counter(lab: Lab, ns: str, table: str) -> int:
    """Sum of packet counters of all rules in an nft table (nft -j)."""
    out = lab.run(ns, ["nft", "-j", "list", "table", *table.split()]).stdout
    total = 0
    for item in json.loads(out)["nftables"]:
        rule = item.get("rule")
        if not rule:
            continue
        for expr in rule.get("expr", []):
            if "counter" in expr:
                total += expr["counter"]["packets"]
    return total
