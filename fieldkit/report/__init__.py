"""The visit report: HTML (canonical), PDF, Markdown and JSON from one or more scans.

Build API::

    scans = load_scans(["pc1.json", "pc2.json"])          # ReportError names the bad file
    text = render(scans, "html", lang="es", redact=True)  # str for html/md/json
    write_report(scans, Path("site.pdf"), "pdf")          # any format, to a file

Several scans (one per PC of a visit) make a site report. Secrets are scrubbed
from every output; ``redact=True`` also replaces identifiers (see :mod:`.redact`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from fieldkit.findings import Advice, Evidence, Finding
from fieldkit.files import write_atomic
from fieldkit.messages import Msg
from fieldkit.result import ResultError, ScanResult
from fieldkit.timestamps import iso_utc, utcnow

FORMATS = ("html", "pdf", "md", "json")
SUFFIX = {"html": ".html", "pdf": ".pdf", "md": ".md", "json": ".json"}
REPORT_SCHEMA = "fieldkit.report/1"


class ReportError(ValueError):
    """Bad input or an output that cannot be produced: a one-line message naming the cause."""


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one load or render.

    Loading and rendering a site report allocates hundreds of thousands of short-lived
    containers and creates no reference cycles; left on, the collector runs repeated full
    passes over the freshly loaded scans (10-20 % of the 50-machine benchmark). Reference
    counting still frees everything; the collector resumes on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_scans(paths: Sequence[str | Path]) -> list[ScanResult]:
    if not paths:
        raise ReportError("no scan files given")
    scans = []
    with _gc_paused():
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


def _map_scan(scan: ScanResult, fn: Callable[[Any], Any]) -> ScanResult:
    """A copy of the scan with ``fn`` applied to every value that can hold text from the machine.

    Working on the objects (not a to_dict/from_dict round trip) keeps the 50-machine site
    report fast: the big numeric arrays in ``Finding.data`` are passed through untouched.
    """
    return dataclasses.replace(
        scan, machine=fn(scan.machine), profile=fn(scan.profile), argv=fn(scan.argv), visit=fn(scan.visit),
        extra=fn(scan.extra), findings=[_map_finding(f, fn) for f in scan.findings],
        checks=[dataclasses.replace(c, error=fn(c.error), traceback=fn(c.traceback), skip_reason=fn(c.skip_reason))
                for c in scan.checks])


def _normalise(scan: ScanResult) -> ScanResult:
    """Blocks of the wrong type (a hand-edited or foreign file) become empty, never a crash later."""
    def obj(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    return dataclasses.replace(
        scan, machine=obj(scan.machine), profile=obj(scan.profile), extra=obj(scan.extra),
        visit=scan.visit if isinstance(scan.visit, dict) else None,
        argv=[str(a) for a in scan.argv] if isinstance(scan.argv, list) else [],
        findings=[dataclasses.replace(f, data=obj(f.data)) for f in scan.findings])


def _map_text(value: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` on a text; on a translatable message, on its parameters only, so it stays translatable."""
    if isinstance(value, Msg):
        return value.map_params(fn)
    return fn(value)


def _map_finding(finding: Finding, fn: Callable[[Any], Any]) -> Finding:
    return dataclasses.replace(
        finding, subject=_map_text(finding.subject, fn), summary=_map_text(finding.summary, fn), detail=fn(finding.detail),
        metrics=[dataclasses.replace(m, value=fn(m.value)) if isinstance(m.value, str) else m for m in finding.metrics],
        evidence=[Evidence(fn(e.command), e.exit_code, fn(e.excerpt), fn(e.source)) for e in finding.evidence],
        advice=Advice(_map_text(finding.advice.meaning, fn), _map_text(finding.advice.action, fn),
                      _map_text(finding.advice.prevention, fn)),
        data=fn(finding.data))


def _learnable(scan: ScanResult) -> dict[str, Any]:
    """What the redactor learns identifiers from: everything but the visit header (customer, site and
    technician are the report's addressees, not machine identifiers)."""
    notes = (scan.visit or {}).get("notes", []) if isinstance(scan.visit, dict) else []
    return {"machine": scan.machine, "argv": scan.argv, "extra": scan.extra, "visit": {"notes": notes},
            "findings": [{"subject": f.subject, "data": f.data,
                          "text": [f.summary, f.detail] + [e.excerpt for e in f.evidence]
                          + [" ".join(map(str, e.command or [])) for e in f.evidence]} for f in scan.findings],
            "checks": [[c.error, c.traceback, c.skip_reason] for c in scan.checks]}


