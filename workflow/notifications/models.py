"""A notification per user and event, and each user's choice of the kinds they receive."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db


class Notification(db.Model):
    """One thing a user should know of; (user, event, kind) is unique, so an event that
    is handled twice (an effect run again, a retried job) notifies once."""

    __tablename__ = "notifications"
    __table_args__ = (db.UniqueConstraint("user_id", "event_key", "kind"),
                      # The top bar's count: the user's rows with no read_at, from the index.
                      db.Index("ix_notifications_unread", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(db.String(16))
    # What happened, e.g. "case:12:5" (the case's 5th trail event) or "comment:7".
    event_key: Mapped[str] = mapped_column(db.String(64))
    case_id: Mapped[int | None] = mapped_column(db.ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    link: Mapped[str] = mapped_column(db.String(200), default="")
    text: Mapped[str] = mapped_column(db.String(400))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    read_at: Mapped[dt.datetime | None]
    # When it went out as a text message (sms.py claims it first, so once only).
    sms_at: Mapped[dt.datetime | None]


class NotificationPreference(db.Model):
    """A kind a user switched off (or on again); no row means the kind reaches them."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Opted in to receive this kind as a text message too (off unless ticked).
    sms: Mapped[bool] = mapped_column(default=False, server_default="0")


class NotificationDigest(db.Model):
    """One user's digest e-mail of one day (China time): the row is written and committed
    before the message is sent, so a second run that day (another worker, a retry) finds
    it and sends nothing; a failed send deletes it again."""

    __tablename__ = "notification_digests"
    __table_args__ = (db.UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    sent_at: Mapped[dt.datetime | None]
    count: Mapped[int] = mapped_column(default=0)
