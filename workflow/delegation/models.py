"""A delegation (授权代办): one user's role in a place handed to another for a date range."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock, generations
from workflow.extensions import db


class Delegation(db.Model):
    """``delegator``'s assignment (``role`` in ``jurisdiction``) exercised by ``delegate``
    from ``starts_on`` to ``ends_on`` (China dates, both included) unless ended early
    (``ended_at``). The row is copied onto the administration trail when written; `audit
    verify` compares the two (verify.py)."""

    __tablename__ = "delegations"
    # The sign-off's lookup: the delegate's delegations not yet over.
    __table_args__ = (db.Index("ix_delegations_delegate", "delegate_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(db.String(32))
    department: Mapped[str | None] = mapped_column(db.String(24))
    jurisdiction_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    starts_on: Mapped[dt.date] = mapped_column(db.Date)
    ends_on: Mapped[dt.date] = mapped_column(db.Date)
    reason: Mapped[str] = mapped_column(db.String(200), default="")
    created_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    ended_at: Mapped[dt.datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))

    delegator = relationship("User", foreign_keys=[delegator_id], lazy="joined")
    delegate = relationship("User", foreign_keys=[delegate_id], lazy="joined")
    jurisdiction = relationship("Jurisdiction", lazy="joined")

    def active_on(self, moment: dt.datetime) -> bool:
        """True when a sign-off at ``moment`` (UTC) falls within the delegation."""
        day = clock.to_local(moment).date()
        ended = self.ended_at is not None and moment >= self.ended_at
        return self.starts_on <= day <= self.ends_on and not ended

    @property
    def status(self) -> str:
        """生效中 / 未开始 / 已结束 as of now."""
        now = clock.utcnow()
        if self.ended_at is not None and self.ended_at <= now:
            return "已结束"
        today = clock.to_local(now).date()
        if today < self.starts_on:
            return "未开始"
        return "已结束" if today > self.ends_on else "生效中"

    def recorded(self) -> dict:
        """What its administration events record (and `audit verify` compares)."""
        return {"id": self.id, "delegator_id": self.delegator_id,
                "delegate_id": self.delegate_id, "role": self.role,
                "department": self.department, "jurisdiction_id": self.jurisdiction_id,
                "starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat(),
                "ended_at": self.ended_at.isoformat() if self.ended_at else None}


# A delegation written (made, ended) renews the generation the delegate list is kept under.
generations.watch(Delegation, generations.DELEGATIONS)
