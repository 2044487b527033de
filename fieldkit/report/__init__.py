"""The visit report: HTML (canonical), PDF, Markdown and JSON from one or more scans.

Build API::

    scans = load_scans(["pc1.json", "pc2.json"])          # ReportError names the bad file
    text = render(scans, "html", lang="es", redact=True)  # str for html/md/json
    write_report(scans, Path("site.pdf"), "pdf")          # any format, to a file

Several scans (one per PC of a visit) make a site report. Secrets are scrubbed
from every output; ``redact=True`` also replaces identifiers (see :mod:`.redact`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from fieldkit.result import ResultError, ScanResult, write_atomic

FORMATS = ("html", "pdf", "md", "json")
SUFFIX = {"html": ".html", "pdf": ".pdf", "md": ".md", "json": ".json"}
REPORT_SCHEMA = "fieldkit.report/1"


class ReportError(ValueError):
    """Bad input or an output that cannot be produced: a one-line message naming the cause."""


def load_scans(paths: Sequence[str | Path]) -> list[ScanResult]:
    if not paths:
        raise ReportError("no scan files given")
    scans = []
    for path in paths:
        try:
            scans.append(ScanResult.load(path))
        except ResultError as exc:
            raise ReportError(str(exc)) from None
    return scans


def resolve_visit(scans: Sequence[ScanResult]) -> dict[str, Any] | None:
    """The visit these scans belong to, at its latest state (notes added after a scan count).

    The scan carries a snapshot taken when it ran; the visit log (closed) or the open
    visit file has the notes and departure time written later.
    """
    from fieldkit import visit as visits

    snapshot = next((s.visit for s in scans if isinstance(s.visit, dict) and s.visit.get("id")), None)
    if snapshot is None:
        return next((s.visit for s in scans if isinstance(s.visit, dict)), None)
    try:
        latest = visits.load(str(snapshot["id"]))
    except Exception:  # noqa: BLE001 - the embedded snapshot is always a valid fallback
        latest = None
    return latest or snapshot


def prepare(scans: Sequence[ScanResult], *, redact: bool = False,
            visit: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """JSON forms of the scans (and the visit) with secrets scrubbed and, if asked, identifiers redacted."""
    from fieldkit.report.redact import redact_scans, scrub_secrets

    dicts = [scan.to_dict() for scan in scans]
    carrier = {"visit": visit} if visit is not None else None
    if redact:
        redacted = redact_scans(dicts + ([carrier] if carrier else []))
        dicts, carrier = (redacted[:-1], redacted[-1]) if carrier else (redacted, None)
    dicts = [scrub_secrets(d) for d in dicts]
    visit_out = scrub_secrets(carrier["visit"]) if carrier else None
    return dicts, visit_out


def build(scans: Sequence[ScanResult], *, lang: str = "en", redact: bool = False,
          visit: dict[str, Any] | None = None, now: datetime | None = None):
    """The view model (see :mod:`.model`) after scrubbing/redaction."""
    from fieldkit.report.model import build_model

    if visit is None:
        visit = resolve_visit(scans)
    dicts, visit = prepare(scans, redact=redact, visit=visit)
    clean = [ScanResult.from_dict(d) for d in dicts]
    return build_model(clean, lang=lang, redacted=redact, visit=visit, now=now), dicts, visit


def render(scans: Sequence[ScanResult], fmt: str = "html", *, lang: str = "en", redact: bool = False,
           visit: dict[str, Any] | None = None, now: datetime | None = None) -> str:
    """The report as text (html, md, json). PDF is a file: use :func:`write_report`."""
    if fmt not in ("html", "md", "json"):
        raise ReportError(f"format {fmt!r} cannot be rendered as text (use write_report for pdf)")
    model, dicts, visit = build(scans, lang=lang, redact=redact, visit=visit, now=now)
    if fmt == "html":
        from fieldkit.report.html import render_html

        return render_html(model)
    if fmt == "md":
        from fieldkit.report.markdown import render_markdown

        return render_markdown(model)
    return _render_json(model, dicts, visit, now)


def _render_json(model: Any, dicts: list[dict[str, Any]], visit: dict[str, Any] | None,
                 now: datetime | None) -> str:
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    doc = {
        "schema": REPORT_SCHEMA,
        "generated_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "lang": model.lang,
        "redacted": model.redacted,
        "status": model.state.name,
        "attention": model.attention,
        "areas": [{"area": a.key, "status": a.state.name} for a in model.areas],
        "machines": [{"name": m.name, "status": m.state.name, "attention": m.attention,
                      "areas": [{"area": a.key, "status": a.state.name} for a in m.areas]} for m in model.machines],
        "visit": visit,
        "scans": dicts,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def default_output(scans: Sequence[ScanResult], fmt: str, folder: Path | None = None) -> Path:
    if len(scans) == 1:
        scan = scans[0]
        host = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(scan.machine.get("hostname", "host")))
        name = f"fieldkit-report-{host}-{scan.started_at.strftime('%Y%m%dT%H%M%SZ')}"
    else:
        name = f"fieldkit-site-report-{min(s.started_at for s in scans).strftime('%Y%m%dT%H%M%SZ')}"
    return (folder or Path.cwd()) / (name + SUFFIX[fmt])


def write_report(scans: Sequence[ScanResult], target: Path, fmt: str = "html", *, lang: str = "en",
                 redact: bool = False, visit: dict[str, Any] | None = None, pdf_timeout: float = 60.0) -> Path:
    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")
    target = Path(target)
    if fmt == "pdf":
        from fieldkit.report.pdf import PdfError, html_to_pdf

        html = render(scans, "html", lang=lang, redact=redact, visit=visit)
        try:
            return html_to_pdf(html, target, timeout=pdf_timeout)
        except PdfError as exc:
            raise ReportError(str(exc)) from None
        except OSError as exc:
            raise ReportError(f"{target}: cannot write the PDF: {exc.strerror or exc}") from None
    text = render(scans, fmt, lang=lang, redact=redact, visit=visit)
    try:
        return write_atomic(target, text)
    except OSError as exc:
        raise ReportError(f"{target}: cannot write the report: {exc.strerror or exc}") from None
