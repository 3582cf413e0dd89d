"""Writing notifications (once per user, event and kind), reading and marking them read,
the users' choices, and what a later digest job reads.

``notify`` writes one INSERT ... SELECT: the recipients, less those who switched the kind
off, with ON CONFLICT DO NOTHING on (user, event, kind), so handling an event twice
notifies nobody twice. It joins the caller's transaction: a sign-off and its
notifications land together or not at all.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workflow import clock
from workflow.auth.models import RoleAssignment, User
from workflow.engine.errors import NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
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


@dataclass(frozen=True)
class Handlers:
    """The active users holding one of ``roles`` in a place that contains ``path`` (the
    to-do's own rule, workflow/cases/queries.todo_query), less the user ``but``."""

    roles: tuple[str, ...]
    path: str
    but: int | None = None


def notify(recipients: Handlers | list[int] | tuple[int, ...] | set[int], kind: str,
           event_key: str, text: str, *, case_id: int | None = None, link: str = "") -> None:
    """Notify ``recipients`` (user ids, or the ``Handlers`` of a state) of one event, unless
    they switched ``kind`` off; nothing committed. One INSERT ... SELECT, built once per
    shape with bound parameters (building it per call was a tenth of a sign-off)."""
    if kind not in KINDS:
        raise KeyError(f"unknown notification kind {kind!r}: name it with kinds()")
    params: dict[str, Any] = {"kind": kind, "event_key": event_key[:64], "case_id": case_id,
                              "link": link[:200], "text": text[:MAX_TEXT],
                              "created_at": clock.utcnow()}
    if isinstance(recipients, Handlers):
        if not recipients.roles:
            return
        shape = "handlers_but" if recipients.but is not None else "handlers"
        params.update(roles=list(recipients.roles), path=recipients.path, but=recipients.but)
    else:
        if not recipients:
            return
        shape = "ids"
        params["ids"] = sorted(set(recipients))
    dialect = db.session.get_bind().dialect.name
    _execute(_statement(shape, dialect), params)


def _execute(statement, params: dict[str, Any]) -> None:
    """Run a Core statement on the session's connection (the ORM's execute path cost more
    than the statement), after the flush the session's own execute would do: a user or
    notification added just now counts."""
    db.session.flush()
    db.session.connection().execute(statement, params)


_STATEMENTS: dict[tuple[str, str], Any] = {}
# Built once: the unread to-do notices of one case (the ``case_id`` index serves it).
_SETTLE = (update(Notification.__table__)
           .where(Notification.case_id == bindparam("settled_case"), Notification.kind == "todo",
                  Notification.read_at.is_(None))
           .values(read_at=bindparam("settled_at")))


def settle_todos(case_id: int) -> None:
    """Mark read the unread 新的待办 notices of a case that has just left its step: the
    to-do they announced is gone (handled by the reader or a colleague), and an unread
    count above the to-do list's length only misleads. Nothing committed."""
    _execute(_SETTLE, {"settled_case": case_id, "settled_at": clock.utcnow()})


def _recipients(shape: str):
    if shape == "ids":
        return select(User.id).where(User.id.in_(bindparam("ids", expanding=True)))
    query = (select(RoleAssignment.user_id).join(User, User.id == RoleAssignment.user_id)
             .join(Jurisdiction, Jurisdiction.id == RoleAssignment.jurisdiction_id)
             .where(RoleAssignment.role.in_(bindparam("roles", expanding=True)),
                    User.active.is_(True),
                    bindparam("path", type_=db.String).startswith(Jurisdiction.path))
             .distinct())
    if shape == "handlers_but":
        query = query.where(RoleAssignment.user_id != bindparam("but", type_=db.Integer))
    return query


def _statement(shape: str, dialect: str):
    found = _STATEMENTS.get((shape, dialect))
    if found is None:
        ids = _recipients(shape).subquery()
        muted = exists().where(NotificationPreference.user_id == ids.c[0],
                               NotificationPreference.kind == bindparam("kind"),
                               NotificationPreference.enabled.is_(False))
        rows = select(ids.c[0], bindparam("kind", type_=db.String),
                      bindparam("event_key", type_=db.String),
                      bindparam("case_id", type_=db.Integer),
                      bindparam("link", type_=db.String), bindparam("text", type_=db.String),
                      bindparam("created_at", type_=db.DateTime)).where(~muted)
        # The table, not the entity: an ORM insert given parameters would be a bulk insert.
        insert = (postgresql if dialect == "postgresql" else sqlite).insert(
            Notification.__table__)
        found = _STATEMENTS[(shape, dialect)] = insert.from_select(
            ["user_id", "kind", "event_key", "case_id", "link", "text", "created_at"], rows
        ).on_conflict_do_nothing(index_elements=["user_id", "event_key", "kind"])
    return found


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
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)).scalars())


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
