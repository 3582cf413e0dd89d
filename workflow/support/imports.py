"""Importing support measures from a file (CSV or the first matching sheet of an .xlsx),
like the roster: every row checked first, nothing written unless all are valid, a
report line per bad row naming the column; then one event per village on its register
chain holding the file's digest and every created measure's values.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from workflow.audit import register
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.scope import scope_filter
from workflow.registry.models import Household
from workflow.registry.roster_check import Report
from workflow.spreadsheets import read_text
from workflow.support.catalog import catalog
from workflow.support.models import SupportMeasure
from workflow.support.operations import ENTRY_ROLES, actions_for, new_measure, snapshot
from workflow.support.schemas import MAX_AMOUNT

COLUMNS = ("户主身份证号", "成员身份证号", "专项行动", "措施类型", "责任部门", "开始日期",
           "结束日期", "金额", "备注")
SHEET = "帮扶措施表"
MAX_ROWS = 20000


def read_rows(name: str, data: bytes) -> list[list[str]]:
    """The table's rows (header checked) from one .csv or .xlsx file."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise Invalid("文件无法读取", {"file": [f"{name} 不是有效的 Excel 文件"]}) from exc
        for sheet in book.worksheets:
            rows = [["" if v is None else (v.isoformat()[:10] if isinstance(v, dt.date)
                                           else str(v)).strip() for v in row]
                    for row in sheet.iter_rows(values_only=True)]
            if rows and rows[0][:len(COLUMNS)] == list(COLUMNS):
                return rows
    elif name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise Invalid("文件无法读取", {"file": [f"{name} 不是 UTF-8 或 GB18030 编码的 CSV"]})
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        if rows and rows[0][:len(COLUMNS)] == list(COLUMNS):
            return rows
    else:
        raise Invalid("文件格式不对", {"file": [f"{name}：只接受 .xlsx 或 .csv 文件"]})
    raise Invalid("文件格式不对", {"file": [f"{name} 的表头应为“{'、'.join(COLUMNS)}”"]})


def _by_title(options: dict[str, str], value: str) -> str | None:
    return next((k for k, t in options.items() if value in (t, k)), None)


def _date(value: str, line: int, label: str, report: Report, required: bool) -> dt.date | None:
    if not value:
        if required:
            report.add(SHEET, line, label, "为必填项")
        return None
    try:
        return dt.date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        report.add(SHEET, line, label, f"应为日期（年-月-日），而不是“{value}”")
        return None


def _amount(value: str, line: int, report: Report) -> Decimal:
    try:
        amount = Decimal(value or "0")
    except InvalidOperation:
        report.add(SHEET, line, "金额", f"应为金额（元），而不是“{value}”")
        return Decimal(0)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        report.add(SHEET, line, "金额", "应为金额，最多两位小数")
    elif not 0 <= amount <= MAX_AMOUNT:
        report.add(SHEET, line, "金额", f"应在 0 至 {MAX_AMOUNT:,} 元之间")
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal(0)


def _households(heads: list[str], actor: User) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for start in range(0, len(heads), 2000):
        for h in db.session.execute(select(Household).where(
                Household.id_number.in_(heads[start:start + 2000]),
                scope_filter(Household.jurisdiction_path, actor))).scalars():
            found[h.id_number] = h
    return found


def parse(rows: list[list[str]], actor: User, report: Report) -> list[tuple[Household, dict]]:
    """Every data row checked: (household, values) for the good ones; problems reported."""
    cat = catalog()
    body = [r + [""] * (len(COLUMNS) - len(r)) for r in rows[1:] if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise Invalid("文件过大", {"file": [f"一次最多导入 {MAX_ROWS} 条措施"]})
    households = _households(sorted({r[0] for r in body if r[0]}), actor)
    out = []
    for line, row in enumerate(body, start=2):
        head, member_no, action_t, kind_t, dept_t, starts, ends, amount, note = row[:9]
        household = households.get(head)
        if not head:
            report.add(SHEET, line, "户主身份证号", "为必填项")
        elif household is None:
            report.add(SHEET, line, "户主身份证号", "在您管辖范围内的建档立卡户中找不到")
        kind = _by_title(cat.kinds, kind_t)
        if kind is None:
            report.add(SHEET, line, "措施类型", f"“{kind_t}”不在措施类型名录中")
        action = _by_title(cat.actions, action_t) if action_t else (
            cat.kind_action[kind] if kind else None)
        if action is None:
            report.add(SHEET, line, "专项行动", f"“{action_t}”不是十大专项行动之一")
        elif kind and cat.kind_action[kind] != action:
            report.add(SHEET, line, "措施类型", f"{cat.kinds[kind]}不属于{cat.actions[action]}")
        department = _by_title(cat.departments, dept_t)
        if department is None:
            report.add(SHEET, line, "责任部门", f"“{dept_t}”不在责任部门名录中")
        start_d = _date(starts, line, "开始日期", report, True)
        end_d = _date(ends, line, "结束日期", report, False)
        if start_d and end_d and end_d < start_d:
            report.add(SHEET, line, "结束日期", "不能早于开始日期")
        money = _amount(amount, line, report)
        note, problem = read_text(note)
        if problem or len(note) > 200:
            report.add(SHEET, line, "备注", problem or "不能超过 200 个字")
        member_id = None
        if household is not None:
            if member_no:
                member_id = next((m.id for m in household.members
                                  if m.id_number == member_no), None)
                if member_id is None:
                    report.add(SHEET, line, "成员身份证号", "不是该户现有的家庭成员")
            if action and action not in actions_for(actor, household.village):
                report.add(SHEET, line, "专项行动", f"您的角色不能在{household.village.name}"
                           f"录入{cat.actions[action]}措施")
        if household is not None and kind and department and start_d:
            out.append((household, {"member_id": member_id, "action": action, "kind": kind,
                                    "department": department, "starts_on": start_d,
                                    "ends_on": end_d, "amount": money, "note": note}))
    return out


def import_measures(name: str, data: bytes, actor: User) -> Report:
    """Check the whole file; write every measure or none."""
    if not any(a.role in ENTRY_ROLES for a in actor.assignments):
        raise Forbidden("您的角色不能导入帮扶措施")
    report = Report()
    parsed = parse(read_rows(name, data), actor, report)
    report.households = len({h.id for h, _ in parsed})
    if report.problems:
        return report
    digest = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    try:
        per_village: dict[int, list[SupportMeasure]] = {}
        for household, values in parsed:
            measure = new_measure(household, values, actor)
            db.session.add(measure)
            per_village.setdefault(household.village_id, []).append(measure)
        db.session.flush()
        for village_id in sorted(per_village):
            made = per_village[village_id]
            register.record(village_id, "measures_imported", actor,
                            f"导入帮扶措施（{name}）：{len(made)} 条",
                            {"file": digest, "measures": [{"id": m.id, "values": snapshot(m)}
                                                          for m in made]}, set(ENTRY_ROLES))
        report.created = sum(len(v) for v in per_village.values())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def template_csv() -> bytes:
    """An empty file with the header (and one example row) for download."""
    from workflow.spreadsheets import csv_bytes

    return csv_bytes([COLUMNS, ["（户主身份证号）", "", "产业扶贫", "产业奖补", "县农业农村局",
                                "2020-03-01", "2020-12-31", "1500.00", "肉牛养殖奖补"]])
