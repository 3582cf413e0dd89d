"""Completion deadlines (e.g. 危房改造 by 30 June): a setting per year and place
(``deadline.<procedure>.<name>``), met in named states.

``read`` is ``ctx.setting`` inside a step (the value is then recorded in its event) or
``applied.reader(place)`` elsewhere; lists over many places read the installation-wide
value (``reader()``)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, false, or_

from workflow.cases.applied import reader
from workflow.cases.models import Case
from workflow.engine.definitions import Definition


def due_date(definition: Definition, year: int, read: Any = None) -> dt.date | None:
    """The date a case of ``year`` must reach one of the deadline's states, if any."""
    spec = definition.deadline
    if not spec:
        return None
    found = (read or reader())(f"deadline.{spec['setting']}", year=year)
    month_day = found.value if found is not None else None
    if not month_day:
        return None
    month, day = (int(x) for x in str(month_day).split("-"))
    return dt.date(year, month, day)


def plan_year(definition: Definition, today: dt.date, read: Any = None) -> int:
    """The year a case opened ``today`` is planned for: this year, or the next once this
    year's deadline has passed (a renovation opened in December is next year's work)."""
    due = due_date(definition, today.year, read)
    return today.year + 1 if due is not None and today > due else today.year


def is_overdue(case: Case, definition: Definition, today: dt.date) -> bool:
    due = due_date(definition, case.year, reader(case.jurisdiction_path))
    return (due is not None and today > due and case.state not in definition.deadline["met_in"]
            and not definition.is_final(case.state))


def done_states(definition: Definition) -> set[str]:
    """States in which a case has met its deadline (or finished)."""
    return set(definition.deadline["met_in"]) | {
        s for s in definition.states if definition.is_final(s)}


def late_years(definition: Definition, today: dt.date, read: Any = None) -> list[int]:
    """Case years whose deadline has passed by ``today``."""
    if not definition.deadline:
        return []
    return [y for y in range(2014, today.year + 1)
            if (due := due_date(definition, y, read)) and today > due]


def overdue_clause(definitions: list[Definition], today: dt.date, read: Any = None):
    """A WHERE clause matching the overdue cases of these definitions (for list filters)."""
    clauses = []
    for definition in definitions:
        if years := late_years(definition, today, read):
            clauses.append(and_(Case.procedure == definition.key, Case.year.in_(years),
                                Case.state.not_in(done_states(definition))))
    return or_(*clauses) if clauses else false()
