"""Three-namespace lab for the network probes (client / router / server), per notes/lab.md section 4.

    fkn-cli-S 10.201.1.2/24 (cli0) <-> fkn-rtr-S 10.201.1.1 rtr-c | rtr-s 10.201.2.1 <-> fkn-srv-S 10.201.2.2-.3 (srv0)

S is a random suffix per test module, so parallel runs never collide. The router's
server side has MTU 1400 (the "1400-byte MTU hop"), and nftables in the router adds:

- deterministic loss: every 5th ICMP echo request to 10.201.2.3 is dropped
  (``numgen inc mod 5 == 0``): exactly 20 % of any 5k consecutive pings;
- every ICMP echo request to 10.201.2.4 is dropped (a host that filters ping);
- TCP 8081 dropped (filtered), 8082 rejected with a TCP reset (refused by the
  firewall), 8084 rejected with ICMP admin-prohibited (unreachable);
  nothing listens on 8083 (refused by the host);
- ICMP rate limiting in the router is switched with ``lab.ratelimit(on)``.

The server runs dnsmasq on 10.201.2.2 (honest, zone fieldkit.test with SRV/NAPTR
records), a second dnsmasq on 10.201.2.3 that rewrites NXDOMAIN, and
``netlab_server.py`` (HTTP on :80 with /generate_204 and a /portal redirect, HTTPS
on :443 with a self-signed certificate valid one year and on :8443 with one that
expires in 3 days). The client's /etc/resolv.conf inside the namespace comes from
/etc/netns/<ns>/resolv.conf (``ip netns exec`` bind-mounts it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
CLIENT, ROUTER, SERVER = "10.201.1.2", "10.201.1.1", "10.201.2.2"
LOSSY = "10.201.2.3"          # every 5th echo request to it is dropped; runs the rewriting resolver
NOICMP = "10.201.2.4"         # echo requests dropped by the router; TCP answers (RST)
NOHOST = "10.201.2.9"         # routed, but nobody answers (neighbour resolution fails at the router)
ZONE = "fieldkit.test"
SIP_DOMAIN = f"voip.{ZONE}"

NFT_RULES = """
table inet fknlab {
  chain forward_f {
    type filter hook forward priority 0; policy accept;
    ip daddr 10.201.2.3 icmp type echo-request numgen inc mod 5 == 0 counter drop
    ip daddr 10.201.2.4 icmp type echo-request counter drop
    ip daddr 10.201.2.2 tcp dport 8081 counter drop
    ip daddr 10.201.2.2 tcp dport 8082 counter reject with tcp reset
    ip daddr 10.201.2.2 tcp dport 8084 counter reject with icmp type admin-prohibited
    ip saddr 10.201.1.2 ip daddr 10.201.2.2 udp dport 53 counter comment "client-dns"
    ip saddr 10.201.1.2 ip daddr != 10.201.2.2 counter comment "client-other"
    ip saddr 10.201.1.2 ip daddr 10.201.2.2 udp dport != 53 counter comment "client-other"
    ip saddr 10.201.1.2 ip daddr 10.201.2.2 meta l4proto != udp counter comment "client-other"
  }
}
"""


#: a lab object with up() and down(): Lab here, LanLab in lanlab.py
LabT = TypeVar("LabT")


def tools_available(*tools: str) -> tuple[bool, str]:
    """Root and every named program: what a namespace lab needs before it can be built."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return False, "network namespaces need root"
    for tool in tools:
        if shutil.which(tool) is None:
            return False, f"{tool} is not installed (scripts/system-packages.txt)"
    return True, ""


def available() -> tuple[bool, str]:
    return tools_available("ip", "nft", "dnsmasq")


def stop_process_groups(procs: list[subprocess.Popen]) -> None:
    """SIGTERM every still-running process group, then SIGKILL what has not gone in 5 s."""
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def delete_namespaces(names: list[str]) -> None:
    for ns in names:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=30)


