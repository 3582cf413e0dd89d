"""Working days: "N working days after D" and "working days between D1 and D2".

A date is a working day by, in order: an administrator's addition (``calendar_days``),
the ``chinese-calendar`` package for the years it knows (statutory holidays and 调休),
else Monday to Friday; a year neither knows is reported by ``fallback_years`` so that
pages can say the count is provisional.

``load()`` reads the additions with one query (a few dozen rows a year: 1.7 ms on SQLite,
4.8 ms on PostgreSQL for 60 rows on the shared test machine) and a page computes all its
cases with that one ``WorkCalendar`` (20 working days after a date and a count over five
weeks: 0.15 ms). Nothing is cached across requests, so an addition applies at once in
every process, whatever process wrote it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from sqlalchemy import select

from workflow.extensions import db

# Years the installed package has data for (it raises NotImplementedError for others).
PACKAGE_YEARS = frozenset(d.year for d in chinese_calendar.holidays)
# Its tables, read directly: ``chinese_calendar.is_workday`` is this same test, but
# recomputes the years it knows (min/max over every holiday) on each call, ~0.2 ms.
_HOLIDAYS, _WORKDAYS = chinese_calendar.holidays, chinese_calendar.workdays
ONE_DAY = dt.timedelta(days=1)


@dataclass
class WorkCalendar:
    """The additions (date -> is it a working day) over the package and the weekdays."""

    additions: dict[dt.date, bool] = field(default_factory=dict)
    added_years: frozenset[int] = frozenset()
    # Years a computation fell back to Monday-Friday for (neither source knows them).
    fallback_years: set[int] = field(default_factory=set)

    def knows(self, year: int) -> bool:
        return year in PACKAGE_YEARS or year in self.added_years

    def is_workday(self, day: dt.date) -> bool:
        if day in self.additions:
            return self.additions[day]
        if day.year in PACKAGE_YEARS:
            return day in _WORKDAYS or (day.weekday() < 5 and day not in _HOLIDAYS)
        if day.year not in self.added_years:
            self.fallback_years.add(day.year)
        return day.weekday() < 5

    def add(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += ONE_DAY
            if self.is_workday(day):
                days -= 1
        return day

    def counted_back(self, last: dt.date, days: int) -> dt.date:
        """The ``days``-th working day counting back from ``last`` (itself included)."""
        day, count = last, 0
        while True:
            count += self.is_workday(day)
            if count >= days:
                return day
            day -= ONE_DAY

    def between(self, first: dt.date, last: dt.date) -> int:
        """Working days after ``first`` up to and including ``last`` (negative when
        ``last`` is before ``first``)."""
        if last < first:
            return -self.between(last, first)
        count, day = 0, first
        while day < last:
            day += ONE_DAY
            count += self.is_workday(day)
        return count


def load() -> WorkCalendar:
    """The calendar with the administrators' additions (one query)."""
    from workflow.calendar.models import CalendarDay

    rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    return WorkCalendar(additions={day: kind == "workday" for day, kind in rows},
                        added_years=frozenset(day.year for day, _ in rows))


def working_days_after(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start``."""
    return load().add(start, days)


def working_days_between(first: dt.date, last: dt.date) -> int:
    """Working days after ``first`` up to and including ``last``."""
    return load().between(first, last)


def unknown_years(years: list[int], calendar: WorkCalendar | None = None) -> list[int]:
    """Those of ``years`` that neither the package nor an addition knows."""
    calendar = calendar or load()
    return [y for y in years if not calendar.knows(y)]
