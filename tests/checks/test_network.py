"""The network check end to end: options, profiles, findings, and the CLI inside a namespace lab."""

from __future__ import annotations

import socket
import subprocess
import tomllib
from pathlib import Path

import pytest

import netlab
from netlab import lab, net  # noqa: F401  (fixtures)
from conftest import IS_ROOT, ROOT, fieldkit_cmd, need
from fieldkit import checks
from fieldkit.findings import Status
from fieldkit.checks.network.verdicts import assemble


# ---------------------------------------------------------------------------- without a lab
def test_registered_with_options_for_ad_hoc_use() -> None:
    spec = checks.load("network")
    assert spec.area == "network" and "network" in checks.REGISTRY
    for name in ("target", "url", "traceroute", "pmtu", "dns_names", "sip_domains", "gateway",
                 "loss_warn_pct", "loss_crit_pct", "rtt_warn_ms", "rtt_crit_ms", "count", "interval"):
        assert spec.option(name) is not None, name
    assert spec.option("target").multiple and spec.option("target").type == "hostport"


@pytest.mark.parametrize("profile", ["quick", "full", "voip-site", "nightly"])
def test_builtin_profiles_contact_no_host_of_their_own(profile: str) -> None:
    table = tomllib.loads((ROOT / "profiles" / f"{profile}.toml").read_text())["checks"]["network"]
    for key in ("target", "url", "traceroute", "pmtu", "captive_url", "resolvers", "dns_names", "sip_domains"):
        assert not table.get(key), f"{profile} configures {key}: built-in profiles must not name any host"


def test_quick_profile_tests_only_local_configuration_gateway_and_resolvers() -> None:
    from fieldkit import profiles

    options = profiles.load("quick").checks["network"].options
    assert options["local"] and options["gateway"] and options["dns"]
    assert options["count"] * options["interval"] + options["probe_timeout"] < 5


