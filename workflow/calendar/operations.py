"""Administrators' additions to the working-day calendar: every input checked before
anything is written (Chinese messages naming the field by its label), the row and its
administration-trail event committed together."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from workflow.audit import admin
from workflow.auth.models import User
from workflow.calendar.models import KINDS, CalendarDay
from workflow.engine.errors import Forbidden, Invalid
from workflow.engine.fields import plain_text
from workflow.extensions import db
from workflow.settings.operations import may_set, top_place

admin.actions({"calendar_set": "设置节假日", "calendar_removed": "删除节假日设置"})

YEARS = (2000, 2100)
LABELS = {"day": "日期", "kind": "类型", "name": "名称", "reason": "说明"}
LIMITS = {"name": 64, "reason": 500}


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, {field: [message]})


def parse_day(raw: Any) -> dt.date:
    """A date from a form or the CLI (YYYY-MM-DD), within YEARS, or Invalid."""
    day = raw if isinstance(raw, dt.date) else None
    if isinstance(raw, str):
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            day = None
    if day is None or not YEARS[0] <= day.year <= YEARS[1]:
        raise _invalid("day", f"「{LABELS['day']}」须为 {YEARS[0]} 至 {YEARS[1]} 年间的日期，"
                              "如 2027-02-06")
    return day


def parse_kind(raw: Any) -> str:
    """``holiday``/``workday`` or their titles 法定节假日/调休上班日."""
    text = raw.strip() if isinstance(raw, str) else ""
    for key, title in KINDS.items():
        if text in (key, title):
            return key
    raise _invalid("kind", f"「{LABELS['kind']}」须为 法定节假日 或 调休上班日")


def _text(field: str, raw: Any, *, required: bool) -> str:
    return plain_text(field, LABELS[field], raw, limit=LIMITS[field], required=required,
                      hint="（如 春节）")


def _trail_place(actor: User):
    if not may_set(actor, None):
        raise Forbidden("只有最上级地区的系统管理员可以设置节假日")
    place = top_place(actor)
    if place is None:
        raise Forbidden("尚无地区，无法记录管理留痕：请先导入行政区划")
    return place


def set_day(actor: User, day: Any, kind: Any, name: Any, reason: Any = "") -> CalendarDay:
    """Declare ``day`` a statutory holiday or a make-up working day (replacing an earlier
    addition for that date), committed with its administration-trail event."""
    day = parse_day(day)
    kind = parse_kind(kind)
    name = _text("name", name, required=True)
    reason = _text("reason", reason, required=False)
    place = _trail_place(actor)
    row = db.session.execute(select(CalendarDay).filter_by(day=day)).scalar_one_or_none()
    before = row.recorded() if row else None
    if row is None:
        row = CalendarDay(day=day, kind=kind, name=name, reason=reason, set_by_id=actor.id)
        db.session.add(row)
    else:
        row.kind, row.name, row.reason, row.set_by_id = kind, name, reason, actor.id
    db.session.flush()
    admin.record(place, "calendar_set", actor,
                 f"设置 {day.isoformat()} 为{KINDS[kind]}（{name}）",
                 {"before": before, "after": row.recorded()}, target=f"calendar:{day}")
    db.session.commit()
    return row


def remove_day(actor: User, day: Any, reason: Any = "") -> None:
    """Remove the addition for ``day`` (the package or Monday-Friday applies again)."""
    day = parse_day(day)
    reason = _text("reason", reason, required=False)
    place = _trail_place(actor)
    row = db.session.execute(select(CalendarDay).filter_by(day=day)).scalar_one_or_none()
    if row is None:
        raise _invalid("day", f"「{LABELS['day']}」{day} 没有管理员设置的节假日")
    before = row.recorded()
    db.session.delete(row)
    db.session.flush()
    admin.record(place, "calendar_removed", actor, f"删除 {day.isoformat()} 的节假日设置",
                 {"before": before, "after": None, "reason": reason},
                 target=f"calendar:{day}")
    db.session.commit()


def additions(year: int | None = None) -> list[CalendarDay]:
    """The additions (of ``year``), by date."""
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= dt.date(year, 1, 1),
                            CalendarDay.day <= dt.date(year, 12, 31))
    return db.session.execute(query).scalars().all()
