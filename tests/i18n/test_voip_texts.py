"""The VoIP check's customer texts are whole translatable sentences: no English word reaches a report in
another language through a parameter, and numbers arrive as numbers (formatted for the reader's locale).

The findings are the fixture's (``fixture_scans.voip_findings``: every rule of the check, made by its own
verdict code), so a new sentence glued from English fragments fails here."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from fieldkit import report
from fieldkit.findings import Status
from fieldkit.i18n import Translator
from fieldkit.messages import Msg, MsgList, Quantity

from . import fixture_scans
from .test_report_languages import _customer_html

#: words a Russian customer text may keep in Latin letters: protocol and product names, and the names of
#: settings as the router's or phone's menu shows them ("SIP helper", "keep-alive")
LATIN_NAMES = {"SIP", "UDP", "TCP", "TLS", "NAT", "DSCP", "MOS", "STUN", "ALG", "ICMP", "OPTIONS", "SRV", "DNS",
               "QoS", "SBC", "Microsoft", "Teams", "RingCentral", "Twilio", "Voice", "keep-alive", "helper", "fixup",
               "latching", "Wi-Fi"}
#: two lower-case words in a row: English prose, which a parameter must never carry
PROSE = re.compile(r"\b[a-z]{2,}[\s,;:]+[a-z]{2,}\b")
#: a number the code formatted itself ("12.5"): the locale cannot format it any more
FORMATTED_NUMBER = re.compile(r"[+-]?\d+\.\d+")


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    return fixture_scans.voip_findings(tmp_path_factory.mktemp("voip"))


def _texts(finding) -> Iterator[Any]:
    yield finding.subject
    yield finding.summary
    for text in (finding.advice.meaning, finding.advice.action, finding.advice.prevention):
        if text:
            yield text


def _plain_params(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every parameter value that is not itself translated (a Msg, a list of Msgs, a Quantity)."""
    if isinstance(value, Msg):
        for key, param in value.params.items():
            yield from _plain_params(param, f"{path}{value.template!r}.{key}")
    elif isinstance(value, MsgList):
        for item in value.items:
            yield from _plain_params(item, path)
    elif not isinstance(value, Quantity):
        yield path, value


def test_the_fixture_has_sentences_with_nested_parameters(findings):
    nested = [f for f in findings if any(isinstance(p, (Msg, MsgList)) for p in f.summary.params.values())]
    assert len(nested) >= 10  # NAT and SIP sentences, DSCP legs, preset limits, call-quality verdicts
    # every sentence is translatable; a subject is a translatable word or a name ("SIP UDP pbx.example.net:5060")
    assert all(isinstance(text, Msg) for f in findings for text in _texts(f) if text is not f.subject)
    assert all(isinstance(f.subject, Msg) or not PROSE.search(f.subject) for f in findings)


def test_no_parameter_carries_english_words_or_a_number_formatted_in_code(findings):
    offenders = []
    for finding in findings:
        for text in _texts(finding):
            if not isinstance(text, Msg):
                continue
            for where, value in _plain_params(text):
                if isinstance(value, str) and (PROSE.search(value) or FORMATTED_NUMBER.fullmatch(value)):
                    offenders.append((finding.rule, where, value))
    assert not offenders, offenders[:5]


#: a plain value that is a name: an address, a host or record name ("pbx.example.net:5060", "_sip._udp.x"),
#: or a protocol written in capitals ("UDP"); a lower-case word ("error") is not one
NAME = re.compile(r"[A-Z0-9]+|.*[.:_/\d].*")


def _names_in(finding) -> set[str]:
    """Host names, addresses and the like the finding's texts carry as plain values: shown as they are."""
    names = set()
    for text in _texts(finding):
        for _, value in _plain_params(text):
            if isinstance(value, str):
                names.update(word for word in value.replace(",", " ").split() if NAME.fullmatch(word))
    return names


def _latin_words(text: str, allowed: set[str]) -> list[str]:
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, " ")
    # a word starts with a letter that follows no digit ("8x8" is a name, not the word "x")
    return [w for w in re.findall(r"(?<![0-9])[A-Za-z](?:[A-Za-z']|-(?=[A-Za-z]))*", text) if w not in LATIN_NAMES]


def test_in_russian_every_voip_text_is_russian_but_names(findings):
    tr = Translator("ru")
    leaked = []
    for finding in findings:
        names = _names_in(finding)
        for text in _texts(finding):
            shown = tr.subject(text, "voip") if text is finding.subject else tr.text(text, "voip")
            words = _latin_words(shown, names)
            if words:
                leaked.append((finding.rule, words, shown))
    assert not tr.untranslated, sorted(tr.untranslated)[:5]
    assert not leaked, leaked[:8]


