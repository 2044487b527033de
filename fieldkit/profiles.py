"""Scan profiles: TOML files naming the checks to run, their options and budgets.

Layout of a profile::

    description = "What this profile is for"

    [checks.system]          # the table's key is the check name
    timeout = 20             # seconds; the runner cuts the check off at this budget
    fs_warn_pct = 85         # any option the check declares in OPTIONS

Every error names the file, the key and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit import checks, paths
from fieldkit.options import OptionError, shorten, show_value

DEFAULT_PROFILE = "quick"
_TOP_KEYS = {"description", "checks", "name", "lang"}
#: a check's time budget in seconds: the one range for profiles and the command line
TIMEOUT_MIN_S = 0.1
TIMEOUT_MAX_S = 24 * 3600


class ProfileError(ValueError):
    """A profile that cannot be used; ``str()`` is one line naming file, key and problem."""


@dataclass
class CheckConfig:
    name: str
    timeout_s: float
    options: dict[str, Any]


@dataclass
class Profile:
    name: str
    description: str
    source: str
    checks: dict[str, CheckConfig] = field(default_factory=dict)
    lang: str | None = None  # the customer's language for reports of scans made with this profile

    def to_dict(self) -> dict[str, Any]:
        """What goes into a scan's JSON: names and budgets, never option values that could hold secrets."""
        out = {"name": self.name, "description": self.description, "source": self.source,
               "checks": {n: {"timeout_s": c.timeout_s} for n, c in self.checks.items()}}
        if self.lang:
            out["lang"] = self.lang
        return out


def builtin_dir() -> Path:
    """Built-in profiles: inside the installed package, or ``profiles/`` of a source checkout."""
    packaged = Path(__file__).parent / "profiles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "profiles"


def search_dirs() -> list[Path]:
    return [paths.config_dir() / "profiles", builtin_dir()]


def available() -> dict[str, Path]:
    """Profile name -> file; a user profile shadows a built-in one of the same name."""
    found: dict[str, Path] = {}
    for directory in reversed(search_dirs()):
        if directory.is_dir():
            for file in sorted(directory.glob("*.toml")):
                found[file.stem] = file
    return dict(sorted(found.items()))


def resolve(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or os.sep in name_or_path or candidate.exists():
        if not candidate.is_file():
            raise ProfileError(f"{name_or_path}: no such profile file")
        return candidate
    found = available()
    if name_or_path not in found:
        raise ProfileError(f"unknown profile {name_or_path!r} (available: {', '.join(found) or 'none'})")
    return found[name_or_path]


def load(name_or_path: str | None = None) -> Profile:
    path = resolve(name_or_path or DEFAULT_PROFILE)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > 1_000_000:  # tomllib has no size guard; a profile is a few KiB
        raise ProfileError(f"{path}: too large to be a profile ({len(raw)} bytes)")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: invalid TOML: {exc}") from None
    return parse(data, source=str(path), default_name=path.stem)


def parse(data: dict[str, Any], source: str, default_name: str) -> Profile:
    def fail(key: str, message: str) -> ProfileError:
        return ProfileError(f"{source}: {shorten(key)}: {message}")

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(key, f"unknown key (expected one of: {', '.join(sorted(_TOP_KEYS))})")
    name = data.get("name", default_name)
    description = data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise fail("name" if not isinstance(name, str) else "description", "expected a string")
    tables = data.get("checks")
    if not isinstance(tables, dict) or not tables:
        raise fail("checks", "expected at least one [checks.NAME] table naming a check to run")

    lang = data.get("lang")
    if lang is not None:
        from fieldkit.i18n.domains import LANGUAGES

        if lang not in LANGUAGES:
            raise fail("lang", f"expected one of {', '.join(LANGUAGES)}, got {lang!r}")
    profile = Profile(name=name, description=description, source=source, lang=lang)
    for check_name, table in tables.items():
        key = f"checks.{check_name}"
        if not checks.exists(check_name):
            raise fail(key, f"unknown check (known: {', '.join(checks.names())})")
        if not isinstance(table, dict):
            raise fail(key, "expected a table of options")
        spec = checks.load(check_name)
        options = spec.defaults()
        timeout = spec.timeout_s
        for opt_name, value in table.items():
            opt_key = f"{key}.{opt_name}"
            if opt_name == "timeout":
                if (isinstance(value, bool) or not isinstance(value, (int, float))
                        or not TIMEOUT_MIN_S <= value <= TIMEOUT_MAX_S):
                    raise fail(opt_key, f"expected a number of seconds from {TIMEOUT_MIN_S:g} to "
                                        f"{TIMEOUT_MAX_S:g}, got {show_value(value)}")
                timeout = float(value)
                continue
            option = spec.option(opt_name)
            if option is None or not option.profile:
                known = ", ".join(["timeout"] + [o.name for o in spec.options if o.profile])
                raise fail(opt_key, f"unknown option for check {check_name!r} (known: {known})")
            try:
                options[opt_name] = option.convert(value)
            except OptionError as exc:
                raise fail(opt_key, str(exc)) from None
        profile.checks[check_name] = CheckConfig(check_name, timeout, options)
    return profile


def ad_hoc(check_name: str, options: dict[str, Any], timeout_s: float | None = None) -> Profile:
    """A one-check profile for ``fieldkit check NAME``."""
    spec = checks.load(check_name)
    merged = spec.defaults()
    merged.update({k: v for k, v in options.items() if v is not None})
    return Profile(name=f"check-{check_name}", description=f"ad hoc check: {check_name}", source="command line",
                   checks={check_name: CheckConfig(check_name, timeout_s or spec.timeout_s, merged)})
