"""Markdown rendering, for pasting into a ticket.

Ticket systems render Markdown to HTML, so machine strings are escaped for both:
Markdown punctuation is backslash-escaped and ``<``/``>``/``&`` become entities, so
a hostname like ``<script>`` or ``*bold*`` stays literal text.
"""

from __future__ import annotations

import re

from fieldkit.report.model import ReportModel, StatusView

# "(" and "!" need no escape once "[" and "]" are escaped: they only act next to a link bracket.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^(#|[-+>]|\d+(?=[.)]))")


def cell(text: object) -> str:
    """Escape machine text for a table cell (no block can start inside a cell)."""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(_MD_SPECIAL.sub(r"\\\1", value).split())


def md(text: object) -> str:
    """Escape one line of machine text for Markdown (and the HTML it becomes).

    Inline punctuation is escaped everywhere; block markers (``#``, ``-``, ``1.``) only
    where they would start a block, so dates and versions stay readable in the raw text.
    """
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    value = " ".join(value.split())  # a newline would end a table row or a list item
    # "1. x" -> "1\\. x" (CommonMark escapes the punctuation, a backslash before a digit is literal)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), value)


def _status(state: StatusView) -> str:
    return f"{state.icon} **{state.word}**"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _fence(text: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text.rstrip("\n"), fence]


def render_markdown(model: ReportModel) -> str:
    t = model.t
    out: list[str] = [f"# {md(model.title)}", ""]
    if model.visit:
        v = model.visit
        out += [f"**{t('visit.customer')}:** {md(v.customer or '–')}  ",
                f"**{t('visit.site')}:** {md(v.site or '–')}  "]
        if v.ticket:
            out.append(f"**{t('visit.ticket')}:** {md(v.ticket)}  ")
        out += [f"**{t('visit.technician')}:** {md(v.technician or '–')}  ",
                f"**{t('visit.arrival')}:** {md(v.arrival or '–')} · **{t('visit.departure')}:** "
                f"{md(v.departure or t('visit.still_open'))} · **{t('visit.time_on_site')}:** {md(v.duration or '–')}",
                ""]
    out += [f"## {t('verdict.heading')}", "", f"{_status(model.state)} {md(model.verdict)}", "",
            t("verdict.count", count=model.attention) if model.attention else t("verdict.none_attention"), ""]
    if model.incomplete:
        out.append(f"> ⚠ **{t('incomplete.heading')}:** " + "; ".join(
            (f"{md(i.machine)}: " if model.site else "") + f"{md(i.check)} ({md(i.how)}): {md(i.reason)}"
            for i in model.incomplete))
        out.append("")
    out += [f"## {t('area.heading')}", ""]
    out += _table([t("area.column"), t("area.status"), t("area.what")],
                  [[cell(a.name), _status(a.state), cell(a.text)] for a in model.areas])
    if model.site:
        out += [f"## {t('machines.heading')}", ""]
        out += _table([t("machines.name"), t("machines.overall"), t("machines.problems"), t("machines.scanned")],
                      [[cell(mc.name), _status(mc.state), str(mc.attention), cell(mc.scanned_at)]
                       for mc in model.machines])
    out += [f"## {t('problems.heading')}", ""]
    if not model.problems:
        out += [t("problems.none"), ""]
    for p in model.problems:
        where = (f"{md(p.machine)}, " if model.site else "") + md(p.subject)
        out += [f"### {_status(p.state)} {md(p.area)}: {where}", "",
                f"- **{t('problems.found')}:** {md(p.found)}"]
        for label, text in (("problems.meaning", p.meaning), ("problems.action", p.action),
                            ("problems.prevention", p.prevention)):
            if text:
                out.append(f"- **{t(label)}:** {md(text)}")
        out.append("")
    if model.changes:
        out += [f"## {t('changes.heading')}", ""]
        out += _table(([t("problems.machine")] if model.site else []) + [t("changes.what"), t("changes.before"),
                                                                         t("changes.after")],
                      [([cell(c.machine)] if model.site else []) + [cell(c.summary or f"{c.check} {c.subject}"),
                                                                    cell(c.before), cell(c.after)]
                       for c in model.changes])
    if model.visit:
        out += [f"## {t('visit.notes')}", ""]
        out += [f"- {md(n['time'])} · **{n['kind']}:** {md(n['text'])}" for n in model.visit.notes] or \
               [t("visit.no_notes")]
        out.append("")
    if model.connections:
        out += [f"## {t('connection.heading')}", ""]
        out += _table(([t("connection.machine")] if model.site else []) + [
            t("connection.interface"), t("connection.switch"), t("connection.port"), t("connection.vlan"),
            t("connection.voice_vlan"), t("connection.dhcp"), t("connection.speed")],
            [([cell(c.machine)] if model.site else []) + [cell(c.interface), cell(c.switch), cell(c.port),
                                                          cell(c.vlan), cell(c.voice_vlan), cell(c.dhcp),
                                                          cell(c.speed)]
             for c in model.connections])
    out += [f"## {t('assets.heading')}", ""]
    out += _table([t("assets.machine"), t("assets.item"), t("assets.model"), t("assets.serial"), t("assets.firmware"),
                   t("assets.age"), t("assets.status")],
                  [[cell(a.machine), cell(a.item), cell(a.model), cell(a.serial), cell(a.firmware), cell(a.age),
                    _status(a.state)]
                   for a in model.assets])
    out += [f"## {t('appendix.heading')}", ""]
    for mc in model.machines:
        out += [f"### {md(t('appendix.machine', name=mc.name))} ({_status(mc.state)})", "", md(mc.scan_line), ""]
        bad_checks = [c for c in mc.checks if c["bad"]]
        for c in bad_checks:
            out.append(f"- **{md(c['name'])}: {c['outcome'].upper()}** {md(c['reason'])}")
        if bad_checks:
            out.append("")
        for f in mc.findings:
            out += [f"#### {_status(f.state)} {md(f.check)} · {md(f.subject)}", "", md(f.summary), ""]
            if f.rule:
                out += [f"{t('appendix.rule')}: `{f.rule.replace('`', '')}`", ""]
            if f.metrics:
                out += _table([t("appendix.metric"), t("appendix.value"), t("appendix.unit"), t("appendix.warn"),
                               t("appendix.crit")], [[cell(c) for c in row[:5]] for row in f.metrics])
            for e in f.evidence:
                if e["command"]:
                    out.append(f"{t('appendix.command')} (exit {md(e['exit_code'] or '?')}):")
                    out += _fence(e["command"])
                if e["excerpt"]:
                    out += _fence(e["excerpt"])
                out.append("")
    footer = t("doc.redacted") if model.redacted else t("doc.not_redacted")
    out += ["---", f"{t('doc.report_id', id=model.report_id)} · {t('doc.generated', when=model.generated_at)} · "
            f"{t('footer.tool', version=model.version)}", "", footer, ""]
    return "\n".join(out)
