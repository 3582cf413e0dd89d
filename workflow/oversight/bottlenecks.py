"""办理用时（堵点）: how long cases stayed in each step of a procedure, for a place and a
month, from the step-time tallies (workflow/cases/step_times.py); per step the places
below and the slowest cases of the month, at every level, from the stay rows
(workflow/cases/step_stays.py).

The tallies answer in a few hundred rows whatever the number of cases; the slow-case
list is one index range of the stay rows of the step, month and place.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from workflow import clock
from workflow.cases import step_stays, step_times
from workflow.engine.definitions import Definition
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.oversight.boards import children

MONTH = re.compile(r"(\d{4})-(\d{1,2})")
SLOW_LIMIT = 50  # slow cases listed per step


def parse_month(text: str | None) -> str:
    """The month asked for ("2020-06"), this month when none; WorkflowError (400) for a
    malformed one or one still to come."""
    this = f"{clock.today():%Y-%m}"
    if not text:
        return this
    found = MONTH.fullmatch(text.strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
        raise WorkflowError("月份格式不正确，应为“2020-06”这样的年-月")
    text = f"{found[1]}-{int(found[2]):02d}"
    if text > this:
        raise WorkflowError(f"不能查看尚未到来的月份（本月为 {this}）")
    return text


def months_back(count: int = 24) -> list[str]:
    """This month and the ``count - 1`` before it, newest first (the month picker)."""
    today = clock.today()
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def steps(definition: Definition) -> list[str]:
    """The states a case can leave (finals have no way out), in the definition's order."""
    return [s for s in definition.states if not definition.is_final(s)]


@dataclass
class StepRow:
    state: str
    title: str
    stats: step_times.StepStats
    limit_days: str = ""  # e.g. "10 个工作日" when the step has a limit


def limit_text(definition: Definition, state: str) -> str:
    limits = [lim for lim in definition.time_limits if lim.get("state") == state]
    return "、".join(f"{lim['days']} 个工作日" if lim.get("unit", "working") == "working"
                    else f"{lim['days']} 天" for lim in limits)


def by_step(definition: Definition, place: Jurisdiction, month: str) -> list[StepRow]:
    """One row per step: stays that ended in ``month`` under ``place``."""
    found = step_times.stats(definition.key, [place.path], month)
    return [StepRow(s, definition.state_title(s),
                    found.get((place.path, s), step_times.StepStats()),
                    limit_text(definition, s)) for s in steps(definition)]


def by_place(definition: Definition, place: Jurisdiction, month: str,
             state: str) -> list[tuple[Jurisdiction, step_times.StepStats]]:
    """One step's figures for each place one level below ``place`` (empty for a village)."""
    below = children(place)
    if not below:
        return []
    found = step_times.stats(definition.key, [p.path for p in below], month, state=state)
    return [(p, found.get((p.path, state), step_times.StepStats())) for p in below]


@dataclass
class SlowCase:
    case_id: int
    title: str
    place: str
    entered: dt.datetime
    left: dt.datetime
    seconds: float
    over_limit: bool

    @property
    def text(self) -> str:
        return step_times.duration_text(self.seconds)


def slow_cases(definition: Definition, place: Jurisdiction, month: str, state: str,
               total: int) -> list[SlowCase]:
    """The slowest stays in ``state`` that ended in ``month`` under ``place``, longest
    first (at most SLOW_LIMIT), from the stay rows (``step_stays``): one index range at
    any level. ``total`` is the tallies' count of those stays (none: nothing to read).
    The stay begins at the case's previous state-changing event, as the tallies count it.
    """
    if total == 0:
        return []
    rows = step_stays.slowest(definition.key, month, state, place.path, SLOW_LIMIT)
    names = dict(db.session.execute(select(Jurisdiction.path, Jurisdiction.name).where(
        Jurisdiction.path.in_({r.jurisdiction_path for r in rows}))).all())
    return [SlowCase(r.case_id, r.title, names.get(r.jurisdiction_path, ""), r.entered_at,
                     r.left_at, float(r.seconds), bool(r.over_limit)) for r in rows]


def as_json(definition: Definition, place: Jurisdiction, month: str) -> dict:
    """The bottleneck view as the API gives it."""
    return {"procedure": definition.key, "place": place.code, "place_name": place.full_name,
            "month": month,
            "steps": [{"state": r.state, "title": r.title, "limit": r.limit_days,
                       **r.stats.as_dict()} for r in by_step(definition, place, month)]}
