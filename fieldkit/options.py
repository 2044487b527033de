"""Declarative check options: one schema drives profile validation and the CLI.

Each check module lists its ``OPTIONS``. A profile's ``[checks.NAME]`` table is
validated against them (unknown key, wrong type, out of range, malformed host),
and ``fieldkit check NAME`` gets one command-line option per entry, so a check
never parses anything itself.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

# RFC 1123 host names: labels of letters, digits and hyphens, not starting or
# ending with a hyphen. Underscores are tolerated because SRV owner names use them.
_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_HOSTNAME_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*\.?$")

TYPES = ("int", "float", "bool", "str", "choice", "host", "hostport", "path", "url")


class OptionError(ValueError):
    """A value that does not fit its option; the message says what was expected."""


@dataclass(frozen=True)
class Option:
    """One option of a check.

    :param name: key in the profile (``snake_case``); the CLI flag is ``--name-with-dashes``.
    :param type: one of :data:`TYPES`.
    :param multiple: a list of values (a TOML array; a repeatable CLI option).
    :param profile: False for command-line-only actions (``--from-file``, ``--selftest``).
    :param default_port: for ``hostport``, the port used when none is given.
    """

    name: str
    type: str
    default: Any = None
    help: str = ""
    multiple: bool = False
    min: float | None = None
    max: float | None = None
    choices: Sequence[str] = field(default_factory=tuple)
    profile: bool = True
    cli: bool = True
    default_port: int | None = None
    metavar: str | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"option {self.name}: unknown type {self.type!r}")

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """What a valid value looks like, for error messages."""
        kind = {
            "int": "a whole number",
            "float": "a number",
            "bool": "true or false",
            "str": "a string",
            "choice": "one of " + ", ".join(self.choices),
            "host": "a host name or IP address",
            "hostport": "HOST or HOST:PORT",
            "path": "a file path",
            "url": "an http:// or https:// URL",
        }[self.type]
        if self.min is not None and self.max is not None:
            kind += f" from {_fmt(self.min)} to {_fmt(self.max)}"
        elif self.min is not None:
            kind += f" of at least {_fmt(self.min)}"
        elif self.max is not None:
            kind += f" of at most {_fmt(self.max)}"
        return ("a list of " + kind) if self.multiple else kind

    def convert(self, value: Any) -> Any:
        """Validate and normalise ``value`` (from TOML or the CLI); raise :class:`OptionError`."""
        if self.multiple:
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise OptionError(f"expected {self.describe()}, got {_show(value)}")
            return [self._convert_one(v) for v in value]
        return self._convert_one(value)

    def _convert_one(self, value: Any) -> Any:
        converter = getattr(self, "_to_" + self.type)
        result = converter(value)
        if self.type in ("int", "float"):
            if (self.min is not None and result < self.min) or (self.max is not None and result > self.max):
                raise OptionError(f"expected {self.describe()}, got {_show(value)}")
        return result

    def _fail(self, value: Any) -> OptionError:
        return OptionError(f"expected {self.describe()}, got {_show(value)}")

    def _to_int(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self._fail(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        raise self._fail(value)

    def _to_float(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self._fail(value)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise self._fail(value)

    def _to_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
            return value.lower() in ("true", "yes", "1", "on")
        raise self._fail(value)

    def _to_str(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._fail(value)
        return value

    def _to_choice(self, value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in [c.lower() for c in self.choices]:
            raise self._fail(value)
        return value.lower()

    def _to_path(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self._fail(value)
        return value

    def _to_url(self, value: Any) -> str:
        if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
            raise self._fail(value)
        return value

    def _to_host(self, value: Any) -> str:
        if not isinstance(value, str) or not is_valid_host(value):
            raise self._fail(value)
        return value.strip("[]")

    def _to_hostport(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._fail(value)
        try:
            host, port = split_hostport(value, self.default_port)
        except ValueError:
            raise self._fail(value) from None
        return join_hostport(host, port)

def is_valid_host(value: str) -> bool:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    if re.fullmatch(r"[\d.]+", value):  # looks numeric but is not an IPv4 address: 999.1.1.1
        return False
    return len(value) <= 253 and bool(_HOSTNAME_RE.match(value))


def split_hostport(value: str, default_port: int | None = None) -> tuple[str, int | None]:
    """Split ``HOST[:PORT]`` (IPv6 as ``[addr]:port``); raise ValueError when malformed."""
    value = value.strip()
    host, port_text = value, None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(value)
        host, rest = value[1:end], value[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(value)
            port_text = rest[1:]
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    elif value.count(":") > 1:  # a bare IPv6 address, no port
        host = value
    if not is_valid_host(host):
        raise ValueError(value)
    port = default_port
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(value)
        port = int(port_text)
    return host, port


def join_hostport(host: str, port: int | None) -> str:
    if port is None:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


#: at most this many characters of an offending value are quoted in an error message: a
#: 500 KB target pasted into a profile must not become a 500 KB error line
MAX_SHOWN = 80


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis and the full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit - 1]}… ({len(text)} characters)"


def show_value(value: Any) -> str:
    """An offending value as an error message quotes it: short, repr'd, never the whole of a huge one."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return repr(value[:MAX_SHOWN - 1]) + f"… ({len(value)} characters)"
    return shorten(repr(value))


_show = show_value
