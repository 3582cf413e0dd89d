"""Logging in (throttled), bearer tokens, and the changes that end a user's sessions."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from workflow import clock, generations
from workflow.auth import throttle
from workflow.auth.models import ApiToken, User
from workflow.auth.sessions import end_rows
from workflow.engine.errors import WorkflowError
from workflow.extensions import db


class TooManyAttempts(WorkflowError):
    """Too many recent failures for this account or address; ``seconds`` to wait."""

    status = 429

    def __init__(self, seconds: int):
        super().__init__(f"尝试次数过多，请 {seconds} 秒后再试")
        self.seconds = seconds


def check_credentials(username: str, password: str) -> User | None:
    """The active user with this name and password, else None (one answer for any bad pair)."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def attempt_login(username: str, password: str, address: str) -> User | None:
    """The user, or None for a wrong pair (counted and logged, committed), or
    TooManyAttempts while the account or the address must wait. Browser and API share it.

    A waiting attempt is refused before the password is checked, so it tells a guesser
    nothing and does not lengthen the wait of the official whose account is attacked.
    """
    wait = throttle.wait_seconds(username, address)
    if wait:
        current_app.logger.warning("login refused (wait %ss): user=%r address=%s", wait,
                                   username, address)
        raise TooManyAttempts(wait)
    user = check_credentials(username, password)
    if user is None:
        throttle.record_failure(username, address)
        db.session.commit()
        current_app.logger.warning("login failed: user=%r address=%s", username, address)
        return None
    throttle.clear_account(username)
    db.session.commit()
    return user


def user_for_token(token: str) -> User | None:
    """The active user an unexpired bearer token names, else None.

    Read from the database on every request, in one statement (token, user, role
    assignments and their places): a revoked token, a deactivated user or a revoked role
    is refused at once on every node, with no cache to go stale. The same statement reads
    the reference-data generations (workflow/generations.py) the request's caches check."""
    row = db.session.execute(_TOKEN_USER, {"digest": ApiToken.digest(token),
                                           "now": clock.utcnow()}).unique().one_or_none()
    if row is None:
        return None
    generations.prime(row[1:])
    return row[0]


# Built once: constructing the statement cost as much as running it.
_TOKEN_USER = (db.select(User, *generations.token_columns())
               .join(ApiToken, ApiToken.user_id == User.id)
               .where(ApiToken.token_hash == bindparam("digest"),
                      ApiToken.expires_at > bindparam("now"), User.active.is_(True))
               .options(joinedload(User.assignments)))


def end_sessions(user: User, *, revoke_tokens: bool = False) -> None:
    """End every browser session of ``user`` (all devices: the session generation that
    their cookies name is bumped) and, with ``revoke_tokens``, delete its API tokens.
    In the caller's transaction."""
    user.session_generation = (user.session_generation or 0) + 1
    end_rows(user)
    if revoke_tokens:
        db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == user.id))


def logout(user: User) -> None:
    """Log ``user`` out everywhere: a copy of the session cookie no longer loads. API
    tokens stay (a script's token is not a browser session)."""
    end_sessions(user)
    db.session.commit()


def set_password(user: User, password: str, *, commit: bool = True,
                 one_time: bool = False) -> None:
    """A new password: every session and API token issued with the old one ends. A
    ``one_time`` password (an administrator's reset) must be changed at the next login;
    any other clears that duty (and a demo password's)."""
    user.set_password(password)
    user.must_change_password = one_time
    if not one_time:
        user.demo_password = False
        user.password_changed_at = clock.utcnow()
    end_sessions(user, revoke_tokens=True)
    if commit:
        db.session.commit()


def deactivate(user: User, *, commit: bool = True) -> None:
    """The user can no longer log in; its sessions and API tokens end now."""
    user.active = False
    end_sessions(user, revoke_tokens=True)
    if commit:
        db.session.commit()
