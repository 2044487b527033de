"""history stats: the technician's log from real stored scans and visit files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fk_scans import at, disk, scan, target
from fieldkit.cli import cli
from fieldkit.findings import Status
from fieldkit.history import HistoryStore
from fieldkit.history.stats import compute, format_duration

OK, WARN, CRIT = Status.OK, Status.WARNING, Status.CRITICAL


def _visit(vid: str, customer: str, site: str, start_h: float, end_h: float | None) -> dict:
    def iso(h: float) -> str:
        return at(h).isoformat().replace("+00:00", "Z")

    return {"id": vid, "customer": customer, "site": site, "ticket": f"T-{vid}", "technician": "Sam",
            "started_at": iso(start_h), "ended_at": iso(end_h) if end_h is not None else None, "notes": ["n"]}


def _fill(store: HistoryStore) -> None:
    v1 = _visit("v1", "Acme", "Main office", 0, 1.5)
    v2 = _visit("v2", "Acme", "Main office", 24 * 30, 24 * 30 + 0.75)
    v3 = _visit("v3", "Bolt Ltd", "Depot", 5, None)  # still open
    store.store(scan([disk("/dev/sda", WARN, 5), target("pbx", CRIT, 400, 9)], started=at(0.5), visit=v1))
    store.store(scan([disk("/dev/sda", WARN, 6), target("pbx", OK, 20, 0)], started=at(48)))       # scheduled
    store.store(scan([disk("/dev/sda", OK, 6), target("pbx", OK, 20, 0)], started=at(24 * 30 + 0.2), visit=v2))
    store.store(scan([disk("/dev/sdb", CRIT, 90)], started=at(5.5), host_id="host-b", visit=v3))


def test_stats_counts_visits_time_on_site_and_problem_outcomes(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite") as store:
        _fill(store)
        stats = compute(store)
    sites = {(s.customer, s.site): s for s in stats.sites}
    acme = sites[("Acme", "Main office")]
    assert (acme.visits, acme.closed_visits, acme.scans) == (2, 2, 2)
    assert acme.seconds_on_site == (1.5 + 0.75) * 3600
    bolt = sites[("Bolt Ltd", "Depot")]
    assert (bolt.visits, bolt.closed_visits) == (1, 0)
    assert stats.severity_visits == {"OK": 2, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 0}
    assert stats.severity_other == {"OK": 1, "WARNING": 1, "CRITICAL": 0, "UNKNOWN": 0}
    # sda: found on visit 1, fixed when seen on visit 2; pbx: found on visit 1, OK in the scheduled scan
    assert stats.problems["Acme"].to_dict() == {"found": 2, "resolved": 2, "resolved_on_later_visit": 1,
                                                "resolved_by_scheduled_scan": 1, "still_open": 0}
    assert stats.problems["Bolt Ltd"].open == 1
    assert stats.problems_total.found == 3


def test_stats_command_imports_closed_visit_files(fieldkit_home: Path) -> None:
    with HistoryStore.open() as store:
        _fill(store)
    visits = fieldkit_home / "data" / "visits"
    visits.mkdir(parents=True)
    # 'fieldkit visit end' closed v3 later; its file carries the end time
    (visits / "v3.json").write_text(json.dumps(_visit("v3", "Bolt Ltd", "Depot", 5, 7)))
    (visits / "broken.json").write_text("{not json")
    result = CliRunner().invoke(cli, ["history", "stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    bolt = next(s for s in data["sites"] if s["customer"] == "Bolt Ltd")
    assert bolt["closed_visits"] == 1 and bolt["time_on_site_s"] == 2 * 3600
    assert any("broken.json" in w for w in data["warnings"])
    text = CliRunner().invoke(cli, ["history", "stats"])
    assert "Acme" in text.stdout and "2 h 15 min" in text.stdout and "found 3" in text.stdout


def test_format_duration() -> None:
    assert format_duration(45 * 60) == "45 min"
    assert format_duration(2 * 3600 + 5 * 60) == "2 h 05 min"
