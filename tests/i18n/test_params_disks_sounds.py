"""No English in the parameters of the disk and disk-sound checks' customer sentences.

A sentence is translated as a whole, but a value put into it as a plain string is shown as it is: a counter
name ("reallocated sectors"), smartctl's words ("Completed without error"), a reason from the collector
("optical drive (no SMART)"), a number formatted in code ("1.25"). Such a value must be a translatable
message itself (``t()``, ``N_``, ``joined()``), a number the report formats, or a name (a device, a file).
"""

from __future__ import annotations

import re
import string
from typing import Any, Iterator

import pytest

from fieldkit import report
from fieldkit.findings import Finding
from fieldkit.i18n import LANGUAGES, source_catalogs
from fieldkit.messages import Msg, MsgList, Quantity

from . import fixture_scans
from .test_report_languages import _customer_html

CHECKS = ("smart", "acoustic")
OTHER = [lang for lang in LANGUAGES if lang != "en"]


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> list[Finding]:
    tmp = tmp_path_factory.mktemp("disks-sounds")
    return [f for check in CHECKS for f in fixture_scans.BUILDERS[check](tmp)]


def _customer_texts(finding: Finding) -> Iterator[tuple[str, Any]]:
    yield "summary", finding.summary
    for part in ("meaning", "action", "prevention"):
        value = getattr(finding.advice, part)
        if value:
            yield part, value


def _plain_params(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every parameter, at any depth, that reaches the reader as it is (a plain string)."""
    if isinstance(value, Msg):
        for name, param in value.params.items():
            yield from _plain_params(param, f"{where} > {value.template[:40]!r}.{name}")
    elif isinstance(value, MsgList):
        for item in value.items:
            yield from _plain_params(item, where + "[]")
    elif isinstance(value, str):
        yield where, value


def _english_words() -> set[str]:
    """The words of the English sentences of these checks (and the shared ones), four letters or more."""
    words: set[str] = set()
    for _, catalog in source_catalogs("en", ("disks", "sounds", "common")):
        for message in catalog:
            for form in (message.id if isinstance(message.id, (list, tuple)) else [message.id]):
                literal = "".join(text for text, *_ in string.Formatter().parse(form or ""))
                words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", literal)}
    return words


def _prose(text: str) -> str:
    """A value without the names in it: paths, devices, quoted option values."""
    return " ".join(token for token in text.split() if "/" not in token and not token.startswith("'"))


def test_every_customer_text_is_a_translatable_message(findings):
    plain = sorted({f"{f.rule} {part}: {str(v)[:80]}" for f in findings for part, v in _customer_texts(f)
                    if not isinstance(v, Msg)})
    assert not plain, plain
    # a subject is a name (a drive, a file) or a translatable word: never an English phrase
    english = _english_words() | {"smart", "baseline", "self", "test", "scan", "open"}
    worded = sorted({str(f.subject) for f in findings if not isinstance(f.subject, Msg) and f.subject != f.check
                     and {w.lower() for w in re.findall(r"[A-Za-z]{4,}", _prose(str(f.subject)))} & english})
    assert not worded, worded


def test_no_parameter_is_english_prose_or_a_number_formatted_in_code(findings):
    english = _english_words()
    assert {"disk", "sectors", "recording", "clicks"} <= english   # the word list is the checks' own words
    leaks = []
    for finding in findings:
        for part, value in _customer_texts(finding):
            for where, param in _plain_params(value, part):
                words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", _prose(param))}
                if words & english or re.fullmatch(r"[\d.,+\-–: ]+(?:\s*[a-zA-Z]{1,3})?", param.strip() or "x"):
                    leaks.append(f"{finding.rule} {where} = {param!r}")
    assert not leaks, "\n".join(sorted(set(leaks)))


def test_the_check_would_see_an_english_parameter():
    """The test above is not blind: the old forms of these values are caught."""
    from fieldkit.messages import t

    english = _english_words()
    for old in (t("{what} grew from {old} to {new} since {when}", what="reallocated sectors", old=0, new=1,
                  when="the previous scan"),
                t("cannot check: {why}", why="the device is gone (unplugged, or it dropped off the bus)"),
                t("Regular clicks every {period} s come from the room, not from this computer: they were as loud "
                  "farther away; noise floor {floor} dBFS", period="1.25", floor=-60.0)):
        caught = [p for _, p in _plain_params(old, "summary")
                  if {w.lower() for w in re.findall(r"[A-Za-z]{4,}", _prose(p))} & english
                  or re.fullmatch(r"[\d.,+\-–: ]+(?:\s*[a-zA-Z]{1,3})?", p.strip() or "x")]
        assert caught, old


#: words these checks used to put into their sentences in English, and smartctl's own words
KNOWN_ENGLISH = ("reallocated sectors", "pending sectors", "interface CRC errors", "media errors", "the previous scan",
                 "the baseline", " UTC", "Completed without error", "read failure", "Aborted by host", "self-test log",
                 "optical drive", "virtual disk", "USB stick", "no such file", "available spare",
                 "volatile memory", "below threshold", "not supported", "timed out", "Permission denied",
                 "digital silence", "is a folder", "cannot read the file", "disk sounds", "Input/output error",
                 "kHz, heard", "only sound up to")


@pytest.mark.parametrize("lang", OTHER)
def test_customer_part_holds_none_of_the_old_english_words_and_no_english_decimals(findings, lang):
    scan = fixture_scans.ScanResult(
        machine={"hostname": "pc-1"}, profile={"name": "full"}, started_at=fixture_scans.T0,
        finished_at=fixture_scans.T0, findings=findings, scan_id="d" * 32, complete=True,
        checks=[fixture_scans.CheckRecord(c, "completed", 1.0, 60.0) for c in CHECKS])
    html = _customer_html(report.render([scan], "html", lang=lang))
    english_html = _customer_html(report.render([scan], "html", lang="en"))
    for words in KNOWN_ENGLISH:
        if words.strip() in english_html:   # only words the fixture makes the English report say
            assert words.strip() not in html, (lang, words)
    # the languages here write decimals with a comma: "1.25 s" is a number formatted in the code ("1.040" with
    # three digits is Spanish, Catalan or Italian grouping)
    decimals = re.findall(r"(?<![\w.])\d+\.(?:\d{1,2}|\d{4,})(?![\w.])", html)
    assert not decimals, (lang, decimals[:10])
