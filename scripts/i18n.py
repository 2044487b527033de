#!/usr/bin/env python3
"""Catalog upkeep with Babel: extract the texts, update every domain's .po, compile, check.

    python scripts/i18n.py update     # make i18n-update: extract and merge into every language's .po
    python scripts/i18n.py compile    # make i18n-compile: .mo beside each .po (build step; not committed)
    python scripts/i18n.py check      # make i18n-check: complete, no fuzzy, placeholders as in English
    python scripts/i18n.py stats      # what is left to translate, per language and domain

Which domain a text goes into is decided by its source file (``fieldkit/i18n/domains.py``):
one .po per area and language, so translators of different areas never edit the same file.
Extraction keywords: ``t``, ``tn:1,2`` and ``N_`` (a template kept in a table; ``babel.cfg`` says the same).
English catalogs are filled with the source text itself (an English proof-reader may
change it there without touching code); the other languages start empty, without fuzzy
guesses (a fuzzy guess reads as translated to a customer when it is not).
"""

from __future__ import annotations

import argparse
import copy
from datetime import datetime, timezone
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_file  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from fieldkit import __version__  # noqa: E402
from fieldkit.i18n import LANGUAGES, LOCALE_DIR, compile_po, po_path  # noqa: E402
from fieldkit.i18n.domains import domain_of_path  # noqa: E402

KEYWORDS = {"t": None, "tn": (1, 2), "N_": None}
SOURCES = ROOT / "fieldkit"


def _method(path: Path) -> str | None:
    if path.suffix == ".py":
        return "python"
    if path.name.endswith(".j2"):
        return "jinja2.ext:babel_extract"
    return None


def _uses_messages(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "fieldkit.messages" in text or "fieldkit.i18n" in text or "Translator" in text


def extract() -> dict[str, Catalog]:
    """Every domain's template catalog, from the source files (in a stable order)."""
    templates: dict[str, Catalog] = {}
    for path in sorted(SOURCES.rglob("*")):
        method = _method(path)
        if method is None or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT).as_posix()
        if method == "python" and not _uses_messages(path):
            continue  # a local function or variable named ``t`` elsewhere is not a text
        domain = domain_of_path(relative)
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                    comment_tags=("TRANSLATORS:",),
                                                                    strip_comment_tags=True):
            if not message or (isinstance(message, tuple) and not all(message)):
                continue
            catalog = templates.setdefault(domain, Catalog(project="fieldkit", version=__version__, domain=domain,
                                                           charset="utf-8", fuzzy=False,
                                                           msgid_bugs_address="the fieldkit issue tracker"))
            catalog.add(message, None, [(relative, lineno)], auto_comments=comments, context=context)
    return templates


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        # No line numbers: a moved line changes no .po, so parallel translators do not conflict.
        write_po(handle, catalog, width=100, include_lineno=False, ignore_obsolete=True, omit_header=False)


def update(langs: list[str], root: Path = LOCALE_DIR, quiet: bool = False) -> None:
    templates = extract()
    for domain, template in sorted(templates.items()):
        for lang in langs:
            path = root / lang / "LC_MESSAGES" / f"{domain}.po"
            if path.is_file():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=lang, domain=domain)
                created = catalog.creation_date
                before = {m.id for m in catalog if m.id}
                catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False)
                if {m.id for m in catalog if m.id} == before:
                    catalog.creation_date = created  # nothing new: leave the file alone (fewer merge conflicts)
                catalog.obsolete.clear()
            else:
                catalog = Catalog(locale=lang, domain=domain, project="fieldkit", version=__version__,
                                  charset="utf-8", fuzzy=False, revision_date=datetime.now(timezone.utc),
                                  msgid_bugs_address="the fieldkit issue tracker",
                                  last_translator="fieldkit translators (see TRANSLATING.md)",
                                  language_team=f"fieldkit {lang}")
                catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
            catalog.fuzzy = False
            for message in catalog:
                # Our texts are str.format templates; a "15% of" is no %-format (msgfmt --check would think so).
                message.flags.discard("python-format")
                if "fuzzy" in message.flags and message.id:
                    # Babel keeps an old translation as a fuzzy guess when a text changes form (singular to
                    # plural): a guess is not a translation, it goes back to the translator empty.
                    message.flags.discard("fuzzy")
                    message.string = ("",) * catalog.num_plurals if message.pluralizable else ""
            if lang == "en":
                for message in catalog:
                    if message.id and not _translated(message):
                        message.string = message.id if not message.pluralizable else tuple(message.id)
                    message.flags.discard("fuzzy")
            _write(catalog, path)
        if not quiet:
            print(f"{domain:<8} {len(template):>4} texts -> {', '.join(langs)}")


def _translated(message) -> bool:  # noqa: ANN001 - babel Message
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(path: Path) -> list[str]:
    """What is wrong in one .po: untranslated, fuzzy, placeholders that differ from the English."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    out = []
    for message in catalog:
        if not message.id:
            continue
        ident = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        if "fuzzy" in message.flags:
            out.append(f"{path}: fuzzy: {ident!r}")
        if not _translated(message):
            out.append(f"{path}: untranslated: {ident!r}")
            continue
        english = set().union(*(fields(i) for i in (message.id if isinstance(message.id, (tuple, list))
                                                    else [message.id])))
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        for text in strings:
            try:
                found = fields(text)
            except ValueError as exc:
                out.append(f"{path}: broken placeholder in {text!r}: {exc}")
                continue
            # A plural form may leave the count out ("one" in some languages); it may never add a name.
            if not found <= english or (english - {"n"}) - found:
                out.append(f"{path}: placeholders {sorted(found)} differ from the English {sorted(english)} "
                           f"in {ident!r}")
    return out


def all_po() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("update", "compile", "check", "stats"))
    parser.add_argument("--lang", action="append", help="only these languages (update); default: all")
    args = parser.parse_args(argv)
    langs = args.lang or list(LANGUAGES)
    if args.command == "update":
        update(langs)
    elif args.command == "compile":
        for po in all_po():
            po.with_suffix(".mo").write_bytes(compile_po(po))
        print(f"compiled {len(all_po())} catalogs")
    elif args.command == "check":
        found = [p for po in all_po() for p in problems(po)]
        print("\n".join(found) if found else f"{len(all_po())} catalogs complete")
        return 1 if found else 0
    else:
        for po in all_po():
            with po.open("rb") as handle:
                catalog = read_po(handle)
            total = sum(1 for m in catalog if m.id)
            done = sum(1 for m in catalog if m.id and _translated(m) and "fuzzy" not in m.flags)
            print(f"{po.relative_to(LOCALE_DIR)}: {done}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
