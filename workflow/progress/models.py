"""Monthly progress per household (帮扶进展, 挂图作战 at household level) and its tallies.

One ``HouseholdProgress`` row per household and month: the income so far this year, the
household size, the per-capita income, the month's measures and a progress note, entered
by the helper (帮扶责任人) or village staff. Its ``category`` is derived when written
(``progress.tallies``): below the line, reached it this month (本月达标), reached before,
or out (已脱贫) at / below the quality bar. ``ProgressTally`` holds, per (year, month,
village path, category), the households and people, changed in the same transaction as
the entry, so boards read a few hundred rows rather than the entries.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.registry.models import Household

CATEGORIES = {
    "below": "未达标",
    "reached": "本月达标",
    "above": "此前已达标",
    "out": "已脱贫（达到质量目标）",
    "out_below_bar": "已脱贫（低于质量目标）",
}
OUT = ("out", "out_below_bar")


class HouseholdProgress(db.Model):
    __tablename__ = "household_progress"
    __table_args__ = (db.UniqueConstraint("household_id", "year", "month"),
                      # A month's entries under a place (the drill-down): on PostgreSQL
                      # varchar_pattern_ops, so the LIKE prefix is served (see 0007).
                      db.Index("ix_household_progress_month_path", "year", "month",
                               "jurisdiction_path",
                               postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"}))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        db.ForeignKey("households.id", ondelete="CASCADE"))
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    year: Mapped[int]
    month: Mapped[int]
    # 本年累计纯收入: the household's net income from January to this month (exact yuan).
    income_to_date: Mapped[Decimal] = mapped_column(db.Numeric(12, 2))
    household_size: Mapped[int]
    per_capita: Mapped[Decimal] = mapped_column(db.Numeric(12, 2))
    # The household's register status when entered (已脱贫 counts as out).
    household_status: Mapped[str] = mapped_column(db.String(24))
    measures: Mapped[str | None] = mapped_column(db.String(500))
    note: Mapped[str | None] = mapped_column(db.String(500))
    category: Mapped[str] = mapped_column(db.String(16))
    entered_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    entered_by_name: Mapped[str] = mapped_column(db.String(64))
    entered_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    household: Mapped[Household] = relationship(lazy="joined")

    # The values its register events hold, in the order the row check compares them
    # (``category`` is derived and may change when an earlier month is corrected).
    RECORDED = ("household_id", "year", "month", "income_to_date", "household_size",
                "per_capita", "household_status", "measures", "note", "entered_by_id",
                "version")

    @property
    def category_title(self) -> str:
        return CATEGORIES.get(self.category, self.category)


class ProgressTally(db.Model):
    """Households and people per (year, month, village path, category) of the entries."""

    __tablename__ = "progress_tallies"

    year: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), primary_key=True)
    category: Mapped[str] = mapped_column(db.String(16), primary_key=True)
    households: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
