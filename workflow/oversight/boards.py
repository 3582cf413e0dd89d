"""Progress boards (挂图作战) per level, and the monthly report computed from the trail.

Counts come from the case tallies (workflow/cases/tallies.py), which the engine keeps
in the transaction of every state change: a few hundred rows per board instead of a
million cases, and a past month is the trail's moves summed up to that month, so later
activity never changes last month's report."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from workflow import clock
from workflow.cases import tallies
from workflow.cases.applied import reader
from workflow.cases.deadlines import done_states, late_years
from workflow.cases.models import Case
from workflow.engine.definitions import Definition
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.settings import lookup


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
        """Cases that ended well (a declined case is finished, not completed)."""
        completed = completed_states(definition)
        return sum(n for s, n in self.by_state.items() if s in completed)


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """Naive-UTC [start, end) of a calendar month in China time, from "2020-06"."""
    year, number = (int(x) for x in month.split("-"))
    return (clock.day_start(dt.date(year, number, 1)),
            clock.day_start(dt.date(year + (number == 12), number % 12 + 1, 1)))


def children(place: Jurisdiction) -> list[Jurisdiction]:
    return db.session.execute(select(Jurisdiction).where(Jurisdiction.parent_id == place.id)
                              .order_by(Jurisdiction.code)).scalars().all()


def declined_states(definition: Definition) -> list[str]:
    """Final states that end a case unsuccessfully (不予纳入改造, 不予入库...): derived from
    the definition, as the final states that only rejections (``kind: reject``) lead to."""
    into: dict[str, set[str]] = {}
    for action in definition.actions.values():
        if action.to:
            into.setdefault(action.to, set()).add(action.kind)
    return [s for s in definition.states
            if definition.is_final(s) and into.get(s) == {"reject"}]


def completed_states(definition: Definition) -> list[str]:
    """The final states a case reaches when its procedure succeeds (已归档, 已入库...)."""
    declined = set(declined_states(definition))
    return [s for s in definition.states if definition.is_final(s) and s not in declined]


def board(definition: Definition, place: Jurisdiction, month: str | None = None) -> list[Row]:
    """One row per place under ``place`` (the place itself for a village): cases by state
    now, completed in ``month`` (default this month) and overdue, from the case tallies."""
    today = clock.today()
    month = month or f"{today:%Y-%m}"
    rows, width = _rows(place)
    for p in rows.values():
        p.target = target_of(definition, p.place, int(month[:4]))
    _fill(rows, definition, place, width, month, month_end=None)
    years = late_years(definition, today, reader(place.path))
    if years:
        done = done_states(definition)
        for (path, state), n in tallies.by_place_and_state(
                definition.key, place.path, width, years=years).items():
            if path in rows and state not in done:
                rows[path].overdue += n
    return list(rows.values())


def monthly_report(definition: Definition, place: Jurisdiction, month: str) -> list[Row]:
    """月报告 for ``month``: each child's cases by state at the month's end and completed
    within it. The tallies are the trail summed by month, so later activity never
    changes a past month's figures."""
    rows, width = _rows(place)
    _fill(rows, definition, place, width, month, month_end=month)
    return list(rows.values())


def _rows(place: Jurisdiction) -> tuple[dict[str, Row], int]:
    # The places one level down all have paths of one length, so the first characters
    # of a case's path name its row: one grouped query whatever the number of places.
    places = children(place) or [place]
    return {p.path: Row(place=p) for p in places}, len(places[0].path)


def _fill(rows: dict[str, Row], definition: Definition, place: Jurisdiction, width: int,
          month: str, month_end: str | None) -> None:
    for (path, state), n in tallies.by_place_and_state(
            definition.key, place.path, width, until_month=month_end).items():
        if path in rows:
            rows[path].by_state[state] = n
    for (path, _), n in tallies.by_place_and_state(
            definition.key, place.path, width, only_month=month,
            states=completed_states(definition)).items():
        if path in rows:
            rows[path].completed_in_month += n


def target_of(definition: Definition, place: Jurisdiction, year: int) -> int | None:
    """The ``board_target.<procedure>`` a place set for itself for ``year`` (the Anshan
    plan: 753 households in 2020), not one it inherits from the place above."""
    key = f"board_target.{definition.key}"
    try:
        found = lookup(key, place=place.path, year=year)
    except KeyError:  # a procedure without a board target
        return None
    if found is None:
        return None
    above = lookup(key, place=place.parent.path if place.parent else None, year=year)
    if above is not None and (above.place_code, above.value, above.source) == (
            found.place_code, found.value, found.source):
        return None
    return found.value


def village_share(place: Jurisdiction, year: int) -> dict | None:
    """Villages out (village_exit filed) against the place's cumulative target for
    ``year`` (``village_exit_target``), e.g. 庄河市 70 % by 2019; None where none is set."""
    found = lookup("village_exit_target", place=place.path, year=year)
    if found is None:
        return None
    percent = found.value
    villages = db.session.execute(select(func.count()).select_from(Jurisdiction).where(
        Jurisdiction.level == "village",
        Jurisdiction.path.startswith(place.path, autoescape=True))).scalar_one()
    out = db.session.execute(select(func.count()).select_from(Case).where(
        Case.procedure == "village_exit", Case.state == "filed",
        Case.jurisdiction_path.startswith(place.path, autoescape=True))).scalar_one()
    share = round(out * 100 / villages, 1) if villages else 0.0
    return {"year": year, "target": percent, "villages": villages, "out": out,
            "share": share, "met": percent is not None and share >= percent}
