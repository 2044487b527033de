"""Report languages: every catalog complete and format-compatible with English."""

from __future__ import annotations

import string

import pytest

from fieldkit.report import i18n


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", [lang for lang in i18n.languages() if lang != "en"])
def test_catalog_is_complete_and_uses_the_same_fields(lang):
    catalog = i18n.CATALOGS[lang][1]
    missing = sorted(set(i18n.EN) - set(catalog))
    assert not missing, f"{lang} lacks {missing}"
    for key, text in catalog.items():
        assert key in i18n.EN, f"{lang} has an unknown id {key}"
        assert _fields(text) == _fields(i18n.EN[key]), key


def test_fallback_to_english_then_to_the_id(monkeypatch):
    monkeypatch.setitem(i18n.CATALOGS, "xx", ("Test", {"status.OK": "Fine"}))
    t = i18n.Translator("xx")
    assert t("status.OK") == "Fine"
    assert t("status.CRITICAL") == "Urgent"
    assert t("verdict.count", count=3) == "3 item(s) need attention."
    assert t("no.such.id") == "no.such.id"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown report language 'fr'"):
        i18n.Translator("fr")
