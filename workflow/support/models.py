"""Support measures (帮扶措施): one row per measure for a household or one of its members.

A measure is added, changed and ended only through ``support.operations``, each step an
event on the village's register chain holding the row's values after it; ``audit
verify`` compares the rows with those events (``support.events``), so an UPDATE behind
the application is reported.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.registry.models import Household, Member


class SupportMeasure(db.Model):
    __tablename__ = "support_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        db.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    # NULL: a measure for the whole household (e.g. 低保兜底); else for this member.
    member_id: Mapped[int | None] = mapped_column(
        db.ForeignKey("household_members.id", ondelete="CASCADE"), index=True)
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    action: Mapped[str] = mapped_column(db.String(24), index=True)
    kind: Mapped[str] = mapped_column(db.String(32))
    department: Mapped[str] = mapped_column(db.String(24))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    amount: Mapped[Decimal] = mapped_column(db.Numeric(12, 2), default=0)
    note: Mapped[str | None] = mapped_column(db.String(200))
    # 帮扶责任人: who entered the measure (the helper or village staff).
    entered_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    entered_by_name: Mapped[str] = mapped_column(db.String(64))
    # Set when the measure is ended (终止) before or at its end date, with the reason.
    ended_reason: Mapped[str | None] = mapped_column(db.String(200))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    household: Mapped[Household] = relationship(lazy="joined")
    member: Mapped[Member | None] = relationship(lazy="joined")

    # The values its register events hold, in the order the row check compares them.
    RECORDED = ("household_id", "member_id", "action", "kind", "department", "starts_on",
                "ends_on", "amount", "note", "entered_by_id", "ended_reason", "version")

    def in_force(self, on: dt.date) -> bool:
        """True when the measure runs on ``on``."""
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)
