"""Identifier redaction (``--redact``) and secret scrubbing (always).

Redaction works on the JSON form of the scans, before anything is rendered, so
every output format (HTML, PDF, Markdown, JSON) gets the same stand-ins. It follows
sos clean: identifiers are replaced **consistently** (the same serial number gets the
same stand-in everywhere, across all machines of a site report) so the report still
reads ("HOST-2's drive SERIAL-3 ..."). Stand-ins come from reserved ranges:
IPv4 from the documentation networks (RFC 5737), IPv6 from 2001:db8::/32 (RFC 3849),
MACs locally administered (02:00:5e:...), so a stand-in can never be a real address.

Two passes: :meth:`Redactor.learn` collects the identifiers that are only
recognisable by where they sit (a ``hostname`` key, a drive ``serial``, a user name
in ``/home/NAME``); :meth:`Redactor.apply` then replaces those literals *and* every
MAC/IP address found by pattern in any string.

Secrets are a different matter: :func:`scrub_secrets` runs on every report whether
redacted or not (a password on a command line, credentials in a URL, a SIP
``Authorization`` header). Checks must not record secrets in the first place; this
is the second line of defence.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

_MAC = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6_CANDIDATE = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%[\w.]+)?(?![0-9A-Za-z:])")
_USER_PATH = re.compile(r"(?:/home/|/Users/|[A-Za-z]:\\Users\\|/var/mail/)([A-Za-z0-9._-]+)")
_HOSTLIKE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?$")

#: keys whose string value is a serial number (drive, board, system) wherever they sit
_SERIAL_KEYS = {"serial", "serial_number", "system_serial", "board_serial", "chassis_serial", "wwn",
                "product_serial", "uuid", "system_uuid", "imei"}
_HOST_KEYS = {"hostname", "fqdn", "host", "node", "nodename", "computer_name", "domain", "server", "target",
              "address", "peer", "gateway", "ptr", "reverse_dns", "ssid", "switch"}
_USER_KEYS = {"user", "username", "user_name", "owner", "login", "logged_in_user", "users"}
#: never treat these as machine identifiers (loopback and placeholder names carry no identity)
_NOT_IDENTIFIERS = {"localhost", "localhost.localdomain", "localdomain", "none", "unknown", "root", "n/a", "-",
                    "true", "false", "ip6-localhost"}

# ---- secrets (always scrubbed)
_SECRET_ASSIGN = re.compile(
    r"(?i)\b((?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?token|"
    r"credentials?)\b\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&]+)")
_AUTH_HEADER = re.compile(r"(?im)^(\s*(?:proxy-)?(?:authorization|www-authenticate|cookie|set-cookie)\s*:\s*)(.+)$")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s:@]+):([^/\s@]+)@")
_SECRET_FLAGS = re.compile(r"(?i)^--?(?:pass(?:word|wd)?|secret|token|api-?key|auth(?:-token)?|credentials?|"
                           r"community|psk)$")
SECRET_MASK = "********"
_PLAIN_TYPES = frozenset({int, float, bool, type(None)})


def _no_text(items: list[Any]) -> bool:
    """True for a list of plain numbers (a spectrogram row, an RTT series): nothing to scrub or redact.

    ``map(type, ...)`` and ``set`` run in C, so the 10 000-number arrays of a site report are
    skipped in microseconds instead of being walked value by value in Python.
    """
    return set(map(type, items)) <= _PLAIN_TYPES


def scrub_secrets(value: Any) -> Any:
    """Return a copy of a JSON value with secrets masked (strings, and ``--password X`` in argv lists)."""
    if isinstance(value, dict):
        return {k: (SECRET_MASK if _is_secret_key(k) and isinstance(v, str) and v else scrub_secrets(v))
                for k, v in value.items()}
    if isinstance(value, list):
        if _no_text(value):
            return value
        out: list[Any] = []
        mask_next = False
        for item in value:
            if mask_next and isinstance(item, str):
                out.append(SECRET_MASK)
                mask_next = False
                continue
            mask_next = isinstance(item, str) and bool(_SECRET_FLAGS.match(item))
            out.append(scrub_secrets(item))
        return out
    if isinstance(value, str):
        return _scrub_text(value)
    return value


def _is_secret_key(key: str) -> bool:
    k = key.lower()
    return k in {"password", "passwd", "secret", "token", "api_key", "apikey", "auth_token", "private_key",
                 "credentials"} or k.endswith(("_password", "_secret", "_token"))


def _scrub_text(text: str) -> str:
    if ":" not in text and "=" not in text:  # every secret pattern needs one ("key=", "header:", "scheme://")
        return text
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{m.group(2)}:{SECRET_MASK}@", text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + SECRET_MASK, text)
    return _SECRET_ASSIGN.sub(lambda m: m.group(1) + SECRET_MASK, text)


class Redactor:
    """Consistent stand-ins for identifiers; one instance per report (all machines share it)."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[str, str]] = {k: {} for k in ("serial", "host", "user", "mac", "ipv4", "ipv6")}
        self._issued: set[str] = set()
        self._literal_re: re.Pattern[str] | None = None

    # ---- stand-ins
    def stand_in(self, kind: str, original: str) -> str:
        key = original.lower() if kind in ("host", "mac", "ipv6") else original
        table = self._maps[kind]
        if key not in table:
            n = len(table) + 1
            table[key] = self._make(kind, n)
            self._issued.add(table[key])
            self._literal_re = None
        return table[key]

    @staticmethod
    def _make(kind: str, n: int) -> str:
        if kind == "serial":
            return f"SERIAL-{n}"
        if kind == "host":
            return f"host-{n}"
        if kind == "user":
            return f"user-{n}"
        if kind == "mac":
            return "02:00:5e:{:02x}:{:02x}:{:02x}".format((n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF)
        if kind == "ipv4":
            nets = ("192.0.2.", "198.51.100.", "203.0.113.")  # RFC 5737 documentation ranges
            block, host = divmod(n - 1, 254)
            if block < len(nets):
                return f"{nets[block]}{host + 1}"
            return str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("100.64.0.0")) + n))  # RFC 6598
        return f"2001:db8::{n:x}"  # RFC 3849

    @property
    def mapping(self) -> dict[str, dict[str, str]]:
        """original -> stand-in per kind (keep it private: it undoes the redaction)."""
        return {k: dict(v) for k, v in self._maps.items()}

    # ---- pass 1: learn identifiers from their position
    def learn(self, value: Any, key: str = "") -> None:
        k = key.lower()
        if isinstance(value, dict):
            for child_key, child in value.items():
                self.learn(child, str(child_key))
            return
        if isinstance(value, list):
            if not _no_text(value):
                for item in value:
                    self.learn(item, key)
            return
        if not isinstance(value, str):
            return
        text = value.strip()
        for match in _USER_PATH.finditer(value):
            self._learn_literal("user", match.group(1))
        if not text or text.lower() in _NOT_IDENTIFIERS:
            return
        if k in _SERIAL_KEYS or k.endswith("_serial"):
            # A 1-3 character "serial" ("yes", "0", "N/A" in the corpus) identifies nothing, and
            # replacing that word everywhere would garble the report's prose.
            if len(text) >= 4:
                self._learn_literal("serial", text)
        elif k in _HOST_KEYS or k.endswith("_hostname"):
            if not _is_ip(text) and not _MAC.fullmatch(text) and _HOSTLIKE.match(text):
                self._learn_literal("host", text.rstrip("."))
                if "." in text:  # "pc-7.office.lan": the short name "pc-7" identifies the machine too
                    short = text.split(".", 1)[0]
                    if len(short) >= 3 and short.lower() not in _NOT_IDENTIFIERS:
                        self._learn_literal("host", short)
        elif k in _USER_KEYS:
            self._learn_literal("user", text)

    def _learn_literal(self, kind: str, text: str) -> None:
        if len(text) < 2 or text in self._issued:
            return
        self.stand_in(kind, text)

    # ---- pass 2: replace
    def apply(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        if isinstance(value, list):
            return value if _no_text(value) else [self.apply(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def _literals(self) -> re.Pattern[str] | None:
        if self._literal_re is None:
            names = [(orig, kind) for kind in ("serial", "host", "user") for orig in self._maps[kind]]
            if not names:
                return None
            names.sort(key=lambda item: -len(item[0]))  # "pc-7.office.lan" before "pc-7"
            alternatives = "|".join(re.escape(orig) for orig, _ in names)
            # Word-ish boundaries: "pc" must not eat the "pc" in "pcie"; host names are case-insensitive.
            self._literal_re = re.compile(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_-])", re.IGNORECASE)
        return self._literal_re

    def _literal_stand_in(self, match: re.Match[str]) -> str:
        found = match.group(0)
        for kind in ("serial", "host", "user"):
            table = self._maps[kind]
            if found in table:
                return table[found]
            if found.lower() in table:
                return table[found.lower()]
            for orig, stand in table.items():
                if orig.lower() == found.lower():
                    return stand
        return found

    def text(self, text: str) -> str:
        if not text or text in self._issued:
            return text
        text = _MAC.sub(lambda m: self._keep_or("mac", m.group(0)), text)
        text = _IPV4.sub(lambda m: self._ipv4(m.group(0)), text)
        text = _IPV6_CANDIDATE.sub(lambda m: self._ipv6(m.group(0)), text)
        pattern = self._literals()
        if pattern is not None:
            text = pattern.sub(self._literal_stand_in, text)
        return text

    def _keep_or(self, kind: str, found: str) -> str:
        if found in self._issued:
            return found
        return self.stand_in(kind, found)

    def _ipv4(self, found: str) -> str:
        try:
            address = ipaddress.IPv4Address(found)
        except ValueError:
            return found  # "999.1.2.3" or a version string: not an address
        if found in self._issued or address.is_loopback or address.is_unspecified or found.startswith("255."):
            return found
        return self.stand_in("ipv4", found)

    def _ipv6(self, found: str) -> str:
        bare = found.split("%", 1)[0]
        try:
            address = ipaddress.IPv6Address(bare)
        except ValueError:
            return found  # "12:30:45", "std::vector": not an address
        if found in self._issued or address.is_loopback or address.is_unspecified:
            return found
        return self.stand_in("ipv6", bare)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
        return True
    except ValueError:
        return False


def redact_scans(scan_dicts: list[dict[str, Any]], redactor: Redactor | None = None) -> list[dict[str, Any]]:
    """Redact a list of scan dicts (their JSON form) with one shared, consistent mapping."""
    redactor = redactor or Redactor()
    for scan in scan_dicts:
        redactor.learn(_learnable(scan))
    return [redactor.apply(scan) for scan in scan_dicts]


def _learnable(scan: dict[str, Any]) -> dict[str, Any]:
    """Everything but the visit header: customer, site and technician are the report's addressees,
    not machine identifiers (their notes are still redacted by pattern and learned literals)."""
    visit = scan.get("visit") or {}
    kept_visit = {"notes": visit.get("notes", [])} if isinstance(visit, dict) else {}
    return {**scan, "visit": kept_visit}
