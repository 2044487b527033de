"""Redaction (--redact) and secret scrubbing (always), on the redactor and through every output format."""

from __future__ import annotations

import json
import re

import pytest

from fieldkit import report
from fieldkit.findings import Evidence, Finding, Status
from fieldkit.report.redact import SECRET_MASK, Redactor, redact_scans, scrub_secrets

from report_samples import sample_scan, sample_visit

IDENTIFIERS = ["pc-reception", "pc-reception.office.lan", "WD-WCC6Y7XK1234", "S6B0NL0T123456", "SYS-XK1234",
               "BRD-XK1234", "3c:52:82:aa:bb:cc", "192.168.1.23", "fe80::3e52:82ff:feaa:bbcc", "192.168.1.1",
               "100.64.12.1", "9.9.9.9", "core1.isp.example", "alice", "sip.provider.example"]


def test_stand_ins_are_consistent_and_from_reserved_ranges():
    r = Redactor()
    assert r.stand_in("ipv4", "10.1.2.3") == "192.0.2.1"
    assert r.stand_in("ipv4", "10.1.2.4") == "192.0.2.2"
    assert r.stand_in("ipv4", "10.1.2.3") == "192.0.2.1"
    assert r.stand_in("mac", "AA:BB:CC:DD:EE:FF") == r.stand_in("mac", "aa:bb:cc:dd:ee:ff") == "02:00:5e:00:00:01"
    assert r.stand_in("ipv6", "2a01:4f8::1").startswith("2001:db8::")
    assert r.stand_in("serial", "X1") == "SERIAL-1"


def test_text_patterns_and_things_that_are_not_addresses():
    r = Redactor()
    out = r.text("eth0 3c:52:82:aa:bb:cc has 192.168.1.23/24 and 2a01:4f8:c17::2 via fe80::1%eth0; "
                 "loopback 127.0.0.1 ::1; at 12:30:45 run std::vector v1.2.3.4.5 and 999.1.2.3")
    assert "3c:52:82:aa:bb:cc" not in out and "192.168.1.23" not in out and "2a01:4f8:c17::2" not in out
    assert "fe80::1" not in out
    for kept in ("127.0.0.1", "::1", "12:30:45", "std::vector", "999.1.2.3"):
        assert kept in out, kept
    # a redacted text redacts to itself: stand-ins are never replaced again
    assert r.text(out) == out


def test_learned_hostnames_and_users_are_replaced_everywhere_with_word_boundaries():
    r = Redactor()
    r.learn({"machine": {"hostname": "pc", "fqdn": "pc.office.lan"}, "path": "/home/bob/x", "user": "carol"})
    out = r.text("pc.office.lan and PC and pcie and /home/bob/file by carol")
    assert "pc.office.lan" not in out and "bob" not in out and "carol" not in out
    assert " PC " not in out
    assert "pcie" in out  # "pc" inside another word is left alone


def test_same_identifier_gets_same_stand_in_across_machines():
    a = sample_scan("pc-a", seed=1, serial="SERIAL-SHARED-1")
    b = sample_scan("pc-b", seed=2, serial="SERIAL-SHARED-1")
    da, db = redact_scans([a.to_dict(), b.to_dict()])
    sa = da["findings"][2]["data"]["drive"]["serial"]
    sb = db["findings"][2]["data"]["drive"]["serial"]
    assert sa == sb and sa.startswith("SERIAL-")
    assert da["machine"]["hostname"] != db["machine"]["hostname"]
    # the hostname stand-in is the same in the machine block and in the system finding's subject
    assert da["findings"][0]["subject"] == da["machine"]["hostname"]


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_redacted_report_has_no_identifier_in_any_format(fmt):
    scans = [sample_scan(visit=sample_visit(notes=[{"time": "2026-11-23T09:00:00Z", "kind": "note",
                                                     "text": "pc-reception at 192.168.1.23 drive WD-WCC6Y7XK1234"}])),
             sample_scan("pc-2", seed=2, serial="WD-OTHER-99")]
    text = report.render(scans, fmt, redact=True)
    for identifier in IDENTIFIERS + ["pc-2", "WD-OTHER-99"]:
        assert identifier.lower() not in text.lower(), identifier
    # the customer and the technician still read their own names
    assert "Acme Dental" in text and "Sam Tech" in text
    if fmt == "html":
        assert 'data-redacted="yes"' in text
        # the visit note's serial got the same stand-in as the asset table's
        stand_in = re.search(r"drive (SERIAL-\d+)", text).group(1)
        assets = re.search(r'<section id="assets".*?</section>', text, re.S).group(0)
        assert stand_in in assets


def test_unredacted_report_says_so_and_keeps_identifiers():
    html = report.render([sample_scan()], "html")
    assert 'data-redacted="no"' in html and "WD-WCC6Y7XK1234" in html and "pc-reception" in html


def _secret_scan():
    scan = sample_scan()
    scan.findings.append(Finding(
        "voip", "sip.provider.example", Status.WARNING, "Registration failed for sip:100@provider",
        evidence=[Evidence(["sipp", "-au", "100", "--password", "hunter2secret", "-s", "100"], 1,
                           "REGISTER sip:provider SIP/2.0\nAuthorization: Digest username=\"100\", "
                           "response=\"6629fae49393a05397450978507c4ef1\"\npassword=Tr0ub4dor&3 token: abc123XYZsecret\n"
                           "url https://admin:S3cretPass@pbx.example/api", "sipp")],
        detail="api_key=AKIAVERYSECRET", data={"password": "plainsecretvalue", "sip_password": "another-secret"}))
    return scan


@pytest.mark.parametrize("redact", [False, True])
@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_secrets_never_appear(fmt, redact):
    text = report.render([_secret_scan()], fmt, redact=redact)
    for secret in ("hunter2secret", "6629fae49393a05397450978507c4ef1", "Tr0ub4dor", "abc123XYZsecret",
                   "S3cretPass", "AKIAVERYSECRET", "plainsecretvalue", "another-secret"):
        assert secret not in text, secret
    assert SECRET_MASK in text


def test_scrub_secrets_keeps_ordinary_text():
    value = {"summary": "Password reset page reachable; token bucket ok", "argv": ["ping", "-c", "3", "host"]}
    assert scrub_secrets(value) == value


def test_json_report_of_redacted_scans_still_loads_as_scans():
    from fieldkit.result import ScanResult

    doc = json.loads(report.render([sample_scan(), sample_scan("pc-2", seed=2)], "json", redact=True))
    assert doc["schema"] == "fieldkit.report/1" and doc["redacted"] is True
    assert doc["status"] == "CRITICAL" and len(doc["machines"]) == 2
    for scan in doc["scans"]:
        loaded = ScanResult.from_dict(scan)
        assert loaded.machine["hostname"].startswith("host-")


def test_placeholder_serials_are_not_replaced_everywhere():
    r = Redactor()
    r.learn({"drive": {"serial": "yes"}, "board_serial": "ABCD1234"})
    assert r.text("yes, ABCD1234 is fine") == "yes, SERIAL-1 is fine"
