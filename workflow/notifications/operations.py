"""Writing notifications (once per user, event and kind), reading and marking them read,
the users' choices, and what a later digest job reads.

``notify`` writes one INSERT ... SELECT: the recipients, less those who switched the kind
off, with ON CONFLICT DO NOTHING on (user, event, kind), so handling an event twice
notifies nobody twice. It joins the caller's transaction: a sign-off and its
notifications land together or not at all.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.notifications.models import Notification, NotificationPreference

# kind -> the title a user reads (on the page and the preferences form). Other areas add
# theirs with ``kinds`` (time-limit warnings, 督办).
KINDS: dict[str, str] = {"todo": "新的待办", "returned": "案件被退回", "objection": "公示异议",
                         "mention": "批注中提到我"}
MAX_TEXT = 400


def kinds(titles: dict[str, str]) -> None:
    """Name further kinds of notification (key -> Chinese title)."""
    for key, title in titles.items():
        if KINDS.get(key, title) != title:
            raise ValueError(f"notification kind {key} already titled {KINDS[key]}")
        KINDS[key] = title


def notify(recipients, kind: str, event_key: str, text: str, *, case_id: int | None = None,
           link: str = "") -> None:
    """Notify the users ``recipients`` selects (a SELECT of user ids, or a list of ids) of
    one event, unless they switched ``kind`` off; nothing committed."""
    if kind not in KINDS:
        raise KeyError(f"unknown notification kind {kind!r}: name it with kinds()")
    if isinstance(recipients, list | tuple | set):
        if not recipients:
            return
        recipients = select(User.id).where(User.id.in_(sorted(set(recipients))))
    ids = recipients.subquery()
    muted = exists().where(NotificationPreference.user_id == ids.c[0],
                           NotificationPreference.kind == kind,
                           NotificationPreference.enabled.is_(False))
    rows = select(ids.c[0], literal(kind, db.String), literal(event_key[:64], db.String),
                  literal(case_id, db.Integer), literal(link[:200], db.String),
                  literal(text[:MAX_TEXT], db.String),
                  literal(clock.utcnow(), db.DateTime)).where(~muted)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Notification).from_select(
        ["user_id", "kind", "event_key", "case_id", "link", "text", "created_at"], rows)
    db.session.execute(statement.on_conflict_do_nothing(
        index_elements=["user_id", "event_key", "kind"]))


def unread_count(user: User) -> int:
    """The user's unread notifications (one indexed count)."""
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()


def listing(user: User, *, unread_only: bool = False, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, newest first (their own only)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.execute(
        query.order_by(Notification.id.desc()).limit(limit)).scalars())


def mark_read(user: User, notification_id: Any) -> Notification:
    """Mark one of the user's notifications read (committed); another's is NotFound."""
    ident = parse_id(notification_id)
    row = db.session.get(Notification, ident) if ident is not None else None
    if row is None or row.user_id != user.id:
        raise NotFound("该通知不存在")
    if row.read_at is None:
        row.read_at = clock.utcnow()
        db.session.commit()
    return row


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read (committed); how many."""
    done = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.utcnow())).rowcount
    db.session.commit()
    return done


def preferences(user: User) -> dict[str, bool]:
    """Every kind and whether it reaches the user (on unless switched off)."""
    stored = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.enabled)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind: stored.get(kind, True) for kind in KINDS}


def set_preferences(user: User, enabled: set[str] | list[str]) -> dict[str, bool]:
    """Switch on exactly the kinds in ``enabled`` (unknown names are ignored), committed."""
    wanted = {kind: kind in set(enabled) for kind in KINDS}
    rows = {p.kind: p for p in db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id)).scalars()}
    for kind, on in wanted.items():
        if kind in rows:
            rows[kind].enabled = on
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, enabled=on))
    db.session.commit()
    return wanted


def pending_for_digest(user: User, since: dt.datetime) -> list[Notification]:
    """What a daily digest would send ``user``: unread notifications created at or after
    ``since`` (UTC) of the kinds they still receive, oldest first. Reads only."""
    on = [kind for kind, enabled in preferences(user).items() if enabled]
    return list(db.session.execute(select(Notification).where(
        and_(Notification.user_id == user.id, Notification.read_at.is_(None),
             Notification.created_at >= since, Notification.kind.in_(on)))
        .order_by(Notification.id)).scalars())


def as_dict(row: Notification) -> dict[str, Any]:
    """What the page and the API show of a notification."""
    return {"id": row.id, "kind": row.kind, "kind_title": KINDS.get(row.kind, row.kind),
            "text": row.text, "case_id": row.case_id, "link": row.link,
            "created_at": row.created_at.isoformat(timespec="seconds") + "Z",
            "read_at": row.read_at.isoformat(timespec="seconds") + "Z" if row.read_at else None}
