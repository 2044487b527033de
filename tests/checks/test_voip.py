"""The voip check end to end: faults on loopback, and real peers (kamailio, sipp, coturn,
dnsmasq, fieldkit's reflector behind an impairing router in network namespaces)."""

from __future__ import annotations

import glob
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import IS_ROOT, fieldkit_cmd, need

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "voip"))
import voiplab  # noqa: E402

from fieldkit.checks import voip  # noqa: E402
from fieldkit.findings import Status  # noqa: E402


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proto: str = "u", timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = subprocess.run(["ss", f"-Hl{proto}n"], capture_output=True, text=True).stdout
        if re.search(rf"127\.0\.0\.1:{port}\b", out):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {proto} 127.0.0.1:{port}")


def by_subject(findings, prefix):
    return [f for f in findings if f.subject.startswith(prefix)]


# ------------------------------------------------------------------------------- faults, no root

def test_without_targets_the_check_says_what_to_configure(make_ctx):
    findings = voip.run(make_ctx("voip"))
    assert len(findings) == 1 and findings[0].status is Status.UNKNOWN
    assert "reflector" in findings[0].detail and "fieldkit reflect" in findings[0].detail


def test_no_reflector_answering_is_a_clear_finding_within_budget(make_ctx):
    port = free_port()
    findings = voip.run(make_ctx("voip", timeout=60, reflector=f"127.0.0.1:{port}", duration=30.0, alg_port=port))
    stream = by_subject(findings, "call quality")[0]
    assert stream.status is Status.UNKNOWN and stream.rule == "stream-no-answer"
    assert "port is closed" in stream.summary  # loopback answers with ICMP port unreachable
    # gives up after 3 s of silence (~150 packets) instead of sending for the full 30 s (1500)
    assert "stopped early" in stream.summary and stream.data["sent"] < 300
    # the ALG test was not asked for and cannot run here: not run with the reason, not UNKNOWN
    assert by_subject(findings, "SIP ALG") == []
    assert [n["part"] for n in stream.data["not_run"]] == [f"SIP ALG test over {t} to 127.0.0.1:{port}"
                                                           for t in ("UDP", "TCP")]
    assert "refused" in stream.data["not_run"][0]["reason"] and "not run: SIP ALG" in stream.detail


def test_a_required_alg_test_that_cannot_run_stays_unknown(make_ctx):
    port = free_port()
    findings = voip.run(make_ctx("voip", timeout=30, reflector=f"127.0.0.1:{port}", duration=1.0, alg_port=port,
                                 alg_test="required"))
    alg = by_subject(findings, "SIP ALG UDP")[0]
    assert alg.status is Status.UNKNOWN and "asked for but could not run" in alg.summary


def test_reflector_answering_garbage(make_ctx):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    stop = threading.Event()

    def garbage():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(4096)
            except socket.timeout:
                continue
            sock.sendto(b"SIP/2.0 999 nonsense\r\n\r\n" + b"x" * 40, addr)

    thread = threading.Thread(target=garbage, daemon=True)
    thread.start()
    try:
        findings = voip.run(make_ctx("voip", reflector=f"127.0.0.1:{sock.getsockname()[1]}", duration=1.0,
                                     alg_port=sock.getsockname()[1]))
    finally:
        stop.set()
        thread.join(2)
        sock.close()
    stream = by_subject(findings, "call quality")[0]
    assert stream.rule == "stream-garbage" and stream.status is Status.UNKNOWN
    assert "not reflections of the test call" in stream.summary and "50 packets" in stream.summary
    assert by_subject(findings, "SIP ALG UDP") == []
    assert "not a fieldkit reflector echo" in stream.data["not_run"][0]["reason"]


def test_closed_sip_port_is_critical(make_ctx):
    port = free_port()
    findings = voip.run(make_ctx("voip", sip=[f"127.0.0.1:{port}"], sip_tls=False, sip_timeout_s=2))
    udp = by_subject(findings, "SIP UDP")[0]
    assert udp.status is Status.CRITICAL and "closed or blocked" in udp.summary
    tcp = by_subject(findings, "SIP TCP")[0]
    assert tcp.status is Status.WARNING and tcp.rule == "sip-refused"
    heuristic = by_subject(findings, "SIP ALG (heuristic)")
    assert heuristic == []  # nothing answered: no heuristic to offer


def test_reflect_rejects_a_bad_listen_address():
    result = subprocess.run(fieldkit_cmd() + ["reflect", "--listen", "nonsense::x:"], capture_output=True, text=True)
    assert result.returncode == 3
    assert result.stderr.strip().count("\n") == 0 and "--listen" in result.stderr


