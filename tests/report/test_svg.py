"""Chart primitives: valid, escaped, accessible markup and honest handling of gaps."""

from __future__ import annotations

import base64
import re
import struct
import zlib

from fieldkit.report import svg

from html_probe import probe


def test_titles_and_labels_are_escaped():
    chart = svg.bar_chart("<script>x</script>", "</desc><script>", ["<b>label</b>"], [1.0])
    assert "<script>" not in chart.svg and "<b>" not in chart.svg
    assert "&lt;script&gt;x&lt;/script&gt;" in chart.svg


def test_svg_has_role_title_desc_and_unique_ids():
    a = svg.line_chart("A", "desc A", [0, 1, 2], {"s": [1, 2, 3]})
    b = svg.line_chart("B", "desc B", [0, 1, 2], {"s": [1, 2, 3]})
    for chart in (a, b):
        p = probe(str(chart.svg))
        root = p.find("svg")[0]
        assert root["role"] == "img"
        t_id, d_id = root["aria-labelledby"].split()
        assert p.count("title", id=t_id) == 1 and p.count("desc", id=d_id) == 1
    assert re.search(r'aria-labelledby="(\S+) ', str(a.svg)).group(1) != \
        re.search(r'aria-labelledby="(\S+) ', str(b.svg)).group(1)


def test_lost_samples_are_gaps_and_marked_not_interpolated():
    chart = svg.line_chart("rtt", "d", [1, 2, 3, 4, 5], {"rtt": [1.0, 2.0, None, 4.0, 5.0]})
    assert str(chart.svg).count("<polyline") == 2  # split at the lost probe
    assert str(chart.svg).count('stroke="#b71c1c"/>') == 1  # one loss cross
    assert chart.rows[2] == ["3", "lost"]


def test_table_twin_is_capped_and_says_so():
    xs = list(range(1000))
    chart = svg.line_chart("big", "d", xs, {"v": [float(x) for x in xs]})
    assert len(chart.rows) <= svg.MAX_TABLE_ROWS and "of 1000 points" in chart.table_note


def _decode_png(data: bytes) -> tuple[int, int, bytes]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        assert zlib.crc32(kind + payload) & 0xFFFFFFFF == crc
        if kind == b"IHDR":
            width, height = struct.unpack(">II", payload[:8])
        elif kind == b"IDAT":
            idat += payload
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_spectrogram_png_is_valid_with_high_frequencies_on_top_and_click_markers():
    db = [[-80.0] * 4 for _ in range(3)]
    db[2] = [0.0] * 4  # loudest row is the highest frequency bin
    chart = svg.heatmap("spec", "d", [0, 1, 2, 3], [100, 200, 300], db, markers_x=[1.5])
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", str(chart.svg)).group(1))
    width, height, raw = _decode_png(data)
    assert (width, height) == (4, 3)
    first_row, last_row = raw[1:1 + 12], raw[-12:]
    assert sum(first_row) > sum(last_row)  # bright (yellow) at the top, dark at the bottom
    assert 'stroke="#b71c1c" stroke-dasharray="4 2"' in str(chart.svg)
    assert chart.rows[2] == ["300", "0", "0"]


def test_empty_and_constant_series_do_not_crash():
    svg.line_chart("empty", "d", [], {"v": []})
    svg.line_chart("flat", "d", [0, 0], {"v": [5, 5]})
    svg.bar_chart("none", "d", [], [])
    svg.heatmap("empty", "d", [], [], [])
    svg.hop_chart("hops", "d", [{"ttl": 1, "address": None, "rtt_ms": None, "loss_pct": 100}])


def test_numpy_raster_and_pure_python_fallback_agree():
    db = [[-60.0, None, -20.5, -33.0], [None, None, None, None], [0.0, -10.0, float("nan"), -5.0]]
    fast, slow = svg._raster(db, 4), svg._raster_python(db, 4)
    assert fast[0] == slow[0] and fast[1] == slow[1]
    assert fast[2] == slow[2]  # identical pixels
    assert fast[3][1] is None and fast[3][0] == slow[3][0]


def test_long_series_are_decimated_keeping_spikes():
    xs = list(range(20000))
    ys = [1.0] * 20000
    ys[12345] = 500.0  # one spike among 20 000 samples must survive
    chart = svg.line_chart("long", "d", xs, {"v": ys})
    points = re.search(r'points="([^"]+)"', str(chart.svg)).group(1).split()
    assert len(points) < 3000
    assert min(float(p.split(",")[1]) for p in points) < svg.PAD_TOP + 5  # the spike reaches the top


def test_the_y_axis_reaches_the_highest_value_so_a_spike_is_inside_the_picture():
    """Round-trip times up to 55 ms: ticks that stop at 40 ms would draw the spike above the chart."""
    chart = svg.line_chart("rtt", "d", [1, 2, 3, 4], {"rtt": [12.0, 18.0, 55.0, 14.0]}, unit="ms")
    points = re.search(r'points="([^"]+)"', str(chart.svg)).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert min(ys) >= svg.PAD_TOP - 0.5  # nothing above the plot area
    labels = [float(v) for v in re.findall(r'text-anchor="end">([\d.]+)</text>', str(chart.svg))]
    assert max(labels) >= 55.0  # the top tick is at or above the spike
    bars = svg.bar_chart("sectors", "d", ["a", "b"], [29.0, 7.0])
    ticks = [float(v) for v in re.findall(r'text-anchor="middle">([\d.]+)</text>', str(bars.svg))]
    assert max(ticks) >= 29.0  # the longest bar ends inside the scale
