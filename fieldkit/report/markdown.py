"""Markdown rendering, for pasting into a ticket.

Ticket systems render Markdown to HTML, so machine strings are escaped for both:
Markdown punctuation is backslash-escaped and ``<``/``>``/``&`` become entities, so
a hostname like ``<script>`` or ``*bold*`` stays literal text.
"""

from __future__ import annotations

import re

from fieldkit.report.model import ReportModel, StatusView
from fieldkit.safetext import visible

# "(" and "!" need no escape once "[" and "]" are escaped: they only act next to a link bracket.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^(#|[-+>]|\d+(?=[.)]))")


def cell(text: object) -> str:
    """Escape machine text for a table cell (no block can start inside a cell)."""
    value = visible(" ".join(str(text).split())).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(_MD_SPECIAL.sub(r"\\\1", value).split())


def md(text: object) -> str:
    """Escape one line of machine text for Markdown (and the HTML it becomes).

    Inline punctuation is escaped everywhere; block markers (``#``, ``-``, ``1.``) only
    where they would start a block, so dates and versions stay readable in the raw text.
    Control and bidi-override characters are shown as escapes (``\\x1b``): a ticket system
    or a terminal showing the raw Markdown must not act on them.
    """
    value = visible(" ".join(str(text).split())).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
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
    # a code block keeps line breaks but shows every other control character as an escape
    return [fence, visible(text.rstrip("\n"), keep_newlines=True), fence]


def _signoff(model: ReportModel) -> list[str]:
    t, s = model.t, model.signoff
    assert s is not None
    out = [f"## {t('Sign-off')}", "", f"### {t('Work done')}", ""]
    out += [f"- {md(w)}" for w in s.work_done] or [t("We examined the computers listed above; no repair was recorded.")]
    out += ["", f"### {t('Recommended next steps')}", ""]
    if s.steps:
        out += _table([t("When"), t("What to do"), t("Where")],
                      [[f"**{cell(x.when)}**", cell(x.what), cell(x.where)] for x in s.steps])
    else:
        out += [t("Nothing needs to be done until the next regular check-up."), ""]
    out += [f"{t('Technician')}: {md(s.technician)}  ", "", f"{t('Signature')}: ______________________", "",
            f"{t('Customer')}: {md(s.signed_by)}" if s.signed_by else f"{t('Customer')}:", ""]
    if s.signed_at:
        out += [t("Acknowledged on {when}", when=s.signed_at), ""]
    out += [f"{t('Signature')}: ______________________  {t('Date')}: ____________", ""]
    return out


