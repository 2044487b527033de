"""Classification of probe results into findings: thresholds, rules, and advice on every problem."""

from __future__ import annotations

import pytest

from fieldkit.findings import Status
from fieldkit.checks.network import verdicts
from fieldkit.net.dns import DnsAnswer, NxdomainResult
from fieldkit.net.http import HttpResult, PortalResult, TlsInfo
from fieldkit.net.icmp import PingResult
from fieldkit.net.pmtu import PmtuResult
from fieldkit.net.tcp import TcpResult
from fieldkit.net.traceroute import Hop, TraceResult


@pytest.fixture
def ctx(make_ctx):
    return make_ctx("network")


def _all_findings(ctx) -> list:
    ok_dns = DnsAnswer("192.0.2.53", "www.example.com", "A", "NOERROR", ["192.0.2.80"], 12.0)
    findings = []
    findings += verdicts.ping(ctx, "h", PingResult("h", None, "scapy", error="no route to h"))
    findings += verdicts.ping(ctx, "h", PingResult("h", "192.0.2.1", "scapy", [None] * 5))
    findings += verdicts.ping(ctx, "h", PingResult("h", "192.0.2.1", "scapy", [1.0, None, 1.0, 1.0, 1.0]))
    findings += verdicts.ping(ctx, "h", PingResult("h", "192.0.2.1", "dgram", [600.0] * 5))
    for state in ("refused", "filtered", "unreachable", "no-route", "dns", "error"):
        findings += verdicts.tcp(ctx, TcpResult("h", 80, "192.0.2.1", state, [None], [state]))
    findings += verdicts.tcp(ctx, TcpResult("h", 80, "192.0.2.1", "open", [1.0, None], ["open", "filtered"]))
    dead = DnsAnswer("192.0.2.53", ".", "NS", "TIMEOUT", error="no answer")
    findings += verdicts.resolver(ctx, "192.0.2.53", {"answers": [dead], "nxdomain": None})
    slow = DnsAnswer("192.0.2.53", "www.example.com", "A", "NOERROR", ["192.0.2.80"], 2000.0)
    findings += verdicts.resolver(ctx, "192.0.2.53", {"answers": [slow], "nxdomain": None})
    missing = DnsAnswer("192.0.2.53", "www.example.com", "A", "NXDOMAIN", [], 3.0)
    lie = DnsAnswer("192.0.2.53", "fk-nx-1.example.com", "A", "NOERROR", ["198.51.100.1"], 3.0)
    findings += verdicts.resolver(ctx, "192.0.2.53", {"answers": [missing],
                                                      "nxdomain": NxdomainResult("192.0.2.53", lie.name, True, lie)})
    findings += verdicts.sip_domain(ctx, "192.0.2.53", "example.com", [dead])
    findings += verdicts.sip_domain(ctx, "192.0.2.53", "example.com",
                                    [DnsAnswer("192.0.2.53", "example.com", "NAPTR", "NODATA", [], 2.0)])
    findings += verdicts.url(ctx, HttpResult("https://h/", error="refused", error_kind="refused"))
    findings += verdicts.url(ctx, HttpResult("https://h/", status=503, reason="Busy", total_ms=50.0))
    findings += verdicts.url(ctx, HttpResult("https://h/", status=200, reason="OK", total_ms=50.0,
                                             tls=TlsInfo(False, "certificate has expired", days_left=-3.0)))
    findings += verdicts.url(ctx, HttpResult("https://h/", status=200, reason="OK", total_ms=50.0,
                                             tls=TlsInfo(True, days_left=10.0)))
    findings += verdicts.captive(ctx, PortalResult("http://h/", True, "redirected", HttpResult("http://h/", 302)))
    findings += verdicts.trace(ctx, TraceResult("h", "192.0.2.1", "icmp", error="no route to 192.0.2.1"))
    findings += verdicts.trace(ctx, TraceResult("h", "192.0.2.1", "icmp", [Hop(1, "192.0.2.254", [1.0]),
                                                                           Hop(2, None, [None])]))
    findings += verdicts.trace(ctx, TraceResult("h", "192.0.2.1", "icmp", [
        Hop(1, "192.0.2.254", [1.0, 1.0]), Hop(2, "192.0.2.1", [2.0, None], final=True)], reached=True))
    findings += verdicts.pmtu(ctx, PmtuResult("h", "192.0.2.1", error="no route to 192.0.2.1"))
    findings += verdicts.pmtu(ctx, PmtuResult("h", "192.0.2.1", 1400, 1500, True))
    findings += verdicts.resolver(ctx, "192.0.2.53", {"answers": [ok_dns], "nxdomain": None})
    return findings


