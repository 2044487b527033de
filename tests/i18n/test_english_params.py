"""No English word inside a translated sentence of the network, LAN and system checks.

The catalog tests prove that every sentence is translated; they cannot see a parameter. A value glued
from English words ("via 192.168.1.1 on eth0", "full", "not set", "3 days") and passed into a translated
sentence stays English in every language. Two nets catch it:

- every plain-string parameter (and every plain-string subject) of these checks' findings in the every-rule
  fixture is a *name* (an address, a host, an interface, a URL), never a word of the English catalog;
- the customer part of the fixture's report, in each language, holds no word that only English uses: a word
  of the English catalogs that the language's own catalogs never use and that is not a name from the scan.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any, Iterator

import pytest

from fieldkit import report
from fieldkit.i18n import LANGUAGES, Translator, source_catalogs
from fieldkit.messages import Msg, MsgList, Quantity, t, tn

from . import fixture_scans

OTHER = [lang for lang in LANGUAGES if lang != "en"]
CHECKS = ("network", "lan", "system")
_NAME_LIKE = re.compile(r"[\d./:_@\\-]")   # an address, a path, a host, a MAC, "sw-core-2": a name, not a word
#: names of systems, the same in every language
PROPER_NAMES = {"linux", "windows", "macos"}
#: parameters that hold a label the hardware or its driver gives ("Package id 0"): the machine's name for a part
MACHINE_LABELS = {"sensor", "chip"}


def words(text: str) -> set[str]:
    """The words of a text, lower-cased; tokens that look like names or numbers are left out."""
    out = set()
    for token in text.split():
        token = token.strip("()[]{},.;:!?'\"«»“”‘’")
        if len(token) > 1 and not _NAME_LIKE.search(token) and token.isalpha():
            out.add(token.lower())
    return out


def _catalog_words(lang: str, msgids: bool) -> set[str]:
    out: set[str] = set()
    for _, catalog in source_catalogs(lang):
        for message in catalog:
            if not message.id:
                continue
            texts = message.id if msgids else message.string
            for text in texts if isinstance(texts, (list, tuple)) else [texts]:
                out |= words(re.sub(r"\{[^}]*\}", " ", text or ""))
    return out


@pytest.fixture(scope="module")
def english() -> set[str]:
    vocabulary = _catalog_words("en", msgids=True) - PROPER_NAMES
    assert {"gateway", "route", "duplex", "days", "via"} <= vocabulary
    return vocabulary


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    return fixture_scans.every_rule_scan(tmp_path_factory.mktemp("english-params"), visit=fixture_scans.visit())


def plain_params(value: Any, labels: bool = False) -> Iterator[tuple[str, str]]:
    """(template, value) of every parameter of a message, at any depth, that is a plain string (the hardware's
    labels too with ``labels``)."""
    if not isinstance(value, Msg):
        return
    for key, param in value.params.items():
        items = param.items if isinstance(param, MsgList) else [param]
        for item in items:
            if isinstance(item, Msg):
                yield from plain_params(item, labels)
            elif isinstance(item, str) and not isinstance(item, Quantity) and (labels or key not in MACHINE_LABELS):
                yield value.template, item


def english_in_params(findings: list[Any], vocabulary: set[str]) -> tuple[list[tuple[str, str, str]], int]:
    """Plain-string parameters and subjects holding English words: (where, value, words); and how many were seen."""
    leaks, seen = [], 0
    for finding in findings:
        texts = [finding.summary, finding.advice.meaning, finding.advice.action, finding.advice.prevention]
        pairs = [pair for text in texts for pair in plain_params(text)]
        if isinstance(finding.subject, Msg):
            pairs += list(plain_params(finding.subject))
        elif finding.subject != finding.check:  # a subject equal to the check's name is not shown
            pairs.append(("subject", str(finding.subject)))
        for template, value in pairs:
            seen += 1
            # an acronym (ICMP, TCP) is the protocol's name in every language
            found = {w for token in value.split() if not token.isupper() for w in words(token)} & vocabulary
            if found:
                leaks.append((template, value, ", ".join(sorted(found))))
    return leaks, seen


def test_the_param_net_catches_english_glued_into_a_parameter(english):
    """The check below would see the mistakes this file is about (a negative control)."""
    from fieldkit.findings import Finding, Status

    glued = [Finding("network", "default route", Status.OK, t("Default route {routes}", routes="via 192.0.2.1 on eth0")),
             Finding("lan", t("{interface} link", interface="eth0"), Status.OK,
                     t("Network link on {name}: {speed}, {duplex} duplex", name="eth0", speed="1 Gb/s", duplex="full"))]
    leaks, _ = english_in_params(glued, english)
    assert [value for _, value, _ in leaks] == ["via 192.0.2.1 on eth0", "default route", "full"]
    names = [Finding("network", "pbx.example.com:5061", Status.OK,
                     t("TCP {target} open, connect {median} ms median", target="pbx.example.com:5061", median=3)),
             Finding("network", "https://portal.example.com/", Status.OK,
                     t("{host} reached in {n} hops ({method}): {path}", host="h", n=2, method="ICMP",
                       path="192.0.2.1 -> *"))]
    assert english_in_params(names, english) == ([], 6)


def test_no_english_word_in_a_parameter_of_the_network_lan_and_system_checks(scan, english):
    mine = [f for f in scan.findings if f.check in CHECKS]
    assert {f.check for f in mine} == set(CHECKS)
    leaks, seen = english_in_params(mine, english)
    assert seen > 150, seen   # the fixture's findings carry that many names: the net is not empty
    assert not leaks, "English glued into a parameter:\n" + "\n".join(f"  {tpl!r}: {value!r} ({found})"
                                                                     for tpl, value, found in leaks)


def _customer_text(html: str) -> str:
    part = html.split('<section id="appendix"', 1)[0].split("<main>", 1)[1]
    return unescape(re.sub(r"<[^>]+>", "  ", part))


def _names_of(scan, lang: str) -> set[str]:
    """Words that are not ours to translate: what the customer's world brings (the visit's notes, the customer's
    name, the machine), what the machine names (a drive's model "840 Series", a sensor's "Package id 0": every
    plain-string parameter and subject of every finding, which the test above holds to names for these checks),
    and the locale's own month names ("set." is September in Catalan and Italian)."""
    from babel import Locale

    texts = [str(v) for v in (scan.machine or {}).values()]
    visit = scan.visit or {}
    texts += [str(visit.get(k, "")) for k in ("customer", "site", "technician", "signed_by")]
    texts += [str(n.get("text", "")) for n in visit.get("notes", [])]
    for finding in scan.findings:
        for text in (finding.summary, finding.advice.meaning, finding.advice.action, finding.advice.prevention):
            texts += [value for _, value in plain_params(text, labels=True)]
        texts += [value for _, value in plain_params(finding.subject, labels=True)] if isinstance(finding.subject, Msg) \
            else [str(finding.subject)]
    locale = Locale.parse(lang)
    for width in ("abbreviated", "wide"):
        texts += list(locale.months["format"][width].values()) + list(locale.months["stand-alone"][width].values())
    return set().union(*(words(x) for x in texts))


