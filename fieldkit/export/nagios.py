"""Nagios / Icinga / Checkmk / RMM plugin output: one status line with performance data.

Follows the Monitoring Plugins Development Guidelines (monitoring-plugin-guidelines,
``03.Output.md`` and ``01.range_expressions.md``):

* ``FIELDKIT <STATUS> - <text> | <perfdata>`` on one line, exit code 0/1/2/3;
* perfdata ``'label'=value[UOM];[warn];[crit];[min];[max]``, separated by spaces; the
  label is quoted when it holds anything but letters, digits and ``_.-/:``; ``'`` and
  ``=`` cannot appear in a label and are replaced;
* numbers in plain decimal notation with a ``.`` (C locale), never ``1e-07``;
* UOM only from the guideline set (``s ms us % B KB MB GB TB c``); anything else
  (``C`` for Celsius, ``dB``) is given without a unit rather than a wrong one;
* thresholds where lower is worse (warn 10, crit 5) become the range ``10:`` / ``5:``
  ("alert when below"), because a bare ``10`` means "alert outside 0..10".
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from fieldkit.findings import Finding, Metric, Status
from fieldkit.safetext import one_line, visible

if TYPE_CHECKING:
    from fieldkit.result import ScanResult

VALID_UOM = {"", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c"}
_PLAIN_LABEL = re.compile(r"^[A-Za-z0-9_.\-/:]+$")
MAX_TEXT = 300


def number(value: float | int) -> str:
    """Plain decimal with a point, at most 10 significant digits: ``1e-07`` -> ``0.0000001``."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(f"{value:.10g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def label_text(label: str) -> str:
    # ' and = cannot be in a label; | would end the plugin's text part for some parsers
    label = visible(" ".join(label.split())).replace("'", "_").replace("=", "_").replace("|", "/").strip() or "value"
    return label if _PLAIN_LABEL.match(label) else f"'{label}'"


def _threshold(value: float | None, lower_is_worse: bool) -> str:
    if value is None:
        return ""
    return f"{number(value)}:" if lower_is_worse else number(value)


def perfdata_item(label: str, metric: Metric) -> str | None:
    value = metric.value
    if isinstance(value, bool):
        value = int(value)
    if value is None:
        shown = "U"  # guidelines: "U" when the value could not be determined
    elif isinstance(value, (int, float)) and math.isfinite(value):
        shown = number(value)
    else:
        return None  # text values are not performance data
    uom = metric.unit if metric.unit in VALID_UOM else ""
    lower_is_worse = metric.warn is not None and metric.crit is not None and metric.crit < metric.warn
    fields = [f"{label_text(label)}={shown}{uom if shown != 'U' else ''}",
              _threshold(metric.warn, lower_is_worse), _threshold(metric.crit, lower_is_worse),
              number(metric.min) if metric.min is not None else "", number(metric.max) if metric.max is not None else ""]
    return ";".join(fields).rstrip(";")


def perfdata(findings: list[Finding]) -> str:
    items: list[str] = []
    used: set[str] = set()
    for finding in findings:
        for metric in finding.metrics:
            label = metric.name if finding.subject == finding.check else f"{finding.subject} {metric.name}"
            if label in used:
                label = f"{finding.check} {label}"
            if label in used:
                continue
            item = perfdata_item(label, metric)
            if item is not None:
                used.add(label)
                items.append(item)
    return " ".join(items)


def status_text(result: ScanResult) -> str:
    findings: list[Finding] = list(result.findings)
    problems = sorted((f for f in findings if f.status != Status.OK), key=lambda f: -f.status.severity)
    profile = result.profile.get("name") or "?"
    if not findings:
        text = f"no findings (profile {profile})"
    elif not problems:
        text = f"{len(findings)} findings OK (profile {profile})"
    else:
        counts = [f"{sum(1 for f in problems if f.status == s)} {s.name}"
                  for s in (Status.CRITICAL, Status.WARNING, Status.UNKNOWN) if any(f.status == s for f in problems)]
        text = ", ".join(counts) + ": " + "; ".join(
            f.summary if f.summary.startswith(f.subject) else f"{f.subject}: {f.summary}" for f in problems)
    reason = result.incomplete_reason() if hasattr(result, "incomplete_reason") else ""
    for line in reversed((getattr(result, "extra", None) or {}).get("output_errors") or []):
        text = f"{line}; {text}"
    if reason:
        # the reason first: a line cut at MAX_TEXT must still say the result is partial
        text = f"{reason} (partial result); {text}"
    text = one_line(text.replace("|", "/"))  # '|' would start the perfdata; one line, no control codes
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def render(result: ScanResult) -> str:
    """The whole plugin output line for a scan result (print it and exit with ``result.exit_code``)."""
    # the exit code, not only the findings: a result file that could not be written is UNKNOWN
    line = f"FIELDKIT {Status(result.exit_code).name} - {status_text(result)}"
    data = perfdata(list(result.findings))
    return f"{line} | {data}" if data else line


def unknown(reason: str) -> str:
    """The line for a run that could not produce a verdict (exit 3)."""
    return "FIELDKIT UNKNOWN - " + one_line(reason.replace("|", "/"))
