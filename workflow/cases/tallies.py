"""Case tallies: how many cases entered and left each state, per place, year and month.

Boards and monthly reports over a million cases cannot group the cases or the trail on
every request. Every state change the engine writes (``create_cases`` and ``_write``, in
the same transaction as its audit event) adds +1 to the new state and -1 to the old one
in the row of the case's village path, case year and the China-time month of the move.
So the cases in a state at the end of month M are the sum of the rows up to M, and the
cases that reached a final state in M are M's rows for that state (finals have no way
out). The table is derived from the trail: ``rebuild`` recomputes it from the audit
events and ``differences`` compares the two (``flask oversight tallies --check``).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.extensions import db

Key = tuple[str, str, int, str, str]  # procedure, path, year, month, state


class CaseTally(db.Model):
    __tablename__ = "case_tallies"

    procedure: Mapped[str] = mapped_column(db.String(48), primary_key=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(db.String(7), primary_key=True)  # "2020-06"
    state: Mapped[str] = mapped_column(db.String(48), primary_key=True)
    moves: Mapped[int] = mapped_column(default=0)


def month_of(moment: dt.datetime) -> str:
    """The China-time month ("2020-06") of a naive-UTC moment."""
    return f"{clock.to_local(moment):%Y-%m}"


def record(moves: Iterable[tuple[Case, str, str, dt.datetime]]) -> None:
    """Add (case, from_state, to_state, at) moves to the tallies, in the caller's
    transaction. Keys are written in sorted order so two writers never deadlock."""
    deltas: Counter[Key] = Counter()
    for case_, from_state, to_state, at in moves:
        if from_state == to_state:
            continue
        base = (case_.procedure, case_.jurisdiction_path, case_.year, month_of(at))
        deltas[(*base, to_state)] += 1
        if from_state:
            deltas[(*base, from_state)] -= 1
    rows = [dict(zip(("procedure", "jurisdiction_path", "year", "month", "state", "moves"),
                     (*key, n), strict=True)) for key, n in sorted(deltas.items()) if n]
    if rows:
        db.session.connection().execute(_upsert(), rows[0] if len(rows) == 1 else rows)


def _upsert():
    """The tally upsert for the session's dialect, built once per process: a Core
    statement on the table (an ORM-entity insert goes through the bulk-persistence path
    and was rebuilt on every call: 40 % of a plain sign-off's time on SQLite)."""
    name = db.session.get_bind().dialect.name
    statement = _UPSERTS.get(name)
    if statement is None:
        table = CaseTally.__table__
        insert = (postgresql if name == "postgresql" else sqlite).insert(table)
        statement = _UPSERTS[name] = insert.on_conflict_do_update(
            index_elements=["procedure", "jurisdiction_path", "year", "month", "state"],
            set_={"moves": table.c.moves + insert.excluded.moves})
    return statement


_UPSERTS: dict = {}


def _month_expr(column):
    """SQL for the China-time month of a naive-UTC timestamp column."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column + dt.timedelta(hours=8), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _from_trail():
    """The tallies as the trail gives them: (procedure, path, year, month, state, moves)."""
    month = _month_expr(AuditEvent.at)
    moved = AuditEvent.from_state != AuditEvent.to_state
    base = (Case.procedure, Case.jurisdiction_path, Case.year, month.label("month"))
    entered = (select(*base, AuditEvent.to_state.label("state"), literal(1).label("n"))
               .join(Case, Case.id == AuditEvent.case_id).where(moved))
    left = (select(*base, AuditEvent.from_state.label("state"), literal(-1).label("n"))
            .join(Case, Case.id == AuditEvent.case_id)
            .where(moved, AuditEvent.from_state != ""))
    both = union_all(entered, left).subquery()
    return (select(both.c.procedure, both.c.jurisdiction_path, both.c.year, both.c.month,
                   both.c.state, func.sum(both.c.n).label("moves"))
            .group_by(both.c.procedure, both.c.jurisdiction_path, both.c.year, both.c.month,
                      both.c.state))


def rebuild() -> int:
    """Recompute every tally from the audit events (after a bulk load); committed."""
    db.session.execute(CaseTally.__table__.delete())
    db.session.execute(CaseTally.__table__.insert().from_select(
        ["procedure", "jurisdiction_path", "year", "month", "state", "moves"], _from_trail()))
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(CaseTally)).scalar_one()


def differences() -> list[str]:
    """Rows where the tallies and the trail disagree, in Chinese; empty when they agree."""
    expected = {tuple(r[:5]): r[5] for r in db.session.execute(_from_trail()) if r[5]}
    actual = {(t.procedure, t.jurisdiction_path, t.year, t.month, t.state): t.moves
              for t in db.session.execute(select(CaseTally)).scalars() if t.moves}
    return [f"{key[0]} {key[1]} {key[2]}年 {key[3]} {key[4]}：统计 {actual.get(key, 0)}，"
            f"留痕 {expected.get(key, 0)}"
            for key in sorted(set(expected) | set(actual))
            if actual.get(key, 0) != expected.get(key, 0)]


def by_place_and_state(procedure: str, path_prefix: str, width: int, *,
                       until_month: str | None = None, only_month: str | None = None,
                       years: Sequence[int] | None = None,
                       states: Sequence[str] | None = None) -> dict[tuple[str, str], int]:
    """{(first ``width`` characters of the path, state): cases} summed over the tallies.

    ``until_month`` gives the counts at that month's end, ``only_month`` the moves within
    it; neither gives the counts now."""
    key = func.substr(CaseTally.jurisdiction_path, 1, width)
    where = [CaseTally.procedure == procedure,
             CaseTally.jurisdiction_path.startswith(path_prefix, autoescape=True)]
    if until_month:
        where.append(CaseTally.month <= until_month)
    if only_month:
        where.append(CaseTally.month == only_month)
    if years is not None:
        where.append(CaseTally.year.in_(list(years)))
    if states is not None:
        where.append(CaseTally.state.in_(list(states)))
    rows = db.session.execute(select(key, CaseTally.state, func.sum(CaseTally.moves))
                              .where(*where).group_by(key, CaseTally.state))
    return {(path, state): int(n) for path, state, n in rows if n}