def prepare(scans: Sequence[ScanResult], *, redact: bool = False,
            visit: dict[str, Any] | None = None) -> tuple[list[ScanResult], dict[str, Any] | None]:
    """Copies of the scans (and the visit) with secrets scrubbed and, if asked, identifiers redacted."""
    from fieldkit.report.redact import Redactor, scrub_secrets

    out = [_normalise(scan) for scan in scans]
    if redact:
        redactor = Redactor()
        for scan in out:
            redactor.learn(_learnable(scan))
        if visit is not None:
            redactor.learn({"notes": visit.get("notes", [])})
        out = [_map_scan(scan, redactor.apply) for scan in out]
        visit = _redact_visit(visit, redactor) if visit is not None else None
    out = [_map_scan(scan, scrub_secrets) for scan in out]
    return out, scrub_secrets(visit) if visit is not None else None


def _redact_visit(visit: dict[str, Any], redactor: Any) -> dict[str, Any]:
    """The visit header stays (it is addressed to this customer); the notes are redacted."""
    return {**visit, "notes": redactor.apply(visit.get("notes") or [])}


def build(scans: Sequence[ScanResult], *, lang: str = "en", redact: bool = False,
          visit: dict[str, Any] | None = None, now: datetime | None = None):
    """The view model (see :mod:`.model`) after scrubbing/redaction, the cleaned scans and visit."""
    from fieldkit.report.branding import BrandingError
    from fieldkit.report.model import build_model

    if visit is None:
        visit = resolve_visit(scans)
    clean, visit = prepare(scans, redact=redact, visit=visit)
    try:
        return build_model(clean, lang=lang, redacted=redact, visit=visit, now=now), clean, visit
    except BrandingError as exc:
        raise ReportError(str(exc)) from None


def render(scans: Sequence[ScanResult], fmt: str = "html", *, lang: str = "en", redact: bool = False,
           visit: dict[str, Any] | None = None, now: datetime | None = None) -> str:
    """The report as text (html, md, json). PDF is a file: use :func:`write_report`."""
    if fmt not in ("html", "md", "json"):
        raise ReportError(f"format {fmt!r} cannot be rendered as text (use write_report for pdf)")
    with _gc_paused():
        return _render(scans, fmt, lang=lang, redact=redact, visit=visit, now=now)


def _render(scans: Sequence[ScanResult], fmt: str, *, lang: str, redact: bool, visit: dict[str, Any] | None,
            now: datetime | None) -> str:
    model, clean, visit = build(scans, lang=lang, redact=redact, visit=visit, now=now)
    if fmt == "html":
        from fieldkit.report.html import render_html

        return render_html(model)
    if fmt == "md":
        from fieldkit.report.markdown import render_markdown

        return render_markdown(model)
    return _render_json(model, clean, visit, now)


def _render_json(model: Any, scans: list[ScanResult], visit: dict[str, Any] | None,
                 now: datetime | None) -> str:
    moment = now or utcnow()
    doc = {
        "schema": REPORT_SCHEMA,
        "generated_at": iso_utc(moment, "seconds"),
        "lang": model.lang,
        "redacted": model.redacted,
        "status": model.state.name,
        "verdict": model.verdict,
        "complete": not model.unfinished,
        "unfinished": model.unfinished,
        "attention": model.attention,
        "areas": [{"area": a.key, "status": a.state.name} for a in model.areas],
        "machines": [{"name": m.name, "status": m.state.name, "attention": m.attention,
                      "areas": [{"area": a.key, "status": a.state.name} for a in m.areas]} for m in model.machines],
        "visit": visit,
        "scans": [scan.to_dict() for scan in scans],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def default_output(scans: Sequence[ScanResult], fmt: str, folder: Path | None = None) -> Path:
    if len(scans) == 1:
        scan = scans[0]
        machine = scan.machine if isinstance(scan.machine, dict) else {}
        host = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(machine.get("hostname") or "host"))
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