@dataclass
class Lab:
    suffix: str
    rundir: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def cli(self) -> str:
        return f"fkn-cli-{self.suffix}"

    @property
    def rtr(self) -> str:
        return f"fkn-rtr-{self.suffix}"

    @property
    def srv(self) -> str:
        return f"fkn-srv-{self.suffix}"

    @property
    def namespaces(self) -> list[str]:
        return [self.cli, self.rtr, self.srv]

    @property
    def ca_file(self) -> Path:
        return self.rundir / "cert.pem"

    # ------------------------------------------------------------------ building
    def up(self) -> None:
        for ns in self.namespaces:
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", "cli0", "netns", self.cli, "type", "veth", "peer", "name", "rtr-c", "netns", self.rtr)
        sh("ip", "link", "add", "srv0", "netns", self.srv, "type", "veth", "peer", "name", "rtr-s", "netns", self.rtr)
        sh("ip", "-n", self.cli, "addr", "add", f"{CLIENT}/24", "dev", "cli0")
        sh("ip", "-n", self.rtr, "addr", "add", f"{ROUTER}/24", "dev", "rtr-c")
        sh("ip", "-n", self.rtr, "addr", "add", "10.201.2.1/24", "dev", "rtr-s")
        sh("ip", "-n", self.srv, "addr", "add", f"{SERVER}/24", "dev", "srv0")
        sh("ip", "-n", self.srv, "addr", "add", f"{LOSSY}/24", "dev", "srv0")
        sh("ip", "-n", self.srv, "addr", "add", f"{NOICMP}/24", "dev", "srv0")
        # The 1400-byte MTU hop: the router's server-side link (both ends).
        sh("ip", "-n", self.rtr, "link", "set", "rtr-s", "mtu", "1400")
        sh("ip", "-n", self.srv, "link", "set", "srv0", "mtu", "1400")
        for ns, dev in ((self.cli, "cli0"), (self.rtr, "rtr-c"), (self.rtr, "rtr-s"), (self.srv, "srv0")):
            sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", self.cli, "route", "add", "default", "via", ROUTER)
        sh("ip", "-n", self.srv, "route", "add", "default", "via", "10.201.2.1")
        sh("ip", "netns", "exec", self.rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        # The destination answers every probe: only the router's rate limit is under test.
        sh("ip", "netns", "exec", self.srv, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0")
        self.ratelimit(False)
        subprocess.run(["ip", "netns", "exec", self.rtr, "nft", "-f", "-"], input=NFT_RULES, text=True,
                       check=True, capture_output=True, timeout=30)
        self.set_resolv_conf(self.cli, f"nameserver {SERVER}\n")
        self.set_resolv_conf(self.srv, f"nameserver {SERVER}\n")   # lookups stay inside the lab
        self.set_resolv_conf(self.rtr, f"nameserver {SERVER}\n")
        self._certificates()
        self._start_dns()
        self._start_web()

    def set_resolv_conf(self, ns: str, text: str) -> None:
        etc = Path("/etc/netns") / ns
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text(text)

    def ratelimit(self, on: bool) -> None:
        """Router ICMP error rate limit: Linux default 1000 ms per peer (burst 6) or off."""
        sh("ip", "netns", "exec", self.rtr, "sysctl", "-qw", f"net.ipv4.icmp_ratelimit={1000 if on else 0}")

    def _certificates(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        import ipaddress

        now = dt.datetime.now(dt.timezone.utc)
        for name, days in (("cert", 365), ("short", 3)):
            key = ec.generate_private_key(ec.SECP256R1())
            subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER)])
            cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                    .public_key(key.public_key()).serial_number(x509.random_serial_number())
                    .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
                    .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(SERVER))]), False)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                    .sign(key, hashes.SHA256()))
            (self.rundir / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            (self.rundir / f"{name}.key").write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    def _spawn(self, ns: str, argv: list[str], log: str) -> subprocess.Popen:
        out = open(self.rundir / log, "w")
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def _start_dns(self) -> None:
        common = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                  "--bind-interfaces", "--port=53", "--user=root", "--log-facility=-"]
        self._spawn(self.srv, common + [
            f"--listen-address={SERVER}", f"--pid-file={self.rundir / 'dns1.pid'}",
            f"--local=/{ZONE}/",
            f"--address=/www.{ZONE}/{SERVER}",
            f"--address=/pbx.{ZONE}/{SERVER}",
            f"--srv-host=_sip._udp.{SIP_DOMAIN},pbx.{ZONE},5060,10,10",
            f"--srv-host=_sip._tcp.{SIP_DOMAIN},pbx.{ZONE},5060,20,10",
            f"--naptr-record={SIP_DOMAIN},10,10,S,SIP+D2U,,_sip._udp.{SIP_DOMAIN}",
        ], "dns1.log")
        # A resolver that "rewrites NXDOMAIN": every name in the zone gets an address.
        self._spawn(self.srv, common + [
            f"--listen-address={LOSSY}", f"--pid-file={self.rundir / 'dns2.pid'}",
            f"--address=/{ZONE}/10.201.2.99",
        ], "dns2.log")

    def _start_web(self) -> None:
        self._spawn(self.srv, [sys.executable, str(HERE / "netlab_server.py"), SERVER, str(self.rundir)], "web.log")
        self.wait_port(SERVER, 80)
        self.wait_port(SERVER, 443)
        self.wait_port(SERVER, 8443)
        self.wait_udp_dns(SERVER)
        self.wait_udp_dns(LOSSY)

    def wait_port(self, host: str, port: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        script = f"import socket; socket.create_connection(({host!r}, {port}), timeout=0.5).close()"
        while time.monotonic() < end:
            if subprocess.run(["ip", "netns", "exec", self.srv, sys.executable, "-c", script],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{host}:{port} did not come up; see {self.rundir}")

    def wait_udp_dns(self, host: str, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            result = self.py(f"from fieldkit.net import dns; print(dns.query({host!r}, 'www.{ZONE}', 'A', 0.5).status)",
                             ns=self.srv)
            if result.stdout.strip() in ("NOERROR", "NXDOMAIN", "NODATA"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"DNS on {host} did not come up; see {self.rundir}")

    # ------------------------------------------------------------------ running things in the client
    def py(self, code: str, ns: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", ns or self.cli, sys.executable, "-c", code],
                              capture_output=True, text=True, timeout=timeout, cwd=str(HERE.parent))

    def call(self, module: str, function: str, *args: object, **kwargs: object) -> dict:
        """Run ``fieldkit.net.<module>.<function>(*args, **kwargs)`` in the client namespace; dataclass -> dict."""
        code = (
            "import dataclasses, json, sys\n"
            f"from fieldkit.net import {module} as m\n"
            "a, k = json.loads(sys.argv[1])\n"
            f"r = m.{function}(*a, **k)\n"
            "print(json.dumps(dataclasses.asdict(r) if dataclasses.is_dataclass(r) else r, default=str))\n"
        )
        proc = subprocess.run(["ip", "netns", "exec", self.cli, sys.executable, "-c", code,
                               json.dumps([list(args), kwargs])],
                              capture_output=True, text=True, timeout=120, cwd=str(HERE.parent))
        if proc.returncode != 0:
            raise AssertionError(f"{module}.{function} failed in {self.cli}:\n{proc.stderr}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def fieldkit(self, *args: str, ns: str | None = None, timeout: float = 120) -> tuple[int, dict, float]:
        """``fieldkit check network ARGS --json`` inside a namespace: (exit code, result, wall seconds)."""
        return fieldkit_in(ns or self.cli, ["check", "network", *args, "--json"], timeout=timeout)

    def forwarded_from_client(self) -> dict[str, int]:
        """Packets the router forwarded from the client: to the lab resolver's port 53, and anything else."""
        import re

        listing = sh("ip", "netns", "exec", self.rtr, "nft", "list", "chain", "inet", "fknlab", "forward_f").stdout
        totals = {"client-dns": 0, "client-other": 0}
        for line in listing.splitlines():
            match = re.search(r'counter packets (\d+) .*comment "(client-[a-z]+)"', line)
            if match:
                totals[match.group(2)] += int(match.group(1))
        return totals

    # ------------------------------------------------------------------ teardown
    def down(self) -> None:
        stop_process_groups(self.procs)
        delete_namespaces(self.namespaces + [f"fkn-iso-{self.suffix}"])


def fieldkit_in(ns: str, argv: list[str], *, prefix: tuple[str, ...] = (),
               timeout: float = 120) -> tuple[int, dict, float]:
    """``fieldkit ARGV`` (which must ask for JSON) inside namespace ``ns``: (exit code, result, wall seconds).

    ``prefix`` wraps the command (``setpriv`` to drop a capability).
    """
    start = time.monotonic()
    proc = subprocess.run(["ip", "netns", "exec", ns, *prefix, sys.executable, "-m", "fieldkit", *argv],
                          capture_output=True, text=True, timeout=timeout, cwd=str(HERE.parent))
    wall = time.monotonic() - start
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON from fieldkit (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from None
    return proc.returncode, result, wall


def bring_up(lab: LabT) -> LabT:
    """``lab.up()``; whatever it had built is torn down again if it fails half-way."""
    try:
        lab.up()
    except BaseException:
        lab.down()
        raise
    return lab


def build(rundir: Path) -> Lab:
    return bring_up(Lab(secrets.token_hex(3), rundir))


def findings_by(result: dict, subject: str) -> list[dict]:
    return [f for f in result["findings"] if f["subject"] == subject]


def one(result: dict, subject: str) -> dict:
    found = findings_by(result, subject)
    assert len(found) == 1, f"expected one finding for {subject!r}, got {[f['subject'] for f in result['findings']]}"
    return found[0]


def metric(finding: dict, name: str):
    return next(m["value"] for m in finding["metrics"] if m["name"] == name)




# ---------------------------------------------------------------------------- pytest fixtures
# Imported by the test modules that use the lab (``from netlab import lab, net``), so
# the lab is built once per module and torn down after it.
import pytest  # noqa: E402

from conftest import IS_ROOT, need  # noqa: E402


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    ok, _ = available()
    if not ok:
        yield None
        return
    built = build(tmp_path_factory.mktemp("fknlab"))
    yield built
    built.down()


@pytest.fixture
def net(lab):
    ok, why = available()
    need(IS_ROOT, "network namespaces need root")
    need(ok, why)
    return lab