def test_bad_target_is_a_one_line_usage_error() -> None:
    proc = subprocess.run(fieldkit_cmd() + ["check", "network", "--target", "999.1.1.1:80", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and proc.stdout == ""
    assert "999.1.1.1:80" in proc.stderr and "HOST" in proc.stderr


def test_nothing_to_do_is_unknown_not_ok(make_ctx) -> None:
    findings = checks.load("network").run(make_ctx("network", local=False, gateway=False, dns=False))
    assert [f.status for f in findings] == [Status.UNKNOWN] and findings[0].rule == "nothing-configured"


def test_loopback_refused_port_and_ping(make_ctx) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        ctx = make_ctx("network", local=False, gateway=False, dns=False, target=[f"127.0.0.1:{port}"],
                       count=3, interval=0.01, ping_method="tcp", tcp_attempts=2)
        findings = {f.subject: f for f in checks.load("network").run(ctx)}
    tcp = findings[f"127.0.0.1:{port}"]
    assert tcp.status is Status.CRITICAL and tcp.rule == "tcp-refused" and "refused" in tcp.summary
    ping = findings["127.0.0.1"]
    assert ping.status is Status.OK and ping.metric("loss_pct").value == 0
    assert len(ping.data["rtt_ms"]) == 3 and ping.data["method"] == "tcp" and "TCP connect" in ping.summary


def test_unfinished_and_crashed_probes_become_unknown(make_ctx) -> None:
    ctx = make_ctx("network")
    tasks = {"ping:a": lambda: None, "tcp:b:1": lambda: None}
    findings = assemble(ctx, tasks, {}, {"tcp:b:1": RuntimeError("socket exploded")})
    assert [(f.subject, f.status, f.rule) for f in findings] == [
        ("a", Status.UNKNOWN, "probe-timeout"), ("b:1", Status.UNKNOWN, "probe-crash")]
    assert "socket exploded" in findings[1].detail and findings[1].summary == "b:1: the probe failed"


def test_local_configuration_from_fixture_files(make_ctx, tmp_path: Path) -> None:
    from fieldkit.net import local
    from fieldkit.checks.network import verdicts

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/resolv.conf").write_text("")
    iface = local.Interface("eth0", True, 1500, 1000, ["169.254.7.9/16"], [], operstate="up")
    findings = verdicts.local_findings([iface], [], local.resolvers(tmp_path), [], True)
    by_subject = {f.subject: f for f in findings}
    apipa = by_subject["interface eth0"]
    assert apipa.status is Status.CRITICAL and apipa.rule == "apipa-address" and apipa.advice.action
    assert by_subject["interfaces"].rule == "no-address"
    assert by_subject["default route"].status is Status.CRITICAL
    assert by_subject["resolvers"].rule == "no-resolver"
    unplugged = local.Interface("eth0", True, 1500, None, ["192.0.2.5/24"], [], operstate="down")
    assert verdicts.local_findings([unplugged], [], local.resolvers(tmp_path), [], True)[0].rule == "no-link"


# ---------------------------------------------------------------------------- in the namespace lab


@pytest.mark.real
def test_ad_hoc_check_finds_where_the_path_breaks(net) -> None:
    rc, result, _ = net.fieldkit(
        "--target", f"{netlab.SERVER}:80", "--target", netlab.LOSSY, "--target", f"{netlab.SERVER}:8081",
        "--target", f"{netlab.SERVER}:8083", "--target", f"www.{netlab.ZONE}:80", "--url", f"https://{netlab.SERVER}/", "--ca-file", str(net.ca_file),
        "--url", f"https://{netlab.SERVER}:8443/", "--traceroute", netlab.SERVER, "--pmtu", netlab.SERVER,
        "--dns-names", f"www.{netlab.ZONE}", "--sip-domains", netlab.SIP_DOMAIN, "--nxdomain-domain", netlab.ZONE,
        "--count", "10", "--interval", "0.02", "--probe-timeout", "0.5", "--tcp-attempts", "2")
    assert rc == 2 and result["complete"]   # CRITICAL: filtered and refused ports, untrusted certificate
    one = netlab.one

    lossy = one(result, netlab.LOSSY)
    assert netlab.metric(lossy, "loss_pct") == 20.0 and lossy["status"] == "CRITICAL"
    assert len(lossy["data"]["rtt_ms"]) == 10 and lossy["data"]["rtt_ms"].count(None) == 2
    assert lossy["data"]["method"] == "scapy" and "raw socket" in lossy["summary"]
    for name in ("rtt_median_ms", "rtt_p95_ms"):
        assert netlab.metric(lossy, name) > 0

    gw = one(result, f"gateway {netlab.ROUTER}")
    assert gw["status"] == "OK" and netlab.metric(gw, "loss_pct") == 0
    assert one(result, f"{netlab.SERVER}:80")["rule"] == "tcp-open"
    assert one(result, f"{netlab.SERVER}:8081")["rule"] == "tcp-filtered"
    assert one(result, f"{netlab.SERVER}:8083")["rule"] == "tcp-refused"
    by_name = one(result, f"www.{netlab.ZONE}:80")      # resolved through the namespace's resolv.conf
    assert by_name["rule"] == "tcp-open" and by_name["data"]["address"] == netlab.SERVER

    route = one(result, f"route to {netlab.SERVER}")
    assert [h["address"] for h in route["data"]["hops"]] == [netlab.ROUTER, netlab.SERVER]
    assert netlab.metric(route, "hops") == 2 and route["status"] == "OK"

    mtu = one(result, f"path MTU to {netlab.SERVER}")
    assert netlab.metric(mtu, "pmtu_bytes") == 1400 and mtu["status"] == "WARNING"
    assert "below 1500" in mtu["summary"] and "1200 bytes must use TCP" in mtu["summary"]

    resolver = one(result, f"resolver {netlab.SERVER}")
    assert resolver["status"] == "OK" and resolver["data"]["nxdomain"]["rewritten"] is False
    sip = one(result, f"SIP domain {netlab.SIP_DOMAIN} via {netlab.SERVER}")
    assert sip["status"] == "OK" and "pbx.fieldkit.test" in sip["summary"]

    trusted = one(result, f"https://{netlab.SERVER}/")
    assert trusted["status"] == "OK" and 364 <= netlab.metric(trusted, "cert_days_left") <= 365
    short = one(result, f"https://{netlab.SERVER}:8443/")
    assert short["status"] == "CRITICAL" and "NOT trusted" in short["summary"] and "3 more days" in short["summary"]

    assert one(result, "default route")["summary"] == f"Default route via {netlab.ROUTER} on cli0"
    assert one(result, "resolvers")["data"]["configured"] == [netlab.SERVER]


@pytest.mark.real
def test_quick_profile_in_the_lab_stays_local(net) -> None:
    before = net.forwarded_from_client()
    rc, result, _ = net.fieldkit("--profile", "quick", "--nxdomain-domain", netlab.ZONE)
    after = net.forwarded_from_client()
    # Through the router only DNS to the configured resolver; the gateway ping ends at the router.
    assert after["client-dns"] > before["client-dns"] and after["client-other"] == before["client-other"]
    net.fieldkit("--no-local", "--no-gateway", "--no-dns", "--target", netlab.SERVER, "--count", "1")
    assert net.forwarded_from_client()["client-other"] > after["client-other"]   # the counter does count
    subjects = sorted(f["subject"] for f in result["findings"])
    assert subjects == sorted(["interfaces", "default route", "resolvers", f"gateway {netlab.ROUTER}",
                               f"resolver {netlab.SERVER}"])
    assert rc == 0, result["findings"]


@pytest.mark.real
def test_rewriting_resolver_and_captive_portal_are_flagged(net) -> None:
    rc, result, _ = net.fieldkit("--resolvers", netlab.LOSSY, "--nxdomain-domain", netlab.ZONE, "--no-gateway",
                                 "--captive-url", f"http://{netlab.SERVER}/portal")
    rewrite = netlab.one(result, f"resolver {netlab.LOSSY} NXDOMAIN")
    assert rewrite["status"] == "WARNING" and rewrite["rule"] == "dns-nxdomain-rewrite"
    portal = netlab.one(result, "captive portal")
    assert portal["status"] == "CRITICAL" and portal["advice"]["action"].startswith("Open a web browser")
    assert rc == 2


@pytest.mark.real
def test_self_assigned_address_is_critical(net) -> None:
    netlab.sh("ip", "-n", net.cli, "addr", "add", "169.254.33.7/16", "dev", "cli0")
    try:
        rc, result, _ = net.fieldkit("--no-gateway", "--no-dns")
    finally:
        netlab.sh("ip", "-n", net.cli, "addr", "del", "169.254.33.7/16", "dev", "cli0")
    apipa = netlab.one(result, "interface cli0")
    assert apipa["status"] == "CRITICAL" and "169.254.33.7" in apipa["summary"] and apipa["advice"]["meaning"]
    assert rc == 2


@pytest.mark.real
def test_dead_resolver_and_unknown_name(net) -> None:
    rc, result, wall = net.fieldkit("--resolvers", netlab.NOHOST, "--target", f"nothere.{netlab.ZONE}:80",
                                    "--no-gateway", "--probe-timeout", "0.5", "--nxdomain-domain", netlab.ZONE,
                                    "--dns-names", f"a.{netlab.ZONE}", "--dns-names", f"b.{netlab.ZONE}")
    dead = netlab.one(result, f"resolver {netlab.NOHOST}")
    assert dead["status"] == "CRITICAL" and dead["rule"] == "dns-dead"
    # One timeout is enough to call it dead: the other three queries are not sent.
    assert [q["status"] for q in dead["data"]["queries"]] == ["TIMEOUT", "SKIPPED", "SKIPPED", "SKIPPED"]
    name = netlab.one(result, f"nothere.{netlab.ZONE}")
    assert name["status"] == "CRITICAL" and "could not be resolved" in name["summary"]
    assert netlab.one(result, f"nothere.{netlab.ZONE}:80")["rule"] == "tcp-dns"


@pytest.mark.real
def test_isolated_machine_reports_every_fault_and_finishes(net) -> None:
    iso = f"fkn-iso-{net.suffix}"
    netlab.sh("ip", "netns", "add", iso)
    net.set_resolv_conf(iso, "# no resolver\n")
    rc, result, wall = net.fieldkit("--target", f"{netlab.SERVER}:80", "--url", f"http://{netlab.SERVER}/",
                                    "--traceroute", netlab.SERVER, "--pmtu", netlab.SERVER, "--timeout", "20",
                                    ns=iso)
    by = {f["subject"]: f for f in result["findings"]}
    assert by["interfaces"]["rule"] == "no-link" and by["default route"]["rule"] == "no-default-route"
    assert by["resolvers"]["rule"] == "no-resolver"
    assert by[netlab.SERVER]["status"] == "CRITICAL" and "no route" in by[netlab.SERVER]["summary"]
    assert by[f"{netlab.SERVER}:80"]["rule"] == "tcp-no-route"
    assert by[f"http://{netlab.SERVER}/"]["rule"] == "http-no-route"
    assert by[f"route to {netlab.SERVER}"]["status"] == "CRITICAL"
    assert "no route" in by[f"path MTU to {netlab.SERVER}"]["summary"]
    assert rc == 2 and result["complete"]


@pytest.mark.real
def test_host_that_filters_ping_but_answers_tcp_is_not_down(net) -> None:
    rc, result, _ = net.fieldkit("--target", f"{netlab.NOICMP}:80", "--no-gateway", "--no-dns", "--no-local",
                                 "--count", "3", "--interval", "0.02", "--probe-timeout", "0.5")
    ping = netlab.one(result, netlab.NOICMP)
    assert ping["status"] == "OK" and ping["rule"] == "ping-filtered" and "ICMP filtered" in ping["summary"]
    assert ping["data"]["rtt_ms"] == [None, None, None]
    assert netlab.one(result, f"{netlab.NOICMP}:80")["rule"] == "tcp-refused"


@pytest.mark.real
def test_resolver_that_refuses_recursion_is_a_warning(net) -> None:
    # The lab resolver has no upstream: a name outside its zone is REFUSED.
    rc, result, _ = net.fieldkit("--no-gateway", "--nxdomain-domain", "example.com")
    resolver = netlab.one(result, f"resolver {netlab.SERVER}")
    assert resolver["status"] == "WARNING" and "(A): refused" in resolver["summary"]


def test_without_root_traceroute_and_ping_name_their_fallbacks(make_ctx) -> None:
    from fieldkit.context import Environment

    ctx = make_ctx("network", env=Environment(is_root=False), local=False, gateway=False, dns=False,
                   traceroute=["127.0.0.1"], target=["127.0.0.1"], count=2, interval=0.01, traceroute_probes=2)
    findings = {f.subject: f for f in checks.load("network").run(ctx)}
    trace = findings["route to 127.0.0.1"]
    assert trace.status is Status.OK and trace.data["hops"][0]["address"] == "127.0.0.1"
    assert "root" in trace.data["note"] and trace.data["method"] == "udp"
    ping = findings["127.0.0.1"]
    assert ping.data["method"] in ("dgram", "tcp") and "root" in ping.data["note"]


@pytest.mark.real
def test_probe_slower_than_the_budget_becomes_unknown_and_the_check_still_completes(net) -> None:
    # A filtered port with 30 s per attempt cannot finish in a 4 s budget: the check must
    # return its other findings in time and say which probe did not finish.
    rc, result, _ = net.fieldkit("--timeout", "4", "--no-local", "--no-dns", "--no-gateway",
                                 "--target", f"{netlab.SERVER}:8081", "--probe-timeout", "30",
                                 "--count", "1")
    record = result["checks"][0]
    assert record["outcome"] == "completed", record
    late = netlab.one(result, f"{netlab.SERVER}:8081")
    assert late["status"] == "UNKNOWN" and late["rule"] == "probe-timeout"
    assert netlab.one(result, netlab.SERVER)["status"] == "OK"   # the ping finished and is kept
