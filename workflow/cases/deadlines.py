"""Completion deadlines (e.g. 危房改造 by 30 June): a setting per year, met in named states."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, false, or_

from workflow.cases.models import Case
from workflow.engine.definitions import Definition


def due_date(definition: Definition, year: int, settings: Any) -> dt.date | None:
    """The date a case of ``year`` must reach one of the deadline's states, if any."""
    spec = definition.deadline
    if not spec:
        return None
    by_year = settings.get("DEADLINES", {}).get(spec["setting"], {})
    month_day = by_year.get(year) or by_year.get(str(year)) or by_year.get("default")
    if not month_day:
        return None
    month, day = (int(x) for x in str(month_day).split("-"))
    return dt.date(year, month, day)


def plan_year(definition: Definition, today: dt.date, settings: Any) -> int:
    """The year a case opened ``today`` is planned for: this year, or the next once this
    year's deadline has passed (a renovation opened in December is next year's work)."""
    due = due_date(definition, today.year, settings)
    return today.year + 1 if due is not None and today > due else today.year


def is_overdue(case: Case, definition: Definition, today: dt.date, settings: Any) -> bool:
    due = due_date(definition, case.year, settings)
    return (due is not None and today > due and case.state not in definition.deadline["met_in"]
            and not definition.is_final(case.state))


def done_states(definition: Definition) -> set[str]:
    """States in which a case has met its deadline (or finished)."""
    return set(definition.deadline["met_in"]) | {
        s for s in definition.states if definition.is_final(s)}


def late_years(definition: Definition, today: dt.date, settings: Any) -> list[int]:
    """Case years whose deadline has passed by ``today``."""
    if not definition.deadline:
        return []
    return [y for y in range(2014, today.year + 1)
            if (due := due_date(definition, y, settings)) and today > due]


def overdue_clause(definitions: list[Definition], today: dt.date, settings: Any):
    """A WHERE clause matching the overdue cases of these definitions (for list filters)."""
    clauses = []
    for definition in definitions:
        if years := late_years(definition, today, settings):
            clauses.append(and_(Case.procedure == definition.key, Case.year.in_(years),
                                Case.state.not_in(done_states(definition))))
    return or_(*clauses) if clauses else false()
