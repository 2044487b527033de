"""Soft hyphens in column headers: a narrow PDF column breaks a long word at a syllable."""

from __future__ import annotations

from fieldkit.report.hyphens import SOFT_HYPHEN, hyphenate, hyphenated_markup


def test_long_words_get_syllable_breaks_in_every_report_language() -> None:
    for lang, word in {"ca": "Comprovació", "es": "Comprobación", "it": "Firmware installato",
                       "ru": "Микропрограмма", "en": "Firmware version"}.items():
        broken = hyphenate(word, lang)
        assert SOFT_HYPHEN in broken, (lang, word)
        assert broken.replace(SOFT_HYPHEN, "") == word  # nothing else changes
        fragments = broken.split(" ")[0].split(SOFT_HYPHEN)
        assert min(len(f) for f in fragments) >= 2  # never one letter alone at a line end


def test_short_words_and_unknown_languages_are_left_alone() -> None:
    assert hyphenate("Port VLAN Estat", "ca") == "Port VLAN Estat"
    assert hyphenate("Comprovació", "xx") == "Comprovació"


def test_markup_escapes_the_text_and_shows_hidden_characters() -> None:
    html = str(hyphenated_markup("<b>Comprovació\u202e", "ca"))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "\u202e" not in html and "\\u202e" in html  # a bidi override is shown, never obeyed
    assert "&shy;" in html and SOFT_HYPHEN not in html
