"""The gettext catalogs: complete, no fuzzy entry, placeholders as in English, plural forms by each
language's rules, valid for GNU msgfmt, and up to date with the texts in the source."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fieldkit.i18n import LANGUAGES, LOCALE_DIR, Translator, catalog, language_complete
from fieldkit.i18n.domains import DOMAINS, domain_of_path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
i18n_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_script)

ALL_PO = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
#: the domains this project always ships complete (the check domains follow as their texts are converted)
OWN_DOMAINS = ("report", "cli", "system")


def test_every_shipped_language_has_the_own_domains():
    for lang in LANGUAGES:
        for domain in OWN_DOMAINS:
            assert (LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").is_file(), (lang, domain)


def test_no_catalog_outside_the_known_languages_and_domains():
    for po in ALL_PO:
        assert po.parent.parent.name in LANGUAGES and po.stem in DOMAINS, po


@pytest.mark.parametrize("po", ALL_PO, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_catalog_complete_without_fuzzy_and_with_the_english_placeholders(po):
    assert i18n_script.problems(po) == []


@pytest.mark.parametrize("po", ALL_PO, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_catalog_passes_msgfmt_check(po, tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (gettext) is not installed")
    done = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("lang, forms", [("en", 2), ("ru", 3)])
def test_plural_forms_follow_the_language(lang, forms):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "report.po").open("rb") as handle:
        cat = read_po(handle)
    assert cat.num_plurals == forms
    plurals = [m for m in cat if m.id and isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == forms for m in plurals)


@pytest.mark.parametrize("n, expected", [(1, "1 пункт требует внимания."), (3, "3 пункта требуют внимания."),
                                         (5, "5 пунктов требуют внимания."), (21, "21 пункт требует внимания."),
                                         (112, "112 пунктов требуют внимания.")])
def test_russian_three_plural_forms_at_run_time(n, expected):
    assert Translator("ru").tn("{n} item needs attention.", "{n} items need attention.", n=n) == expected


def test_catalogs_hold_every_text_of_the_source():
    """An English text added to the code but not extracted would reach the customer untranslated."""
    templates = i18n_script.extract()
    for domain, template in templates.items():
        for lang in LANGUAGES:
            po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
            if domain not in OWN_DOMAINS and not po.is_file():
                continue  # a check's domain is translated once its texts are converted
            assert po.is_file(), f"{po} is missing: run make i18n-update"
            with po.open("rb") as handle:
                ids = {m.id for m in read_po(handle) if m.id}
            missing = [m.id for m in template if m.id and m.id not in ids]
            assert not missing, f"{po}: not in the catalog (run make i18n-update and translate): {missing[:5]}"


def test_extraction_puts_each_file_in_its_area_domain():
    assert domain_of_path("fieldkit/report/model.py") == "report"
    assert domain_of_path("fieldkit/checks/smart/advice.py") == "disks"
    assert domain_of_path("fieldkit/net/lan/probe.py") == "lan"
    assert domain_of_path("fieldkit/net/dns.py") == "network"
    assert domain_of_path("fieldkit/checks/_build.py") == "common"


def test_complete_languages_are_reported_complete():
    assert all(language_complete(lang) for lang in LANGUAGES)


def test_mo_is_compiled_on_first_use_into_the_cache_and_reused(tmp_path, monkeypatch):
    import fieldkit.i18n as i18n_module

    # catalogs without a .mo beside them (a build step may have compiled the repository's own)
    locale = tmp_path / "locale"
    shutil.copytree(i18n_module.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n_module, "LOCALE_DIR", locale)
    monkeypatch.setenv("FIELDKIT_HOME", str(tmp_path))
    catalog.cache_clear()
    try:
        assert Translator("it")("Summary") == "Riepilogo"
        cached = list((tmp_path / "cache" / "locale").glob("it-report-*.mo"))
        assert len(cached) == 1 and cached[0].stat().st_size > 0
        catalog.cache_clear()
        cached[0].write_bytes(cached[0].read_bytes())  # the cached file is what is read the next time
        assert Translator("it")("Summary") == "Riepilogo"
    finally:
        catalog.cache_clear()


def test_a_read_only_cache_still_translates(tmp_path, monkeypatch):
    home = tmp_path / "ro"
    home.mkdir()
    (home / "cache").write_text("not a folder")  # mkdir fails: the compile stays in memory
    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    catalog.cache_clear()
    try:
        assert Translator("ca")("Summary") == "Resum"
    finally:
        catalog.cache_clear()


def test_make_i18n_update_is_idempotent_and_the_catalogs_are_up_to_date(tmp_path):
    """The update changes no existing catalog (they are up to date with the source) and a second run changes
    nothing at all: translators working in parallel get no spurious diffs."""
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    i18n_script.update(list(LANGUAGES), root=copy, quiet=True)
    for po in ALL_PO:
        assert (copy / po.relative_to(LOCALE_DIR)).read_bytes() == po.read_bytes(), f"{po}: run make i18n-update"
    first = {p: p.read_bytes() for p in copy.rglob("*.po")}
    i18n_script.update(list(LANGUAGES), root=copy, quiet=True)
    assert {p: p.read_bytes() for p in copy.rglob("*.po")} == first
