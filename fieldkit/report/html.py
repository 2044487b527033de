"""HTML rendering: one self-contained file (inline CSS and SVG, no script, no network).

Jinja2 with autoescape on for everything (not only ``.html`` names): hostnames, SMART
model strings, traceroute addresses and visit notes come from the client machine and
must render as text. The only markup that bypasses escaping is the SVG built by
:mod:`fieldkit.report.svg`, which escapes every string it embeds, and the chart data
tables built by :func:`_table_rows`, which escapes every cell exactly as the template would.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from markupsafe import Markup, escape

from fieldkit.report.model import ReportModel
from fieldkit.safetext import UNSAFE_CHARS, visible

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: a character that either markup escaping or :func:`visible` changes: a text without one is printed as it is
_NEEDS_WORK = re.compile("[&<>\"'" + UNSAFE_CHARS + "]")


@lru_cache(maxsize=1)
def _environment():  # -> jinja2.Environment (imported lazily: `fieldkit --help` must not pay for it)
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,            # all templates, whatever their name
        undefined=jinja2.StrictUndefined,  # a typo in the template fails the tests, not silently blank
        trim_blocks=False, lstrip_blocks=False,
        finalize=_finalize,
    )
    env.filters["table_rows"] = _table_rows
    env.globals["status"] = _status
    return env


def _finalize(value: object) -> object:
    """Every plain string printed by the template: control and bidi-override characters shown as
    escapes (``\\x1b``, ``\\u202e``) before autoescaping, so a hostile note cannot reorder or hide the
    text the customer reads, and NUL (invalid in HTML) never reaches the file. Markup (the SVG) is
    already safe and passes through."""
    if type(value) is str:  # the common case, tested first: the template prints ~80 000 values
        return visible(value, keep_newlines=True)
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, keep_newlines=True)
    return value


def _cell(value: Any) -> str:
    """One table cell as ``{{ value }}`` prints it: :func:`_finalize`, then markup escaping."""
    if type(value) is str and _NEEDS_WORK.search(value) is None:
        return value
    return str(escape(_finalize(value)))


def _table_rows(rows: Iterable[Iterable[Any]]) -> Any:
    """A chart's data table body (``<tr><td>..</td></tr>`` per row) as markup.

    The same bytes as a template loop printing ``{{ cell }}`` per cell, built in one pass: the 300 data
    tables of a 50-machine site report hold ~45 000 cells, and a Jinja loop pays a finalize and an escape
    call per cell even for the plain numbers most cells are.
    """
    return Markup("".join(["<tr>" + "".join(["<td>" + _cell(cell) + "</td>" for cell in row]) + "</tr>"
                           for row in rows]))


def _status(state: Any) -> Markup:
    """A status as the reader sees it: icon and word, never colour alone (``state`` is a StatusView).

    Printed ~1 100 times in a site report; a Python function, not a Jinja macro (a macro call costs
    ten times more), each value finalized and escaped as ``{{ }}`` does.
    """
    return Markup(f'<span class="status {_cell(state.css)}" data-status="{_cell(state.name)}">'
                  f'<span aria-hidden="true">{_cell(state.icon)}</span> {_cell(state.word)}</span>')


def render_html(model: ReportModel) -> str:
    from fieldkit.report.hyphens import hyphenated_markup

    template = _environment().get_template("report.html.j2")
    return template.render(m=model, t=model.t, tn=model.t.tn,
                           hyphenated=lambda text: hyphenated_markup(str(text), model.lang))
