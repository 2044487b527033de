"""Texts for the technician's terminal, in the language of the machine fieldkit runs on.

``t``/``tn`` here translate at once (domain ``cli``) with the language taken from the
environment (``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``, English when fieldkit does not
have it). The customer's report has its own language (``--lang``, the visit's, the profile's).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fieldkit.i18n import Translator, lang_from_env


@lru_cache(maxsize=4)
def _translator(lang: str) -> Translator:
    return Translator(lang, domain="cli")


def translator() -> Translator:
    return _translator(lang_from_env())


def t(template: str, **params: Any) -> str:
    """A console line in the technician's language: ``t("Report written to {path}", path=p)``."""
    return translator()(template, **params)


def tn(singular: str, plural: str, n: int, **params: Any) -> str:
    return translator().tn(singular, plural, n, **params)


def text(value: Any, check: str = "") -> str:
    """A finding's text (a :class:`fieldkit.messages.Msg` or a plain string) in the technician's language."""
    return translator().text(value, check, customer=False)
