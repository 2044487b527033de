"""The technician's company on the report: name, logo, address and contacts.

Read from ``branding.toml`` in the config folder (``~/.config/fieldkit/``, or
``$FIELDKIT_HOME/config/``)::

    name = "Levante Sistemas S.L."
    logo = "logo.svg"            # PNG, JPEG or SVG; relative to this file's folder
    address = "Carrer de Colón 12, 46004 València"
    phone = "+34 960 000 000"
    email = "soporte@levante.example"
    website = "https://levante.example"

The logo is embedded in the report as a ``data:`` URI (the HTML stays one self-contained
file; an SVG shown through ``<img>`` cannot run script). No file: the report shows no
company block. A file that is wrong is refused with one line naming the file and the key.
"""

from __future__ import annotations

import base64
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "branding.toml"
KEYS = ("name", "logo", "address", "phone", "email", "website")
MAX_LOGO_BYTES = 2 * 1024 * 1024
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class BrandingError(ValueError):
    """The branding file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Brand:
    name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo_uri: str = ""  # data: URI, or empty

    @property
    def contacts(self) -> list[str]:
        return [x for x in (self.address, self.phone, self.email, self.website) if x]

    def __bool__(self) -> bool:
        return bool(self.name or self.logo_uri or self.contacts)


def branding_path() -> Path:
    from fieldkit import paths

    return paths.config_dir() / FILE_NAME


def load_brand(path: Path | None = None) -> Brand | None:
    """The company block, or None when there is no branding file."""
    path = path or branding_path()
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BrandingError(f"{path}: cannot read the branding file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BrandingError(f"{path}: not valid TOML: {exc}") from None
    company = data.get("company", data)  # a [company] table or top-level keys
    if not isinstance(company, dict):
        raise BrandingError(f"{path}: company: expected a table")
    for key, value in company.items():
        if key not in KEYS:
            raise BrandingError(f"{path}: {key}: unknown key (expected one of: {', '.join(KEYS)})")
        if not isinstance(value, str):
            raise BrandingError(f"{path}: {key}: expected a text, got {type(value).__name__}")
    logo = ""
    if company.get("logo"):
        logo = _logo_uri(path, (path.parent / company["logo"]).expanduser())
    return Brand(*(" ".join(str(company.get(k, "")).split()) for k in ("name", "address", "phone", "email",
                                                                     "website")), logo_uri=logo)


def _logo_uri(source: Path, logo: Path) -> str:
    mime = _MIME.get(logo.suffix.lower())
    if mime is None:
        raise BrandingError(f"{source}: logo: {logo.name} is not a PNG, JPEG or SVG file")
    try:
        data = logo.read_bytes()
    except OSError as exc:
        raise BrandingError(f"{source}: logo: cannot read {logo}: {exc.strerror or exc}") from None
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError(f"{source}: logo: {logo.name} is {len(data) // 1024} KiB, at most "
                            f"{MAX_LOGO_BYTES // 1024} KiB")
    magic_ok = {"image/png": data.startswith(b"\x89PNG"), "image/jpeg": data.startswith(b"\xff\xd8"),
                "image/svg+xml": b"<svg" in data[:4096]}[mime]
    if not magic_ok:
        raise BrandingError(f"{source}: logo: {logo.name} does not hold a {mime.split('/')[1].upper()} image")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
