"""HTML rendering: one self-contained file (inline CSS and SVG, no script, no network).

Jinja2 with autoescape on for everything (not only ``.html`` names): hostnames, SMART
model strings, traceroute addresses and visit notes come from the client machine and
must render as text. The only markup that bypasses escaping is the SVG built by
:mod:`fieldkit.report.svg`, which escapes every string it embeds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fieldkit.report.model import ReportModel

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment():  # -> jinja2.Environment (imported lazily: `fieldkit --help` must not pay for it)
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,            # all templates, whatever their name
        undefined=jinja2.StrictUndefined,  # a typo in the template fails the tests, not silently blank
        trim_blocks=False, lstrip_blocks=False,
        finalize=_finalize,
    )


def _finalize(value: object) -> object:
    """Every plain string printed by the template: control and bidi-override characters shown as
    escapes (``\\x1b``, ``\\u202e``) before autoescaping, so a hostile note cannot reorder or hide the
    text the customer reads, and NUL (invalid in HTML) never reaches the file. Markup (the SVG) is
    already safe and passes through."""
    from markupsafe import Markup

    from fieldkit.safetext import visible

    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, keep_newlines=True)
    return value


def render_html(model: ReportModel) -> str:
    from fieldkit.report.hyphens import hyphenated_markup

    template = _environment().get_template("report.html.j2")
    return template.render(m=model, t=model.t, tn=model.t.tn,
                           hyphenated=lambda text: hyphenated_markup(text, model.lang))
