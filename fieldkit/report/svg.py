"""Small inline-SVG chart primitives for the technician appendix.

Every chart is self-contained markup (no script, no external reference) with
``role="img"``, ``<title>`` and ``<desc>`` (aria-labelledby both), and comes with a
*data-table twin* (:class:`Chart.table`) that the template prints next to it, so a
screen reader or a greyscale print loses nothing (WCAG 1.1.1 text alternatives; the
"accessible SVG" pattern: ``role="img"`` labelled by its own title and description).

Every string that reaches the markup goes through :func:`markupsafe.escape`: titles
and labels can carry hostnames, SMART model strings or traceroute addresses from the
client machine. The spectrogram is a small PNG inside the SVG (data: URI) instead of
10 000 ``<rect>`` elements: the 50-machine site report must render in under a second.
"""

from __future__ import annotations

import base64
import itertools
import math
import struct
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from markupsafe import Markup
from markupsafe import escape as _markup_escape

from fieldkit.safetext import visible


def escape(value: object) -> Markup:
    """Markup-escaped, with control and bidi-override characters shown visibly (XML forbids most controls)."""
    return _markup_escape(visible(value))


_ids = itertools.count(1)

WIDTH = 640
HEIGHT = 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 14, 34
#: series colours chosen to stay distinguishable in greyscale too (different lightness),
#: and series are also told apart by dash pattern.
SERIES_STYLES = (("#1f4e99", ""), ("#d9822b", "6 3"), ("#2e7d32", "2 3"), ("#7b1fa2", "8 3 2 3"))
MAX_TABLE_ROWS = 120


@dataclass
class Chart:
    """An SVG chart and its data-table twin."""

    title: str
    description: str
    svg: Markup
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    table_note: str = ""  # e.g. "every 5th sample of 1000"


def _new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if abs(value) >= 100 or value.is_integer():
            return "%.0f" % value
        return "%.*f" % (digits, value)  # f"{value:.{digits}f}" without building the spec at every call
    return str(value)


def _open(title: str, description: str, width: int = WIDTH, height: int = HEIGHT) -> tuple[str, list[str]]:
    uid = _new_id("chart")
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{uid}t {uid}d">',
        f'<title id="{uid}t">{escape(title)}</title>',
        f'<desc id="{uid}d">{escape(description)}</desc>',
    ]
    return uid, head


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks, value = [], start
    while value <= hi + step * 0.001:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi - step * 0.001:
        # the axis must reach the data: a chart whose top tick sits below the highest value draws
        # that value (the spike the finding is about) outside the picture
        ticks.append(round(value, 10))
    return ticks


def _axes(parts: list[str], x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[tuple[float, str]],
          x_label: str, y_label: str, width: int = WIDTH, height: int = HEIGHT) -> None:
    left, bottom, right, top = PAD_LEFT, height - PAD_BOTTOM, width - PAD_RIGHT, PAD_TOP
    parts.append('<g class="axes" font-size="10" fill="#333">')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#555"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#555"/>')
    for y, label in y_ticks:
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{escape(label)}</text>')
    for x, label in x_ticks:
        parts.append(f'<text x="{x:.1f}" y="{bottom + 13}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text x="{(left + right) / 2:.1f}" y="{height - 4}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{(top + bottom) / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {(top + bottom) / 2:.1f})">{escape(y_label)}</text>')
    parts.append("</g>")


def _stride_indices(count: int) -> tuple[range, str]:
    """Row indices for a twin table of ``count`` points: at most MAX_TABLE_ROWS, evenly sampled."""
    if count <= MAX_TABLE_ROWS:
        return range(count), ""
    step = math.ceil(count / MAX_TABLE_ROWS)
    return range(0, count, step), f"every {step}th of {count} points"


def _stride_rows(rows: list[list[Any]]) -> tuple[list[list[Any]], str]:
    """Keep the twin table readable: at most MAX_TABLE_ROWS rows, evenly sampled."""
    if len(rows) <= MAX_TABLE_ROWS:
        return rows, ""
    step = math.ceil(len(rows) / MAX_TABLE_ROWS)
    return rows[::step], f"every {step}th of {len(rows)} points"


