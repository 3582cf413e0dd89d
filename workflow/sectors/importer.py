"""Importing a department's roster (CSV or XLSX) in one of the declared formats:
every row checked against its format, the whole file or nothing, a report per bad row
naming the line and the column; the import is an event on the county's sector chain
with the file's SHA-256 and the data's date. The same file again writes nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry.roster import bulk_insert
from workflow.registry.roster_check import read_sheets
from workflow.registry.schemas import id_number_problem
from workflow.sectors import chain
from workflow.sectors.formats import Column, Format, get
from workflow.sectors.models import SectorImport, SectorRecord
from workflow.spreadsheets import read_text

IMPORTERS = {"county_poverty_office", "county_sector"}
MAX_REPORTED = 500
MAX_TEXT = 64


@dataclass
class ImportReport:
    """What an import found or did; ``problems`` are "第 N 行「列」…" lines."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0
    import_id: int | None = None
    already: bool = False  # the same file was imported before: nothing written

    def add(self, line: int, label: str, message: str) -> None:
        self.problems.append(f"第 {line} 行「{label}」{message}")


def importable_counties(actor: User, fmt: Format) -> list[tuple[Jurisdiction, str]]:
    """The counties (and the role) the actor may import ``fmt`` for: 县扶贫办 any
    format, 县行业部门 only its own department's."""
    found = []
    for a in actor.assignments:
        if a.jurisdiction.level != "county" or a.role not in IMPORTERS:
            continue
        if a.role == "county_sector" and a.department != fmt.department:
            continue
        found.append((a.jurisdiction, a.role))
    return found


def _county(actor: User, fmt: Format, code: str | None) -> tuple[Jurisdiction, str]:
    counties = importable_counties(actor, fmt)
    if code:
        counties = [c for c in counties if c[0].code == code]
    if not counties:
        raise Forbidden(f"您的角色不能导入{fmt.department_title}的“{fmt.title}”")
    if len(counties) > 1 and len({c[0].id for c in counties}) > 1:
        raise Invalid("请选择县", {"county": ["「县（市、区）」须选择：您管辖多个县"]})
    return counties[0]


def parse_as_of(text: str | dt.date | None) -> dt.date:
    """The data's date (数据截止日期): a date not in the future."""
    if isinstance(text, dt.date):
        value = text
    else:
        try:
            value = dt.date.fromisoformat(str(text or "").strip())
        except ValueError:
            raise Invalid("数据截止日期有误", {"as_of": [
                "「数据截止日期」须为 年-月-日 格式的日期，如 2020-06-30"]}) from None
    if value > clock.today():
        raise Invalid("数据截止日期有误", {"as_of": ["「数据截止日期」不能晚于今天"]})
    return value


def _table(fmt: Format, name: str, data: bytes) -> list[list[str]]:
    for rows in read_sheets(name, data):
        if rows and all(c.header in rows[0] for c in fmt.columns if c.required):
            return rows
    raise Invalid("文件格式不对", {"file": [
        f"{name} 中没有“{fmt.title}”的表：表头应含" + "、".join(fmt.headers)]})


def _cell(column: Column, text: str, line: int, report: ImportReport) -> str | None:
    """A cell's stored value, or None after reporting why it is refused."""
    text, problem = read_text(text)
    if problem:
        report.add(line, column.header, problem)
        return None
    if not text:
        if column.required:
            report.add(line, column.header, "为必填项")
        return ""
    if column.type == "id_number":
        text = text.upper()
        problem = id_number_problem(text) or _birth_problem(text)
    elif column.type == "choice":
        if text not in column.choices:
            problem = "须为：" + "、".join(column.choices)
        else:
            return column.choices[text]
    elif column.type == "year":
        problem = None if text.isdigit() and 1949 <= int(text) <= 2100 else "须为四位年度，如 2020"
    elif column.type == "date":
        text = text[:10]  # an Excel date cell reads "2020-06-30 00:00:00"
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            problem = "须为 年-月-日 格式的日期，如 2020-06-30"
    if problem is None and len(text) > MAX_TEXT:
        problem = f"不能超过 {MAX_TEXT} 个字"
    if problem:
        report.add(line, column.header, problem)
        return None
    return text


def _birth_problem(number: str) -> str | None:
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "中的出生日期不存在"
    return None


def check(fmt: Format, name: str, data: bytes, report: ImportReport) -> list[dict]:
    """Every row of the file checked; the records to write (only used when no problem)."""
    rows = _table(fmt, name, data)
    index = {h: i for i, h in enumerate(rows[0])}
    records, seen = [], {}
    id_header = next(c.header for c in fmt.columns if c.field == "id_number")
    for line, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        record = {"line": line, "value": None}
        ok = True
        for column in fmt.columns:
            i = index.get(column.header)
            value = _cell(column, row[i] if i is not None and i < len(row) else "", line, report)
            ok &= value is not None
            record[column.field] = value or None
        if ok:
            key = (record["id_number"], record["fact"])
            if key in seen:
                report.add(line, id_header, f"与第 {seen[key]} 行重复")
            seen.setdefault(key, line)
        records.append(record)
    if not records:
        report.problems.append("文件中没有数据行")
    return records


def import_file(source: str, name: str, data: bytes, as_of, actor: User,
                county_code: str | None = None, commit: bool = True) -> ImportReport:
    """Import one department file: all rows valid, or nothing written (the report says
    which rows and columns). ``commit=False`` (a background job): the caller commits."""
    fmt = get(source)
    if fmt is None:
        raise Invalid("数据类别有误", {"source": ["「数据类别」不存在"]})
    county, role = _county(actor, fmt, county_code)
    as_of = parse_as_of(as_of)
    report = ImportReport()
    records = check(fmt, name, data, report)
    del report.problems[MAX_REPORTED:]
    if report.problems:
        return report
    report.rows = len(records)
    sha = hashlib.sha256(data).hexdigest()
    before = db.session.execute(select(SectorImport.id).where(
        SectorImport.county_id == county.id, SectorImport.source == source,
        SectorImport.sha256 == sha, SectorImport.as_of == as_of)).scalar()
    if before is not None:
        report.import_id, report.already = before, True
        return report
    try:
        row = SectorImport(source=source, county_id=county.id, jurisdiction_path=county.path,
                           as_of=as_of, filename=name[:200], sha256=sha, rows=len(records),
                           actor_id=actor.id, imported_at=clock.utcnow())
        db.session.add(row)
        db.session.flush()
        bulk_insert(SectorRecord.__table__, [
            {"import_id": row.id, "line": r["line"], "id_number": r["id_number"],
             "name": r["name"], "fact": r["fact"], "value": r["value"]} for r in records])
        chain.append(county, "sector_imported", actor, role,
                     f"导入{fmt.department_title}“{fmt.title}”（{name}，截至 {as_of}）："
                     f"{len(records)} 行", chain.import_fields(row))
        report.import_id = row.id
        if commit:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def report_text(report: ImportReport) -> str:
    """The report as the lines of a text file (the job's file, the CLI's output)."""
    if report.problems:
        head = f"有 {len(report.problems)} 处错误，未写入任何数据。请改正后重新导入。"
        return "\n".join([head, "", *report.problems]) + "\n"
    if report.already:
        return f"该文件已于此前导入（批次 {report.import_id}），未重复写入\n"
    return f"导入完成：{report.rows} 行（批次 {report.import_id}）\n"