@pytest.mark.parametrize("lang", OTHER)
def test_the_customer_part_has_no_word_only_english_uses(scan, english, lang):
    only_english = english - _catalog_words(lang, msgids=False) - _names_of(scan, lang)
    html = report.render([scan], "html", lang=lang)
    leaks: dict[str, str] = {}
    for piece in _customer_text(html).split("  "):
        for word in words(piece) & only_english:
            leaks.setdefault(word, " ".join(piece.split())[:160])
    assert not leaks, f"{lang}: English words in the customer part:\n" + "\n".join(
        f"  {w!r} in: {where}" for w, where in sorted(leaks.items()))


def test_certificate_days_take_the_plural_of_the_language():
    """A count in a sentence is a tn() with the language's plural forms (Russian has three)."""
    def days(n: int, lang: str) -> str:
        return Translator(lang).text(tn("certificate valid for {n} more day", "certificate valid for {n} more days",
                                        n=n), "network")

    russian = [days(n, "ru") for n in (1, 3, 5, 21)]
    assert len(set(w.split()[-1] for w in russian)) == 3, russian
    assert russian[0].split()[-1] == russian[3].split()[-1]          # 1 and 21 take the same form
    for lang in ("es", "ca", "it"):
        one, many = days(1, lang), days(5, lang)
        assert "1" in one and "5" in many and one.replace("1", "") != many.replace("5", ""), (lang, one, many)


def test_numbers_inside_network_and_lan_sentences_use_the_locale(scan):
    """Latencies, link speeds and seconds come as numbers, written in the reader's notation."""
    from fieldkit.checks._build import ms_number
    from fieldkit.checks.lan.classify import _speed_text

    es = Translator("es")
    assert es.text(t("TCP {target} open, connect {median} ms median", target="h:1", median=ms_number(1.254)),
                   "network") .count("1,25") == 1
    assert "2,5 Gb/s" in es.text(_speed_text(2500), "lan")
    assert "2.5 Gb/s" == str(_speed_text(2500)) and "100 Mb/s" == str(_speed_text(100))
    ru = Translator("ru").text(t("Network errors on {name} grew during the test ({rates} in {seconds} s)",
                                 name="eth0", rates="x", seconds=2.5), "lan")
    assert "2,5" in ru


def test_the_connection_table_writes_speed_and_signal_in_the_reader_s_notation():
    """The customer's "network connection" table: a link speed and a Wi-Fi signal are numbers with a unit."""
    from fieldkit.findings import Finding, Status
    from fieldkit.result import CheckRecord, ScanResult

    findings = [Finding("lan", t("{interface} link", interface="eth0"), Status.OK, "link",
                        data={"connection": {"interface": "eth0", "speed_mbps": 2500, "duplex": "full"}}),
                Finding("lan", t("{interface} Wi-Fi", interface="wlan0"), Status.OK, "wifi",
                        data={"connection": {"interface": "wlan0", "ssid": "ClinicaTuria", "signal_dbm": -67.5}})]
    scan = ScanResult(machine={"hostname": "pc-1"}, profile={"name": "lan"}, started_at=fixture_scans.T0,
                      finished_at=fixture_scans.T0, findings=findings, checks=[CheckRecord("lan", "completed", 1, 60)],
                      scan_id="c" * 32, complete=True)
    shown = {lang: _customer_text(report.render([scan], "html", lang=lang)) for lang in ("en", "es", "ru")}
    assert "2.5 Gb/s" in shown["en"] and "Wi-Fi ClinicaTuria, -67.5 dBm" in shown["en"]
    assert "2,5 Gb/s" in shown["es"] and "Wifi ClinicaTuria, -67,5 dBm" in shown["es"]
    assert "2,5 Гбит/с" in shown["ru"] and "-67,5 dBm" in shown["ru"]