_NUMBER_TYPES = (int, float)
_NUMBER_TYPE_SET = frozenset(_NUMBER_TYPES)
_FLOAT_ONLY = frozenset({float})


def _is_number(v: Any) -> bool:
    """A finite int or float (``bool`` and numeric strings are not measurements)."""
    return type(v) in _NUMBER_TYPES and math.isfinite(v)


def _finite(values: Sequence[Any]) -> list[float]:
    """The finite numbers of ``values``, in order."""
    isfinite, types = math.isfinite, _NUMBER_TYPES
    if not isinstance(values, (list, tuple)):
        values = list(values)  # read once, whatever it is
    if set(map(type, values)) <= _NUMBER_TYPE_SET:  # plain numbers (a series, a spectrogram row)
        try:
            total = sum(values)  # inf or nan if any value is: all finite when the total is
            if isfinite(total):
                return list(values)
        except OverflowError:  # an int too big for a float: sorted out below, value by value
            pass
    return [v for v in values if type(v) in types and isfinite(v)]


def _decimate(points: list[tuple[float, float]], buckets: int) -> list[tuple[float, float]]:
    """Keep the shape of a long series at chart resolution: per column of ``buckets``, the lowest
    and the highest point in x order (min/max decimation keeps every spike, unlike plain striding)."""
    if len(points) <= buckets * 4:  # the data conventions cap series at 1000 points: usually a no-op
        return points
    x0, x1 = points[0][0], points[-1][0]
    width = (x1 - x0) / buckets or 1.0
    out: list[tuple[float, float]] = []
    group: list[tuple[float, float]] = []
    current = None
    for point in points:
        column = int((point[0] - x0) / width)
        if column != current and group:
            out.extend(_low_high(group))
            group = []
        current = column
        group.append(point)
    if group:
        out.extend(_low_high(group))
    return out


def _low_high(group: list[tuple[float, float]]) -> list[tuple[float, float]]:
    low = min(group, key=lambda p: p[1])
    high = max(group, key=lambda p: p[1])
    if low is high:
        return [low]
    return [low, high] if low[0] <= high[0] else [high, low]


# --------------------------------------------------------------------------- bar chart

def bar_chart(title: str, description: str, labels: Sequence[str], values: Sequence[float | None], *,
              unit: str = "", markers: Sequence[float | None] | None = None, marker_label: str = "threshold",
              value_label: str = "value", statuses: Sequence[str] | None = None,
              annotations: Sequence[str] | None = None) -> Chart:
    """Horizontal bars (one per label) with an optional per-bar marker (e.g. a SMART threshold)."""
    n = max(1, len(labels))
    bar_h = 16
    height = PAD_TOP + n * (bar_h + 6) + PAD_BOTTOM
    uid, parts = _open(title, description, height=height)
    numeric = _finite(list(values) + list(markers or []))
    hi = max(numeric) if numeric else 1.0
    lo = min(0.0, min(numeric)) if numeric else 0.0
    ticks = _nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    left = PAD_LEFT + 110
    right = WIDTH - PAD_RIGHT - (110 if annotations else 40)  # room for the value printed after the bar
    scale = (right - left) / ((hi - lo) or 1.0)
    parts.append('<g font-size="10" fill="#333">')
    for tick in ticks:
        x = left + (tick - lo) * scale
        parts.append(f'<line x1="{x:.1f}" y1="{PAD_TOP}" x2="{x:.1f}" y2="{height - PAD_BOTTOM}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - PAD_BOTTOM + 13}" text-anchor="middle">{_fmt(tick)}</text>')
    for i, (label, value) in enumerate(zip(labels, values)):
        y = PAD_TOP + i * (bar_h + 6)
        parts.append(f'<text x="{left - 4}" y="{y + 12}" text-anchor="end">{escape(str(label)[:28])}</text>')
        status = (statuses[i] if statuses and i < len(statuses) else "") or ""
        fill = {"CRITICAL": "#b71c1c", "WARNING": "#e0a100"}.get(status, "#1f4e99")
        if isinstance(value, (int, float)) and math.isfinite(value):
            w = max(0.5, (value - lo) * scale)
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}"/>')
            note = f", {annotations[i]}" if annotations and i < len(annotations) and annotations[i] else ""
            parts.append(f'<text x="{left + w + 3:.1f}" y="{y + 12}">{_fmt(value)}{escape(unit)}{escape(note)}</text>')
        else:
            note = f", {annotations[i]}" if annotations and i < len(annotations) and annotations[i] else ""
            parts.append(f'<text x="{left + 3}" y="{y + 12}" font-style="italic">not measured{escape(note)}</text>')
        marker = markers[i] if markers and i < len(markers) else None
        if isinstance(marker, (int, float)) and math.isfinite(marker):
            mx = left + (marker - lo) * scale
            parts.append(f'<line x1="{mx:.1f}" y1="{y - 2}" x2="{mx:.1f}" y2="{y + bar_h + 2}" stroke="#000" '
                         f'stroke-width="2" stroke-dasharray="3 2"/>')
    parts.append("</g>")
    if markers and any(m is not None for m in markers):
        parts.append(f'<text x="{WIDTH - PAD_RIGHT}" y="{height - 4}" font-size="10" text-anchor="end">'
                     f'dashed line: {escape(marker_label)}</text>')
    parts.append("</svg>")
    columns = ["label", value_label + (f" ({unit})" if unit else "")]
    rows = [[label, _fmt(value)] for label, value in zip(labels, values)]
    if markers:
        columns.append(marker_label)
        rows = [row + [_fmt(markers[i] if i < len(markers) else None)] for i, row in enumerate(rows)]
    return Chart(title, description, Markup("".join(parts)), columns, rows)


