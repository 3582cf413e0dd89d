"""A notice opens when a case enters a notice state; objections hang off it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.extensions import db

OBJECTION_OUTCOMES = {"open": "待处理", "upheld": "成立", "dismissed": "不成立"}


class Notice(db.Model):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), index=True)
    state: Mapped[str] = mapped_column(db.String(48))
    title: Mapped[str] = mapped_column(db.String(64))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date] = mapped_column(index=True)
    min_days: Mapped[int]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(db.String(48))

    objections: Mapped[list[Objection]] = relationship(
        back_populates="notice", order_by="Objection.id", lazy="selectin")

    @property
    def is_over(self) -> bool:
        return clock.today() > self.ends_on

    @property
    def open_objections(self) -> list[Objection]:
        return [o for o in self.objections if o.outcome == "open"]


class Objection(db.Model):
    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(db.ForeignKey("notices.id"), index=True)
    content: Mapped[str] = mapped_column(db.Text)
    raised_by: Mapped[str] = mapped_column(db.String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    outcome: Mapped[str] = mapped_column(db.String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(db.Text)

    notice: Mapped[Notice] = relationship(back_populates="objections")

    @property
    def outcome_title(self) -> str:
        return OBJECTION_OUTCOMES.get(self.outcome, self.outcome)
