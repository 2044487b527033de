"""The customer's report in every language: a scan with a finding of every rule of every check, rendered
in HTML, Markdown and PDF, holds none of the English customer sentences outside English."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from fieldkit import report
from fieldkit.findings import Finding, Status
from fieldkit.i18n import LANGUAGES, LOCALE_DIR, Translator
from fieldkit.i18n import domains as i18n_domains
from fieldkit.report.markdown import md

from . import fixture_scans
from .pdftext import first_page_png, glyph_characters, ink_fraction, page_text
from conftest import need

OTHER = [lang for lang in LANGUAGES if lang != "en"]


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    return fixture_scans.every_rule_scan(tmp_path_factory.mktemp("every-rule"), visit=fixture_scans.visit())


def _customer_html(html: str) -> str:
    """The text of the customer part: everything before the technical appendix, without markup."""
    part = html.split('<section id="appendix"', 1)[0].split("<main>", 1)[1]
    part = re.sub(r"<[^>]+>", " ", part)
    return " ".join(unescape(part).split())


def _customer_md(text: str, lang: str) -> str:
    return text.split(f"## {Translator(lang)('Technical appendix')}", 1)[0]


def _english_sentences(scan) -> set[str]:
    """What an English reader of the customer part reads: the frame's sentences and every finding's texts."""
    tr = Translator("en")
    sentences = set()
    for finding in scan.findings:
        for text in (finding.summary, finding.advice.meaning, finding.advice.action, finding.advice.prevention):
            if text:
                sentences.add(tr.text(text, finding.check))
    html = report.render([scan], "html", lang="en")
    for piece in re.split(r"(?<=[.:;!?])\s+", _customer_html(html)):
        # a sentence, not a label, a name or a list of addresses ("192.0.2.1 -> 192.0.2.9 -> *")
        if len(piece.split()) >= 4 and sum(word.isalpha() for word in piece.split()) >= 2:
            sentences.add(piece.strip())
    return sentences


#: rules the fixture does not reach yet, by check (their texts are still rendered by the catalog test below);
#: a new rule in a check fails the test until the fixture makes it or it is listed here
NOT_IN_FIXTURE = {
    "system": set(),
    "smart": set(),
    "acoustic": set(),
    "lan": {"lan-gateway-ok", "lan-unsupported", "lan-no-interface", "lan-no-cable", "lan-virtual-link", "lan-speed-unknown", "lan-discovery-error",
            "lan-vlan-mismatch", "lan-dhcp-error", "lan-dhcp-nak", "lan-arp-error", "lan-wifi-error",
            "lan-wifi-not-connected", "lan-wifi-no-signal"},
    "network": set(),
    # alg-not-possible needs a STUN test on the network; stream-error a socket the system refuses
    "voip": {"alg-not-possible", "stream-error"},
}


def _rules_in_source(check: str) -> set[str]:
    import importlib

    module = importlib.import_module(f"fieldkit.checks.{check}")
    folder = Path(module.__file__).parent if module.__file__.endswith("__init__.py") else None
    files = sorted(folder.glob("*.py")) if folder else [Path(module.__file__)]
    return {rule for f in files for rule in re.findall(r'rule="([a-z0-9-]+)"', f.read_text())}


@pytest.mark.parametrize("check", sorted(fixture_scans.BUILDERS))
def test_fixture_covers_every_rule_of_the_check(scan, check):
    made = {f.rule for f in scan.findings if f.check == check}
    assert made, check
    assert _rules_in_source(check) - made == NOT_IN_FIXTURE[check]
    assert {f.status for f in scan.findings if f.check == check} >= {Status.OK, Status.WARNING, Status.CRITICAL}


@pytest.mark.parametrize("lang", OTHER)
def test_customer_part_has_no_english_sentence(scan, lang):
    english = _english_sentences(scan)
    assert len(english) > 30
    html = _customer_html(report.render([scan], "html", lang=lang))
    leaked = sorted(s for s in english if s in html)
    assert not leaked, f"{lang}: English in the customer part: {leaked[:5]}"
    text = _customer_md(report.render([scan], "md", lang=lang), lang)
    leaked = sorted(s for s in english if md(s) in text or s in text)
    assert not leaked, f"{lang} (Markdown): English in the customer part: {leaked[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_renders_every_format_without_the_english_note(scan, lang):
    html = report.render([scan], "html", lang=lang)
    assert f'<html lang="{lang}">' in html and 'data-english-note' not in html
    assert 'id="signoff"' in html and "Clínica Dental Turia" in html
    markdown = report.render([scan], "md", lang=lang)
    assert markdown.startswith("# " + Translator(lang)("Visit report"))
    json_doc = report.render([scan], "json", lang=lang)
    assert f'"lang": "{lang}"' in json_doc and '"i18n"' in json_doc


def test_a_text_without_translation_brings_back_the_english_note(scan):
    extra = Finding("system", "printer", Status.WARNING, "The printer is out of toner")  # a plain old string
    mixed = type(scan)(**{**scan.__dict__, "findings": [*scan.findings, extra]})
    es = report.render([mixed], "html", lang="es")
    assert "Algunos textos de las comprobaciones (resúmenes y consejos) se muestran en inglés." in es
    assert "data-english-note" not in report.render([mixed], "html", lang="en")


def test_numbers_and_dates_are_in_the_locale(scan):
    es = _customer_html(report.render([scan], "html", lang="es"))
    assert "lleno al 97,0%" in es and "2 dic 2026" in es
    ru = _customer_html(report.render([scan], "html", lang="ru"))
    assert "заполнено на 97,0%" in ru and "3 месяца" in ru


def test_the_visit_language_decides_the_report_language_whatever_the_machine_says(scan, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from fieldkit.cli import cli

    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    visited = type(scan)(**{**scan.__dict__, "visit": fixture_scans.visit(lang="ca", signed_by="Joan Ferrer")})
    path = visited.write(tmp_path / "scan.json")
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "md", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Informe de visita") and "Joan Ferrer" in result.stdout
    assert "Conformitat donada el" in result.stdout
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "md", "--out", "-", "--lang", "it"])
    assert result.stdout.startswith("# Rapporto di visita")
    plain = scan.write(tmp_path / "plain.json")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = CliRunner().invoke(cli, ["report", str(plain), "--format", "md", "--out", "-"])
    assert result.stdout.startswith("# Отчёт о выезде")


@pytest.mark.real
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_in_every_language_first_page_has_ink_and_no_missing_glyphs(scan, lang, tmp_path):
    from fieldkit.report import pdf

    need(pdf.find_browser(), "no Chromium for the PDF (scripts/system-packages.txt: chromium)")
    need(shutil.which("pdftoppm") and shutil.which("pdftotext"), "poppler-utils (pdftoppm, pdftotext)")
    target = report.write_report([scan], tmp_path / f"report-{lang}.pdf", "pdf", lang=lang)
    text = page_text(target)
    tr = Translator(lang)
    assert tr("Visit report") in text and tr("Summary") in text
    png = first_page_png(target, tmp_path / f"page-{lang}")
    assert ink_fraction(png) > 0.01, "the first page is blank"
    drawn = glyph_characters(target.read_bytes())
    letters = {c for c in text if c.isalpha()}
    assert letters and letters <= drawn, f"drawn as boxes (no font has them): {sorted(letters - drawn)}"
    if lang == "ru":
        assert any("\u0400" <= c <= "\u04ff" for c in letters)
        footer = page_text(target, 2)
        assert "Страница 2 из" in footer


@pytest.mark.real
def test_the_missing_glyph_detector_sees_boxes(tmp_path):
    """The check above would catch tofu: a script no installed font covers comes out as boxes."""
    import subprocess

    from fieldkit.report import pdf

    need(pdf.find_browser(), "no Chromium for the PDF")
    covered = subprocess.run(["fc-list", ":lang=bo"], capture_output=True, text=True).stdout.strip()
    if covered:
        pytest.skip("a Tibetan font is installed: no character without a glyph to test with")
    html = "<!DOCTYPE html><meta charset='utf-8'><p>Отчёт བཀྲ་ཤིས</p>"
    target = pdf.html_to_pdf(html, tmp_path / "tofu.pdf")
    drawn = glyph_characters(target.read_bytes())
    assert "О" in drawn and "ཀ" not in drawn


def test_cyrillic_fonts_are_installed():
    need(shutil.which("fc-list"), "fontconfig (fc-list)")
    import subprocess

    fonts = subprocess.run(["fc-list", ":lang=ru", "family"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no font with Cyrillic: install scripts/system-packages.txt (fonts-dejavu-core)"


CHECK_DOMAINS = [(check, domain) for check, domain in i18n_domains.CHECK_DOMAINS.items()
                 if (LOCALE_DIR / "en" / "LC_MESSAGES" / f"{domain}.po").is_file()]


@pytest.mark.parametrize("check, domain", CHECK_DOMAINS, ids=[c for c, _ in CHECK_DOMAINS])
def test_every_text_of_every_check_catalog_reaches_the_report_translated(check, domain):
    """Every sentence a check can say (its whole catalog, with sample values) rendered in every language:
    the translation is in the report and the English sentence is not."""
    findings = fixture_scans.catalog_findings(check, domain)
    assert findings
    base = fixture_scans.T0
    from fieldkit.result import CheckRecord, ScanResult

    scan = ScanResult(machine={"hostname": "pc-1"}, profile={"name": "full"}, started_at=base, finished_at=base,
                      findings=findings, checks=[CheckRecord(check, "completed", 1.0, 60.0)], scan_id="f" * 32,
                      complete=True)
    for lang in OTHER:
        html = _customer_html(report.render([scan], "html", lang=lang))
        tr = Translator(lang)
        for finding in findings:
            shown = tr.text(finding.summary, check)
            assert " ".join(shown.split()) in html, (lang, finding.summary.template)
            if shown != str(finding.summary) and len(str(finding.summary).split()) >= 3:  # a sentence, not a word
                assert " ".join(str(finding.summary).split()) not in html, (lang, finding.summary.template)
        assert not tr.untranslated, (lang, sorted(tr.untranslated)[:3])