# --------------------------------------------------------------------------- line / time series

def _segments(x: Sequence[Any], values: Sequence[Any], px: Callable[[float], float]
              ) -> tuple[list[list[tuple[float, float]]], list[float]]:
    """The runs of measured points between gaps, and the x position (pixels) of every gap (a lost probe).
    Points whose x is not a finite number are left out altogether."""
    segments: list[list[tuple[float, float]]] = [[]]
    gaps: list[float] = []
    isfinite, types = math.isfinite, _NUMBER_TYPES
    for xv, yv in zip(x, values):
        if type(xv) not in types or not isfinite(xv):
            continue
        if type(yv) in types and isfinite(yv):
            segments[-1].append((xv, yv))
        else:
            gaps.append(px(xv))
            if segments[-1]:
                segments.append([])
    return segments, gaps


def _points_text(xs: Sequence[float], ys: Sequence[float], left: float, x_lo: float, sx: float, bottom: float,
                 y_lo: float, sy: float) -> str:
    """The points ``(xs[i], ys[i])`` of a polyline in pixels, ``"x,y x,y ..."`` with one decimal (``%.1f``).

    150 charts of 1000 points are most of the appendix's drawing time, and formatting 2000 floats per
    polyline most of that: a long line of plain floats goes through :func:`_points_text_numpy` when numpy
    is already loaded (the spectrogram loads it; importing it for this alone would cost more than it
    saves); otherwise, or when that cannot vouch for every digit, one ``%`` over all coordinates.
    """
    numpy = sys.modules.get("numpy")
    if numpy is not None and len(xs) >= 64:
        text = _points_text_numpy(numpy, xs, ys, left, x_lo, sx, bottom, y_lo, sy)
        if text is not None:
            return text
    coords = []
    append = coords.append
    for a, b in zip(xs, ys):
        append(left + (a - x_lo) * sx)
        append(bottom - (b - y_lo) * sy)
    return ("%.1f,%.1f " * len(xs))[:-1] % tuple(coords)


#: pixel coordinates the digit tables cover: |v| < 1000 (every chart is 640 pixels wide)
_TABLE_LIMIT = 1000.0
#: (separator, negative?) -> texts of 0.0, 0.1, 0.2 ... ("12.3," or "-12.3 "), indexed by tenths; grown on demand
_TENTHS_TEXT: dict[tuple[str, bool], Any] = {}