def test_every_problem_has_plain_advice_and_a_rule(ctx) -> None:
    findings = _all_findings(ctx)
    problems = [f for f in findings if f.status in (Status.WARNING, Status.CRITICAL)]
    assert len(problems) >= 25
    for finding in problems:
        assert finding.rule and finding.advice.meaning and finding.advice.action, (finding.subject, finding.rule)


def test_thresholds(ctx) -> None:
    lossy = verdicts.ping(ctx, "h", PingResult("h", "a", "scapy", [1.0, None, 1.0, 1.0, 1.0]))[0]
    assert lossy.status is Status.CRITICAL and lossy.metric("loss_pct").value == 20.0   # crit 10 %
    slow = verdicts.ping(ctx, "h", PingResult("h", "a", "dgram", [200.0] * 5))[0]
    assert slow.status is Status.WARNING and slow.metric("rtt_median_ms").value == 200.0
    assert "unprivileged datagram socket" in slow.summary
    cert = verdicts.url(ctx, HttpResult("https://h/", status=200, reason="OK", total_ms=5.0,
                                        tls=TlsInfo(True, days_left=10.0)))[0]
    assert cert.status is Status.WARNING and cert.metric("cert_days_left").value == 10.0


def test_loss_only_at_an_intermediate_hop_is_not_a_problem(ctx) -> None:
    result = TraceResult("h", "192.0.2.1", "icmp", [Hop(1, "192.0.2.254", [1.0, None, None]),
                                                   Hop(2, "192.0.2.1", [2.0, 2.0, 2.0], final=True)], reached=True)
    finding = verdicts.trace(ctx, result)[0]
    assert finding.status is Status.OK and finding.rule == "traceroute-rate-limited"
    assert "rate limiting" in finding.summary and finding.metric("hops").value == 2
    assert finding.data["hops"][0]["loss_pct"] == pytest.approx(66.67)


def test_pmtu_sip_fragmentation_rule(ctx) -> None:
    fine = verdicts.pmtu(ctx, PmtuResult("h", "a", 1500, 1500, True))[0]
    assert fine.status is Status.OK and fine.metric("pmtu_bytes").value == 1500
    small = verdicts.pmtu(ctx, PmtuResult("h", "a", 1300, 1500, False))[0]
    assert small.status is Status.WARNING and "would be fragmented" in small.summary
    assert "not confirmed" in small.summary and small.metric("sip_udp_limit_bytes").value == 1100


def test_dns_name_with_only_an_a_record_is_fine_but_no_address_is_critical(ctx) -> None:
    a = DnsAnswer("r", "www.example.com", "A", "NOERROR", ["192.0.2.80"], 3.0)
    no_aaaa = DnsAnswer("r", "www.example.com", "AAAA", "NXDOMAIN", [], 3.0)   # dnsmasq answers like this
    assert verdicts.resolver(ctx, "r", {"answers": [a, no_aaaa], "nxdomain": None})[0].status is Status.OK
    gone = DnsAnswer("r", "www.example.com", "A", "NXDOMAIN", [], 3.0)
    finding = verdicts.resolver(ctx, "r", {"answers": [gone, no_aaaa], "nxdomain": None})[0]
    assert finding.status is Status.CRITICAL and "no address for www.example.com" in finding.summary


def test_customer_texts_are_whole_translatable_sentences(ctx) -> None:
    """Summaries and advice are built with t()/tn(): the template and its parameters travel with the text."""
    from fieldkit.messages import Msg

    findings = _all_findings(ctx)
    assert len(findings) > 20
    for finding in findings:
        assert isinstance(finding.summary, Msg), finding.summary
        assert str(Msg(finding.summary.template, finding.summary.plural, **finding.summary.params)) == finding.summary
        for text in (finding.advice.meaning, finding.advice.action, finding.advice.prevention):
            assert text == "" or isinstance(text, Msg), text
    refused = next(f for f in findings if f.rule == "tcp-refused")
    assert refused.summary.template.startswith("TCP {target} refused") and refused.summary.params == {"target": "h:80"}
