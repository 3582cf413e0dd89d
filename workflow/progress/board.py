"""The 月度进展 board (挂图作战 per household, summed per place) and the quarterly
tracking of households out of poverty below the quality bar (季调度).

Per place directly below the chosen one and per month: households below the line, those
reaching it this month (本月达标), those that reached it before, those out (已脱贫) and,
of those, below the quality bar; entered and not yet entered. Every figure is a sum of
``progress_tallies`` rows (one grouped query); only the 未录入 count reads the register
(one grouped count of households). A village's board lists its households' entries.

The quarterly table reads each quarter's last month (季末; the current month for the
quarter under way). Entries of a closed quarter are refused and a later entry never
recategorises an earlier month, so a closed quarter's figures do not change.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from workflow import clock
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter
from workflow.oversight.boards import children
from workflow.progress import tallies
from workflow.progress.models import CATEGORIES, OUT, HouseholdProgress, ProgressTally
from workflow.progress.operations import closes_on, is_closed, quarter_of
from workflow.registry.models import Household
from workflow.settings import lookup

COLUMNS = ("below", "reached", "above", "out", "out_below_bar")


def _scope(column, user: User | None):
    """The user's scope (None: the caller checked the place, e.g. a report job)."""
    return scope_filter(column, user) if user is not None else column.is_not(None)


def _rows(place: Jurisdiction) -> tuple[list[Jurisdiction], int]:
    places = children(place) or [place]
    return places, len(places[0].path)


def month_board(user: User | None, place: Jurisdiction, year: int, month: int) -> dict:
    """{"rows": [...], "total": {...}} for the places below ``place`` in the month."""
    places, width = _rows(place)
    counts = tallies.by_place(place.path, width, year, [month],
                              _scope(ProgressTally.jurisdiction_path, user))
    # Households per village (an index-only scan of households.village_id), summed into
    # the rows in Python: grouping the register by a path prefix read every row.
    villages = dict(db.session.execute(select(Jurisdiction.id, Jurisdiction.path).where(
        Jurisdiction.path.startswith(place.path, autoescape=True),
        _scope(Jurisdiction.path, user))).all())
    registered: dict[str, int] = {}
    for village_id, n in db.session.execute(
            select(Household.village_id, func.count()).where(
                Household.village_id.in_(select(Jurisdiction.id).where(
                    Jurisdiction.path.startswith(place.path, autoescape=True),
                    _scope(Jurisdiction.path, user))))
            .group_by(Household.village_id)):
        path = villages.get(village_id)
        if path:
            registered[path[:width]] = registered.get(path[:width], 0) + n
    rows = []
    for p in places:
        row = {"code": p.code, "name": p.name, "level": p.level}
        for cat in COLUMNS:
            row[cat] = counts.get((p.path, month, cat), (0, 0))[0]
        row["out_all"] = row["out"] + row["out_below_bar"]
        row["entered"] = sum(row[c] for c in COLUMNS)
        row["registered"] = int(registered.get(p.path, 0))
        row["not_entered"] = max(row["registered"] - row["entered"], 0)
        rows.append(row)
    total = {k: sum(r[k] for r in rows) for k in (*COLUMNS, "out_all", "entered",
                                                   "registered", "not_entered")}
    return {"rows": rows, "total": total}


def _own_target(key: str, place: Jurisdiction, year: int) -> int | None:
    """A target the place set for itself (not one inherited from the place above)."""
    found = lookup(key, place=place.path, year=year)
    if found is None or found.value is None:
        return None
    above = lookup(key, place=place.parent.path if place.parent else None, year=year)
    if above is not None and (above.place_code, above.value, above.source) == (
            found.place_code, found.value, found.source):
        return None
    return int(found.value)


def quarters(user: User | None, place: Jurisdiction, year: int) -> dict:
    """One row per quarter of ``year`` begun by now: out households and people at or
    below the quality bar at the quarter's end, against the place's targets."""
    today = clock.today()
    bar = lookup("progress_quality_bar", place=place.path, year=year)
    target_h = _own_target("progress_quality_target.households", place, year)
    target_p = _own_target("progress_quality_target.people", place, year)
    wanted = {}
    for q in range(1, 5):
        first = dt.date(year, q * 3 - 2, 1)
        if first > today:
            break
        closed = is_closed(year, q, today)
        last = q * 3 if (year, q * 3) <= (today.year, today.month) else today.month
        wanted[q] = (last, closed)
    counts = tallies.by_place(place.path, len(place.path), year,
                              [m for m, _ in wanted.values()],
                              _scope(ProgressTally.jurisdiction_path, user))
    out = []
    for q, (month, closed) in wanted.items():
        below = counts.get((place.path, month, "out_below_bar"), (0, 0))
        at_bar = counts.get((place.path, month, "out"), (0, 0))
        lifted = (max(target_h - below[0], 0) if target_h is not None else None)
        out.append({"quarter": q, "month": month, "closed": closed,
                    "closes_on": closes_on(year, q).isoformat(),
                    "out_households": below[0] + at_bar[0], "out_people": below[1] + at_bar[1],
                    "below_households": below[0], "below_people": below[1],
                    "target_households": target_h, "target_people": target_p,
                    "lifted_households": lifted,
                    "share": round(lifted * 100 / target_h, 1) if target_h else None})
    return {"bar": bar.value if bar else 5000, "rows": out}


def households(user: User, place: Jurisdiction, year: int, month: int,
               category: str | None = None, limit: int = 500) -> list[HouseholdProgress]:
    """The month's entries of the households of ``place`` (at most ``limit``)."""
    query = (select(HouseholdProgress).where(
        HouseholdProgress.year == year, HouseholdProgress.month == month,
        HouseholdProgress.jurisdiction_path.startswith(place.path, autoescape=True),
        _scope(HouseholdProgress.jurisdiction_path, user))
        .order_by(HouseholdProgress.jurisdiction_path, HouseholdProgress.household_id)
        .limit(limit))
    if category in CATEGORIES:
        query = query.where(HouseholdProgress.category == category)
    elif category == "out_all":
        query = query.where(HouseholdProgress.category.in_(OUT))
    return list(db.session.execute(query).scalars())


def report(user: User | None, place: Jurisdiction, month: str) -> dict:
    """What the monthly report prints: the month's board and the quarters of its year."""
    year, number = (int(x) for x in month.split("-"))
    return {"board": month_board(user, place, year, number),
            "quarters": quarters(user, place, year), "year": year, "month": number,
            "quarter": quarter_of(number)}
