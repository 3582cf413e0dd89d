"""Archive numbers "<乡镇>危改字〔<年>〕<n>号": sequential per township and year, never
reused or skipped, unique under concurrent approvals.

The counter row is bumped with one UPDATE ... RETURNING inside the approval's own
transaction: the row lock serializes concurrent approvals of one township, and a
rolled-back approval rolls its number back with it, so no number is lost.
"""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow.extensions import db
from workflow.housing.models import FileNumberCounter
from workflow.jurisdictions.models import Jurisdiction

COUNTERS = FileNumberCounter.__table__


def format_number(township: Jurisdiction, year: int, seq: int) -> str:
    return f"{township.name}危改字〔{year}〕{seq}号"


def next_seq(township_id: int, year: int) -> int:
    """Take the next number of (township, year) in the current transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(COUNTERS).values(township_id=township_id, year=year, last=0)
                       .on_conflict_do_nothing())
    return db.session.execute(
        COUNTERS.update()
        .where(COUNTERS.c.township_id == township_id, COUNTERS.c.year == year)
        .values(last=COUNTERS.c.last + 1).returning(COUNTERS.c.last)).scalar_one()
