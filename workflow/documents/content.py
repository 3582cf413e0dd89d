"""What the documents print, gathered from a case, its definition, trail and notices.

Everything here is plain data for the templates under templates/pdf/; nothing here
knows about a particular procedure. Forms with many fields print as the assessment
block (incomes, when a form collects the income kinds, are summed and divided per
person against the year's poverty line; yes/no fields print as a tick checklist).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from workflow import clock
from workflow.audit.chain import trail
from workflow.audit.models import AuditEvent
from workflow.cases.context import load_subject
from workflow.cases.models import Case
from workflow.documents import verify
from workflow.documents.figures import case_figures, line_record, line_text
from workflow.documents.rows import (
    ASSESSMENT_MIN_FIELDS,
    Detail,
    chinese_date,
    field_detail,
    fill_rows,
)
from workflow.engine import store
from workflow.engine.definitions import Definition
from workflow.evidence.operations import attachments_of
from workflow.extensions import db
from workflow.housing.models import ArchiveFile
from workflow.jurisdictions.models import Jurisdiction
from workflow.notices.models import Notice
from workflow.notices.operations import notices_of
from workflow.registry.household_rules import per_capita_income
from workflow.registry.models import INCOME_KINDS

DEFAULT_SHEET = "pdf/sheet.html"
# What other areas add to a case's approval sheet, registered from their init_app (the
# support measures in force on a household exit's sheet): fn(case, context) -> values.
SHEET_EXTRAS: list = []


@dataclass
class Places:
    county: str
    township: str
    village: str
    full: str


def places_of(village: Jurisdiction) -> Places:
    """The county, township and village names above a case's village."""
    def name(level: str) -> str:
        place = village.ancestor(level)
        return place.name if place else ""

    return Places(county=name("county"), township=name("township"), village=village.name,
                  full=village.full_name)


@dataclass
class Block:
    """One assessment form: incomes (if any), a tick checklist and the other values."""

    title: str
    incomes: list[tuple[str, str]] = field(default_factory=list)
    income_total: str = ""
    per_capita: str = ""
    size: str = ""
    line: str = ""
    line_applied: str = ""  # 「2026 年贫困线 7,600 元（岫岩满族自治县设置，…）」
    line_beside_year: bool = False  # printed in the 核算年度 row (else under the incomes)
    above_line: bool | None = None
    checklist: list[Detail] = field(default_factory=list)
    values: list[Detail] = field(default_factory=list)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except InvalidOperation:
        return Decimal(0)


def assessment(case: Case, definition: Definition,
               events: list[AuditEvent] | None = None) -> list[Block]:
    """The long forms of the case (latest values), as assessment blocks; an income block
    prints the poverty line the trail (``events``, read when needed) recorded."""
    blocks = []
    for action in definition.actions.values():
        form = action.form
        values = case.data.get(action.name)
        if form is None or not values or len(form.fields) < ASSESSMENT_MIN_FIELDS:
            continue
        if any(b.title == form.title for b in blocks):
            continue
        block = Block(title=form.title)
        names = {f.name for f in form.fields}
        income_names = [k for k in INCOME_KINDS if k in names]
        if income_names:
            labels = {f.name: f.label for f in form.fields}
            year = int(values.get("year") or case.year)
            if events is None:
                events = trail(case)
            record = line_record(case, events, year)
            figure = per_capita_income(values, record["value"] if record else None, year)
            block.incomes = [(labels[k], _yuan(_decimal(values.get(k)))) for k in income_names]
            block.income_total, block.size = _yuan(figure.total), str(figure.size)
            block.per_capita = _yuan(figure.amount)
            if figure.line is not None:
                block.line = f"{figure.year} 年 {_yuan(figure.line)}"
                block.line_applied = line_text(record)
                block.above_line = figure.above_line
        for f in form.fields:
            if f.name not in values or f.name in income_names:
                continue
            if income_names and f.name == "household_size":
                continue  # printed with the per-capita income
            item = field_detail(f, values[f.name])
            if f.name == "year" and block.line_applied:
                # The line applied, with its source, beside the year it is for.
                item.text = f"{item.text}　适用{block.line_applied}"
                block.line_beside_year = True
            (block.checklist if item.tick is not None else block.values).append(item)
        blocks.append(block)
    return blocks


@dataclass
class NoticeRecord:
    title: str
    starts_on: str
    ends_on: str
    days: int
    state: str
    objections: list[dict[str, str]]


def notice_records(notices: list[Notice], definition: Definition) -> list[NoticeRecord]:
    """Each notice period of the case with its objections and how it ended."""
    records = []
    for notice in notices:
        if notice.closed_at is None:
            state = "公示中" if not notice.is_over else "公示期已满，待处理"
        else:
            action = definition.actions.get(notice.outcome or "")
            state = action.title if action else "已结束"
        records.append(NoticeRecord(
            title=notice.title, starts_on=chinese_date(notice.starts_on),
            ends_on=chinese_date(notice.ends_on), days=notice.min_days, state=state,
            objections=[{"content": o.content, "raised_by": o.raised_by,
                         "recorded_on": chinese_date(clock.to_local(o.recorded_at).date()),
                         "outcome": o.outcome_title, "resolution": o.resolution or ""}
                        for o in notice.objections]))
    return records


