"""Reading a PDF back: its text (pdftotext), its first page as pixels (pdftoppm), and which characters its
embedded fonts really have glyphs for (the ToUnicode maps)."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode("ascii")).decode("utf-16-be", "replace")


def glyph_characters(pdf: bytes) -> set[str]:
    """Every character some embedded font draws with a real glyph.

    A character no installed font has is drawn as the font's .notdef box (tofu); such a glyph
    gets no ToUnicode entry, so a character missing here was printed as a box."""
    chars: set[str] = set()
    for match in _STREAM.finditer(pdf):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        if b"begincmap" not in data:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for _, dst in _PAIR.findall(block):
                chars.update(_utf16(dst))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
            for lo, hi, dst in _RANGE.findall(block):
                first = _utf16(dst)
                if len(first) == 1:
                    chars.update(chr(ord(first) + i) for i in range(int(hi, 16) - int(lo, 16) + 1))
                else:
                    chars.update(first)
    return chars


def page_text(pdf: Path, page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def first_page_png(pdf: Path, out_prefix: Path, dpi: int = 40) -> Path:
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile", str(pdf),
                    str(out_prefix)], check=True, capture_output=True)
    return out_prefix.with_suffix(".png")


def ink_fraction(png: Path) -> float:
    """The share of pixels that are not (near) white, read with the standard library only."""
    import struct

    data = png.read_bytes()
    pos, chunks = 8, []
    width = height = bit_depth = colour = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, bit_depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    assert bit_depth == 8 and colour in (0, 2, 6), (bit_depth, colour)
    channels = {0: 1, 2: 3, 6: 4}[colour]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    dark = 0
    offset = 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):  # PNG filters (RFC 2083 6.6)
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        dark += sum(1 for x in range(0, stride, channels) if min(line[x:x + min(channels, 3)]) < 200)
        previous = line
    return dark / (width * height)
