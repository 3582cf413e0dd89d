"""Opening and closing notice periods, and the built-in guards and effects for objections."""
from __future__ import annotations

import datetime as dt

from workflow import clock
from workflow.cases.models import Case
from workflow.engine.definitions import Definition
from workflow.engine.registry import effect, guard
from workflow.extensions import db
from workflow.notices.models import Notice, Objection


def notice_days(spec: dict, read=None, on: dt.date | None = None) -> int:
    """The notice length in force ``on`` (default today) at the place ``read`` reads
    (``ctx.setting``, or ``cases.applied.reader(place)``; installation-wide when None),
    never below the definition's minimum."""
    from workflow.cases.applied import reader

    found = (read or reader())(f"notice_days.{spec['setting']}", on=on or clock.today())
    configured = spec["min_days"] if found is None else found.value
    return max(int(configured), spec["min_days"])


def enter_state(case: Case, definition: Definition, state: str, ctx) -> None:
    """Open a notice when the case enters a notice state; its length is read through
    ``ctx.setting``, so the step's event records it."""
    spec = definition.states[state].get("notice")
    if not spec:
        return
    days = notice_days(spec, ctx.setting)
    start = clock.today()
    db.session.add(Notice(case_id=case.id, state=state, title=spec["title"], starts_on=start,
                          ends_on=start + dt.timedelta(days=days - 1), min_days=days))


def leave_state(ctx, state: str) -> None:
    """Close the open notice of ``state`` with the action that ended it."""
    if not ctx.definition.states[state].get("notice"):
        return
    notice, action = ctx.notice, ctx.action
    if notice is not None:
        notice.closed_at = clock.utcnow()
        notice.outcome = action.name


def current_notice(case: Case) -> Notice | None:
    return db.session.execute(
        db.select(Notice).where(Notice.case_id == case.id, Notice.state == case.state,
                                Notice.closed_at.is_(None)).order_by(Notice.id.desc())
    ).scalars().first()


def open_notices(case_ids: list[int]) -> list[Notice]:
    """The open notices of many cases, objections included."""
    return db.session.execute(
        db.select(Notice).where(Notice.case_id.in_(case_ids), Notice.closed_at.is_(None))
    ).scalars().all()


def notices_of(case: Case) -> list[Notice]:
    return db.session.execute(
        db.select(Notice).where(Notice.case_id == case.id).order_by(Notice.id)
    ).scalars().all()


@guard("notice_period_over")
def notice_period_over(ctx) -> list[str]:
    notice = ctx.notice
    if notice is None:
        return ["本环节没有进行中的公示"]
    if not notice.is_over:
        return [f"公示期未满：{notice.title}自 {notice.starts_on} 起共 {notice.min_days} 天，"
                f"{notice.ends_on + dt.timedelta(days=1)} 起方可结束公示"]
    return []


@guard("no_open_objections")
def no_open_objections(ctx) -> list[str]:
    notice = ctx.notice
    pending = len(notice.open_objections) if notice else 0
    return [f"公示期间有 {pending} 条异议尚未处理，须先核实处理"] if pending else []


@guard("open_objection_exists")
def open_objection_exists(ctx) -> list[str]:
    notice = ctx.notice
    return [] if notice and notice.open_objections else ["没有待处理的异议"]


@effect("record_objection")
def record_objection(ctx) -> None:
    db.session.add(Objection(notice_id=ctx.notice.id, content=ctx.values["content"],
                             raised_by=ctx.values.get("raised_by") or "匿名",
                             recorded_at=clock.utcnow()))


def _resolve_oldest(ctx, outcome: str) -> None:
    objection = ctx.notice.open_objections[0]
    objection.outcome = outcome
    objection.resolution = ctx.opinion


@effect("uphold_objection")
def uphold_objection(ctx) -> None:
    _resolve_oldest(ctx, "upheld")


@effect("dismiss_objection")
def dismiss_objection(ctx) -> None:
    _resolve_oldest(ctx, "dismissed")