def _points_text_numpy(np: Any, xs: Sequence[float], ys: Sequence[float], left: float, x_lo: float, sx: float,
                       bottom: float, y_lo: float, sy: float) -> str | None:
    """:func:`_points_text` for plain floats with numpy, the same text; None for other values.

    The pixel coordinates are the same IEEE operations on the same doubles as the Python expression
    (a scalar converted to float first, as Python converts an int operand); each is rounded to tenths
    as ``%.1f`` rounds it and its text mostly taken from a table (:func:`_coordinate_texts`).
    """
    if not (set(map(type, xs)) <= _FLOAT_ONLY and set(map(type, ys)) <= _FLOAT_ONLY):
        return None  # ints (probe numbers) keep Python's exact integer arithmetic
    with np.errstate(all="ignore"):  # a huge value overflows to inf like the Python float does, silently
        x_text = _coordinate_texts(np, float(left) + (np.array(xs, dtype=np.float64) - float(x_lo)) * float(sx), ",")
        y_text = _coordinate_texts(np, float(bottom) - (np.array(ys, dtype=np.float64) - float(y_lo)) * float(sy),
                                   " ")
    parts = np.empty(2 * len(x_text), dtype=object)
    parts[0::2], parts[1::2] = x_text, y_text
    return "".join(parts.tolist())[:-1]


def _coordinate_texts(np: Any, values: Any, separator: str) -> Any:
    """``"%.1f" % v + separator`` for every ``v`` of ``values`` (an object array of texts).

    ``%.1f`` rounds the magnitude of a double from its exact binary value and writes the sign (``-0.0``
    too). ``|v| * 10`` in floating point is off by less than 1e-9 for ``|v| < 1000``, so wherever its
    fraction is not within 1e-6 of one half, its nearest integer ``k`` is the nearest to the exact
    ``10 |v|``: the text is ``k // 10`` "." ``k % 10``, from a table. The others (near-ties, which
    data on a decimal grid makes common, and values off the table) are formatted one by one.
    """
    magnitude = np.abs(values)
    tenths = magnitude * 10.0
    odd = ~(magnitude < _TABLE_LIMIT) | (np.abs(tenths - np.floor(tenths) - 0.5) < 1e-6)  # NaN is odd too
    index = np.floor(np.where(odd, 0.0, tenths) + 0.5).astype(np.intp)
    negative = np.signbit(values)
    texts = np.empty(len(index), dtype=object)
    for sign in (False, True):
        chosen = negative if sign else ~negative
        if bool(chosen.any()):
            texts[chosen] = _tenths_table(np, separator, sign, int(index.max()))[index[chosen]]
    for i in np.flatnonzero(odd).tolist():
        texts[i] = "%.1f%s" % (float(values[i]), separator)
    return texts


def _tenths_table(np: Any, separator: str, negative: bool, top: int) -> Any:
    """The texts of 0.0, 0.1 ... at least up to ``top`` tenths (grown by doubling: a small report builds little)."""
    table = _TENTHS_TEXT.get((separator, negative))
    if table is None or len(table) <= top:
        size = max(top + 1, 2 * len(table) if table is not None else 0, 1024)
        sign = "-" if negative else ""
        table = np.array([f"{sign}{k // 10}.{k % 10}{separator}" for k in range(size)], dtype=object)
        _TENTHS_TEXT[(separator, negative)] = table
    return table


