"""Soft hyphens in table headers, so a narrow column breaks "Micro-programari" at a syllable.

Headless Chromium ships no hyphenation dictionaries, so CSS ``hyphens: auto`` does nothing in the
PDF; without a break opportunity a long header word either pushes its column wide or (with
``overflow-wrap: anywhere``) breaks at an arbitrary letter ("Comprov|ació"). Pyphen carries the
LibreOffice hyphenation patterns for every report language; we insert U+00AD SOFT HYPHEN, which
the browser shows as a hyphen only where it actually breaks the line (and copy-paste drops).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from fieldkit.safetext import visible

#: words shorter than this are never split: a two-letter fragment on its own line reads worse
MIN_LETTERS = 8
SOFT_HYPHEN = "\u00ad"
_WORD = re.compile(r"\w{%d,}" % MIN_LETTERS)


@lru_cache(maxsize=16)
def _dictionary(lang: str):  # -> pyphen.Pyphen | None (imported lazily, only when a report is made)
    import pyphen

    found = pyphen.language_fallback(lang.replace("-", "_"))
    return pyphen.Pyphen(lang=found, left=3, right=3) if found else None


def hyphenate(text: str, lang: str) -> str:
    """``text`` with soft hyphens at the syllable breaks of its long words (unchanged when the
    language has no patterns)."""
    dictionary = _dictionary(lang)
    if dictionary is None:
        return text
    return _WORD.sub(lambda word: dictionary.inserted(word.group(0), hyphen=SOFT_HYPHEN), text)


@lru_cache(maxsize=4096)
def hyphenated_markup(text: str, lang: str) -> Markup:
    """The header as markup: the text made visible and escaped like any other string, then the
    soft hyphens (which :func:`fieldkit.safetext.visible` would otherwise show as ``\\u00ad``).

    Memoised: the same few dozen headers are printed ~3 400 times in a site report (every chart's
    data table has its own)."""
    parts = hyphenate(text, lang).split(SOFT_HYPHEN)
    return Markup("&shy;").join(escape(visible(part, keep_newlines=False)) for part in parts)
