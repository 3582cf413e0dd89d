"""Entering a household's progress for a month (scope- and role-checked), committed with
its event on the village's register chain and the board tallies.

Who may enter: the helper (帮扶责任人), the village clerk (村两委) and the work team
(驻村工作队) in their own villages. One entry per household and month: entering the same
month again changes that entry (``progress_edited``, with every field's before and
after). A month may be entered from its start until its quarter closes, which is
PROGRESS_CLOSE_DAYS days (default 5) after the quarter's last day; after that the
quarter's figures are final (季报告) and its months are refused.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from workflow import clock
from workflow.audit import register
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.scope import get_in_scope
from workflow.progress import tallies
from workflow.progress.models import CATEGORIES, HouseholdProgress
from workflow.progress.schemas import LABELS, ProgressSchema
from workflow.registry import editing
from workflow.registry.models import Household
from workflow.registry.operations import load_payload
from workflow.settings import lookup

ENTRY_ROLES = frozenset({"helper", "village_clerk", "work_team"})
MESSAGE = "帮扶进展信息有误，请按提示修改"
CENT = Decimal("0.01")


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def closes_on(year: int, quarter: int) -> dt.date:
    """The last day a month of the quarter may be entered or changed."""
    last = quarter * 3
    end = dt.date(year, last, calendar.monthrange(year, last)[1])
    return end + dt.timedelta(days=int(current_app.config.get("PROGRESS_CLOSE_DAYS", 5)))


def is_closed(year: int, quarter: int, today: dt.date | None = None) -> bool:
    return (today or clock.today()) > closes_on(year, quarter)


def may_enter(actor: User, household: Household) -> bool:
    return bool(editing.roles_here(actor, household.village) & ENTRY_ROLES)


def line_and_bar(path: str, year: int) -> tuple[Decimal, Decimal]:
    """The year's poverty line and quality bar for the place; Invalid without a line."""
    line = lookup("poverty_line", place=path, year=year)
    if line is None:
        raise Invalid(MESSAGE, {"year": [
            f"「年度」{year} 年的贫困线尚未设置，请先在参数设置中设置"]})
    bar = lookup("progress_quality_bar", place=path, year=year)
    return Decimal(str(line.value)), Decimal(str(bar.value if bar else 5000))


def _check_month(year: int, month: int) -> None:
    today = clock.today()
    if (year, month) > (today.year, today.month):
        raise Invalid(MESSAGE, {"month": [f"「月份」不能晚于本月（{today:%Y-%m}）"]})
    quarter = quarter_of(month)
    if is_closed(year, quarter, today):
        raise Invalid(MESSAGE, {"month": [
            f"「月份」{year} 年第 {quarter} 季度已于 {closes_on(year, quarter)} 结束录入，"
            "季度数据已冻结，不能再录入或修改"]})


def month_measures(household_id: int, year: int, month: int) -> str | None:
    """The measures running in the month, one line each (the entry's default)."""
    from workflow.support.models import SupportMeasure
    from workflow.support.operations import describe

    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    rows = db.session.execute(select(SupportMeasure).where(
        SupportMeasure.household_id == household_id, SupportMeasure.starts_on <= last,
        or_(SupportMeasure.ends_on.is_(None), SupportMeasure.ends_on >= first))
        .order_by(SupportMeasure.id)).scalars().all()
    text = "；".join(describe(m) for m in rows)
    return text[:500] or None


def snapshot(entry: HouseholdProgress) -> dict[str, Any]:
    """The row's recorded values as its events hold them (money as text)."""
    return {k: editing.plain(getattr(entry, k)) for k in HouseholdProgress.RECORDED}


def _entries(household_id: int, year: int) -> list[HouseholdProgress]:
    return list(db.session.execute(select(HouseholdProgress).where(
        HouseholdProgress.household_id == household_id, HouseholdProgress.year == year)
        .order_by(HouseholdProgress.month)
        .execution_options(populate_existing=True)).scalars())