def line_chart(title: str, description: str, x: Sequence[float], series: dict[str, Sequence[Any]], *,
               x_label: str = "time (s)", y_label: str = "", unit: str = "", markers_x: Sequence[float] = (),
               marker_label: str = "", gap_label: str = "lost") -> Chart:
    """One or more series over a shared x axis. ``None`` values are gaps (a lost probe), drawn as
    small crosses on the x axis so loss is visible, not silently interpolated."""
    uid, parts = _open(title, description)
    xs = _finite(x)
    finite_y = {name: _finite(values) for name, values in series.items()}
    all_y = [v for values in finite_y.values() for v in values]
    x_lo, x_hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x_hi <= x_lo:
        x_hi = x_lo + 1.0
    y_ticks = _nice_ticks(min(0.0, min(all_y)) if all_y else 0.0, max(all_y) if all_y else 1.0)
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    left, right, top, bottom = PAD_LEFT, WIDTH - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM

    def px(value: float) -> float:
        return left + (value - x_lo) / (x_hi - x_lo) * (right - left)

    def py(value: float) -> float:
        return bottom - (value - y_lo) / ((y_hi - y_lo) or 1.0) * (bottom - top)

    _axes(parts, [(px(t), _fmt(t)) for t in _nice_ticks(x_lo, x_hi) if x_lo <= t <= x_hi],
          [(py(t), _fmt(t)) for t in y_ticks], x_label, y_label + (f" ({unit})" if unit else ""))
    legend_y = top + 2
    sx, sy = (right - left) / (x_hi - x_lo), (bottom - top) / ((y_hi - y_lo) or 1.0)
    for index, (name, values) in enumerate(series.items()):
        colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
        runs: list[tuple[Sequence[Any], Sequence[Any]]]
        if len(xs) == len(x) == len(values) == len(finite_y[name]):  # the usual case: no gap, one line
            runs, gaps = [(x, values)], []
        else:
            segments, gaps = _segments(x, values, px)
            runs = [(tuple(a for a, _ in segment), tuple(b for _, b in segment)) for segment in segments]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        buckets = right - left
        for run_x, run_y in runs:
            if len(run_x) > buckets * 4:  # longer than the conventions allow: keep its shape at chart resolution
                points = _decimate(list(zip(run_x, run_y)), buckets)
                run_x, run_y = [a for a, _ in points], [b for _, b in points]
            if len(run_x) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash_attr} '
                             f'points="{_points_text(run_x, run_y, left, x_lo, sx, bottom, y_lo, sy)}"/>')
            elif len(run_x) == 1:
                a, b = run_x[0], run_y[0]
                parts.append(f'<circle cx="{left + (a - x_lo) * sx:.1f}" cy="{bottom - (b - y_lo) * sy:.1f}" '
                             f'r="1.5" fill="{colour}"/>')
        for gx in gaps[:500]:
            parts.append(f'<path d="M{gx - 3:.1f},{bottom - 3} l6,6 m0,-6 l-6,6" stroke="#b71c1c"/>')
        lx = right - 150
        parts.append(f'<line x1="{lx}" y1="{legend_y + 4}" x2="{lx + 20}" y2="{legend_y + 4}" stroke="{colour}" '
                     f'stroke-width="2"{dash_attr}/><text x="{lx + 24}" y="{legend_y + 8}" font-size="10">'
                     f'{escape(name)}</text>')
        legend_y += 12
    for mx in markers_x:
        if isinstance(mx, (int, float)) and x_lo <= mx <= x_hi:
            parts.append(f'<line x1="{px(mx):.1f}" y1="{top}" x2="{px(mx):.1f}" y2="{bottom}" stroke="#b71c1c" '
                         f'stroke-dasharray="4 2"/>')
    if markers_x:
        parts.append(f'<text x="{left + 4}" y="{top + 10}" font-size="10" fill="#b71c1c">'
                     f'dashed red lines: {escape(marker_label)}</text>')
    parts.append("</svg>")
    names = list(series)
    columns = [x_label] + [n + (f" ({unit})" if unit else "") for n in names]
    indices, note = _stride_indices(len(x))
    # built column by column (one comprehension per series) and zipped into rows: the same cells
    # as formatting row by row, for a fifth of the function calls
    table = [[_fmt(x[i], 3) for i in indices]]
    for n in names:
        values = series[n]
        count = len(values)
        table.append([gap_label if i >= count or values[i] is None else _fmt(values[i], 2) for i in indices])
    rows = [list(row) for row in zip(*table)]
    return Chart(title, description, Markup("".join(parts)), columns, rows, note)


# --------------------------------------------------------------------------- heat map (spectrogram)

#: viridis-like ramp (dark blue -> green -> yellow): monotonic in lightness, so it reads in greyscale.
_RAMP = ((0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)),
         (1.0, (253, 231, 37)))


