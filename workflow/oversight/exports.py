"""Trail exports for auditors: one case or a filtered set, as Excel and as PDF, each case
with the verification code the documents print (账实相符).

The page, the Excel and the PDF show what each event carried through one presenter
(``trail_events``): the form's labels and values as the form defines them (是/否, choice
titles), states by their titles, from the definition version the case was made with;
personal fields masked (no auditor needs them in full). Every Excel cell goes through
``workflow.spreadsheets`` (no text runs as a formula)."""
from __future__ import annotations

import io

from openpyxl import Workbook

from workflow import clock
from workflow.audit.chain import SETTINGS_KEY, trail
from workflow.auth.models import ROLES
from workflow.auth.titles import signer_titles
from workflow.cases.models import Case
from workflow.cases.presenters import EVENT_DATA, event_value, event_values
from workflow.documents import content, render, verify
from workflow.documents.rows import chinese_date
from workflow.engine import store
from workflow.engine.definitions import Definition
from workflow.oversight.models import OUTCOMES
from workflow.oversight.rules import RULES
from workflow.spreadsheets import append_row

MAX_CASES = 500
# Further sheets of the Excel export that other areas keep per case (the comments, 批注):
# fn(cases) -> (sheet title, header, rows); registered from the app factory.
EXTRA_SHEETS: list = []
COLUMNS = ("案件编号", "校验码", "案件", "序号", "时间", "办理人", "角色", "地区", "操作", "意见",
           "由环节", "至环节", "填报内容", "哈希")


# An auditor's finding (oversight.operations.decide) is an event outside any form.
EVENT_DATA["finding"] = {
    "finding": ("核查事项编号", None),
    "rule": ("审计规则", lambda v, d: RULES[v][0] if v in RULES else str(v)),
    "reason": ("原因", None),
    "outcome": ("核查结论", lambda v, d: OUTCOMES.get(v, str(v))),
    "note": ("核查说明", None)}


def trail_events(case: Case, definition: Definition | None = None) -> list[dict]:
    """The case's events for the page and the exports: each with its states' titles, the
    (label, text) pairs it carried, and what changed against the previous submission of
    the same step (label, before, after), and the signer's role with the department."""
    definition = definition or store.by_version(case.definition_version)
    previous: dict[str, dict] = {}
    rows = []
    events = trail(case)
    roles = signer_titles(events)
    for e in events:
        data = e.data or {}
        before = previous.get(e.action, {})
        changes = []
        for key, value in data.items():
            if key == SETTINGS_KEY:
                continue  # the settings applied are listed with the values (适用设置)
            if before and before.get(key) != value:
                label, old = event_value(definition, e.action, key, before.get(key))
                changes.append((label, old, event_value(definition, e.action, key, value)[1]))
        rows.append({"event": e, "role": roles[e.seq],
                     "from": definition.state_title(e.from_state)
                     if e.from_state else "", "to": definition.state_title(e.to_state),
                     "values": event_values(definition, e.action, data), "changes": changes})
        if data:
            previous[e.action] = data
    return rows


def values_text(values: list[tuple[str, str]], separator: str = "；") -> str:
    """(label, text) pairs as one line: 核算年度：2019；不愁吃、不愁穿：是."""
    return separator.join(f"{label}：{text}" for label, text in values)


def trail_xlsx(cases: list[Case]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审批留痕")
    append_row(sheet, COLUMNS)
    for case in cases:
        code = verify.display(verify.case_code(case))
        for row in trail_events(case):
            e = row["event"]
            append_row(sheet, [case.id, code, case.title, e.seq,
                               clock.to_local(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                               e.signed_as, row["role"], e.jurisdiction_name,
                               e.action_title, e.opinion, row["from"], row["to"],
                               values_text(row["values"]), e.hash])
    for extra in EXTRA_SHEETS:
        title, header, rows = extra(cases)
        more = book.create_sheet(title)
        append_row(more, header)
        for values in rows:
            append_row(more, values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def trail_pdf(cases: list[Case], base_url: str) -> bytes:
    """The trail of ``cases`` as a PDF, each case followed by what other areas keep for
    it (EXTRA_SHEETS, e.g. its 批注), as the Excel export has them."""
    extras = []
    for extra in EXTRA_SHEETS:
        title, header, rows = extra(cases)
        by_case: dict[int, list[list]] = {}
        for values in rows:  # the first column of an extra sheet is the case number
            by_case.setdefault(values[0], []).append(values[1:])
        extras.append((title, header[1:], by_case))
    items = [{"case": c, "definition": store.by_version(c.definition_version),
              "rows": trail_events(c), "mark": content.paper_mark(c, base_url),
              "extras": [(title, header, by_case[c.id]) for title, header, by_case in extras
                         if c.id in by_case]} for c in cases]
    return render.pdf("pdf/trail.html", items=items, ROLES=ROLES, values_text=values_text,
                      printed_on=chinese_date(clock.today()))


# --- monthly report (月报告) PDF layout ----------------------------------------------

PAGE_WIDTH_MM = 297 - 26  # landscape A4 less the margins of pdf.css
CELL_PADDING_MM = 1.2  # left and right padding of a header cell together
PT_PER_MM = 72 / 25.4


def report_columns(definition: Definition, rows: list) -> tuple[list[dict], float]:
    """The monthly report's columns, each as wide as its title needs on one line, and
    the header font size (pt) at which every title fits across a landscape A4 page.

    A title's explanation in brackets is left out (竣工验收（县、乡、村联合） → 竣工验收);
    a number column is at least three characters wide (six digits)."""
    titles = [("地区", max([len(r.place.name) for r in rows] + [2]))]
    titles += [(short_title(definition.state_title(s)), None) for s in definition.states]
    titles += [("合计", None), ("本月办结", None)]
    units = [max(width or len(title), 3) for title, width in titles]
    per_unit = (PAGE_WIDTH_MM - CELL_PADDING_MM * len(units)) / sum(units)
    header_pt = round(min(9.0, per_unit * PT_PER_MM * 0.9), 1)  # 10 % to spare
    total = sum(units)
    columns = [{"title": title, "width": round(100 * u / total, 2)}
               for (title, _), u in zip(titles, units, strict=True)]
    return columns, header_pt


def short_title(title: str) -> str:
    """A state's title without its bracketed explanation."""
    return title.split("（")[0] or title


def report_table(definition: Definition, rows: list) -> tuple[list[list], list]:
    """The monthly report's body, a line per place (name, a count per state, total,
    completed this month), and the 合计 line of column sums: the Excel and the PDF
    print the same figures."""
    lines = [[r.place.name, *[r.by_state.get(s, 0) for s in definition.states], r.total,
              r.completed_in_month] for r in rows]
    width = len(definition.states) + 2
    return lines, ["合计", *[sum(line[i] for line in lines) for i in range(1, width + 1)]]
