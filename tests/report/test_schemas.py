"""The report JSON and the visit log validate against the JSON Schemas shipped in fieldkit/schemas/."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

import fieldkit
from fieldkit import paths, report
from fieldkit.cli import cli

from report_samples import sample_scan, sample_visit

SCHEMAS = Path(fieldkit.__file__).resolve().parent / "schemas"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def test_report_json_and_its_scans_validate():
    doc = json.loads(report.render([sample_scan(visit=sample_visit()), sample_scan("pc-2", seed=2)], "json",
                                   redact=True))
    jsonschema.validate(doc, _schema("report.schema.json"))
    for scan in doc["scans"]:
        jsonschema.validate(scan, _schema("scan.schema.json"))


def test_visit_log_validates_open_and_closed():
    runner = CliRunner()
    runner.invoke(cli, ["visit", "start", "--customer", "C", "--site", "S"])
    runner.invoke(cli, ["visit", "note", "--action", "did a thing"])
    schema = _schema("visit.schema.json")
    jsonschema.validate(json.loads((paths.state_dir() / "visit.json").read_text()), schema)
    runner.invoke(cli, ["visit", "end"])
    closed = next((paths.data_dir() / "visits").glob("*.json"))
    jsonschema.validate(json.loads(closed.read_text()), schema)
