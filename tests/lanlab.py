"""Link-layer lab for the lan check (notes/lab.md section 13), in namespaces named fklan-*-SUFFIX.

    fklan-cli-S  lan0 10.77.0.50/24 (MAC 02:fc:00:00:00:50), default via 10.77.0.1
        |  veth
    fklan-sw-S   swp12 -- br0 10.77.0.1 (the "switch" and the gateway); lldpd on swp12
        |  veth ports of br0: d1, d2, dup
    fklan-d1-S   10.77.0.2   dnsmasq (the real DHCP server: .100-.150, gateway .1, DNS .2)
    fklan-d2-S   10.77.0.3   dnsmasq (a rogue: .200-.220, gateway .254, DNS 192.0.2.53)
    fklan-dup-S  10.77.0.50  (the client's own address, MAC 02:fc:00:00:d0:0d)

Each part is started only when a case asks for it (``lldpd()``, ``dhcp(1)``, ``duplicate()``).
lldpd skips veth ports unless ``configure system interface pattern`` names them, and runs
as its own user: its socket folder must be 0755 (a mktemp folder is 0700).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from netlab import bring_up, delete_namespaces, fieldkit_in, sh, stop_process_groups, tools_available

HERE = Path(__file__).resolve().parent
CLIENT, GATEWAY = "10.77.0.50", "10.77.0.1"
CLIENT_MAC, DUP_MAC = "02:fc:00:00:00:50", "02:fc:00:00:d0:0d"
DHCP_SERVERS = {1: ("10.77.0.2", "10.77.0.100,10.77.0.150", GATEWAY, "10.77.0.2"),
                2: ("10.77.0.3", "10.77.0.200,10.77.0.220", "10.77.0.254", "192.0.2.53")}
SWITCH_NAME, PORT_DESCR, VOICE_VLAN = "sw-lab-1", "Gi1/0/12", 30


def available() -> tuple[bool, str]:
    return tools_available("ip", "dnsmasq", "lldpd", "lldpcli")


@dataclass
class LanLab:
    suffix: str
    rundir: Path
    procs: list[subprocess.Popen] = field(default_factory=list)
    made: list[str] = field(default_factory=list)
    lldpd_dir: Path | None = None

    def ns(self, role: str) -> str:
        return f"fklan-{role}-{self.suffix}"

    @property
    def cli(self) -> str:
        return self.ns("cli")

    def up(self) -> None:
        for role in ("cli", "sw"):
            self._netns(role)
        sw = self.ns("sw")
        sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", sw, "addr", "add", f"{GATEWAY}/24", "dev", "br0")
        sh("ip", "-n", sw, "link", "set", "br0", "up")
        self._port("cli", "lan0", "swp12", f"{CLIENT}/24", CLIENT_MAC)
        sh("ip", "-n", self.cli, "route", "add", "default", "via", GATEWAY)
        etc = Path("/etc/netns") / self.cli
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text("nameserver 10.77.0.2\n")

    def _netns(self, role: str) -> str:
        name = self.ns(role)
        sh("ip", "netns", "add", name)
        self.made.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def _port(self, role: str, inner: str, outer: str, address: str, mac: str | None = None) -> None:
        sw = self.ns("sw")
        sh("ip", "link", "add", inner, "netns", self.ns(role), "type", "veth", "peer", "name", outer, "netns", sw)
        if mac:
            sh("ip", "-n", self.ns(role), "link", "set", inner, "address", mac)
        sh("ip", "-n", self.ns(role), "addr", "add", address, "dev", inner)
        sh("ip", "-n", self.ns(role), "link", "set", inner, "up")
        sh("ip", "-n", sw, "link", "set", outer, "master", "br0")
        sh("ip", "-n", sw, "link", "set", outer, "up")

    def _spawn(self, ns: str, argv: list[str], log: str) -> subprocess.Popen:
        out = open(self.rundir / log, "w")
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    # ------------------------------------------------------------------ parts
    def dhcp(self, number: int) -> None:
        address, pool, router, dns = DHCP_SERVERS[number]
        role = f"d{number}"
        self._netns(role)
        self._port(role, "eth0", role, f"{address}/24")
        # A server without a default route cannot send to 255.255.255.255 (ENETUNREACH): give it one.
        sh("ip", "-n", self.ns(role), "route", "add", "default", "via", GATEWAY)
        self._spawn(self.ns(role), [
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=0",
            "--bind-interfaces", "--interface=eth0", "--except-interface=lo", "--user=root", "--log-facility=-",
            f"--dhcp-range={pool},1h", f"--dhcp-option=3,{router}", f"--dhcp-option=6,{dns}", "--pid-file=",
            f"--dhcp-leasefile={self.rundir / (role + '.leases')}"], f"dnsmasq-{role}.log")
        time.sleep(0.3)   # dnsmasq binds within ~0.1 s; DISCOVERs before that would go unanswered

    def duplicate(self) -> None:
        self._netns("dup")
        self._port("dup", "eth0", "dup", f"{CLIENT}/24", DUP_MAC)

    def lldpcli(self, *command: str) -> None:
        assert self.lldpd_dir is not None, "lldpd() first"
        sh("ip", "netns", "exec", self.ns("sw"), "lldpcli", "-u", str(self.lldpd_dir / "lldpd.sock"), *command)

    def lldpd(self, cdp: bool = True, timeout: float = 10.0) -> None:
        # lldpd drops to its own user: every folder on the socket's path must be searchable by it
        # (pytest's tmp_path sits under a 0700 folder), hence a folder of its own directly in /tmp.
        sockdir = self.lldpd_dir = Path(tempfile.mkdtemp(prefix="fklan-lldpd-"))
        os.chmod(sockdir, 0o755)
        sock = str(sockdir / "lldpd.sock")
        argv = ["lldpd", "-d", "-l", "-M", "4", "-u", sock, "-I", "swp12"]
        if cdp:
            argv[3:3] = ["-ccc"]
        self._spawn(self.ns("sw"), argv, "lldpd.log")
        deadline = time.monotonic() + timeout
        while not os.path.exists(sock):
            if time.monotonic() > deadline:
                raise RuntimeError("lldpd did not create its socket: " + (self.rundir / "lldpd.log").read_text())
            time.sleep(0.05)
        # lldpd finds its ports asynchronously after it opens its socket: a port setting sent before it knows
        # swp12 is silently dropped (a busy CI machine once advertised the bare ifname as the port). Apply
        # the settings until lldpd's own view of the port shows them, so its frames carry them.
        wanted = {"chassis.name": SWITCH_NAME, "port.descr": PORT_DESCR, "lldp-med.policy.vlan.vid": str(VOICE_VLAN)}
        while True:
            for cmd in (f"configure system hostname {SWITCH_NAME}", "configure system interface pattern swp12",
                        "configure lldp tx-interval 2", f"configure ports swp12 lldp portdescription {PORT_DESCR}",
                        f"configure med policy application voice tagged vlan {VOICE_VLAN} priority voice dscp 46"):
                self.lldpcli(*cmd.split())
            shown = self._local_port_view()
            if all(shown.get(key) == value for key, value in wanted.items()):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"lldpd did not take its settings: {shown}")
            time.sleep(0.2)

    def _local_port_view(self) -> dict[str, str]:
        """lldpd's own view of swp12 (``lldpcli show interfaces``): what its next frames will say."""
        assert self.lldpd_dir is not None
        out = subprocess.run(["ip", "netns", "exec", self.ns("sw"), "lldpcli", "-u", str(self.lldpd_dir / "lldpd.sock"),
                              "-f", "keyvalue", "show", "interfaces", "details"],
                             capture_output=True, text=True, timeout=10).stdout
        prefix = "lldp.swp12."
        return {key[len(prefix):]: value for key, _, value in (line.partition("=") for line in out.splitlines())
                if key.startswith(prefix)}

    # ------------------------------------------------------------------ running fieldkit in the client
    def fieldkit(self, *args: str, timeout: float = 120, history: bool = False,
                 prefix: tuple[str, ...] = ()) -> tuple[int, dict, float]:
        """``fieldkit check lan ARGS --json`` in the client namespace: (exit code, result, wall seconds).

        ``prefix`` wraps the command (``setpriv`` to drop CAP_NET_RAW).
        """
        return fieldkit_in(self.cli, ["check", "lan", *args, "--json", *([] if history else ["--no-history"])],
                           prefix=prefix, timeout=timeout)

    def down(self) -> None:
        stop_process_groups(self.procs)
        if self.lldpd_dir is not None:
            shutil.rmtree(self.lldpd_dir, ignore_errors=True)
        delete_namespaces(self.made)


def build(rundir: Path) -> LanLab:
    return bring_up(LanLab(secrets.token_hex(3), rundir))


def by_subject(result: dict, subject: str) -> dict:
    found = [f for f in result["findings"] if f["subject"] == subject]
    assert len(found) == 1, f"expected one finding for {subject!r}, got {[f['subject'] for f in result['findings']]}"
    return found[0]