def render_markdown(model: ReportModel) -> str:
    t = model.t
    out: list[str] = []
    brand = model.brand
    if brand:
        out += [f"**{md(brand.name)}**" + ("  " if brand.contacts else ""),
                *([md(" · ".join(brand.contacts))] if brand.contacts else []), ""]
    out += [f"# {md(model.title)}", ""]
    if model.english_note:
        out += [f"*{model.english_note}*", ""]
    if model.visit:
        v = model.visit
        out += [f"**{t('Customer')}:** {md(v.customer or '–')}  ",
                f"**{t('Site')}:** {md(v.site or '–')}  "]
        if v.ticket:
            out.append(f"**{t('Ticket')}:** {md(v.ticket)}  ")
        out += [f"**{t('Technician')}:** {md(v.technician or '–')}  ",
                f"**{t('Arrival')}:** {md(v.arrival or '–')} · **{t('Departure')}:** "
                f"{md(v.departure or t('visit still open'))} · **{t('Time on site')}:** {md(v.duration or '–')}",
                ""]
    out += [f"## {t('Summary')}", "", f"{_status(model.state)} {md(model.verdict)}", "",
            t.tn("{n} item needs attention.", "{n} items need attention.", n=model.attention) if model.attention
            else t("No item needs attention."), ""]
    if model.incomplete:
        out.append(f"> ⚠ **{t('Parts we could not examine')}:** " + "; ".join(
            (f"{md(i.machine)}: " if model.site else "") + f"{md(i.part)} ({md(i.how)}): {md(i.reason)}"
            for i in model.incomplete))
        out.append("")
    out += [f"## {t('At a glance')}", ""]
    out += _table([t("Area"), t("Status"), t("What we saw")],
                  [[cell(a.name), _status(a.state), cell(a.text)] for a in model.areas])
    if model.site:
        out += [f"## {t('Computers examined')}", ""]
        out += _table([t("Computer"), t("Overall"), t("Items needing attention"), t("Examined at")],
                      [[cell(mc.name), _status(mc.state), str(mc.attention), cell(mc.scanned_at)]
                       for mc in model.machines])
    out += [f"## {t('What we found and what to do')}", ""]
    if not model.problems:
        out += [t("We found no problems."), ""]
    for p in model.problems:
        where = (f"{md(p.machine)}, " if model.site else "") + md(p.subject)
        out += [f"### {_status(p.state)} {md(p.area)}: {where}", "",
                f"- **{t('What we found')}:** {md(p.found)}"]
        for label, text in ((t("What it means for you"), p.meaning), (t("What we did or what to do next"), p.action),
                            (t("How to avoid it next time"), p.prevention)):
            if text:
                out.append(f"- **{label}:** {md(text)}")
        out.append("")
    if model.changes:
        out += [f"## {t('What changed since the last visit')}", ""]
        out += _table(([t("Computer")] if model.site else []) + [t("Change"), t("Before"),
                                                                         t("Now")],
                      [([cell(c.machine)] if model.site else []) + [cell(c.summary or f"{c.check} {c.subject}"),
                                                                    cell(c.before), cell(c.after)]
                       for c in model.changes])
    if model.visit:
        out += [f"## {t('Notes and actions taken')}", ""]
        out += [f"- {md(n['time'])} · **{n['kind']}:** {md(n['text'])}" for n in model.visit.notes] or \
               [t("No notes were recorded.")]
        out.append("")
    if model.connections:
        out += [f"## {t('Network connection')}", ""]
        out += _table(([t("Computer")] if model.site else []) + [
            t("Port"), t("Switch"), t("Switch port"), t("VLAN"),
            t("Voice VLAN"), t("DHCP server"), t("Link speed")],
            [([cell(c.machine)] if model.site else []) + [cell(c.interface), cell(c.switch), cell(c.port),
                                                          cell(c.vlan), cell(c.voice_vlan), cell(c.dhcp),
                                                          cell(c.speed)]
             for c in model.connections])
    out += [f"## {t('Equipment list')}", ""]
    out += _table([t("Computer"), t("Item"), t("Model"), t("Serial number"), t("Firmware"),
                   t("Age (powered on)"), t("Status")],
                  [[cell(a.machine), cell(a.item), cell(a.model), cell(a.serial), cell(a.firmware), cell(a.age),
                    _status(a.state)]
                   for a in model.assets])
    if model.signoff:
        out += _signoff(model)
    out += [f"## {t('Technical appendix')}", ""]
    for mc in model.machines:
        out += [f"### {md(t('Machine {name}', name=mc.name))} ({_status(mc.state)})", "", md(mc.scan_line), ""]
        bad_checks = [c for c in mc.checks if c["bad"]]
        for c in bad_checks:
            out.append(f"- **{md(c['name'])}: {c['outcome'].upper()}** {md(c['reason'])}")
        if bad_checks:
            out.append("")
        for f in mc.findings:
            out += [f"#### {_status(f.state)} {md(f.check)} · {md(f.subject)}", "", md(f.summary), ""]
            if f.rule:
                out += [f"{t('Rule')}: `{visible(' '.join(f.rule.split())).replace('`', '')}`", ""]
            if f.metrics:
                out += _table([t("Metric"), t("Value"), t("Unit"), t("Warning at"),
                               t("Critical at")], [[cell(c) for c in row[:5]] for row in f.metrics])
            for e in f.evidence:
                if e["command"]:
                    out.append(f"{t('Command')} ({t('Exit code')} {md(e['exit_code'] or '?')}):")
                    out += _fence(e["command"])
                if e["excerpt"]:
                    out += _fence(e["excerpt"])
                out.append("")
    footer = t("Identifiers (serial numbers, network and machine names, user names) are replaced by stand-ins in this report.") if model.redacted else t("This report contains the machines' real identifiers (serial numbers, addresses, names).")
    out += ["---", f"{t('Report {id}', id=model.report_id)} · {t('Report generated {when}', when=model.generated_at)} · "
            f"{t('Made with fieldkit {version}', version=model.version)}", "", footer, ""]
    return "\n".join(out)