def test_reflect_command_serves_and_stops_cleanly():
    port = free_port()
    proc = subprocess.Popen(fieldkit_cmd() + ["reflect", "--listen", f"127.0.0.1:{port}"], stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_listening(port)
        from fieldkit.voip import stream

        report = stream.analyse(stream.run_stream("127.0.0.1", port, duration_s=1.0, linger_s=0.3))
        assert report.received == 50
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "50 reflected" in err


def test_cli_check_voip_json_has_the_named_metrics():
    port = free_port()
    proc = subprocess.Popen(fieldkit_cmd() + ["reflect", "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        result = subprocess.run(fieldkit_cmd() + ["check", "voip", "--reflector", f"127.0.0.1:{port}",
                                                  "--duration", "1", "--alg-port", str(port), "--codec", "g729",
                                                  "--json"], capture_output=True, text=True, timeout=60)
    finally:
        proc.terminate()
        proc.wait(10)
    data = json.loads(result.stdout)
    jsonschema = pytest.importorskip("jsonschema")
    import fieldkit

    schema = json.loads((Path(fieldkit.__file__).parent / "schemas" / "scan.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    stream = next(f for f in data["findings"] if f["subject"].startswith("call quality"))
    names = {m["name"] for m in stream["metrics"]}
    assert {"loss_pct", "jitter_ms", "rtt_median_ms", "rtt_p99_ms", "mos", "r_factor"} <= names
    assert stream["status"] == "OK" and stream["data"]["codec"] == "g729"
    # G.729's Ie 11 caps R near 93.2 - 11
    r = next(m["value"] for m in stream["metrics"] if m["name"] == "r_factor")
    assert 78 < r < 82.5
    assert set(stream["data"]["series"]) == {"t_s", "rtt_ms", "jitter_ms"} and len(stream["data"]["series"]["t_s"]) == 50
    # per-direction receiver metrics, and counts in packets (never the Nagios counter unit "c")
    assert {"mos_min_window", "late_loss_pct", "effective_loss_pct", "jitter_max_ms", "pdv_up_p50_ms",
            "pdv_up_p95_ms", "pdv_up_p99_ms", "pdv_down_p99_ms", "late_loss_down_pct", "buffer_up_ms"} <= names
    assert {m["unit"] for m in stream["metrics"] if m["name"] in ("sent", "received", "reordered")} == {"packets"}
    assert all(m["unit"] != "c" for f in data["findings"] for m in f["metrics"])
    assert stream["data"]["rtt_ms"] == stream["data"]["series"]["rtt_ms"] and len(stream["data"]["rtt_ms"]) == 50


def test_a_clean_path_exits_0_although_the_alg_test_cannot_run_on_this_reflector():
    port, alg_port = free_port(), free_port()
    proc = subprocess.Popen(fieldkit_cmd() + ["reflect", "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        result = subprocess.run(fieldkit_cmd() + ["check", "voip", "--reflector", f"127.0.0.1:{port}",
                                                  "--duration", "1", "--alg-port", str(alg_port), "--json"],
                                capture_output=True, text=True, timeout=60)
    finally:
        proc.terminate()
        proc.wait(10)
    data = json.loads(result.stdout)
    assert result.returncode == 0, [(f["subject"], f["status"], f["summary"]) for f in data["findings"]]
    assert {f["status"] for f in data["findings"]} == {"OK"}
    stream = next(f for f in data["findings"] if f["subject"].startswith("call quality"))
    assert len(stream["data"]["not_run"]) == 2 and "adaptive jitter buffer" in stream["summary"]


# ------------------------------------------------------------------------------- real SIP peers

KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
{tls_listen}
server_header="Server: fieldkit-test-kamailio"
mpath="{mpath}"
loadmodule "sl.so"
{tls_module}
request_route {{
    if (method == "OPTIONS") {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (method == "ACK") {{ exit; }}
    sl_send_reply("501", "Not Implemented");
    exit;
}}
"""


@pytest.fixture
def kamailio(tmp_path):
    need(IS_ROOT, "kamailio test runs as root")
    need(bool(_which("kamailio")), "kamailio is not installed")
    mpath = (glob.glob("/usr/lib/*/kamailio/modules/") + glob.glob("/usr/lib/kamailio/modules/") + [""])[0]
    need(bool(mpath), "kamailio modules directory not found")
    port = free_port()
    tls_port = free_port(socket.SOCK_STREAM)
    tls_listen = tls_module = ""
    if Path(mpath, "tls.so").exists() and _which("openssl"):
        # a self-signed certificate: the check must say it is not trusted, and still measure
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "key.pem"),
                        "-out", str(tmp_path / "cert.pem"), "-days", "2", "-subj", "/CN=pbx.voip.test"],
                       check=True, capture_output=True)
        (tmp_path / "tls.cfg").write_text(f"[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
                                          f"require_certificate = no\nprivate_key = {tmp_path / 'key.pem'}\n"
                                          f"certificate = {tmp_path / 'cert.pem'}\n")
        tls_listen = f"enable_tls=yes\nlisten=tls:127.0.0.1:{tls_port}"
        tls_module = f'loadmodule "tls.so"\nmodparam("tls", "config", "{tmp_path / "tls.cfg"}")'
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(KAMAILIO_CFG.format(port=port, mpath=mpath, tls_listen=tls_listen, tls_module=tls_module))
    (tmp_path / "run").mkdir()
    pidfile = tmp_path / "kam.pid"
    proc = subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E", "-Y", str(tmp_path / "run"), "-P", str(pidfile)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(port, "u")
        wait_listening(port, "t")
        if tls_listen:
            wait_listening(tls_port, "t")
        yield port, (tls_port if tls_listen else None)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _which(name):
    import shutil

    return shutil.which(name)


@pytest.mark.real
def test_kamailio_answers_options_over_udp_and_tcp(kamailio, make_ctx):
    port, _tls = kamailio
    findings = voip.run(make_ctx("voip", sip=[f"127.0.0.1:{port}"], sip_tls_port=free_port(socket.SOCK_STREAM)))
    udp, tcp, tls = (by_subject(findings, f"SIP {t}")[0] for t in ("UDP", "TCP", "TLS"))
    for finding in (udp, tcp):
        assert finding.status is Status.OK, finding.summary
        assert finding.data["status_code"] == 200 and finding.data["server"] == "fieldkit-test-kamailio"
        assert finding.data["via_received"] == "127.0.0.1" and finding.data["nat_detected"] is False
        assert finding.metric("sip_response_ms").value > 0
    # one request normally; a second is RFC 3261 Timer E (500 ms) firing on a loaded 2-core box
    assert udp.data["attempts"] in (1, 2)
    assert tls.status is Status.OK and tls.rule == "sip-tls-not-offered"
    # no reflector: the conclusive ALG test cannot run and was not asked for, so it is "not run"
    assert by_subject(findings, "SIP ALG (heuristic)") == []
    assert udp.data["not_run"][0]["part"] == "SIP ALG echo test" and "no reflector" in udp.data["not_run"][0]["reason"]


@pytest.mark.real
def test_kamailio_over_tls_with_an_untrusted_certificate(kamailio, make_ctx):
    port, tls_port = kamailio
    need(tls_port is not None, "kamailio TLS module (kamailio-tls-modules) or openssl missing")
    findings = voip.run(make_ctx("voip", sip=[f"127.0.0.1:{port}"], sip_tls_port=tls_port))
    tls = by_subject(findings, "SIP TLS")[0]
    assert tls.data["status_code"] == 200 and tls.data["tls_verified"] is False
    assert tls.status is Status.WARNING and "certificate is not trusted" in tls.summary
    assert "certificate not trusted" in tls.detail  # the TLS library's words, for the technician


@pytest.mark.real
def test_srv_lookup_with_dnsmasq(kamailio, make_ctx, tmp_path):
    kamailio, _tls = kamailio
    need(bool(_which("dnsmasq")), "dnsmasq is not installed")
    dns_port = free_port()
    proc = subprocess.Popen(["dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts", "-p", str(dns_port),
                             "--listen-address=127.0.0.1", "--bind-interfaces", "--local=/voip.test/",
                             f"--srv-host=_sip._udp.voip.test,127.0.0.1,{kamailio},10,5",
                             f"--pid-file={tmp_path / 'dnsmasq.pid'}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(dns_port, "u")
        findings = voip.run(make_ctx("voip", sip=[f"127.0.0.1:{kamailio}"], sip_domain="voip.test", sip_tls=False,
                                     dns_server=f"127.0.0.1:{dns_port}"))
    finally:
        proc.terminate()
        proc.wait(10)
    srv = by_subject(findings, "SIP SRV voip.test")[0]
    assert srv.status is Status.OK and "_sip._udp.voip.test" in srv.summary
    assert srv.data["srv"]["_sip._udp.voip.test"][0] == {"priority": 10, "weight": 5, "port": kamailio,
                                                       "target": "127.0.0.1"}
    assert srv.data["srv"]["_sip._tcp.voip.test"] in ("no such name", "no SRV record")
    # the request URI used the domain and kamailio still answered
    assert by_subject(findings, "SIP UDP")[0].data["status_code"] == 200


SIPP_SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAS answering OPTIONS">
  <recv request="OPTIONS" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 {code}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      {extra}
      Allow: INVITE, ACK, CANCEL, OPTIONS, BYE
      Server: sipp-uas
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def _sipp(tmp_path, code: str, extra: str = ""):
    need(IS_ROOT, "sipp test runs as root")
    need(bool(_which("sipp")), "sipp is not installed")
    scenario = tmp_path / "uas.xml"
    scenario.write_text(SIPP_SCENARIO.format(code=code, extra=extra))
    port, control = free_port(), free_port()
    proc = subprocess.Popen(["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-cp", str(control),
                             "-nostdin", "-m", "50"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, "u")
    return proc, port


@pytest.mark.real
@pytest.mark.parametrize("code, extra, status_code", [
    ("200 OK", "Contact: <sip:[local_ip]:[local_port]>", 200),
    ("401 Unauthorized", 'WWW-Authenticate: Digest realm="test", nonce="abc"', 401),
    ("403 Forbidden", "Warning: 399 sipp \"OPTIONS refused\"", 403),
])
def test_sipp_uas_answers(tmp_path, make_ctx, code, extra, status_code):
    proc, port = _sipp(tmp_path, code, extra)
    try:
        ctx = make_ctx("voip", sip=[f"127.0.0.1:{port}"], sip_tls=False, sip_timeout_s=3)
        udp = by_subject(voip.run(ctx), "SIP UDP")[0]
    finally:
        proc.terminate()
        proc.wait(10)
    assert udp.status is Status.OK, udp.summary
    assert udp.data["status_code"] == status_code and udp.data["server"] == "sipp-uas"
    assert "OPTIONS" in udp.data["allow"]
    if status_code in (401, 403):
        assert "reachable" in udp.summary and "authentication required" in udp.summary


# ------------------------------------------------------------------------------- STUN, loopback

@pytest.mark.real
def test_stun_server_without_rfc5780(make_ctx, tmp_path):
    need(IS_ROOT, "coturn test runs as root")
    need(bool(_which("turnserver")), "coturn is not installed")
    port = free_port()
    proc = subprocess.Popen(["turnserver", "-n", "-S", "-L", "127.0.0.1", "-p", str(port), "--no-tls", "--no-dtls",
                             "--no-cli", "-z", "--log-file=stdout", "--simple-log",
                             f"--pidfile={tmp_path / 'turn.pid'}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, "u")
        findings = voip.run(make_ctx("voip", stun=[f"127.0.0.1:{port}"]))
    finally:
        proc.terminate()
        proc.wait(10)
    nat = by_subject(findings, "NAT")[0]
    assert nat.status is Status.OK
    assert nat.data["nat_present"] is False and nat.data["mapped"][0] == "127.0.0.1"
    assert nat.data["rfc5780"] is False
    # error 420 is reported, not retried forever (pystun3's endless CHANGE-REQUEST loop)
    assert "does not support RFC 5780" in nat.data["filtering_note"] and "420" in nat.data["filtering_note"]


# ------------------------------------------------------------------------------- namespaces

@pytest.fixture
def lab():
    need(IS_ROOT, "network namespaces need root")
    reason = voiplab.available()
    need(reason is None, reason or "")
    lab = voiplab.Lab().up()
    try:
        yield lab
    finally:
        lab.down()


IMPAIR = f"""
table inet fkvimpair {{
  chain forward_f {{
    type filter hook forward priority 0; policy accept;
    ip daddr {voiplab.SERVER_IP} udp dport 862 numgen inc mod 20 == 0 counter drop
    ip daddr {voiplab.SERVER_IP} udp dport 5070 drop
    ip daddr {voiplab.SERVER_IP} tcp dport 5070 drop
  }}
  chain mangle_f {{
    type filter hook forward priority -150; policy accept;
    iifname "rtr-c" ip daddr {voiplab.SERVER_IP} udp dport 862 ip dscp set cs0
  }}
}}
"""


@pytest.mark.real
def test_stream_behind_an_impairing_router(lab):
    """Every 20th packet dropped upstream (exact loss), DSCP bleached upstream, a blocked SIP port."""
    lab.start_reflector()
    lab.nft(lab.router, IMPAIR)
    rc, result = lab.fieldkit_check("--reflector", voiplab.SERVER_IP, "--duration", "3",
                                    "--sip", f"{voiplab.SERVER_IP}:5070", "--no-sip-tls", "--sip-timeout-s", "2",
                                    "--timeout", "60")
    drops = voiplab.nft_counter(lab, lab.router, "inet fkvimpair")
    findings = {f["subject"]: f for f in result["findings"]}
    stream = findings[f"call quality to {voiplab.SERVER_IP}:862"]
    loss = stream["data"]["loss"]
    assert loss["sent"] == 150 and drops == 8                 # packets 0, 20, ..., 140
    assert loss["lost"] == drops                               # exact
    assert stream["data"]["upstream"]["lost"] == drops and stream["data"]["downstream"]["lost"] == 0
    assert stream["status"] == "CRITICAL"                      # 5.3 % > 3 %
    metrics = {m["name"]: m["value"] for m in stream["metrics"]}
    assert metrics["loss_pct"] == pytest.approx(100 * 8 / 150, abs=0.01)
    assert metrics["rtt_median_ms"] < 5
    dscp = findings[f"DSCP to {voiplab.SERVER_IP}:862"]
    assert dscp["status"] == "WARNING"
    assert dscp["data"]["at_reflector"] == 0 and dscp["data"]["at_client"] == 46
    sip_udp = findings[f"SIP UDP {voiplab.SERVER_IP}:5070"]
    assert sip_udp["status"] == "CRITICAL" and "no answer" in sip_udp["summary"]
    assert sip_udp["data"]["attempts"] >= 3                   # Timer E retransmissions at 0, 0.5, 1.5 s
    sip_tcp = findings[f"SIP TCP {voiplab.SERVER_IP}:5070"]
    assert sip_tcp["status"] == "WARNING" and sip_tcp["rule"] == "sip-timeout"
    for transport in ("UDP", "TCP"):
        alg = findings[f"SIP ALG {transport} {voiplab.SERVER_IP}:5060"]
        assert alg["status"] == "OK" and alg["data"]["rewritten"] is False
    assert rc == 2


@pytest.mark.real
def test_delay_through_nfqueue_matches_the_applied_delays(lab, tmp_path):
    need(bool(_which("iptables")), "iptables (nft backend) is not installed")
    try:
        import netfilterqueue  # noqa: F401
    except ImportError:
        need(False, "NetfilterQueue is not installed (pip install '.[test]')")
    lab.start_reflector()
    log = tmp_path / "delays.log"
    lab.run(lab.router, ["iptables", "-A", "FORWARD", "-p", "udp", "--dport", "862", "-d", voiplab.SERVER_IP,
                         "-j", "NFQUEUE", "--queue-num", "7"])
    delayer = lab.start(lab.router, [sys.executable, str(voiplab.NFQ_DELAY), "7", "30", "4", "12", str(log), "3"])
    assert delayer.stdout.readline().strip() == "ready"
    code = ("import json,sys; from fieldkit.voip import stream; r=stream.run_stream(sys.argv[1], 862, duration_s=3);"
            "a=stream.analyse(r); print(json.dumps({'rtt': {x.seq: ((x.t4_ns-x.t1_ns)-(x.t3_ns-x.t2_ns))/1e6 "
            "for x in r.replies}, 'base': r.seq_base, 'up_jitter': a.upstream.jitter.final_ms, 'received': a.received}))")
    out = json.loads(lab.run(lab.client, [sys.executable, "-c", code, voiplab.SERVER_IP], timeout=60).stdout)
    lab.stop(delayer)
    applied = {}
    for line in log.read_text().splitlines():
        seq, delay_ms, _released, _dport = line.split()
        applied[int(seq) - out["base"]] = float(delay_ms)
    assert out["received"] == 150 and len(applied) >= 150
    # RTT - applied delay = the undisturbed path (sub-millisecond in a netns), for every packet
    base = [out["rtt"][str(seq)] - applied[seq] for seq in range(150)]
    base.sort()
    assert base[75] < 1.0 and base[0] > -0.5
    delays_by_release = [float(l.split()[1]) for l in log.read_text().splitlines()]
    reference = 0.0
    for prev, cur in zip(delays_by_release, delays_by_release[1:]):
        reference += (abs(cur - prev) - reference) / 16
    assert out["up_jitter"] == pytest.approx(reference, rel=0.3, abs=0.5)


TWO_IP_COTURN = ["turnserver", "-n", "-S", "-L", voiplab.SERVER_IP, "-L", voiplab.SERVER_IP2, "-p", "3478",
                 "--no-tls", "--no-dtls", "--no-cli", "-z", "--log-file=stdout", "--simple-log"]
NAT_RULES = {
    "port-restricted": """table ip fkvnat {
  chain post { type nat hook postrouting priority srcnat; policy accept; oifname "rtr-s" masquerade; }
  chain in { type filter hook input priority filter; policy accept; iifname "rtr-s" ct state new drop; }
}""",
    "symmetric": """table ip fkvnat {
  chain post { type nat hook postrouting priority srcnat; policy accept; oifname "rtr-s" masquerade random; }
  chain in { type filter hook input priority filter; policy accept; iifname "rtr-s" ct state new drop; }
}""",
    "full-cone": f"""table ip fkvnat {{
  chain pre {{ type nat hook prerouting priority dstnat; policy accept; iifname "rtr-s" ip daddr {voiplab.ROUTER_S} dnat to {voiplab.CLIENT_IP}; }}
  chain post {{ type nat hook postrouting priority srcnat; policy accept; oifname "rtr-s" ip saddr {voiplab.CLIENT_IP} snat to {voiplab.ROUTER_S}; }}
}}""",
}


@pytest.mark.real
@pytest.mark.parametrize("flavour, mapping, filtering", [
    (None, "no NAT (mapped address = local address)", "endpoint-independent"),
    ("port-restricted", "endpoint-independent", "address-and-port-dependent"),
    ("symmetric", "address-and-port-dependent", "address-and-port-dependent"),
    ("full-cone", "endpoint-independent", "endpoint-independent"),
])
def test_nat_behaviour_with_two_ip_coturn(lab, flavour, mapping, filtering):
    need(bool(_which("turnserver")), "coturn is not installed")
    lab.start(lab.server, TWO_IP_COTURN)
    voiplab.wait_udp_listen(lab, lab.server, f"{voiplab.SERVER_IP2}:3479")
    if flavour:
        lab.nft(lab.router, NAT_RULES[flavour])
    rc, result = lab.fieldkit_check("--stun", f"{voiplab.SERVER_IP}:3478", "--timeout", "40")
    nat = next(f for f in result["findings"] if f["subject"].startswith("NAT"))
    assert nat["data"]["rfc5780"] is True, nat
    assert nat["data"]["mapping"] == mapping, nat
    assert nat["data"]["filtering"] == filtering, nat
    assert nat["data"]["nat_present"] is (flavour is not None)
    assert nat["status"] == ("WARNING" if flavour == "symmetric" else "OK")


@pytest.mark.real
def test_nat_binding_lifetime_shorter_than_keepalive(lab):
    need(bool(_which("turnserver")), "coturn is not installed")
    lab.start(lab.server, TWO_IP_COTURN)
    voiplab.wait_udp_listen(lab, lab.server, f"{voiplab.SERVER_IP}:3478")
    lab.nft(lab.router, NAT_RULES["port-restricted"])
    for key in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
        lab.run(lab.router, ["sysctl", "-qw", f"net.netfilter.{key}=3"])
    rc, result = lab.fieldkit_check("--stun", f"{voiplab.SERVER_IP}:3478", "--nat-lifetime-max-s", "12",
                                    "--sip-keepalive-s", "30", "--timeout", "60")
    nat = next(f for f in result["findings"] if f["subject"].startswith("NAT"))
    assert nat["data"]["lifetime_s_min"] == 2 and nat["data"]["lifetime_s_max"] == 5, nat["data"]
    assert nat["status"] == "WARNING" and nat["rule"] == "nat-binding-short"


LINUX_SIP_ALG = """table ip fkvalg {
  ct helper sipu { type "sip" protocol udp; }
  ct helper sipt { type "sip" protocol tcp; }
  chain pre { type filter hook prerouting priority 0; policy accept;
    iifname "rtr-c" udp dport 5060 ct helper set "sipu"
    iifname "rtr-c" tcp dport 5060 ct helper set "sipt"
  }
  chain post { type nat hook postrouting priority srcnat; policy accept; oifname "rtr-s" masquerade; }
}"""


@pytest.mark.real
def test_alg_echo_catches_the_linux_sip_alg(lab):
    """A real ALG: the kernel's nf_conntrack_sip/nf_nat_sip helper on a masquerading router."""
    need("CONFIG_NF_NAT_SIP=y" in subprocess.run(["sh", "-c", "zcat /proc/config.gz 2>/dev/null"],
                                                 capture_output=True, text=True).stdout
         or Path("/sys/module/nf_nat_sip").exists(), "kernel without the SIP NAT helper")
    lab.start_reflector()
    lab.nft(lab.router, LINUX_SIP_ALG)
    rc, result = lab.fieldkit_check("--reflector", voiplab.SERVER_IP, "--duration", "1")
    findings = {f["subject"]: f for f in result["findings"]}
    udp = findings[f"SIP ALG UDP {voiplab.SERVER_IP}:5060"]
    assert udp["status"] == "CRITICAL" and udp["rule"] == "alg-rewrite"
    assert f"-Via: SIP/2.0/UDP {voiplab.CLIENT_IP}:" in udp["detail"]
    assert f"+c=IN IP4 {voiplab.ROUTER_S}" in udp["data"]["changes"]
    # over TCP the helper either rewrites or swallows the message: never a clean pass
    tcp = findings[f"SIP ALG TCP {voiplab.SERVER_IP}:5060"]
    assert tcp["rule"] in ("alg-rewrite", "alg-swallowed") and tcp["status"] in ("CRITICAL", "WARNING")


@pytest.mark.real
@pytest.mark.parametrize("flavour, mapping", [
    ("port-restricted", "endpoint-independent"),
    ("symmetric", "address-dependent or address-and-port-dependent (symmetric)"),
])
def test_mapping_from_two_plain_stun_servers(lab, flavour, mapping):
    """Without RFC 5780: the mapping test compares what two ordinary servers on different IPs see."""
    need(bool(_which("turnserver")), "coturn is not installed")
    for ip in (voiplab.SERVER_IP, voiplab.SERVER_IP2):
        lab.start(lab.server, ["turnserver", "-n", "-S", "-L", ip, "-p", "3478", "--no-tls", "--no-dtls", "--no-cli",
                               "-z", "--log-file=stdout", "--simple-log", "--no-rfc5780"])
        voiplab.wait_udp_listen(lab, lab.server, f"{ip}:3478")
    lab.nft(lab.router, NAT_RULES[flavour])
    rc, result = lab.fieldkit_check("--stun", f"{voiplab.SERVER_IP}:3478", "--stun", f"{voiplab.SERVER_IP2}:3478",
                                    "--timeout", "40")
    nat = next(f for f in result["findings"] if f["subject"].startswith("NAT"))
    assert nat["data"]["rfc5780"] is False and len(nat["data"]["observations"]) == 2
    assert nat["data"]["mapping"] == mapping, nat["data"]
    assert "compared the mapped address seen by 2 servers" in nat["data"]["mapping_method"]
    assert "filtering behaviour not tested" in nat["data"]["filtering_note"]


@pytest.mark.real
def test_dscp_bleached_on_the_return_leg_only(lab):
    lab.start_reflector(f"{voiplab.SERVER_IP}:862")
    lab.nft(lab.router, f"""table inet fkvbleach {{
  chain mangle_f {{ type filter hook forward priority -150; policy accept;
    iifname "rtr-s" ip saddr {voiplab.SERVER_IP} udp sport 862 ip dscp set cs0
  }}
}}""")
    rc, result = lab.fieldkit_check("--reflector", voiplab.SERVER_IP, "--duration", "1", "--alg-port", "862")
    dscp = next(f for f in result["findings"] if f["subject"].startswith("DSCP"))
    assert dscp["data"]["at_reflector"] == 46 and dscp["data"]["at_client"] == 0
    assert dscp["status"] == "WARNING" and "back from the reflector: 0" in dscp["summary"]


# ------------------------------------------------------------------------------- jitter and bursts

def _nfqueue_ready():
    need(bool(_which("iptables")), "iptables (nft backend) is not installed")
    try:
        import netfilterqueue  # noqa: F401
    except ImportError:
        need(False, "NetfilterQueue is not installed (pip install '.[test]')")


def _quality(stream):
    return {m["name"]: m["value"] for m in stream["metrics"]}


@pytest.mark.real
def test_jitter_raises_late_loss_and_lowers_mos(lab):
    """Uniform 0-60 ms extra delay toward the reflector (reordering allowed) against a clean path:
    the emulated receiver discards late packets upstream only, and the MOS falls."""
    _nfqueue_ready()
    import speechlab

    lab.start_reflector(f"{voiplab.SERVER_IP}:862")
    clean = _quality(speechlab.fieldkit_only(lab, 0, "none", 3))
    jittery_stream = speechlab.fieldkit_only(lab, 60, "none", 3)
    jittery = _quality(jittery_stream)
    assert clean["late_loss_pct"] == 0 and clean["effective_loss_pct"] == 0
    # downstream is not impaired; on a loaded 2-core machine the scheduler alone can make a
    # packet or two late there, so it is held to a small fraction of the upstream's late loss
    assert jittery["late_loss_up_pct"] > 1.0
    assert jittery["late_loss_down_pct"] <= jittery["late_loss_up_pct"] / 3
    assert jittery["loss_pct"] == 0 and jittery["effective_loss_pct"] == jittery["late_loss_up_pct"]
    assert jittery["pdv_up_p95_ms"] > 30 > jittery["pdv_down_p95_ms"]
    assert jittery["jitter_up_ms"] > 5 * max(clean["jitter_up_ms"], 0.5)
    assert jittery["mos"] < clean["mos"] - 0.1 and jittery["mos_min_window"] <= jittery["mos"]
    assert jittery["mos_up"] < jittery["mos_down"]       # only the upstream was disturbed
    assert jittery_stream["data"]["worse_direction"] == "upstream"
    # a deep fixed buffer absorbs the same jitter: no late loss, but its delay counts
    fixed = _quality(speechlab.fieldkit_only(lab, 60, "none", 3, "--jitter-buffer", "fixed",
                                             "--jitter-buffer-ms", "100"))
    assert fixed["late_loss_pct"] == 0 and fixed["buffer_up_ms"] == 100
    assert fixed["mos"] > jittery["mos"]


BURSTS = {
    # 6 of 150 packets each: every 25th alone, or runs of 3
    "random": "numgen inc mod 25 == 0 counter drop",
    "bursty": "numgen inc mod 75 < 3 counter drop",
}


@pytest.mark.real
def test_bursts_lower_mos_more_than_random_loss_of_the_same_rate(lab):
    lab.start_reflector(f"{voiplab.SERVER_IP}:862")
    results = {}
    for kind, rule in BURSTS.items():
        lab.nft(lab.router, f"""table inet fkvburst {{
  chain forward_f {{
    type filter hook forward priority 0; policy accept;
    ip daddr {voiplab.SERVER_IP} udp dport 862 {rule}
  }}
}}""")
        rc, result = lab.fieldkit_check("--reflector", voiplab.SERVER_IP, "--duration", "3", "--alg-test", "off",
                                        "--timeout", "40")
        lab.run(lab.router, ["nft", "delete", "table", "inet", "fkvburst"])
        results[kind] = next(f for f in result["findings"] if f["subject"].startswith("call quality"))
    random_q, bursty_q = _quality(results["random"]), _quality(results["bursty"])
    assert random_q["loss_up_pct"] == bursty_q["loss_up_pct"] == pytest.approx(4.0)
    assert results["bursty"]["data"]["receiver"]["upstream"]["bursts"]["burst_ratio"] > 2
    assert results["random"]["data"]["receiver"]["upstream"]["bursts"]["burst_ratio"] < 1.2
    assert bursty_q["max_consecutive_lost"] == 3 and random_q["max_consecutive_lost"] == 1
    assert bursty_q["mos"] < random_q["mos"]


@pytest.mark.real
def test_readiness_preset_lists_each_published_limit(lab):
    lab.start_reflector(f"{voiplab.SERVER_IP}:862")
    rc, result = lab.fieldkit_check("--reflector", voiplab.SERVER_IP, "--duration", "2", "--alg-test", "off",
                                    "--preset", "teams", "--timeout", "40")
    preset = next(f for f in result["findings"] if f["subject"].startswith("readiness for Microsoft Teams"))
    assert preset["status"] == "OK" and "meets the published network requirements" in preset["summary"]
    assert [lim["label"] for lim in preset["data"]["limits"]][:2] == ["one-way latency < 30 ms", "round trip < 60 ms"]
    assert "the 15 s limits were judged on the whole stream" in preset["detail"]
    assert rc == 0


def test_a_path_that_misses_a_preset_says_which_limit(make_ctx):
    from fieldkit.checks.voip import presets, verdicts
    from fieldkit.voip import stream as vstream

    run = _constructed_stream(loss_every=10)
    report = vstream.analyse(run)
    directions = verdicts.rate_directions(report, codec="g711", mos_model="g107", buffer="adaptive", fixed_ms=60,
                                          interval_ms=20.0)
    finding = presets.readiness_finding("ringcentral", report, directions, 20.0, "192.0.2.1", 862)
    assert finding.status is Status.WARNING and "packet loss below 1%" in finding.summary
    assert "delay < 150 ms one-way: measured" in finding.detail and "-> meets" in finding.detail
    assert finding.metric("ringcentral_loss_pct").warn == 1.0


def _constructed_stream(loss_every: int):
    """A 10 s reflected stream with every ``loss_every``-th packet lost upstream (stateful reflector)."""
    from fieldkit.voip import stream as vstream

    run = vstream.StreamRun("192.0.2.1:862", ("192.0.2.1", 862), 20.0, 172, 184, True, seq_base=1 << 20)
    t0 = 1_700_000_000_000_000_000
    reflector_seq = 0
    for seq in range(500):
        sent = t0 + seq * 20_000_000
        run.sent.append(vstream.Sent(seq, seq * 20_000_000, seq * 20_000_000, sent))
        if seq % loss_every == 0:
            continue
        t2 = sent + 5_000_000
        run.replies.append(vstream.Reply(seq, sent, t2, t2 + 50_000, t2 + 5_100_000, reflector_seq, 184, 184, 64,
                                         True))
        reflector_seq += 1
    return run


def test_the_voip_rtt_chart_is_drawn_in_the_report(make_ctx):
    """The per-probe round trips are a list, as the network check's: the report draws them."""
    from fieldkit.report.model import charts_for

    run = _constructed_stream(loss_every=50)
    from fieldkit.checks.voip import verdicts

    ctx = make_ctx("voip", reflector="192.0.2.1")
    from fieldkit.voip import stream as vstream

    report = vstream.analyse(run)
    directions = verdicts.rate_directions(report, codec="g711", mos_model="g107", buffer="adaptive", fixed_ms=60,
                                          interval_ms=20.0)
    finding = verdicts._quality_finding(ctx, run, report, directions, "call quality to 192.0.2.1:862")
    assert isinstance(finding.data["rtt_ms"], list) and len(finding.data["rtt_ms"]) == 500
    assert finding.data["rtt_ms"].count(None) == 10
    titles = [c.title for c in charts_for(finding)]
    assert "Round-trip times to call quality to 192.0.2.1:862" in titles
    assert any(title.startswith("Latency and jitter over time") for title in titles)
