"""Text messages (短信提醒): a small pluggable interface. A sender is a function
``fn(user, text)`` registered by name with ``@sender``; the setting ``SMS_SENDER``
(WORKFLOW_SMS_SENDER) names the one in use, none while it is empty. Shipped: ``log``,
which writes each message to the application log (for trials and tests); a gateway's
sender is registered the same way from its own module.

Each user ticks, per kind, which notifications also reach them by text message (off by
default). A periodic job hands the unread ones of the last day to the sender, once:
each notification is claimed (``sms_at`` set, committed) before it is sent and released
again when the sender fails, so the next run tries it again.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app
from sqlalchemy import and_, select, update

from workflow import clock
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jobs.registry import periodic
from workflow.notifications.models import Notification, NotificationPreference
from workflow.notifications.operations import KINDS

SENDERS: dict[str, Callable[[User, str], None]] = {}
MAX_TEXT = 140


def sender(name: str) -> Callable:
    """Register ``fn(user, text)`` as the text-message sender ``name``."""
    def register(fn: Callable[[User, str], None]) -> Callable[[User, str], None]:
        SENDERS[name] = fn
        return fn
    return register


@sender("log")
def log_sender(user: User, text: str) -> None:
    """Write the message to the log instead of a gateway."""
    current_app.logger.info("sms to %s (user %s): %s", user.username, user.id, text)


def configured() -> Callable[[User, str], None] | None:
    """The sender the setting names, or None (no text messages); an unknown name is a
    configuration error, reported once per run in the log."""
    name = (current_app.config.get("SMS_SENDER") or "").strip()
    if not name:
        return None
    if name not in SENDERS:
        current_app.logger.error("SMS_SENDER %r is not a registered sender (%s)", name,
                                 ", ".join(sorted(SENDERS)))
        return None
    return SENDERS[name]


def sms_kinds(user: User) -> dict[str, bool]:
    """Every kind and whether the user receives it by text message too."""
    stored = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.sms)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind: bool(stored.get(kind, False)) for kind in KINDS}


def set_sms_kinds(user: User, wanted: set[str] | list[str]) -> dict[str, bool]:
    """Text messages for exactly the kinds in ``wanted`` (unknown names ignored), committed."""
    rows = {p.kind: p for p in db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id)).scalars()}
    for kind in KINDS:
        on = kind in set(wanted)
        if kind in rows:
            rows[kind].sms = on
        elif on:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, enabled=True,
                                                  sms=True))
    db.session.commit()
    return sms_kinds(user)


def send_pending(now: dt.datetime | None = None) -> tuple[int, int]:
    """Hand each unread notification of the last day of a kind its user opted in to the
    sender: (sent, failed). Nothing while no sender is configured."""
    send = configured()
    if send is None:
        return 0, 0
    now = now or clock.utcnow()
    rows = db.session.execute(
        select(Notification.id, Notification.user_id, Notification.text)
        .join(NotificationPreference, and_(
            NotificationPreference.user_id == Notification.user_id,
            NotificationPreference.kind == Notification.kind))
        .join(User, User.id == Notification.user_id)
        .where(NotificationPreference.sms.is_(True), NotificationPreference.enabled.is_(True),
               User.active.is_(True), Notification.sms_at.is_(None),
               Notification.read_at.is_(None),
               Notification.created_at >= now - dt.timedelta(days=1))
        .order_by(Notification.id)).all()
    sent = failed = 0
    for ident, user_id, text in rows:
        claimed = db.session.execute(update(Notification).where(
            Notification.id == ident, Notification.sms_at.is_(None)).values(sms_at=now)).rowcount
        db.session.commit()  # the claim first: another run skips it
        if not claimed:
            continue
        try:
            send(db.session.get(User, user_id), text[:MAX_TEXT])
        except Exception as exc:  # noqa: BLE001 - any gateway failure: release, retry later
            db.session.rollback()
            db.session.execute(update(Notification).where(Notification.id == ident)
                               .values(sms_at=None))
            db.session.commit()
            current_app.logger.warning("sms for notification %s not sent: %s", ident, exc)
            failed += 1
            continue
        sent += 1
    return sent, failed


@periodic(cron="*/10 * * * *", name="notifications.sms", title="短信提醒")
def sms_job() -> None:
    """Every ten minutes: the new notifications users chose to receive by text message."""
    sent, failed = send_pending()
    if sent or failed:
        current_app.logger.info("sms: %s sent, %s failed", sent, failed)
