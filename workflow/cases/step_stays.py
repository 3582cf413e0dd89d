"""Step stays: one row per stay a case ended in a step, beside the step-time tallies.

The tallies (``step_times``) give a place's figures per month in a few hundred rows; they
cannot say *which* cases were slow. Finding those from the trail means pairing each
leaving event with the event that began the stay, case by case: for a township of 33,000
cases that took 290–390 ms at the 95th percentile. So the engine also writes each ended
stay here (case, procedure, China-time month of leaving, the case's own place, state,
when it began and ended, its seconds and whether it overran the step's limit), in the
same transaction as the event, and the slowest stays of a place and month are one index
range whatever the level: by path prefix for a village or a township, in order of
seconds for a county or the city (the planner picks).

Like the tallies this is derived data: ``step_times.rebuild`` recomputes it from the
trail, ``step_times.differences`` compares it (``flask audit tallies``), and the county
archive does not hand it on (the importer rebuilds it).
"""
from __future__ import annotations

import datetime as dt
import tempfile

from sqlalchemy import func, select
from sqlalchemy.orm import Mapped, mapped_column

from workflow.cases.models import Case
from workflow.extensions import db

COLUMNS = ("case_id", "procedure", "month", "jurisdiction_path", "state",
           "entered_at", "left_at", "seconds", "over_limit")


class StepStay(db.Model):
    __tablename__ = "step_stays"
    __table_args__ = (
        # The slow-case list: one place's stays of a step and month, by path prefix.
        db.Index("ix_step_stays_place", "procedure", "month", "state", "jurisdiction_path",
                 postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"}),
        # The same, longest first: a city's or county's list reads its first 50 matches
        # in this order instead of sorting the whole month (595 ms for a city's 82,615).
        db.Index("ix_step_stays_slowest", "procedure", "month", "state", "seconds"),
    )

    id: Mapped[int] = mapped_column(db.BigInteger().with_variant(db.Integer, "sqlite"),
                                    primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"))
    procedure: Mapped[str] = mapped_column(db.String(48))
    month: Mapped[str] = mapped_column(db.String(7))  # China-time month of leaving
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128))  # the case's place
    state: Mapped[str] = mapped_column(db.String(48))
    entered_at: Mapped[dt.datetime]
    left_at: Mapped[dt.datetime]
    seconds: Mapped[int]
    over_limit: Mapped[bool] = mapped_column(default=False)


Row = tuple  # (case_id, procedure, month, path, state, entered, left, seconds, over)


def insert(rows: list[Row]) -> None:
    """Write ended stays on the session's connection (the caller's transaction)."""
    if rows:
        records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
        db.session.connection().execute(StepStay.__table__.insert(),
                                        records[0] if len(records) == 1 else records)


class Spool:
    """Stays gathered during the rebuild's pass over the trail, then written at once:
    on PostgreSQL as COPY text in a temporary file (memory up to 64 MB, then disk, so
    millions of stays do not stay in Python objects); elsewhere as a list."""

    def __init__(self) -> None:
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.file = tempfile.SpooledTemporaryFile(max_size=64 << 20, mode="w+") \
            if self.postgres else None
        self.rows: list[dict] = []

    def add(self, row: Row) -> None:
        if self.file is None:
            self.rows.append(dict(zip(COLUMNS, row, strict=True)))
        else:
            # Keys, paths and states hold no tab, newline or backslash (COPY's specials).
            self.file.write("\t".join(_copy_text(value) for value in row) + "\n")

    def replace(self) -> None:
        """Empty the table and write the gathered stays, in the session's transaction."""
        db.session.execute(StepStay.__table__.delete())
        connection = db.session.connection()
        if self.file is None:
            for start in range(0, len(self.rows), 5000):
                connection.execute(StepStay.__table__.insert(),
                                   self.rows[start:start + 5000])
            return
        self.file.seek(0)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY step_stays ({', '.join(COLUMNS)}) FROM STDIN") as out:
            while chunk := self.file.read(1 << 20):
                out.write(chunk)
        self.file.close()


def _copy_text(value) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def stored() -> list[Row]:
    """Every stored stay as a row tuple, in a fixed order (for ``differences``)."""
    table = StepStay.__table__
    return [tuple(r) for r in db.session.execute(
        select(*[table.c[c] for c in COLUMNS]).order_by(
            table.c.case_id, table.c.left_at, table.c.state))]


def slowest(procedure: str, month: str, state: str, path: str, limit: int):
    """The ``limit`` longest stays in ``state`` that ended in ``month`` under ``path``,
    longest first (ties by case id), each with its case's title and place path."""
    stay = StepStay
    return db.session.execute(
        select(stay.case_id, Case.title, stay.jurisdiction_path, stay.entered_at,
               stay.left_at, stay.seconds, stay.over_limit)
        .join(Case, Case.id == stay.case_id)
        .where(stay.procedure == procedure, stay.month == month, stay.state == state,
               stay.jurisdiction_path.startswith(path, autoescape=True))
        .order_by(stay.seconds.desc(), stay.case_id, stay.left_at)
        .limit(limit)).all()


def count(procedure: str, month: str, state: str, path: str) -> int:
    """How many stays ``slowest`` chooses from (tests compare it with the tallies)."""
    stay = StepStay
    return db.session.execute(
        select(func.count()).where(
            stay.procedure == procedure, stay.month == month, stay.state == state,
            stay.jurisdiction_path.startswith(path, autoescape=True))).scalar_one()