def file_number(case: Case, definition: Definition, places: Places,
                archive: ArchiveFile | None = None) -> str:
    """The archive number: the one given at approval (偏岭镇危改字〔2020〕17号) where a
    procedure opens a numbered file, else 偏岭镇贫困户退出字〔2020〕<case id>号 (stable)."""
    if archive is not None:
        return archive.number
    return f"{places.township}{definition.title}字〔{case.year}〕{case.id}号"


def archive_file(case: Case) -> ArchiveFile | None:
    return db.session.execute(db.select(ArchiveFile).where(
        ArchiveFile.case_id == case.id)).scalar_one_or_none()


def paper_mark(case: Case, base_url: str) -> dict[str, str]:
    """Case number, verification code, URL and QR code printed on every document."""
    code = verify.case_code(case)
    url = verify.verify_url(base_url, case.id, code)
    return {"case_id": str(case.id), "code": verify.display(code), "url": url,
            "qr": verify.qr_image(url)}


def sheet_template(definition: Definition) -> str:
    """The template a definition names (``sheet_template``), else the generic sheet."""
    name = definition.body["procedure"].get("sheet_template")
    return f"pdf/{name}" if name else DEFAULT_SHEET


def case_context(case: Case, base_url: str, events: list[AuditEvent] | None = None
                 ) -> dict[str, Any]:
    """Everything any document of one case may print."""
    definition = store.by_version(case.definition_version)
    events = trail(case) if events is None else events
    subject = load_subject(case.subject_type, case.subject_id)
    places = places_of(case.village)
    archive = archive_file(case)
    house = subject if case.subject_type == "house" else None
    return {
        "case": case, "definition": definition, "subject": subject, "places": places,
        "household": house.household if house else
        subject if case.subject_type == "household" else None, "house": house,
        "project": subject if case.subject_type == "project" else None,
        "certificate_copies": archive.certificate_copies if archive else [],
        "events": events, "state_title": definition.state_title(case.state),
        "file_number": file_number(case, definition, places, archive),
        "mark": paper_mark(case, base_url),
        "printed_on": chinese_date(clock.today()),
        "copies": definition.body["procedure"].get("copies") or [],
    }


def sheet_context(case: Case, base_url: str) -> dict[str, Any]:
    """The approval sheet: header, subject, assessment, opinion rows, notices, copies."""
    context = case_context(case, base_url)
    definition = context["definition"]
    context.update(
        rows=fill_rows(definition, context["events"]),
        blocks=assessment(case, definition, context["events"]),
        figures=[f for f in case_figures(case, definition, context["events"])
                 if not f.in_block],
        notices=notice_records(notices_of(case), definition),
        chinese_date=chinese_date,
        indicators=_indicators(case, context["subject"]),
    )
    for extra in SHEET_EXTRAS:
        context.update(extra(case, context))
    return context


def _indicators(case: Case, subject: Any) -> tuple[str, list] | None:
    """A village exit's indicators (value, bar, source) for the sheet, else None."""
    if case.subject_type != "village" or subject is None:
        return None
    from workflow.villages.assessment import indicator_rows

    return indicator_rows(subject, case)


def cover_context(case: Case, base_url: str) -> dict[str, Any]:
    """The archive cover: file number, household, place and the file's contents."""
    context = case_context(case, base_url)
    definition = context["definition"]
    contents = []
    for action in definition.actions.values():
        if action.form and action.kind != "record" and case.data.get(action.name):
            if action.form.title not in contents:
                contents.append(action.form.title)
    contents += [f"{n.title}记录" for n in notices_of(case)]
    contents.append(f"{definition.title}审批表")
    held = {a.kind for a in attachments_of(case.id)}
    contents += [title for kind, title in definition.evidence_kinds.items() if kind in held]
    if county_decision(context["events"]) is not None:
        contents.append(f"{definition.title}公告")
    context["contents"] = list(dict.fromkeys(contents))
    return context


def county_decision(events: list[AuditEvent]) -> AuditEvent | None:
    """The latest county-level agreement in the trail (what an announcement announces)."""
    agreed = [e for e in events if e.level == "county" and e.decision == "agree"
              and e.action != "create"]
    return agreed[-1] if agreed else None


def announcement_values(case: Case) -> dict[str, str]:
    """Announcement number and date if a step recorded them (``announcement_no``...)."""
    for values in case.data.values():
        if isinstance(values, dict) and values.get("announcement_no"):
            day = values.get("announced_on")
            return {"number": str(values["announcement_no"]),
                    "date": chinese_date(dt.date.fromisoformat(day)) if day else ""}
    return {"number": "", "date": ""}
