"""Which gettext domain a text belongs to.

One domain per area, so that several translators can work at the same time on different
``.po`` files without touching each other's: the report frame, the command line, and one
domain per check. The extraction (``scripts/i18n.py``) puts every translatable string of
a source file into the domain of the first rule below whose prefix matches the file's
path; files no rule claims (shared finding-building helpers) go into ``common``.
At render time a finding's texts are looked up in its check's domain first, then in
every other domain (a shared helper's sentence lives in ``common``).
"""

from __future__ import annotations

#: the languages fieldkit ships, English first (the language of the source texts)
LANGUAGES: tuple[str, ...] = ("en", "es", "ca", "it", "ru")
DEFAULT_LANG = "en"

#: native names, for --help and the README
NATIVE_NAMES: dict[str, str] = {"en": "English", "es": "Español", "ca": "Català", "it": "Italiano",
                                "ru": "Русский"}

#: (path prefix relative to the repository root, domain); the first match wins, so the more
#: specific prefixes come first.
SOURCE_RULES: tuple[tuple[str, str], ...] = (
    ("fieldkit/report/", "report"),
    ("fieldkit/checks/system", "system"),
    ("fieldkit/checks/smart", "disks"),
    ("fieldkit/smart/", "disks"),
    ("fieldkit/checks/acoustic", "sounds"),
    ("fieldkit/audio/", "sounds"),
    ("fieldkit/checks/lan", "lan"),
    ("fieldkit/net/lan/", "lan"),
    ("fieldkit/checks/network", "network"),
    ("fieldkit/net/", "network"),
    ("fieldkit/checks/voip", "voip"),
    ("fieldkit/voip/", "voip"),
    ("fieldkit/cli", "cli"),
    ("fieldkit/visit.py", "cli"),
    ("fieldkit/scan/", "cli"),
    ("fieldkit/history/text.py", "cli"),
    ("fieldkit/console.py", "cli"),
    ("fieldkit/", "common"),
)

DOMAINS: tuple[str, ...] = ("report", "cli", "common", "system", "disks", "sounds", "network", "voip", "lan")

#: check name -> the domain of its texts
CHECK_DOMAINS: dict[str, str] = {"system": "system", "smart": "disks", "acoustic": "sounds", "network": "network",
                                 "voip": "voip", "lan": "lan"}


def domain_of_path(relative: str) -> str:
    path = relative.replace("\\", "/")
    for prefix, domain in SOURCE_RULES:
        if path.startswith(prefix):
            return domain
    return "common"


def domain_of_check(check: str) -> str:
    return CHECK_DOMAINS.get(check, "common")
