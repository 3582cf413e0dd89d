"""Designating low-income villages (低收入村): one village by code, or a file of codes with
their planned exit years, all or nothing. An administrator over the village (or the
server's command line) designates; each designation is an event on the village's
administration chain in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass, field

from workflow import clock
from workflow.audit import admin
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, WorkflowError
from workflow.extensions import db
from workflow.jurisdictions.divisions import read_rows
from workflow.jurisdictions.operations import _is_cli, _text, admin_places, find_place
from workflow.villages.designations import KINDS, PLAN_YEARS, VillageDesignation, designation_of

admin.actions({"village_designated": "认定低收入村"})
HEADERS = {"code": ("code", "区划代码", "村代码"), "plan_year": ("plan_year", "计划退出年度",
                                                            "计划退出年份"),
           "document": ("document", "文号")}
MAX_ROWS = 5_000


def _plan_year(value, field_name: str = "plan_year") -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or int(text) not in PLAN_YEARS:
        raise Invalid("填写有误", {field_name: [
            f"「计划退出年度」应为 {'、'.join(str(y) for y in PLAN_YEARS)} 之一"]})
    return int(text)


def designate(code: str, plan_year, document: str, actor: User, *,
              kind: str = "low_income", commit: bool = True) -> VillageDesignation:
    """Designate the village ``code`` as ``kind`` with its planned exit year (on the trail)."""
    if kind not in KINDS:
        raise Invalid("填写有误", {"kind": ["「类别」只能是 低收入村"]})
    village = find_place(code, actor)
    if not _is_cli(actor) and not any(p.contains(village) for p in admin_places(actor)):
        raise Forbidden("只有该村所在地区的系统管理员才能认定低收入村")
    if village.level != "village":
        raise Invalid("填写有误", {"code": ["「区划代码」应为一个村：低收入村按村认定"]})
    if village.merged_into_id is not None:
        raise Invalid("填写有误", {"code": [f"「{village.name}」{village.merger_note}"]})
    year = _plan_year(plan_year)
    document = _text(document, "document", "文号")
    row = designation_of(village, kind)
    before = (row.planned_exit_year, row.document) if row else None
    if row is None:
        row = VillageDesignation(village=village, kind=kind)
        db.session.add(row)
    row.planned_exit_year, row.document = year, document
    row.recorded_by_id, row.recorded_at = actor.id, clock.utcnow()
    data = {"kind": kind,
            "planned_exit_year": {"before": before[0], "after": year} if before else year,
            "document": {"before": before[1], "after": document} if before else document}
    admin.record(village, "village_designated", actor,
                 f"认定「{village.name}」为{KINDS[kind]}，计划 {year} 年退出（{document}）",
                 data, target=f"place:{village.code}")
    if commit:
        db.session.commit()
    return row


@dataclass
class DesignationReport:
    problems: list[str] = field(default_factory=list)
    designated: int = 0

    @property
    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} 处错误，未写入任何数据"
        return f"已认定低收入村 {self.designated} 个"


def _columns(header: list[str]) -> dict[str, int]:
    cells = [c.strip().lstrip("\ufeff").lower() for c in header]
    found = {}
    for key, names in HEADERS.items():
        for i, cell in enumerate(cells):
            if cell in names:
                found[key] = i
    return found


def import_designations(filename: str, data: bytes, document: str | None,
                        actor: User) -> DesignationReport:
    """Designate every village in the file (code, plan year, optional 文号 per row; else
    ``document``); any bad row and nothing is written. Rows starting with # are comments."""
    report = DesignationReport()
    rows = read_rows(filename, data)
    columns = _columns(rows[0]) if rows else {}
    if "code" not in columns or "plan_year" not in columns:
        raise Invalid("文件有误", {"file": [
            "「文件」首行应有列：区划代码、计划退出年度（可选：文号）"]})
    if len(rows) > MAX_ROWS + 1:
        raise Invalid("文件有误", {"file": [f"「文件」最多 {MAX_ROWS} 行"]})
    seen: set[str] = set()
    try:
        for line, cells in enumerate(rows[1:], start=2):
            def cell(key: str, cells=cells) -> str:
                i = columns.get(key)
                return cells[i].strip() if i is not None and i < len(cells) else ""
            code = cell("code")
            if not any(c.strip() for c in cells) or code.startswith("#"):
                continue
            if code in seen:
                report.problems.append(f"第 {line} 行（{code[:20]}）：区划代码重复")
                continue
            seen.add(code)
            try:
                designate(code, cell("plan_year"), cell("document") or document or "",
                          actor, commit=False)
                report.designated += 1
            except WorkflowError as exc:
                reasons = [m for msgs in exc.errors.values() for m in msgs] or [exc.message]
                report.problems.append(f"第 {line} 行（{code[:20]}）：{'；'.join(reasons)}")
        if report.problems:
            db.session.rollback()
            report.designated = 0
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
