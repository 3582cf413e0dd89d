"""Time limits (办理时限) of running cases: for each limit a definition declares, whether
the case is within it (正常), near it (临期: ``yellow_at`` of the days have passed) or over
it (超期), its due date and the days left, counted in working or calendar days.

A step's limit runs from when the case entered the step (``state_entered_at``, on the
row). A span's runs from when the case first entered ``from`` until it first reaches one
of ``to``; those moments come from the trail, read for a whole page of cases with one
query, and the calendar's additions with one more: a list costs two queries, not one
per row.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, cast, func, literal, null, select, union_all

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.calendar import workdays
from workflow.cases import deadlines
from workflow.cases.applied import reader
from workflow.cases.models import Case
from workflow.engine import store
from workflow.engine.definitions import Definition
from workflow.extensions import db

LEVELS = {"green": "正常", "yellow": "临期", "red": "超期"}
_RANK = {"green": 0, "yellow": 1, "red": 2}


@dataclass(frozen=True)
class LimitStatus:
    """One limit of one case, as of ``today``."""

    name: str
    title: str
    level: str  # green | yellow | red
    started_on: dt.date
    due_on: dt.date
    days: int
    days_left: int  # negative: days over the limit
    unit: str  # working | calendar
    provisional: bool = False  # a year without holiday data was counted Monday-Friday

    @property
    def label(self) -> str:
        return LEVELS[self.level]

    @property
    def text(self) -> str:
        """剩余3个工作日 / 今日到期 / 超期2个工作日."""
        unit = "个工作日" if self.unit == "working" else "天"
        if self.days_left < 0:
            return f"超期{-self.days_left}{unit}"
        return "今日到期" if self.days_left == 0 else f"剩余{self.days_left}{unit}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "level": self.level,
                "label": self.label, "text": self.text, "due_on": self.due_on.isoformat(),
                "days_left": self.days_left, "unit": self.unit,
                "provisional": self.provisional}


def status(limit: dict[str, Any], started_on: dt.date, today: dt.date,
           calendar: workdays.WorkCalendar) -> LimitStatus:
    """The status of ``limit`` begun on ``started_on`` (the day itself not counted)."""
    days, unit = limit["days"], limit.get("unit", "working")
    calendar.fallback_years.clear()
    if unit == "working":
        due = calendar.add(started_on, days)
        elapsed = calendar.between(started_on, today)
    else:
        due = started_on + dt.timedelta(days=days)
        elapsed = (today - started_on).days
    left = days - elapsed
    if today > due:
        level, left = "red", min(left, -1)
    elif elapsed >= limit.get("yellow_at", 2 / 3) * days:
        level = "yellow"
    else:
        level = "green"
    return LimitStatus(name=limit["name"], title=limit["title"], level=level,
                       started_on=started_on, due_on=due, days=days, days_left=left,
                       unit=unit, provisional=bool(calendar.fallback_years))


def _trail_facts(cases: list[Case], definitions: dict[str, Definition]
                 ) -> tuple[dict[tuple[int, str], dt.datetime], dict[int, dict[str, Any]]]:
    """From the trail, in one query for all the cases: (case id, state) -> the first time
    the case entered that state, for the states the span limits begin or end in; and
    the latest 督办 of each case's current step (supervising.from_rows)."""
    from workflow.cases.supervising import ACTION, from_rows  # built on case operations

    wanted: dict[int, set[str]] = {}
    for case in cases:
        for limit in definitions[case.definition_version].time_limits:
            if limit.get("source"):
                wanted.setdefault(case.id, set()).update([limit["source"], *limit["to"]])
    pressed = (select(AuditEvent.case_id, literal(_PRESSED).label("state"),
                      AuditEvent.at.label("at"), AuditEvent.opinion, AuditEvent.actor_name,
                      AuditEvent.data)
               .where(AuditEvent.case_id.in_(sorted({c.id for c in cases})),
                      AuditEvent.action == ACTION))
    query = pressed
    if wanted:
        states = sorted({s for names in wanted.values() for s in names})
        spans = (select(AuditEvent.case_id, AuditEvent.to_state, func.min(AuditEvent.at),
                        literal(""), literal(""), cast(null(), AuditEvent.data.type))
                 .where(AuditEvent.case_id.in_(sorted(wanted)), AuditEvent.to_state.in_(states))
                 .group_by(AuditEvent.case_id, AuditEvent.to_state))
        query = union_all(spans, pressed)
    moments, notices = {}, []
    for case_id, state, at, opinion, actor, data in db.session.execute(query):
        if state == _PRESSED:
            notices.append((case_id, data, opinion, actor, at))
        else:
            moments[(case_id, state)] = at
    return moments, from_rows(cases, notices)


