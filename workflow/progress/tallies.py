"""Categories of progress entries and the tallies the boards read.

An entry's category depends on its own figures and on the household's earlier months of
the year: ``reached`` (本月达标) is the first month whose per-capita income so far is at
or above the year's poverty line, ``above`` a later month still at or above it, ``below``
any month under it; an entry of a household out of poverty (已脱贫) is ``out`` or
``out_below_bar`` against the quality bar. Writing an entry recomputes its household's
entries of the year from that month on (a correction of March can move the 达标 mark from
April to March) and adds the differences to ``progress_tallies`` in the same
transaction; earlier months never change, so a closed quarter's figures stay as they were.
``rebuild`` recomputes the tallies from the entries (after a bulk load) and
``differences`` compares the two.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from workflow.extensions import db
from workflow.progress.models import HouseholdProgress, ProgressTally

Key = tuple[int, int, str, str]  # year, month, village path, category


def category(per_capita: Decimal, status: str, line: Decimal, bar: Decimal,
             reached_before: bool) -> str:
    """The category of one entry (see the module docstring)."""
    if status == "exited":
        return "out" if per_capita >= bar else "out_below_bar"
    if per_capita >= line:
        return "above" if reached_before else "reached"
    return "below"


def categorise(entries: Sequence[HouseholdProgress], line: Decimal, bar: Decimal,
               from_month: int, before: dict[int, tuple[str, int]] | None = None) -> Counter:
    """Set the categories of one household's entries of a year (ordered by month) from
    ``from_month`` on; returns the tally deltas as a Counter of
    (year, month, path, category, "n" | "p") keys. ``before``: entry id -> (category,
    size) as tallied, for a row whose size the caller has just changed."""
    deltas: Counter = Counter()
    reached = False
    for entry in entries:
        if entry.month >= from_month:
            new = category(entry.per_capita, entry.household_status, line, bar, reached)
            old_cat, old_size = (before or {}).get(entry.id, (entry.category,
                                                              entry.household_size))
            base = (entry.year, entry.month, entry.jurisdiction_path)
            if old_cat:
                deltas[(*base, old_cat, "n")] -= 1
                deltas[(*base, old_cat, "p")] -= old_size
            deltas[(*base, new, "n")] += 1
            deltas[(*base, new, "p")] += entry.household_size
            entry.category = new
        if entry.category in ("reached", "above"):
            reached = True
    return deltas


def apply(deltas: Counter) -> None:
    """Add the deltas to the tallies in the caller's transaction (keys sorted, so two
    writers never deadlock)."""
    rows: dict[Key, list[int]] = {}
    for (year, month, path, cat, what), n in deltas.items():
        row = rows.setdefault((year, month, path, cat), [0, 0])
        row[0 if what == "n" else 1] += n
    values = [{"year": k[0], "month": k[1], "jurisdiction_path": k[2], "category": k[3],
               "households": n, "people": p}
              for k, (n, p) in sorted(rows.items()) if n or p]
    if values:
        db.session.connection().execute(_upsert(), values[0] if len(values) == 1 else values)


_UPSERTS: dict = {}


def _upsert():
    name = db.session.get_bind().dialect.name
    statement = _UPSERTS.get(name)
    if statement is None:
        table = ProgressTally.__table__
        insert = (postgresql if name == "postgresql" else sqlite).insert(table)
        statement = _UPSERTS[name] = insert.on_conflict_do_update(
            index_elements=["year", "month", "jurisdiction_path", "category"],
            set_={"households": table.c.households + insert.excluded.households,
                  "people": table.c.people + insert.excluded.people})
    return statement


def _from_entries():
    e = HouseholdProgress
    return (select(e.year, e.month, e.jurisdiction_path, e.category,
                   func.count().label("households"), func.sum(e.household_size).label("people"))
            .group_by(e.year, e.month, e.jurisdiction_path, e.category))


def rebuild() -> int:
    """Recompute every tally from the entries' categories (after a bulk load); committed."""
    db.session.execute(ProgressTally.__table__.delete())
    db.session.execute(ProgressTally.__table__.insert().from_select(
        ["year", "month", "jurisdiction_path", "category", "households", "people"],
        _from_entries()))
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(ProgressTally)).scalar_one()


def differences() -> list[str]:
    """Where the tallies and the entries disagree, in Chinese; empty when they agree."""
    expected = {tuple(r[:4]): (int(r[4]), int(r[5])) for r in db.session.execute(
        _from_entries())}
    actual = {(t.year, t.month, t.jurisdiction_path, t.category): (t.households, t.people)
              for t in db.session.execute(select(ProgressTally)).scalars()
              if t.households or t.people}
    return [f"{k[0]}年{k[1]}月 {k[2]} {k[3]}：统计 {actual.get(k, (0, 0))}，"
            f"进展记录 {expected.get(k, (0, 0))}"
            for k in sorted(set(expected) | set(actual))
            if actual.get(k, (0, 0)) != expected.get(k, (0, 0))]


def by_place(path_prefix: str, width: int, year: int, months: Iterable[int],
             scope_clause=None) -> dict[tuple[str, int, str], tuple[int, int]]:
    """{(first ``width`` characters of the path, month, category): (households, people)}."""
    t = ProgressTally
    key = func.substr(t.jurisdiction_path, 1, width)
    where = [t.year == year, t.month.in_(list(months)),
             t.jurisdiction_path.startswith(path_prefix, autoescape=True)]
    if scope_clause is not None:
        where.append(scope_clause)
    rows = db.session.execute(select(key, t.month, t.category, func.sum(t.households),
                                     func.sum(t.people)).where(*where)
                              .group_by(key, t.month, t.category))
    return {(path, month, cat): (int(n or 0), int(p or 0)) for path, month, cat, n, p in rows}
