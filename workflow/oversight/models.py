"""A finding: a rule flagged a case for review; the auditor records its outcome."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db

OUTCOMES = {"open": "待核查", "confirmed": "属实", "dismissed": "不属实"}


class Finding(db.Model):
    __tablename__ = "findings"
    __table_args__ = (db.UniqueConstraint("case_id", "rule", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    rule: Mapped[str] = mapped_column(db.String(48))
    reason: Mapped[str] = mapped_column(db.String(300))
    found_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    outcome: Mapped[str] = mapped_column(db.String(16), default="open", index=True)
    note: Mapped[str] = mapped_column(db.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]

    @property
    def outcome_title(self) -> str:
        return OUTCOMES.get(self.outcome, self.outcome)