_PRESSED = "~supervise"  # no state is named so (states are identifiers)


def _local_day(moment: dt.datetime) -> dt.date:
    return clock.to_local(moment).date()


def for_cases(cases: list[Case], today: dt.date | None = None,
              calendar: workdays.WorkCalendar | None = None) -> dict[int, list[LimitStatus]]:
    """Case id -> the statuses of the limits running for it, worst first."""
    today = today or clock.today()
    definitions = {c.definition_version: store.by_version(c.definition_version)
                   for c in cases}
    if not any(d.time_limits or d.deadline for d in definitions.values()):
        return {c.id: [] for c in cases}
    calendar = calendar or workdays.load()
    moments, pressed = _trail_facts(cases, definitions)  # 督办: a new date for the step
    result: dict[int, list[LimitStatus]] = {}
    for case in cases:
        definition = definitions[case.definition_version]
        found = []
        if not definition.is_final(case.state):
            for limit in definition.time_limits:
                started = _started(case, limit, moments)
                if started is not None:
                    found.append(status(limit, _local_day(started), today, calendar))
        if case.id in pressed and found:
            # The 督办's date replaces the limits it was issued over (those over time).
            found = [supervised(pressed[case.id], today, calendar)] + [
                s for s in found if s.level != "red"]
        # The completion deadline of the case's year is not a step's: a 督办 does not
        # move it.
        if (at_deadline := deadline_status(case, definition, today)) is not None:
            found.append(at_deadline)
        found.sort(key=lambda s: (-_RANK[s.level], s.days_left))
        result[case.id] = found
    return result


def supervised(notice: dict[str, Any], today: dt.date,
               calendar: workdays.WorkCalendar) -> LimitStatus:
    """The status against a 督办's date: 临期 until it, 超期 after it (working days)."""
    calendar.fallback_years.clear()
    due, issued = notice["due_on"], _local_day(notice["at"])
    left = calendar.between(today, due)
    level = "red" if today > due else "yellow"
    return LimitStatus(name="supervision", title="督办期限", level=level, started_on=issued,
                       due_on=due, days=max(calendar.between(issued, due), 0),
                       days_left=min(left, -1) if level == "red" else left, unit="working",
                       provisional=bool(calendar.fallback_years))


DEADLINE_WARN_DAYS = 30  # a deadline's 临期, when the definition gives no warn_days


def deadline_status(case: Case, definition: Definition,
                    today: dt.date) -> LimitStatus | None:
    """The completion deadline of the case's year (``deadline:`` of the definition, a
    setting per year and place: 危房改造 by 30 June) as one of the case's limits, in
    calendar days from the case's opening: 临期 ``warn_days`` before it, 超期 after it;
    None once the case reached a state that meets it, or where no date is set."""
    spec = definition.deadline
    if not spec or case.state in deadlines.done_states(definition):
        return None
    due = deadlines.due_date(definition, case.year, reader(case.jurisdiction_path))
    if due is None:
        return None
    started = _local_day(case.created_at) if case.created_at else today
    left = (due - today).days
    if today > due:
        level, left = "red", min(left, -1)
    elif left <= spec.get("warn_days", DEADLINE_WARN_DAYS):
        level = "yellow"
    else:
        level = "green"
    return LimitStatus(name="deadline", title=spec["title"], level=level,
                       started_on=started, due_on=due, days=max((due - started).days, 0),
                       days_left=left, unit="calendar")


def _started(case: Case, limit: dict[str, Any],
             moments: dict[tuple[int, str], dt.datetime]) -> dt.datetime | None:
    """When the limit began for the case, or None when it does not run now."""
    if limit.get("state"):
        return case.state_entered_at if case.state == limit["state"] else None
    began = moments.get((case.id, limit["source"]))
    if began is None:
        return None
    # Ended once the case reached one of ``to`` (as ``level_clause`` counts it).
    return None if any((case.id, s) in moments for s in limit["to"]) else began


def worst(statuses: list[LimitStatus]) -> LimitStatus | None:
    """The status a list shows beside a case (the worst; ``for_cases`` sorts them)."""
    return statuses[0] if statuses else None


