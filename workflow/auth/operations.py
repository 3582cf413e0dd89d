"""Checking credentials and bearer tokens."""
from __future__ import annotations

from workflow import clock
from workflow.auth.models import ApiToken, User
from workflow.extensions import db


def check_credentials(username: str, password: str) -> User | None:
    """The active user with this name and password, else None (one answer for any bad pair)."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=ApiToken.digest(token))).scalar_one_or_none()
    if row is None or row.expires_at <= clock.utcnow() or not row.user.active:
        return None
    return row.user
