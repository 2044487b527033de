"""Earlier results per drive serial, for the growth rules.

Two sources: ``--baseline FILE`` (a fieldkit scan JSON from an earlier visit) and, when
the runner provides one, ``ctx.history.previous_findings("smart")`` (issue: history).
The explicit file wins for a serial present in both.
"""

from __future__ import annotations

from typing import Any, Iterable

from fieldkit.context import Context
from fieldkit.messages import N_


def from_findings(findings: Iterable[Any], when: str, origin: str, at: str | None = None) -> dict[str, dict[str, Any]]:
    """Counters per drive serial. ``when`` says in English when they were read (for the technician), ``at``
    is that moment as an ISO 8601 string (None for "the previous scan"), for the customer's sentence."""
    out: dict[str, dict[str, Any]] = {}
    for finding in findings:
        if isinstance(finding, dict):   # tolerate plain finding dicts (Finding.to_dict shape)
            check, data = finding.get("check"), finding.get("data") or {}
        else:
            check, data = getattr(finding, "check", None), getattr(finding, "data", None) or {}
        if check != "smart":
            continue
        serial = (data.get("drive") or {}).get("serial")
        counters = data.get("counters")
        if serial and isinstance(counters, dict) and serial not in out:
            out[serial] = {"counters": counters, "when": when, "at": at, "origin": origin,
                           "model": (data.get("drive") or {}).get("model")}
    return out


def for_drive(baselines: dict[str, dict[str, Any]], serial: str | None, model: str | None) -> dict[str, Any] | None:
    """The earlier result of this drive: same serial, and same model when both are known
    (anonymised captures share serials such as "REDACTED")."""
    base = baselines.get(serial) if serial else None
    if base and base.get("model") and model and base["model"] != model:
        return None
    return base


def load_baselines(ctx: Context) -> tuple[dict[str, dict[str, Any]], list[Any]]:
    """(serial -> {"counters", "when", "origin"}, faults to report)."""
    from fieldkit.smart.collect import Fault

    merged: dict[str, dict[str, Any]] = {}
    problems: list[Fault] = []
    history = ctx.history
    if history is not None:
        try:
            previous = list(history.previous_findings("smart") or [])
        except Exception as exc:  # history is another issue's code: never let it break the disk check
            problems.append(Fault("history", "smart baseline", N_("the results of earlier scans could not be read"),
                                  f"history unavailable: {exc}"))
        else:
            merged.update(from_findings(previous, "the previous scan", "history"))
    path = ctx.option("baseline")
    if path:
        from fieldkit.result import ResultError, ScanResult

        try:
            result = ScanResult.load(path)
        except ResultError as exc:
            problems.append(Fault("bad-input", str(path), N_("baseline not usable: {path} is not a fieldkit result"),
                                  f"baseline not usable: {exc}", params={"path": str(path)}))
        except OSError as exc:
            problems.append(Fault("bad-input", str(path), N_("baseline not readable: {path} cannot be opened"),
                                  f"baseline not readable: {exc.strerror or exc}", params={"path": str(path)}))
        else:
            when = result.started_at.strftime("%Y-%m-%d %H:%M UTC")
            found = from_findings(result.findings, when, f"baseline {path}", result.started_at.isoformat())
            if not found:
                problems.append(Fault("bad-input", str(path), N_("the baseline {path} holds no disk results to "
                                                                 "compare with"),
                                      "baseline holds no SMART drive results with serials", params={"path": str(path)}))
            merged.update(found)
    return merged, problems
