"""Staged targets for low-income villages (庄委办发〔2019〕59号: at least 20 % of them out in
2018, 70 % cumulative in 2019, all in 2020) on the boards and in the monthly report, and
the drill-down to the villages still to go with the indicators that hold each back.

A village is out when its village_exit case reached a completed state (已退出备案, as
the boards count completions: ``boards.completed_states``); it counts for the year of
its announcement (the ``announce_exit`` event, China time), so a village announced in
December and filed in January is one of that December's year. A report for a past month
counts only what was filed by the month's end (the trail as it was then). The targets are
the ``village_exit_target`` setting by year at the place (a county's own value wins over
its city's)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import or_, select

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.applied import reader
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.oversight.boards import children, completed_states, month_bounds
from workflow.settings import lookup
from workflow.villages.designations import PLAN_YEARS, designations_by_village, low_income_villages
from workflow.villages.rules import ASSESSMENT, village_indicators_met

PROCEDURE = "village_exit"
ANNOUNCE = "announce_exit"  # the county's 退出公告: the date a village counts as out


@dataclass
class YearLine:
    """One year of the plan: the cumulative target and the villages out by its end."""

    year: int
    villages: int
    out: int
    target: int | None = None      # cumulative percent
    source: str = ""               # where the target was set (settings' source phrase)

    @property
    def share(self) -> float:
        return round(self.out * 100 / self.villages, 1) if self.villages else 0.0

    @property
    def needed(self) -> int | None:
        """Villages the target asks for by the year's end (20 % of 55 → 11)."""
        return None if self.target is None else math.ceil(self.villages * self.target / 100)

    def status(self, today: dt.date) -> str:
        """达标 / 未达标 for a past year, 进行中 for the current or a later one."""
        if self.target is None:
            return "未设目标"
        if self.out >= (self.needed or 0):
            return "已达标"
        return "进行中" if self.year >= today.year else "未达标"


@dataclass
class Staged:
    """The staged figures of a place: a line per plan year, and the same per child."""

    place: Jurisdiction
    lines: list[YearLine]
    out_on: dict[int, dt.date]
    villages: list[Jurisdiction]
    as_of: dt.date                 # the day the figures stand at (a month's last day)
    by_child: list[tuple[Jurisdiction, list[YearLine]]] = field(default_factory=list)


def exits(village_ids: list[int], until: dt.datetime | None = None) -> dict[int, dt.date]:
    """village id -> the China date it counts as out from, for the villages whose exit
    case reached a completed state before ``until`` (naive UTC; None: now)."""
    if not village_ids:
        return {}
    definition = store.catalog().procedures[PROCEDURE]
    done = completed_states(definition)
    query = (select(Case.subject_id, AuditEvent.action, AuditEvent.to_state, AuditEvent.at)
             .join(AuditEvent, AuditEvent.case_id == Case.id)
             .where(Case.procedure == PROCEDURE, Case.subject_type == "village",
                    Case.subject_id.in_(village_ids),
                    or_(AuditEvent.action == ANNOUNCE, AuditEvent.to_state.in_(done)))
             .order_by(AuditEvent.at))
    if until is not None:
        query = query.where(AuditEvent.at < until)
    announced: dict[int, dt.datetime] = {}
    completed: dict[int, dt.datetime] = {}
    for village_id, action, to_state, at in db.session.execute(query):
        if action == ANNOUNCE:
            announced[village_id] = at  # the latest announcement of the case
        if to_state in done:
            completed.setdefault(village_id, at)
    return {v: clock.to_local(announced.get(v, at)).date() for v, at in completed.items()}


def _lines(place: Jurisdiction, villages: list[Jurisdiction], out_on: dict[int, dt.date],
           targets: list[YearLine] | None = None) -> list[YearLine]:
    """A line per plan year; the targets read at ``place``, or taken from ``targets``."""
    lines = []
    for i, year in enumerate(PLAN_YEARS):
        if targets is None:
            found = lookup("village_exit_target", place=place.path, year=year)
            target, source = (None, "") if found is None else (int(found.value), found.source)
        else:
            target, source = targets[i].target, targets[i].source
        out = sum(1 for v in villages if v.id in out_on and out_on[v.id].year <= year)
        lines.append(YearLine(year, len(villages), out, target, source))
    return lines


def staged(place: Jurisdiction, month: str | None = None) -> Staged | None:
    """The staged targets of ``place`` (its low-income villages), as of the end of
    ``month`` ("2019-12"; None: now); None when no low-income village lies under it."""
    villages = low_income_villages([place.path])
    if not villages:
        return None
    until = month_bounds(month)[1] if month else None
    as_of = min(clock.today(), clock.to_local(until).date() - dt.timedelta(days=1)) \
        if until else clock.today()
    out_on = exits([v.id for v in villages], until)
    result = Staged(place, _lines(place, villages, out_on), out_on, villages, as_of)
    if place.level not in ("township", "village"):
        # A city's counties each have their own targets; a county's townships are held
        # to the county's (the plan sets them per county): no lookup per township.
        own = place.level == "city"
        for child in children(place):
            mine = [v for v in villages if v.path.startswith(child.path)]
            if mine:
                result.by_child.append(
                    (child, _lines(child, mine, out_on, None if own else result.lines)))
    return result


@dataclass
class ToGo:
    """A village still to go: its plan year, its exit case and what holds it back."""

    village: Jurisdiction
    planned_exit_year: int | None
    case: Case | None
    state_title: str
    reasons: list[str]


def held_back(village: Jurisdiction, case: Case | None) -> list[str]:
    """Why the village is not out: the failing indicators of its latest self-assessment
    against its profile's bars (the exit guard itself, villages/rules.py), else where
    its case stands."""
    if case is None:
        return ["尚未启动退出程序"]
    if not case.data.get(ASSESSMENT):
        return ["尚未提交村级自评"]
    # The guard reads a step's context; this one answers from the case's latest values
    # and the settings at the village, without recording anything.
    context = SimpleNamespace(subject=village, case=case, setting=reader(village.path),
                              step_values=lambda name: case.data.get(name, {}))
    return village_indicators_met(context)


def to_go(place: Jurisdiction) -> list[ToGo]:
    """The low-income villages under ``place`` not out yet, by path, each with its case
    (the latest) and the reasons it is held back."""
    villages = low_income_villages([place.path])
    ids = [v.id for v in villages]
    out = exits(ids)
    cases = {c.subject_id: c for c in db.session.execute(select(Case).where(
        Case.procedure == PROCEDURE, Case.subject_type == "village",
        Case.subject_id.in_(ids)).order_by(Case.id)).scalars()} if ids else {}
    plans = designations_by_village(ids)
    definition = store.catalog().procedures[PROCEDURE]
    rows = []
    for village in villages:
        if village.id in out:
            continue
        case = cases.get(village.id)
        plan = plans.get(village.id)
        rows.append(ToGo(village, plan.planned_exit_year if plan else None, case,
                         definition.state_title(case.state) if case else "未启动",
                         held_back(village, case)))
    return rows
