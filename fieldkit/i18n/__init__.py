"""Translation with gettext catalogs (Babel), one domain per area.

The texts are English sentences in the source (``t("{count} reallocated sectors", count=n)``
in a check, ``t("Summary")`` in the report frame); the catalogs are
``fieldkit/locale/<lang>/LC_MESSAGES/<domain>.po``, edited by translators and kept in the
repository. The compiled ``.mo`` is not committed: it is built on first use into the
cache folder (``$FIELDKIT_HOME/cache`` or the user cache dir), or read from beside the
``.po`` when a build step (``make i18n-compile``) put it there, and rebuilt whenever the
``.po`` changes. A folder that cannot be written only costs a compile in memory.

The report is made in the customer's language, possibly long after the scan: a finding
keeps its texts' templates and parameters (:class:`fieldkit.messages.Msg`), and
:meth:`Translator.text` looks them up and formats the parameters for the locale.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from fieldkit.i18n.domains import (CHECK_DOMAINS, DEFAULT_LANG, DOMAINS, LANGUAGES, NATIVE_NAMES,
                                   domain_of_check)
from fieldkit.messages import Msg, MsgList

__all__ = ["CHECK_DOMAINS", "DEFAULT_LANG", "DOMAINS", "LANGUAGES", "NATIVE_NAMES", "Translator", "catalog",
           "domain_of_check", "languages", "lang_from_env", "po_path", "LOCALE_DIR"]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def languages() -> list[str]:
    return list(LANGUAGES)


def po_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def lang_from_env(environ: dict[str, str] | None = None) -> str:
    """The language of this machine's locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``) if
    fieldkit has it, else English. ``es_ES.UTF-8`` -> ``es``; ``C``/``POSIX`` -> ``en``."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if not value:
            continue
        for part in value.split(":"):  # LANGUAGE is a priority list
            code = part.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
        if var != "LANGUAGE":
            return DEFAULT_LANG  # the first locale variable that is set decides, as gettext does
    return DEFAULT_LANG


def choose_lang(explicit: str | None = None, *, visit: Any = None, profile: Any = None,
                environ: dict[str, str] | None = None) -> str:
    """The language of a customer report: ``--lang`` when given, else the visit's (the customer's
    language, recorded by ``visit start --lang``), else the profile's (``lang = "ca"``), else the
    language of this machine's locale, else English."""
    if explicit:
        return explicit
    for source in (visit, profile):
        lang = source.get("lang") if isinstance(source, dict) else getattr(source, "lang", None)
        if isinstance(lang, str) and lang in LANGUAGES:
            return lang
    return lang_from_env(environ)


def _cache_dir() -> Path | None:
    home = os.environ.get("FIELDKIT_HOME")
    if home:
        return Path(home) / "cache" / "locale"
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return None
    return platformdirs.user_cache_path("fieldkit") / "locale"