def record_progress(household_id: Any, payload: Any,
                    actor: User) -> tuple[HouseholdProgress, bool]:
    """Enter (or change) one month's progress; (the entry, True when new)."""
    household = get_in_scope(Household, household_id, actor)
    values = load_payload(ProgressSchema(), payload, MESSAGE)
    if not may_enter(actor, household):
        raise Forbidden("您的角色不能录入帮扶进展（可录入：帮扶责任人、村两委、驻村工作队）")
    year, month = values.get("year") or clock.today().year, values["month"]
    _check_month(year, month)
    line, bar = line_and_bar(household.jurisdiction_path, year)
    size = values.get("household_size") or household.size
    income = values["income_to_date"].quantize(CENT)
    fields = {"income_to_date": income, "household_size": size,
              "per_capita": (income / size).quantize(CENT),
              "household_status": household.status,
              "measures": (values.get("measures") or "").strip()
              or month_measures(household.id, year, month),
              "note": (values.get("note") or "").strip() or None}
    try:
        editing.lock(Household, household.id, household.village_id)
        entries = _entries(household.id, year)
        entry = next((e for e in entries if e.month == month), None)
        created = entry is None
        changes: dict[str, dict] = {}
        before: dict[int, tuple[str, int]] = {}
        if created:
            entry = HouseholdProgress(
                household_id=household.id, village_id=household.village_id,
                jurisdiction_path=household.jurisdiction_path, year=year, month=month,
                category="", **fields)
            entries.append(entry)
            entries.sort(key=lambda e: e.month)
        else:
            if values.get("version") is not None:
                editing.check_version(entry, values["version"], "本月帮扶进展")
            changes = {k: {"before": editing.plain(getattr(entry, k)),
                           "after": editing.plain(v)} for k, v in fields.items()
                       if editing.plain(getattr(entry, k)) != editing.plain(v)}
            if not changes:
                db.session.rollback()
                return entry, False
            before[entry.id] = (entry.category, entry.household_size)
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.version += 1
        entry.entered_by_id, entry.entered_by_name = actor.id, actor.display_name
        entry.entered_at = clock.utcnow()
        db.session.add(entry)
        db.session.flush()
        tallies.apply(tallies.categorise(entries, line, bar, month, before))
        db.session.flush()
        register.record(
            household.village_id, "progress_recorded" if created else "progress_edited",
            actor, _summary(household, entry, changes),
            {"progress_id": entry.id, "household_id": household.id,
             "values": snapshot(entry), "category": entry.category,
             "poverty_line": str(line), "quality_bar": str(bar),
             **({"changes": changes} if changes else {})}, set(ENTRY_ROLES))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return entry, created


def _summary(household: Household, entry: HouseholdProgress, changes: dict) -> str:
    head = (f"农户 {household.head_name}（{household.masked_id}）{entry.year} 年 "
            f"{entry.month} 月帮扶进展")
    if changes:
        text = "；".join(f"「{LABELS[k]}」由“{c['before'] or '空'}”改为“{c['after'] or '空'}”"
                        for k, c in changes.items())
        return f"修改{head}：{text}（{CATEGORIES[entry.category]}）"
    return (f"{head}：本年累计纯收入 {entry.income_to_date:,.2f} 元，家庭人口 "
            f"{entry.household_size} 人，人均纯收入 {entry.per_capita:,.2f} 元"
            f"（{CATEGORIES[entry.category]}）")


def entries_of(household: Household, year: int) -> list[HouseholdProgress]:
    """The household's entries of ``year``, by month."""
    return list(db.session.execute(select(HouseholdProgress).where(
        HouseholdProgress.household_id == household.id, HouseholdProgress.year == year)
        .order_by(HouseholdProgress.month)).scalars())


def reached_month(entries: list[HouseholdProgress]) -> int | None:
    """The month the household reached the line (本月达标), if it has."""
    return next((e.month for e in entries if e.category == "reached"), None)
