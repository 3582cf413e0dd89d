"""Browser sessions: which user a session cookie names, and when it ends.

A session loads its user only while (1) the session generation it was issued with is still
the user's (logout, a new password and deactivation bump it: a replayed cookie is dead),
(2) it has seen a request within SESSION_IDLE_MINUTES and (3) it is younger than
SESSION_ABSOLUTE_HOURS. The times live in the signed session itself, read from
``workflow.clock``.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, flash, g, redirect, request, session
from flask_login import login_user
from flask_login.utils import login_url

from workflow import clock
from workflow.auth.models import User
from workflow.extensions import db, login_manager

LOGIN_AT, SEEN_AT = "_login_at", "_seen_at"
TIMED_OUT = "登录已超时，请重新登录"
# Last-seen is rewritten at most this often, so not every response sets a new cookie.
SEEN_RESOLUTION = 60
_EPOCH = dt.datetime(1970, 1, 1)
_FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")


def _now() -> int:
    return int((clock.utcnow() - _EPOCH).total_seconds())


def start(user: User) -> None:
    """Log ``user`` in to this browser session and start its clocks."""
    session.clear()  # nothing of an earlier (anonymous) session carries over
    login_user(user)
    session[LOGIN_AT] = session[SEEN_AT] = _now()


def _expired() -> bool:
    settings, now = current_app.config, _now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    return (now - seen_at > settings["SESSION_IDLE_MINUTES"] * 60
            or now - login_at > settings["SESSION_ABSOLUTE_HOURS"] * 3600)


def _drop() -> None:
    for key in (*_FLASK_LOGIN_KEYS, LOGIN_AT, SEEN_AT):
        session.pop(key, None)


def load_user(user_id: str) -> User | None:
    """flask-login's user loader for the id ``User.get_id`` wrote: "<id>:<generation>"."""
    ident, _, generation = user_id.partition(":")
    if not ident.isdigit() or not generation.isdigit() or len(ident) > 18:
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_generation != int(generation):
        return None
    if _expired():
        _drop()
        g.session_timed_out = True
        flash(TIMED_OUT, "error")
        return None
    if _now() - session[SEEN_AT] >= SEEN_RESOLUTION:
        session[SEEN_AT] = _now()
    return user


def unauthorized():
    """Redirect to the login page; a timed-out session says so instead of 请先登录."""
    if not g.get("session_timed_out") and login_manager.login_message:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))

