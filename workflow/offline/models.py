"""The receipt of a draft sent from the offline page: its idempotency key, so that a draft
sent twice (a retried sync, a second tab, a lost answer) is applied once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db


class DraftReceipt(db.Model):
    """A draft the server applied. Written in the same transaction as the case event, so
    there is a receipt exactly when there is an event; (user, key) is unique, so a second
    copy of the draft finds it (or fails on it) instead of acting again. The event itself
    is on the case's hash chain; this row only answers "was this draft applied"."""

    __tablename__ = "offline_draft_receipts"
    __table_args__ = (db.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(db.String(64))
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    action: Mapped[str] = mapped_column(db.String(64))
    based_on_version: Mapped[int]
    new_version: Mapped[int]
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
