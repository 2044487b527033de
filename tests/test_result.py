"""Reading scan files: the fast parser and the standard one agree, and what the fast one refuses still loads
or fails the way it always did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from fieldkit.result import ResultError, ScanResult, _parse_json
from fieldkit.findings import Status
from fk_scans import disk, scan


def _scan() -> ScanResult:
    return scan([disk("/dev/sda", Status.WARNING, 12, pending=3)], scan_id="s1")


def test_a_written_scan_reads_back_the_same(tmp_path: Path) -> None:
    path = _scan().write(tmp_path / "scan.json")
    assert ScanResult.load(path).to_dict() == json.loads(path.read_text(encoding="utf-8")) == _scan().to_dict()


def test_integers_beyond_64_bits_still_load(tmp_path: Path) -> None:
    # orjson refuses them; another tool's scan (or a drive's 128-bit NVMe counter) may hold one
    doc = _scan().to_dict()
    doc["extra"] = {"data_units_read": 2**80}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert ScanResult.load(path).extra == {"data_units_read": 2**80}


@pytest.mark.parametrize("raw", [b"\xef\xbb\xbf{}", b"{\"a\": \xff}", b"{not json", b""])
def test_bad_bytes_are_one_line_not_valid_json(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    with pytest.raises(ResultError, match="not valid JSON") as caught:
        ScanResult.load(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))   # a UTF-8 file holds no lone surrogate
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_fast_parser_reads_what_the_standard_writer_writes(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert _parse_json(text.encode("utf-8")) == json.loads(text)
