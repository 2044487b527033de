"""The report's fast paths print exactly what the plain way of printing does.

The 50-machine site report must render in under a second (bench/report_speed.py), so a few hot
spots take a shortcut: the chart data tables are built in Python instead of a Jinja loop per cell,
polyline points are formatted with one ``%`` over all coordinates, a series without a gap skips the
per-point split, a table is built column by column. Each test compares a shortcut with the general
path it replaces, on hostile and odd input, so the speed-up can never change a byte of the report
(nor let a control or bidi character through).
"""

from __future__ import annotations

import math
import random
import re

from markupsafe import Markup

from fieldkit import report
from fieldkit.report import html, svg
from fieldkit.report.model import build_model

from report_samples import T0, sample_scan, sample_visit

#: cells as the template used to print them, one ``{{ cell }}`` per cell
_CELL_LOOP = "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"


class _Text(str):
    """A str subclass (not markup): printed like a plain string."""


HOSTILE_CELLS = ["1.5", "–", "", "<script>alert(1)</script>", "O'Brien & \"co\"", "a\x1b]0;t\x07b",
                 "invoice\u202efdp.exe\u202c", "line\nnext", "tab\there", "nul\x00", "csi\x9b31m",
                 b"model \xff".decode("utf-8", "surrogateescape"), "plain ünïcode ✔ 日本", "\u2028sep",
                 5, 0, -3, 2.5, float("nan"), None, True, Markup("<b>safe</b>"), _Text("<i>sub\x1b</i>")]


def test_chart_table_rows_are_the_bytes_of_the_template_loop():
    rows = [HOSTILE_CELLS[i:i + 3] for i in range(0, len(HOSTILE_CELLS), 3)] + [[], ["only"]]
    loop = html._environment().from_string(_CELL_LOOP).render(rows=rows)
    fast = html._table_rows(rows)
    assert isinstance(fast, Markup)
    assert str(fast) == loop
    for raw in ("\x1b", "\u202e", "\x00", "\x9b", "<script>", "\udcff"):
        assert raw not in fast


def _points_reference(xs, ys, left, x_lo, sx, bottom, y_lo, sy):
    return " ".join(f"{left + (a - x_lo) * sx:.1f},{bottom - (b - y_lo) * sy:.1f}" for a, b in zip(xs, ys))


def test_polyline_points_are_the_per_point_format():
    import numpy  # loaded, as the spectrogram loads it: the table path is taken for long lines of floats

    rng = random.Random(7)
    cases = [  # (xs, ys, left, x_lo, sx, bottom, y_lo, sy)
        ([rng.uniform(-1e4, 1e4) for _ in range(500)], [rng.uniform(-50, 50) for _ in range(500)],
         56, -12.5, 0.0568, 186, -5.0, 3.1),
        ([0.05, 0.15, -0.0, 1e15, 3], [0.25, 0.35, 0.0, -1e-9, 4], 56, -12.5, 0.0568, 186, -5.0, 3.1),
        ([i * 0.008 for i in range(1000)], [rng.random() for _ in range(1000)], 56, 0.0, 568 / 7.992, 186, 0, 172.0),
        ([round(i * 0.02, 2) for i in range(1000)], [round(40 + rng.random() * 15, 2) for _ in range(1000)],
         56, 0.0, 568 / 19.98, 186, 0, 172 / 50),  # values above the top tick: negative pixels
        ([i * 0.05 for i in range(200)], [rng.randint(0, 200) * 0.05 for _ in range(200)], 56, 0.0, 0.5, 186, 0, 2.5),
        ([rng.uniform(-3, 3) for _ in range(300)], [rng.uniform(-0.06, 0.06) for _ in range(300)], 0, 0.0, 1.0, 0, 0.0,
         1.0),  # around zero: signs and -0.0
        ([float(i) for i in range(100)], [float(i % 7) for i in range(100)], 56, 0.0, 568 / 99, 186, 0, 172 / 6),
        (list(range(100)), [1.5] * 100, 56, 0, 568 / 99, 186, 0, 10.0),  # ints: Python's arithmetic
        ([1.0] * 80, [float("nan")] * 80, 56, 0.0, 1.0, 186, 0.0, 1.0),
        ([1e308, -1e308, 999.95, -999.95, 5.0] * 20, [rng.uniform(-2000, 2000) for _ in range(100)], 0, 0.0, 10.0, 0,
         0.0, 1.0),  # off the table, and overflowing to inf as the Python float does
        ([i * 0.02 for i in range(1000)], [k / 100 for k in range(1000)], 56, 0.0, 568 / 19.98, 186, 0, 172 / 6000),
    ]
    for xs, ys, *scale in cases:
        expected = _points_reference(xs, ys, *scale)
        assert svg._points_text(xs, ys, *scale) == expected
        fast = svg._points_text_numpy(numpy, xs, ys, *scale)
        floats = all(type(v) is float for v in xs + ys)
        assert fast == (expected if floats else None)  # every line of floats, near-ties and all; ints: Python