def _colour(t: float) -> tuple[int, int, int]:
    t = 0.0 if t < 0 else 1.0 if t > 1 else t
    for (t0, c0), (t1, c1) in zip(_RAMP, _RAMP[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return tuple(int(a + (b - a) * f) for a, b in zip(c0, c1))  # type: ignore[return-value]
    return _RAMP[-1][1]


def _png(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    """A minimal RGB PNG (RFC 2083): signature, IHDR, one IDAT, IEND."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 3)) + chunk(b"IEND", b""))


_PALETTE = [bytes(_colour(i / 255)) for i in range(256)]


Raster = tuple[float, float, list[bytes], list[tuple[float, float] | None]]


def _raster(db: Sequence[Sequence[Any]], n_t: int) -> Raster:
    """dB rows -> (min, max, PNG pixel rows top-down, (loudest, mean) per row); missing values are white."""
    try:
        import numpy as np  # lazily: only reports with a spectrogram pay for it
    except ImportError:  # pragma: no cover - numpy is a dependency, but the report must not need it
        return _raster_python(db, n_t)
    if all(len(row) == n_t for row in db):
        try:
            grid = np.array(db, dtype=float)  # the usual case: rectangular, None -> NaN
        except (TypeError, ValueError):
            grid = None
        if grid is not None:
            return _colourise(np, grid)
    grid = np.full((len(db), n_t), np.nan)
    for i, row in enumerate(db):
        try:
            values = np.array(row, dtype=float)  # None -> NaN
        except (TypeError, ValueError):  # a stray string: convert value by value
            values = np.array([v if _is_number(v) else np.nan for v in row], dtype=float)
        grid[i, :len(row)] = values
    return _colourise(np, grid)


def _colourise(np: Any, grid: Any) -> Raster:
    finite = np.isfinite(grid)
    if not finite.any():
        return 0.0, 1.0, [b"\xff" * 3 * grid.shape[1] for _ in range(grid.shape[0])], [None] * grid.shape[0]
    counts = finite.sum(axis=1)
    loudest = np.where(finite, grid, -np.inf).max(axis=1)
    means = np.where(finite, grid, 0.0).sum(axis=1) / np.maximum(counts, 1)
    stats = [(float(m), float(a)) if c else None for m, a, c in zip(loudest, means, counts)]
    lo, hi = float(grid[finite].min()), float(grid[finite].max())
    index = np.clip(((np.where(finite, grid, lo) - lo) / ((hi - lo) or 1.0) * 255), 0, 255).astype(np.uint8)
    palette = np.frombuffer(b"".join(_PALETTE), dtype=np.uint8).reshape(256, 3)
    pixels = palette[index]
    pixels[~finite] = 255
    return lo, hi, [row.tobytes() for row in pixels[::-1]], stats  # PNG rows top-down: highest frequency first


def _raster_python(db: Sequence[Sequence[Any]], n_t: int) -> Raster:
    flat = [v for row in db for v in _finite(row)]
    lo, hi = (min(flat), max(flat)) if flat else (0.0, 1.0)
    span = (hi - lo) or 1.0
    rows_png = []
    for row in reversed(list(db)):
        line = bytearray()
        for j in range(n_t):
            v = row[j] if j < len(row) else None
            line += _PALETTE[int((v - lo) / span * 255)] if _is_number(v) else b"\xff\xff\xff"
        rows_png.append(bytes(line))
    stats = []
    for row in db:
        values = _finite(row)
        stats.append((max(values), sum(values) / len(values)) if values else None)
    return lo, hi, rows_png, stats


def heatmap(title: str, description: str, times: Sequence[float], freqs: Sequence[float],
            db: Sequence[Sequence[Any]], *, markers_x: Sequence[float] = (), marker_label: str = "clicks",
            x_label: str = "time (s)", y_label: str = "frequency (Hz)") -> Chart:
    """Spectrogram: ``db[f][t]`` (one row per frequency bin), low frequencies at the bottom."""
    uid, parts = _open(title, description, height=HEIGHT + 20)
    height = HEIGHT + 20
    if isinstance(db, (str, bytes)) or not all(isinstance(row, (list, tuple)) for row in db):
        raise ValueError("spectrogram db must be a list of rows")
    n_f, n_t = len(db), max((len(r) for r in db), default=0)
    lo, hi, rows_png, stats = _raster(db, n_t)
    left, right, top, bottom = PAD_LEFT, WIDTH - PAD_RIGHT - 40, PAD_TOP, height - PAD_BOTTOM
    if n_f and n_t:
        data = base64.b64encode(_png(n_t, n_f, rows_png)).decode("ascii")
        parts.append(f'<image x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
                     f'preserveAspectRatio="none" style="image-rendering:pixelated" '
                     f'href="data:image/png;base64,{data}"/>')
    ts, fs = _finite(times), _finite(freqs)
    t_lo, t_hi = (min(ts), max(ts)) if ts else (0.0, 1.0)
    f_lo, f_hi = (min(fs), max(fs)) if fs else (0.0, 1.0)
    t_hi = t_hi if t_hi > t_lo else t_lo + 1.0
    f_hi = f_hi if f_hi > f_lo else f_lo + 1.0

    def px(t: float) -> float:
        return left + (t - t_lo) / (t_hi - t_lo) * (right - left)

    def py(f: float) -> float:
        return bottom - (f - f_lo) / (f_hi - f_lo) * (bottom - top)

    _axes(parts, [(px(t), _fmt(t)) for t in _nice_ticks(t_lo, t_hi) if t_lo <= t <= t_hi],
          [(py(f), _fmt(f / 1000, 1) + "k") for f in _nice_ticks(f_lo, f_hi) if f_lo <= f <= f_hi],
          x_label, y_label, height=height)
    # colour scale legend
    cx = right + 10
    for i in range(10):
        r, g, b = _colour(1 - i / 9)
        y = top + i * (bottom - top) / 10
        parts.append(f'<rect x="{cx}" y="{y:.1f}" width="10" height="{(bottom - top) / 10 + 0.5:.1f}" '
                     f'fill="rgb({r},{g},{b})"/>')
    parts.append(f'<text x="{cx + 12}" y="{top + 8}" font-size="9">{_fmt(hi)}</text>'
                 f'<text x="{cx + 12}" y="{bottom}" font-size="9">{_fmt(lo)}</text>'
                 f'<text x="{cx + 12}" y="{(top + bottom) / 2:.1f}" font-size="9">dB</text>')
    for mx in markers_x:
        if isinstance(mx, (int, float)) and t_lo <= mx <= t_hi:
            x = px(mx)
            parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#fff" '
                         f'stroke-width="2"/><line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" '
                         f'stroke="#b71c1c" stroke-dasharray="4 2"/>'
                         f'<path d="M{x - 4:.1f},{top - 1} l8,0 l-4,6 z" fill="#b71c1c"/>')
    if markers_x:
        parts.append(f'<text x="{left + 4}" y="{top + 10}" font-size="10" fill="#fff" stroke="#000" '
                     f'stroke-width="0.3">marked lines: {escape(marker_label)}</text>')
    parts.append("</svg>")
    # The twin: the loudest level per frequency bin (a 64 x 160 table helps nobody) and the clicks.
    columns = ["frequency (Hz)", "loudest (dB)", "average (dB)"]
    rows = [[_fmt(f, 0), _fmt(stat[0]) if stat else "–", _fmt(stat[1]) if stat else "–"]
            for f, stat in zip(freqs, stats)]
    rows, note = _stride_rows(rows)
    return Chart(title, description, Markup("".join(parts)), columns, rows, note)


# --------------------------------------------------------------------------- traceroute hops

def hop_chart(title: str, description: str, hops: Sequence[dict[str, Any]], *, no_answer: str = "* (no answer)",
              loss_note: str = "{loss}% loss", value_label: str = "round trip",
              columns: Sequence[str] = ("hop", "address", "round trip (ms)", "loss (%)")) -> Chart:
    """One bar per hop (round-trip time), with the loss printed beside it and no-answer hops marked.
    The words are parameters so the report can pass them in the reader's language."""
    labels, values, loss = [], [], []
    for hop in hops:
        address = hop.get("address") or no_answer
        labels.append(f"{hop.get('ttl', '?')} {address}")
        values.append(hop.get("rtt_ms"))
        loss.append(hop.get("loss_pct"))
    statuses = ["CRITICAL" if isinstance(lp, (int, float)) and lp >= 50 else
                "WARNING" if isinstance(lp, (int, float)) and lp > 0 else "" for lp in loss]
    notes = [loss_note.replace("{loss}", _fmt(lp)) if isinstance(lp, (int, float)) and lp > 0 else "" for lp in loss]
    chart = bar_chart(title, description, labels, values, unit=" ms", value_label=value_label,
                      statuses=statuses, annotations=notes)
    chart.columns = list(columns)
    chart.rows = [[hop.get("ttl", "?"), hop.get("address") or no_answer, _fmt(hop.get("rtt_ms"), 2),
                   _fmt(hop.get("loss_pct"))] for hop in hops]
    return chart