@pytest.mark.parametrize("lang", ["es", "ca", "it", "ru"])
def test_voip_texts_reach_the_customer_part_translated(findings, lang):
    from fieldkit.result import CheckRecord, ScanResult

    base = fixture_scans.T0
    scan = ScanResult(machine={"hostname": "pc-recepcion"}, profile={"name": "voip-site"}, started_at=base,
                      finished_at=base, findings=findings, checks=[CheckRecord("voip", "completed", 12.0, 120.0)],
                      scan_id="e" * 32, complete=True)
    html = _customer_html(report.render([scan], "html", lang=lang))
    tr, en = Translator(lang), Translator("en")
    shown_to_customer = [f for f in findings if f.status is not Status.OK]  # the customer part lists problems
    assert len(shown_to_customer) >= 25
    for finding in shown_to_customer:
        shown = " ".join(tr.text(finding.summary, "voip").split())
        assert shown in html, (lang, finding.rule, shown)
        english = " ".join(en.text(finding.summary, "voip").split())
        assert english not in html, (lang, finding.rule, english)


def test_numbers_durations_and_lists_are_in_the_readers_words(findings):
    by_rule: dict[str, list] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    es, ru, it = Translator("es"), Translator("ru"), Translator("it")
    quality = by_rule["stream-pass"][0]
    rtt = re.search(r"round trip (\d+\.\d) ms", quality.summary)[1]  # the same digits, the locale's decimal sign
    assert f"ida y vuelta {rtt.replace('.', ',')} ms" in es.text(quality.summary, "voip")
    assert re.search(r"MOS \d,\d\d .* отклика \d+,\d мс", ru.text(quality.summary, "voip"))
    sip = by_rule["sip-options-200"][0]
    assert "23,4 ms" in es.text(sip.summary, "voip") and "23.4" not in it.text(sip.summary, "voip")
    lasting = next(f for f in by_rule["nat-behaviour"] if f.metric("nat_binding_lifetime_min_s"))
    assert "2 minutes" in lasting.summary and "2 минуты" in ru.text(lasting.summary, "voip")
    short = by_rule["nat-binding-short"][0]
    assert "5 segundos" in es.text(short.summary, "voip")
    tls = by_rule["sip-tls-not-offered"][0]
    for tr in (es, ru, it):  # a port is a name: never grouped like a quantity ("5.061", "5 061")
        assert "5061" in tr.text(tls.summary, "voip")
    twilio = by_rule["preset-twilio-not-met"][0]
    assert "3,5" in es.text(twilio.summary, "voip") and "3.5" not in ru.text(twilio.summary, "voip")


def test_every_preset_limit_has_words_for_the_customer():
    from fieldkit.checks.voip import presets

    for name, (title, limits) in presets.PRESETS.items():
        for lim in limits:
            words = presets._LIMIT_WORDS[(lim.quantity, name in presets._INCLUSIVE)]
            assert "{limit:g}" in words
            for lang in ("es", "ru"):
                shown = Translator(lang).text(Msg(words, limit=lim.limit), "voip")
                assert shown != str(Msg(words, limit=lim.limit)), (lang, words)


def test_the_appendix_and_its_charts_name_the_subjects_in_the_readers_words(findings):
    """A subject that is a word ("call quality to ...") is translated in the technician appendix and in the
    chart titles too, not only in the customer part."""
    from fieldkit.result import CheckRecord, ScanResult

    base = fixture_scans.T0
    scan = ScanResult(machine={"hostname": "pc-recepcion"}, profile={"name": "voip-site"}, started_at=base,
                      finished_at=base, findings=findings, checks=[CheckRecord("voip", "completed", 12.0, 120.0)],
                      scan_id="e" * 32, complete=True)
    html = report.render([scan], "html", lang="ru")
    appendix = html.split('<section id="appendix"', 1)[1]
    for english in ("call quality to", "readiness for", "DSCP to 192", "phone connection", "(heuristic)"):
        assert english not in html, english
    ru = Translator("ru")
    quality = next(f for f in findings if f.rule == "stream-pass")
    title = ru("Round-trip times to {subject}", subject=ru.subject(quality.subject, "voip"))
    assert "качество звонка до 192.0.2.1:862" in appendix and title in html


def test_the_sentences_survive_the_result_file_and_are_translated_from_it(findings, tmp_path):
    """A report is often made later from the scan's JSON: nested sentences, lists and durations come back
    as they were made and read the same in the customer's language."""
    from fieldkit.result import CheckRecord, ScanResult

    base = fixture_scans.T0
    scan = ScanResult(machine={"hostname": "pc-recepcion"}, profile={"name": "voip-site"}, started_at=base,
                      finished_at=base, findings=findings, checks=[CheckRecord("voip", "completed", 12.0, 120.0)],
                      scan_id="e" * 32, complete=True)
    loaded = ScanResult.load(scan.write(tmp_path / "scan.json"))
    assert len(loaded.findings) == len(findings)
    for lang in ("ca", "ru"):
        tr = Translator(lang)
        for made, read in zip(findings, loaded.findings):
            for before, after in zip(_texts(made), _texts(read)):
                shown = tr.subject(before, "voip") if before is made.subject else tr.text(before, "voip")
                again = tr.subject(after, "voip") if after is read.subject else tr.text(after, "voip")
                assert again == shown, (lang, made.rule)
        assert not tr.untranslated