def test_a_series_without_gaps_is_the_one_segment_the_general_split_finds():
    x = [i * 0.02 for i in range(1000)]
    values = [40 + 10 * math.sin(i / 50) for i in range(1000)]
    segments, gaps = svg._segments(x, values, lambda v: v)
    assert (segments, gaps) == ([list(zip(x, values))], [])
    # and the chart takes the shortcut only then: a gap still splits the line and is marked
    chart = svg.line_chart("t", "d", x[:5], {"s": [1.0, None, 3.0, 4.0, float("inf")]})
    assert str(chart.svg).count("<polyline") == 1 and str(chart.svg).count("<circle") == 1
    assert str(chart.svg).count('stroke="#b71c1c"/>') == 2


def test_line_chart_table_is_the_row_by_row_table():
    x = [i * 0.5 for i in range(300)]
    series = {"a": [None if i % 17 == 0 else i * 0.37 for i in range(300)], "b": [float(i) for i in range(250)],
              "c": ["x", True, 10**20] * 100}
    chart = svg.line_chart("t", "d", x, series, gap_label="perdido")
    indices, _ = svg._stride_indices(len(x))
    expected = []
    for i in indices:
        row = [svg._fmt(x[i], 3)]
        for values in series.values():
            value = values[i] if i < len(values) else None
            row.append("perdido" if value is None else svg._fmt(value, 2))
        expected.append(row)
    assert chart.rows == expected
    assert svg.line_chart("t", "d", [], {"s": []}).rows == []


def test_fmt_keeps_its_rules():
    assert [svg._fmt(v) for v in (None, float("nan"), float("-inf"), 250.4, 3.0, -0.0, 2.25, 7, "x")] == \
        ["–", "–", "–", "250", "3", "-0", "2.2", "7", "x"]


def _numbered(text: str) -> str:
    """Chart ids count up over the process (``chart12t``): number them from 1 in order of appearance."""
    ids: dict[str, str] = {}
    return re.sub(r"chart\d+", lambda m: ids.setdefault(m.group(0), f"chart#{len(ids) + 1}"), text)


def test_a_report_is_the_same_with_warm_and_cold_caches():
    """Number formats and translations are memoised per process and per report; a second report in
    the same process (warm caches) is byte for byte the first one (cold caches)."""
    from fieldkit.i18n.format import _cached_number, _pattern

    scans = [sample_scan(f"pc-{i}", seed=i, pending=[0, 3, 15][i % 3], visit=sample_visit()) for i in range(3)]
    for lang in ("en", "es", "ru"):
        _cached_number.cache_clear()
        _pattern.cache_clear()
        cold = report.render(scans, "html", lang=lang, now=T0)
        warm = report.render(scans, "html", lang=lang, now=T0)
        assert _numbered(cold) == _numbered(warm)
        assert _cached_number.cache_info().hits > 0


def test_a_translator_answers_the_same_from_its_memo():
    scans = [sample_scan("pc-1", seed=1, pending=3)]
    model = build_model(scans, lang="es", now=T0)
    t = model.t
    for msgid in ("Summary", "Status", "Computer", "a text no catalog has"):
        first = t(msgid)
        assert t(msgid) == first == type(t)("es")(msgid)


def test_finite_is_the_value_by_value_filter():
    def plain(values):
        return [v for v in values if type(v) in (int, float) and math.isfinite(v)]

    cases = [[], [1.0, 2.5, -3], [1.0, float("inf")], [float("nan")], [1e308, 1e308], [-1e308, 1e308, 5.0],
             [True, 1, None, "2", 2.0], (1, 2), range(5), [1.5] * 1000, [0.1 * i for i in range(999)] + [None]]
    for values in cases:
        assert svg._finite(values) == plain(values), values
    assert svg._finite(iter([1, None, 2.0])) == [1, 2.0]  # an iterator is read once


def test_status_is_the_bytes_of_the_former_macro():
    from fieldkit.findings import Status
    from fieldkit.report.model import StatusView

    macro = ('{%- macro status(s) -%}<span class="status {{ s.css }}" data-status="{{ s.name }}"><span '
             'aria-hidden="true">{{ s.icon }}</span> {{ s.word }}</span>{%- endmacro -%}{{ status(s) }}')
    template = html._environment().from_string(macro)
    for view in (StatusView(Status.WARNING, "Requiere atención", "warn", "▲", "WARNING"),
                 StatusView(None, "<b>\u202eword\x1b</b> & 'q'", "x\"y", "\x00", "NONE")):
        assert str(html._status(view)) == template.render(s=view)


def test_memoised_headers_are_the_hyphenated_markup():
    from fieldkit.report.hyphens import hyphenated_markup

    for lang in ("ca", "ru", "en"):
        for text in ("Microprogramari", "Серийный номер", "<b>Reason / error\u202e</b>", "round trip (ms)"):
            first = hyphenated_markup(text, lang)
            assert first == hyphenated_markup.__wrapped__(text, lang)  # the memo holds what is computed
            assert hyphenated_markup(text, lang) is first  # from the memo
            assert isinstance(first, Markup)