def _latest_start(limit: dict[str, Any], today: dt.date, calendar: workdays.WorkCalendar,
                  level: str) -> dt.date:
    """The latest start date at which the limit is at ``level`` (red, or at least
    yellow) today: a case begun on or before it is (``status`` inverted)."""
    days, working = limit["days"], limit.get("unit", "working") == "working"
    if level == "red":  # due before today: ``days`` working days within (start, today - 1]
        last, count = today - dt.timedelta(days=1), days
    else:  # at least ceil(yellow_at * days) days within (start, today]
        last, count = today, math.ceil(limit.get("yellow_at", 2 / 3) * days - 1e-9)
    if not working:
        return last - dt.timedelta(days=count)
    return calendar.counted_back(last, count) - dt.timedelta(days=1)


def level_clause(definitions: list[Definition], level: str, today: dt.date | None = None,
                 calendar: workdays.WorkCalendar | None = None, *, pressed: bool = True):
    """A WHERE clause matching the running cases with a limit at ``level`` today
    (``red``: 超期; ``yellow``: 临期 and not over), by the current definitions (a
    list filter; a case on an older version with other limits is judged by these).

    As ``for_cases`` does, a 督办 issued in the case's current step replaces the limits
    it was issued over: such a case is 临期 until the 督办's date and 超期 after it.
    ``pressed=False`` judges by the definition's limits alone (the 督办 list keeps a
    case it pressed, marked 已督办)."""
    from sqlalchemy import exists, false, not_, or_

    today = today or clock.today()
    calendar = calendar or workdays.load()
    due = _pressed_due() if pressed else null()
    clauses = []
    for definition in definitions:
        finals = [s for s in definition.states if definition.is_final(s)]
        running_any, at_level = [], []
        for limit in definition.time_limits:
            red = clock.day_start(_latest_start(limit, today, calendar, "red")
                                  + dt.timedelta(days=1))
            warn = clock.day_start(_latest_start(limit, today, calendar, "yellow")
                                   + dt.timedelta(days=1))
            if limit.get("state"):
                began, running = Case.state_entered_at, Case.state == limit["state"]
            else:
                event = AuditEvent.__table__.alias()
                began = (select(func.min(event.c.at))
                         .where(event.c.case_id == Case.id,
                                event.c.to_state == limit["source"])
                         .scalar_subquery())
                done = AuditEvent.__table__.alias()
                running = and_(began.is_not(None), not_(exists().where(
                    done.c.case_id == Case.id, done.c.to_state.in_(limit["to"]))))
            window = began < red if level == "red" else and_(began >= red, began < warn)
            running_any.append(running)
            at_level.append(and_(running, window))
        by_deadline = _deadline_clause(definition, level, today)
        if not at_level:
            if by_deadline is not None:
                clauses.append(by_deadline)
            continue
        today_text = today.isoformat()  # due dates are kept as ISO text, which sorts
        by_notice = due < today_text if level == "red" else due >= today_text
        clauses.append(and_(Case.procedure == definition.key, Case.state.not_in(finals),
                            or_(and_(due.is_(None), or_(*at_level)),
                                and_(due.is_not(None), by_notice, or_(*running_any)))))
        if by_deadline is not None:
            clauses.append(by_deadline)
    return or_(*clauses) if clauses else false()


def _deadline_clause(definition: Definition, level: str, today: dt.date):
    """The cases whose year's completion deadline is at ``level`` today (as
    ``deadline_status``; the installation-wide date, as every list reads it), or None."""
    spec = definition.deadline
    if not spec:
        return None
    read, warn = reader(), spec.get("warn_days", DEADLINE_WARN_DAYS)
    years = []
    for year in range(today.year - 12, today.year + 2):
        due = deadlines.due_date(definition, year, read)
        if due is None:
            continue
        if (today > due) if level == "red" else (today <= due <= today
                                                  + dt.timedelta(days=warn)):
            years.append(year)
    if not years:
        return None
    return and_(Case.procedure == definition.key, Case.year.in_(years),
                Case.state.not_in(deadlines.done_states(definition)))


def _pressed_due():
    """The due date (ISO text) of the latest 督办 issued in the case's current step and
    its present stay there, or NULL: a correlated subquery (supervising.from_rows)."""
    from workflow.cases.supervising import ACTION  # built on case operations

    notice = AuditEvent.__table__.alias()
    return (select(notice.c.data["due_on"].as_string())
            .where(notice.c.case_id == Case.id, notice.c.action == ACTION,
                   notice.c.data["state"].as_string() == Case.state,
                   notice.c.at >= Case.state_entered_at)
            .order_by(notice.c.at.desc(), notice.c.id.desc()).limit(1).scalar_subquery())
