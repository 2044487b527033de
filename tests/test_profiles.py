from pathlib import Path

import pytest

from conftest import ROOT, write_profile
from fieldkit import profiles
from fieldkit.profiles import ProfileError

BUILTIN = sorted((ROOT / "profiles").glob("*.toml"))


def test_required_builtin_profiles_exist():
    names = {p.stem for p in BUILTIN}
    assert {"quick", "full", "voip-site", "workstation", "nightly"} <= names


@pytest.mark.parametrize("path", BUILTIN, ids=lambda p: p.stem)
def test_every_builtin_profile_is_valid(path):
    profile = profiles.load(str(path))
    assert profile.checks, "a profile must run at least one check"
    assert profile.description


def test_default_profile_is_quick_and_records_no_audio():
    profile = profiles.load(None)
    assert profile.name == "quick"
    assert "acoustic" not in profile.checks
    # "finishes in seconds": the budgets must say so too.
    assert max(c.timeout_s for c in profile.checks.values()) <= 60


def test_user_profile_shadows_builtin(fieldkit_home):
    user_dir = fieldkit_home / "config" / "profiles"
    user_dir.mkdir(parents=True)
    write_profile(user_dir, 'description = "mine"\n[checks.system]\n', "quick.toml")
    assert profiles.load("quick").description == "mine"


BAD_PROFILES = [
    ("unknown check", '[checks.teleport]\n', r"checks\.teleport: unknown check"),
    ("unknown option", '[checks.system]\nfs_warn_percent = 80\n',
     r"checks\.system\.fs_warn_percent: unknown option for check 'system'"),
    ("wrong type", '[checks.system]\nfs_warn_pct = "eighty"\n',
     r"checks\.system\.fs_warn_pct: expected a number from 1 to 100, got 'eighty'"),
    ("out of range threshold", '[checks.system]\nfs_crit_pct = 150\n',
     r"checks\.system\.fs_crit_pct: expected a number from 1 to 100, got 150"),
    ("malformed host", '[checks.fixed]\npeer = "pbx..example.com:5060"\n',
     r"checks\.fixed\.peer: expected HOST or HOST:PORT, got 'pbx\.\.example\.com:5060'"),
    ("bad timeout", '[checks.system]\ntimeout = -5\n', r"checks\.system\.timeout: expected a number of seconds"),
    ("no checks", 'description = "empty"\n', r"checks: expected at least one \[checks\.NAME\] table"),
    ("unknown top-level key", 'chekcs = 1\n[checks.system]\n', r"chekcs: unknown key"),
    ("invalid TOML", '[checks.system\n', r"invalid TOML"),
]


@pytest.mark.parametrize("kind,text,message", BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES])
def test_bad_profiles_name_file_key_and_expectation(tmp_path, extra_checks, kind, text, message):
    path = write_profile(tmp_path, text)
    with pytest.raises(ProfileError, match=message) as info:
        profiles.load(str(path))
    text = str(info.value)
    assert text.startswith(str(path)), "the error must name the file"
    assert "\n" not in text, "the error must be one line"


def test_missing_profile_file_and_unknown_name():
    with pytest.raises(ProfileError, match="no such profile file"):
        profiles.load("/nonexistent/x.toml")
    with pytest.raises(ProfileError, match="unknown profile 'nosuch'"):
        profiles.load("nosuch")


def test_profile_values_override_defaults_and_json_form_has_no_option_values(tmp_path, extra_checks):
    path = write_profile(tmp_path, '[checks.fixed]\npeer = "pbx.example.net"\nstatus = "warning"\ntimeout = 3\n')
    profile = profiles.load(str(path))
    cfg = profile.checks["fixed"]
    assert cfg.options["status"] == "warning" and cfg.options["delay_s"] == 0.0 and cfg.timeout_s == 3
    assert cfg.options["peer"] == "pbx.example.net:5060"
    assert "pbx.example.net" not in str(profile.to_dict())
