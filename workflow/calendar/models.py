"""An administrator's addition to the working-day calendar: one row per date."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.extensions import db

KINDS = {"holiday": "法定节假日", "workday": "调休上班日"}


class CalendarDay(db.Model):
    """A date declared a statutory holiday or a make-up working day (overrides the package)."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(db.Date, unique=True)
    kind: Mapped[str] = mapped_column(db.String(16))  # a key of KINDS
    name: Mapped[str] = mapped_column(db.String(64))  # 春节, 国庆节 ...
    reason: Mapped[str] = mapped_column(db.String(500), default="", server_default="")
    set_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    set_by = relationship("User", lazy="joined")

    @property
    def kind_title(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def recorded(self) -> dict:
        """What its administration event records (and ``audit verify`` compares)."""
        return {"day": self.day.isoformat(), "kind": self.kind, "name": self.name,
                "reason": self.reason}
