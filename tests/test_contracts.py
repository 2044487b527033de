"""Contract: every registered check returns well-formed findings on a fake context.

The fake context has no programs (every command is "not found"), an empty /sys and
/proc, no root and a short budget. A check must still answer with findings that say
what it could not do (UNKNOWN with the reason), never crash and never stay silent.
"""

import json

import pytest

from conftest import ROOT
from fieldkit import checks, profiles
from fieldkit.context import CommandResult, Environment
from fieldkit.findings import Finding, Status
from fieldkit.runner import run_scan

FINDING_SCHEMA = json.loads((ROOT / "fieldkit" / "schemas" / "scan.schema.json").read_text())


def no_programs(argv, *, timeout, input=None, env=None, cancel=None):
    return CommandResult(list(argv), None, "", "", 0.0, not_found=True, error=f"{argv[0]}: command not found")


@pytest.fixture
def fake_env(tmp_path):
    return Environment(environ={"PATH": str(tmp_path / "empty-bin"), "HOME": str(tmp_path), "LC_ALL": "C"},
                       is_root=False, root=tmp_path / "root", runner=no_programs)


@pytest.mark.parametrize("name", list(checks.REGISTRY))
def test_check_declares_its_metadata(name):
    spec = checks.load(name)
    assert spec.name == name and spec.description and spec.area in checks.AREAS
    assert 0 < spec.timeout_s <= 3600
    assert len({o.name for o in spec.options}) == len(spec.options), "duplicate option names"
    for option in spec.options:
        if option.default is not None and not option.multiple:
            option.convert(option.default)  # defaults must pass their own validation


@pytest.mark.parametrize("name", list(checks.REGISTRY))
def test_check_returns_well_formed_findings_on_a_fake_context(name, fake_env):
    jsonschema = pytest.importorskip("jsonschema")
    spec = checks.load(name)
    profile = profiles.ad_hoc(name, {}, timeout_s=min(spec.timeout_s, 60))
    result = run_scan(profile, env=fake_env, machine={"hostname": "fake"})
    record = result.checks[0]
    assert record.outcome in ("completed", "skipped"), f"{name}: {record.outcome}: {record.error}\n{record.traceback}"
    if record.outcome == "skipped":
        assert record.skip_reason
        return
    assert result.findings, f"{name} returned no finding at all: it must say what it could not examine"
    validator = jsonschema.Draft202012Validator({"$defs": FINDING_SCHEMA["$defs"], "$ref": "#/$defs/finding"})
    for finding in result.findings:
        assert isinstance(finding, Finding) and finding.check == name
        validator.validate(finding.to_dict())
        json.dumps(finding.to_dict(), allow_nan=False)
        for metric in finding.metrics:
            assert metric.name and metric.name == metric.name.strip() and " " not in metric.name
        if finding.status in (Status.WARNING, Status.CRITICAL):
            assert finding.advice.meaning and finding.advice.action, \
                f"{name}/{finding.subject}: a problem needs plain-language advice for the customer"
