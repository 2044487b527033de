"""Text from outside fieldkit made safe for a terminal (and for a one-line message).

A note, a customer name, a hostname, a SMART model string, a SIP Server header or a
DNS answer can hold terminal control sequences (``ESC ]0;title BEL`` retitles the
window, ``ESC [2J`` clears the screen, backspaces overwrite what was printed) or
Unicode bidi overrides that make text read differently from what it is (CVE-2021-42574,
"Trojan Source"). Before such a string reaches a terminal it is shown visibly instead:
``\\x1b``, ``\\u202e``. JSON keeps the original text; HTML escapes it by markup.
"""

from __future__ import annotations

import re
import unicodedata

#: bidi embeddings, overrides, isolates and marks (Unicode TR9), plus the line/paragraph
#: separators some terminals and editors treat as line ends
BIDI_AND_SEPARATORS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SPACE_RUN = re.compile(r"\s+")


#: the same set as :func:`_unsafe` (Cc is U+0000-001F and U+007F-009F; Cs the surrogates), as the body of
#: one regular-expression character class, so the common case (nothing to escape) is one C-level scan of
#: the text (the HTML report adds the markup characters to it for its one-scan fast path)
UNSAFE_CHARS = "\x00-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(BIDI_AND_SEPARATORS))
_UNSAFE_ANY = re.compile("[" + UNSAFE_CHARS + "]")


def _unsafe(char: str) -> bool:
    if char in BIDI_AND_SEPARATORS:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cs")  # C0/C1 controls and DEL; lone surrogates (undecodable bytes)


def _shown(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi-override and undecodable character shown as an escape.

    With ``keep_newlines`` a ``\\n`` stays a line break (a file shown as it is); a tab is
    always shown as ``\\t`` so that columns cannot be faked.
    """
    value = str(text)
    if _UNSAFE_ANY.search(value) is None:  # the common case: nothing to do
        return value
    return "".join(c if not _unsafe(c) or (keep_newlines and c == "\n") else _shown(c) for c in value)


def one_line(text: object) -> str:
    """A warning or error line: whitespace runs (newlines included) become one space, then made visible."""
    return visible(_SPACE_RUN.sub(" ", str(text)).strip())
