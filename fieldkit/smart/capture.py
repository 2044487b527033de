"""Captured smartctl output (a file a technician was sent) -> :class:`Drive`."""

from __future__ import annotations

from fieldkit.smart import parse_json, parse_text
from fieldkit.smart.model import Drive, ParseError


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM), else ISO-8859-1 (captures saved on Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_capture(text: str, source: str) -> Drive:
    """JSON if it looks like JSON, else text; raise :class:`ParseError` with the reason."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return parse_json.parse(parse_json.loads(text, source), source)
    if "\x00" in text:
        raise ParseError(f"{source}: binary data, not smartctl output")
    return parse_text.parse(text, source)