def compile_po(po: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (fuzzy entries are left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        cat = read_po(handle, abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, cat, use_fuzzy=False)
    return out.getvalue()


def _mo_bytes(po: Path) -> bytes:
    stat = po.stat()
    beside = po.with_suffix(".mo")
    try:
        if beside.stat().st_mtime_ns >= stat.st_mtime_ns:
            return beside.read_bytes()
    except OSError:
        pass
    folder = _cache_dir()
    key = hashlib.sha1(f"{po}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:16]
    cached = folder / f"{po.parent.parent.name}-{po.stem}-{key}.mo" if folder else None
    if cached is not None:
        try:
            return cached.read_bytes()
        except OSError:
            pass
    data = compile_po(po)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only home: the compile in memory is enough
    return data


class Catalog(gettext.GNUTranslations):
    """A compiled catalog that can say whether it holds a message."""

    def has(self, msgid: str, plural: bool = False) -> bool:
        return ((msgid, 0) if plural else msgid) in self._catalog  # type: ignore[attr-defined]


@lru_cache(maxsize=None)
def catalog(lang: str, domain: str) -> Catalog | None:
    """The compiled catalog of one language and domain, or None when there is no ``.po`` for it."""
    po = po_path(lang, domain)
    if not po.is_file():
        return None
    return Catalog(io.BytesIO(_mo_bytes(po)))


class Translator:
    """Texts in one language. ``t("Summary")`` for the report frame (domain ``report``);
    ``t.tn(singular, plural, n=..)`` for a count; ``t.text(value, check)`` for a text that came from
    a check (a :class:`Msg` is translated and formatted, a plain string is shown as it is)."""

    def __init__(self, lang: str = DEFAULT_LANG, domain: str = "report") -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown report language {lang!r} (available: {', '.join(LANGUAGES)})")
        from fieldkit.i18n.format import LocaleFormatter

        self.lang = lang
        self.domain = domain
        self.formatter = LocaleFormatter(lang)
        #: customer texts that could not be shown in this language (no catalog entry, or plain strings)
        self.untranslated: set[str] = set()
        #: memos of this translator's look-ups (a site report asks for the same ~300 texts ~12 000 times):
        #: frame msgid -> its translation; (first domain, template, plural?) -> the catalog that has it
        self._frame: dict[str, str] = {}
        self._found: dict[tuple[str, str, bool], Catalog | None] = {}

    # ------------------------------------------------------------------ frame texts
    def __call__(self, msgid: str, **params: Any) -> str:
        text = self._frame.get(msgid)
        if text is None:
            cat = catalog(self.lang, self.domain)
            text = self._frame[msgid] = cat.gettext(msgid) if cat is not None else msgid
        return self.formatter.format(text, **params) if params else text

    def tn(self, singular: str, plural: str, n: int, **params: Any) -> str:
        cat = catalog(self.lang, self.domain)
        if cat is not None:
            text = cat.ngettext(singular, plural, n)
        else:
            text = singular if n == 1 else plural
        return self.formatter.format(text, n=n, **params)

    # ------------------------------------------------------------------ texts from the checks
    def _domains(self, first: str) -> Iterable[str]:
        yield first
        for domain in DOMAINS:
            if domain != first:
                yield domain

    def _catalog_of(self, template: str, plural: bool, first: str) -> Catalog | None:
        """The catalog that translates ``template``: the check's own domain first, then every other."""
        key = (first, template, plural)
        if key in self._found:
            return self._found[key]
        found = None
        for domain in self._domains(first):
            cat = catalog(self.lang, domain)
            if cat is not None and cat.has(template, plural):
                found = cat
                break
        self._found[key] = found
        return found

    def _lookup(self, msg: Msg, first: str) -> str | None:
        plural = msg.plural is not None
        cat = self._catalog_of(msg.template, plural, first)
        if cat is None:
            return None
        if plural:
            n = msg.params.get("n")
            return cat.ngettext(msg.template, msg.plural or msg.template, n if isinstance(n, int) else 2)
        return cat.gettext(msg.template)

    def text(self, value: Any, check: str = "", *, customer: bool = True) -> str:
        """A finding's text in this language. ``customer=False`` for technician texts, which may stay English
        without the report saying so."""
        if not isinstance(value, Msg):
            text = "" if value is None else str(value)
            if customer and text and self.lang != DEFAULT_LANG:
                self.untranslated.add(text)
            return text
        return self._msg(value, domain_of_check(check) if check else "common", customer)

    def subject(self, value: Any, check: str = "") -> str:
        """A finding's subject: a word the check made translatable ("memory") in this language, a name
        ("/dev/sda", "pbx.example.com") as it is."""
        if isinstance(value, Msg):
            return self._msg(value, domain_of_check(check) if check else "common", True)
        return "" if value is None else str(value)

    def _msg(self, msg: Msg, first: str, customer: bool) -> str:
        template = self._lookup(msg, first)
        if template is None:
            if customer and self.lang != DEFAULT_LANG:
                self.untranslated.add(msg.template)
            template = msg.plural if msg.plural is not None and msg.params.get("n") != 1 else msg.template
        def one(v: Any) -> Any:
            if isinstance(v, Msg):
                return self._msg(v, first, customer)
            if isinstance(v, MsgList):
                return v.sep.join(str(one(i)) for i in v.items)
            return v

        params = {k: one(v) for k, v in msg.params.items()}
        try:
            return self.formatter.format(template, **params)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            # a translation that names a placeholder the English lacks (the tests catch it): the English text
            return str(msg)

    # ------------------------------------------------------------------ values
    def number(self, value: int | float, spec: str = "") -> str:
        from fieldkit.i18n.format import format_number

        return format_number(value, spec, self.lang)

    def when(self, moment: Any, *, with_time: bool = True) -> str:
        from fieldkit.i18n.format import format_when

        return format_when(moment, self.lang, with_time=with_time)


def source_catalogs(lang: str, domains: Iterable[str] = DOMAINS) -> Iterator[tuple[str, Any]]:
    """``(domain, babel Catalog)`` of each ``.po`` source of ``lang`` that exists, in ``domains`` order
    (babel is imported here only: the report reads the compiled ``.mo`` files)."""
    from babel.messages.pofile import read_po

    for domain in domains:
        po = po_path(lang, domain)
        if po.is_file():
            with po.open("rb") as handle:
                yield domain, read_po(handle)


def language_complete(lang: str) -> bool:
    """Every entry of every domain's catalog translated (the tests hold the shipped languages to it)."""
    return not any(m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
                   for _, cat in source_catalogs(lang) for m in cat)
