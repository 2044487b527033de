"""Defect 1: concurrent visit commands from separate processes lose nothing and open one visit."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.field.helpers import fk, popen


def _all(args_list: list[list[str]], home: Path) -> list[tuple[int, str, str]]:
    procs = [popen(args, home) for args in args_list]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        out.append((proc.returncode, stdout, stderr))
    return out


def test_twenty_concurrent_notes_are_all_kept(tmp_path: Path) -> None:
    assert fk(["visit", "start", "--customer", "A", "--site", "B"], tmp_path).returncode == 0
    results = _all([["visit", "note", f"n{i}"] for i in range(20)]
                   + [["visit", "note", "--action", f"a{i}"] for i in range(5)], tmp_path)
    assert all(code == 0 for code, _, _ in results), results
    shown = json.loads(fk(["visit", "show", "--json"], tmp_path).stdout)
    texts = sorted(n["text"] for n in shown["notes"])
    assert texts == sorted([f"n{i}" for i in range(20)] + [f"a{i}" for i in range(5)])
    assert sum(1 for n in shown["notes"] if n["kind"] == "action") == 5
    ended = fk(["visit", "end"], tmp_path)
    assert ended.returncode == 0 and "(25 notes)" in ended.stdout


def test_ten_concurrent_starts_exactly_one_wins(tmp_path: Path) -> None:
    results = _all([["visit", "start", "--customer", f"C{i}", "--site", "S"] for i in range(10)], tmp_path)
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1, results
    assert all(code == 3 for code, _, _ in losers)
    for _, stdout, stderr in losers:
        assert stdout == ""
        assert len(stderr.strip().splitlines()) == 1 and "already open" in stderr
    shown = json.loads(fk(["visit", "show", "--json"], tmp_path).stdout)
    assert f"Visit {shown['id']} started: {shown['customer']} / S" in winners[0][1]


def test_notes_racing_the_end_are_kept_or_refused(tmp_path: Path) -> None:
    """A note either lands in the filed log or is refused with exit 3; never 'recorded' and lost."""
    assert fk(["visit", "start", "--customer", "A", "--site", "B"], tmp_path).returncode == 0
    results = _all([["visit", "note", f"n{i}"] for i in range(8)] + [["visit", "end"]]
                   + [["visit", "note", f"m{i}"] for i in range(8)], tmp_path)
    end = results[8]
    assert end[0] == 0
    filed = json.loads(next((tmp_path / "data" / "visits").glob("*.json")).read_text())
    kept = {n["text"] for n in filed["notes"]}
    for i, (code, stdout, stderr) in enumerate(results):
        if i == 8:
            continue
        text = f"n{i}" if i < 8 else f"m{i - 9}"
        if code == 0:
            assert text in kept, (text, stdout)
        else:
            assert code == 3 and "no visit is open" in stderr
