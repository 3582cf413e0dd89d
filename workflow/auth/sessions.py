"""Browser sessions: which user a session cookie names, and when it ends.

A session loads its user only while (1) the session generation it was issued with is still
the user's (logout, a new password and deactivation bump it: a replayed cookie is dead),
(2) it has seen a request within SESSION_IDLE_MINUTES, (3) it is younger than
SESSION_ABSOLUTE_HOURS and (4) its ``user_sessions`` row is open: the cookie carries a
random key whose SHA-256 names the row (device, address, last seen), so the user's account
page lists each session and ends any one of them. The times live in the signed session
itself, read from ``workflow.clock``; the row's last-seen follows at SEEN_RESOLUTION.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, flash, g, redirect, request, session
from flask_login import login_user
from flask_login.utils import login_url
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import joinedload

from workflow import clock, generations
from workflow.auth.models import User, UserSession
from workflow.extensions import db, login_manager

LOGIN_AT, SEEN_AT, KEY = "_login_at", "_seen_at", "_sid"
TIMED_OUT = "登录已超时，请重新登录"
# Last-seen is rewritten at most this often, so not every response sets a new cookie.
SEEN_RESOLUTION = 60
_EPOCH = dt.datetime(1970, 1, 1)
_FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")


def _now() -> int:
    return int((clock.utcnow() - _EPOCH).total_seconds())


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User) -> None:
    """Log ``user`` in to this browser session, start its clocks and open its row
    (committed: the next request must find it)."""
    session.clear()  # nothing of an earlier (anonymous) session carries over
    login_user(user)
    key, now = secrets.token_urlsafe(24), clock.utcnow()
    db.session.add(UserSession(
        key_hash=_digest(key), user_id=user.id, started_at=now, last_seen_at=now,
        user_agent=request.headers.get("User-Agent", "")[:200],
        address=(request.remote_addr or "")[:64]))
    db.session.commit()
    session[KEY] = key
    session[LOGIN_AT] = session[SEEN_AT] = _now()


def current_session_id() -> int | None:
    """The ``user_sessions`` row of this browser session (the account page marks it)."""
    key = session.get(KEY)
    if not isinstance(key, str):
        return None
    return db.session.execute(select(UserSession.id).where(
        UserSession.key_hash == _digest(key))).scalar_one_or_none()


def open_sessions(user: User) -> list[UserSession]:
    """The user's browser sessions that can still load: not ended, within the idle and
    absolute limits (last seen to SEEN_RESOLUTION), newest first."""
    settings, now = current_app.config, clock.utcnow()
    return list(db.session.execute(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None),
        UserSession.last_seen_at > now - dt.timedelta(
            minutes=settings["SESSION_IDLE_MINUTES"], seconds=SEEN_RESOLUTION),
        UserSession.started_at > now - dt.timedelta(hours=settings["SESSION_ABSOLUTE_HOURS"]))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).scalars())


def end_rows(user: User, *, except_id: int | None = None, only_id: int | None = None) -> int:
    """Mark the user's open session rows ended (all, all but ``except_id``, or only
    ``only_id``); how many. In the caller's transaction."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.ended_at.is_(None))
    if except_id is not None:
        query = query.where(UserSession.id != except_id)
    if only_id is not None:
        query = query.where(UserSession.id == only_id)
    return db.session.execute(query.values(ended_at=clock.utcnow())).rowcount or 0


def _expired() -> bool:
    settings, now = current_app.config, _now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    return (now - seen_at > settings["SESSION_IDLE_MINUTES"] * 60
            or now - login_at > settings["SESSION_ABSOLUTE_HOURS"] * 3600)


def _drop() -> None:
    for key in (*_FLASK_LOGIN_KEYS, LOGIN_AT, SEEN_AT, KEY):
        session.pop(key, None)


def load_user(user_id: str) -> User | None:
    """flask-login's user loader for the id ``User.get_id`` wrote: "<id>:<generation>"."""
    ident, _, generation = user_id.partition(":")
    if not ident.isdigit() or not generation.isdigit() or len(ident) > 18:
        return None
    key = session.get(KEY)
    # The user, their role assignments and this session's row in one statement, read on
    # every request: a deactivated user, a revoked role or an ended session counts at once
    # on every node. The reference-data generations come with it (workflow/generations.py).
    found = db.session.execute(_USER_AND_SESSION, {
        "ident": int(ident), "digest": _digest(key) if isinstance(key, str) else ""}
    ).unique().first()
    user, row = found[:2] if found else (None, None)
    if found:
        generations.prime(found[2:])
    if user is None or user.session_generation != int(generation):
        return None
    if _expired():
        _drop()
        g.session_timed_out = True
        flash(TIMED_OUT, "error")
        return None
    if row is None or row.ended_at is not None:  # ended from the account page, or none
        _drop()
        return None
    if _now() - session[SEEN_AT] >= SEEN_RESOLUTION:
        session[SEEN_AT] = _now()
        # Loaded first thing in a request (web.init_app's hook), before a view changes
        # anything: committing here commits only this.
        row.last_seen_at = clock.utcnow()
        db.session.commit()
    return user


_USER_AND_SESSION = (
    select(User, UserSession, *generations.token_columns()).where(User.id == bindparam("ident"))
    .outerjoin(UserSession, and_(UserSession.user_id == User.id,
                                 UserSession.key_hash == bindparam("digest")))
    .options(joinedload(User.assignments)))


def unauthorized():
    """Redirect to the login page; a timed-out session says so instead of 请先登录."""
    if not g.get("session_timed_out") and login_manager.login_message:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))

