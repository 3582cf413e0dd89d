"""Progress boards (挂图作战) per level, and the monthly report computed from the trail.

Counts come from the cases table for "now" and from the audit events for a past month:
the state of a case at the end of month M is the ``to_state`` of its last event before
that moment, so later activity never changes last month's report."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, func, select

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.deadlines import overdue_clause
from workflow.cases.models import Case
from workflow.engine.definitions import Definition
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction


@dataclass
class Row:
    place: Jurisdiction
    by_state: dict[str, int] = field(default_factory=dict)
    completed_in_month: int = 0
    overdue: int = 0
    target: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def done(self, definition: Definition) -> int:
        return sum(n for s, n in self.by_state.items() if definition.is_final(s))


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """Naive-UTC [start, end) of a calendar month in China time, from "2020-06"."""
    year, number = (int(x) for x in month.split("-"))
    return (clock.day_start(dt.date(year, number, 1)),
            clock.day_start(dt.date(year + (number == 12), number % 12 + 1, 1)))


def children(place: Jurisdiction) -> list[Jurisdiction]:
    return db.session.execute(select(Jurisdiction).where(Jurisdiction.parent_id == place.id)
                              .order_by(Jurisdiction.code)).scalars().all()


def _in(place: Jurisdiction):
    return Case.jurisdiction_path.startswith(place.path, autoescape=True)


def _final_states(definition: Definition) -> list[str]:
    return [s for s in definition.states if definition.is_final(s)]


def board(definition: Definition, place: Jurisdiction, month: str | None = None) -> list[Row]:
    """One row per place under ``place`` (the place itself for a village).

    Three grouped queries whatever the number of places: the places one level down all
    have paths of one length, so the first characters of a case's path name its row."""
    today = clock.today()
    month = month or f"{today:%Y-%m}"
    start, end = month_bounds(month)
    targets = current_app.config.get("BOARD_TARGETS", {}).get(definition.key, {})
    places = children(place) or [place]
    rows = {p.path: Row(place=p, target=targets.get(p.code)) for p in places}
    width = len(places[0].path)
    key = func.substr(Case.jurisdiction_path, 1, width)
    mine = (Case.procedure == definition.key, _in(place))
    for path, state, count in db.session.execute(
            select(key, Case.state, func.count()).where(*mine).group_by(key, Case.state)):
        if path in rows:
            rows[path].by_state[state] = count
    for path, count in db.session.execute(
            select(key, func.count(func.distinct(AuditEvent.case_id)))
            .join(Case, Case.id == AuditEvent.case_id)
            .where(*mine, AuditEvent.to_state.in_(_final_states(definition)),
                   AuditEvent.from_state != AuditEvent.to_state,
                   AuditEvent.at >= start, AuditEvent.at < end).group_by(key)):
        if path in rows:
            rows[path].completed_in_month = count
    for path, count in db.session.execute(
            select(key, func.count()).where(*mine, overdue_clause(
                [definition], today, current_app.config)).group_by(key)):
        if path in rows:
            rows[path].overdue = count
    return list(rows.values())


def _completed(definition: Definition, place: Jurisdiction, start, end) -> int:
    return db.session.execute(
        select(func.count(func.distinct(AuditEvent.case_id)))
        .join(Case, Case.id == AuditEvent.case_id)
        .where(Case.procedure == definition.key, _in(place),
               AuditEvent.to_state.in_(_final_states(definition)),
               AuditEvent.from_state != AuditEvent.to_state,
               AuditEvent.at >= start, AuditEvent.at < end)).scalar_one()


def monthly_report(definition: Definition, place: Jurisdiction, month: str) -> list[Row]:
    """月报告 for ``month``: each child's cases by state at the month's end, from the trail."""
    start, end = month_bounds(month)
    rows = []
    last = (select(AuditEvent.case_id, func.max(AuditEvent.seq).label("seq"))
            .join(Case, Case.id == AuditEvent.case_id)
            .where(Case.procedure == definition.key, AuditEvent.at < end)
            .group_by(AuditEvent.case_id).subquery())
    for child in children(place) or [place]:
        row = Row(place=child)
        row.by_state = dict(db.session.execute(
            select(AuditEvent.to_state, func.count())
            .join(last, and_(last.c.case_id == AuditEvent.case_id,
                             last.c.seq == AuditEvent.seq))
            .join(Case, Case.id == AuditEvent.case_id)
            .where(_in(child)).group_by(AuditEvent.to_state)).all())
        row.completed_in_month = _completed(definition, child, start, end)
        rows.append(row)
    return rows


def village_share(place: Jurisdiction, year: int, settings) -> dict | None:
    """Villages out (village_exit filed) against the place's cumulative target for
    ``year``, e.g. 庄河市 70 % by 2019; None where no target is set."""
    targets = next((t for code, t in settings.get("VILLAGE_EXIT_TARGETS", {}).items()
                    if place.code.startswith(code) or code.startswith(place.code)), None)
    if not targets:
        return None
    percent = targets.get(year)
    villages = db.session.execute(select(func.count()).select_from(Jurisdiction).where(
        Jurisdiction.level == "village",
        Jurisdiction.path.startswith(place.path, autoescape=True))).scalar_one()
    out = db.session.execute(select(func.count()).select_from(Case).where(
        Case.procedure == "village_exit", Case.state == "filed", _in(place))).scalar_one()
    share = round(out * 100 / villages, 1) if villages else 0.0
    return {"year": year, "target": percent, "villages": villages, "out": out,
            "share": share, "met": percent is not None and share >= percent}
