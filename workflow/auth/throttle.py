"""Login throttling shared by every process: failures per account and per address in the
``login_failures`` table, and a short delay that grows with them.

There is no lock that refuses the right password: after the free failures an attempt is
refused (429) only until the delay since the last failure has passed, so a guesser gets one
try per delay (2, 4, 8 … seconds, capped at a few minutes) while the official who knows the
password gets in as soon as the wait is over. The counter is a row updated with one atomic
upsert, so two workers never lose a failure; two attempts checked at the same instant may
both be let through, which costs an attacker's budget at most one extra guess each time.
"""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite

from workflow import clock
from workflow.auth.models import LoginFailure
from workflow.extensions import db

SUBJECT_LENGTH = 128


def _keys(username: str, address: str) -> list[tuple[str, str, int]]:
    settings = current_app.config
    return [("account", username[:SUBJECT_LENGTH], settings["LOGIN_ACCOUNT_FREE_FAILURES"]),
            ("address", (address or "unknown")[:SUBJECT_LENGTH],
             settings["LOGIN_ADDRESS_FREE_FAILURES"])]


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def delay_after(failures: int, free: int) -> float:
    """Seconds an attempt must wait after the last of ``failures`` (0 within ``free``)."""
    if failures < free:
        return 0.0
    settings = current_app.config
    exponent = min(failures - free, 30)  # 2**30 s is far beyond any cap
    return float(min(settings["LOGIN_DELAY_SECONDS"] * 2 ** exponent,
                     settings["LOGIN_DELAY_MAX_SECONDS"]))


def wait_seconds(username: str, address: str) -> int:
    """Whole seconds until this account may try again from this address (0: now)."""
    now = clock.utcnow()
    rows = {(r.kind, r.subject): r for r in db.session.execute(
        db.select(LoginFailure).where(db.or_(*(
            db.and_(LoginFailure.kind == kind, LoginFailure.subject == subject)
            for kind, subject, _ in _keys(username, address))))).scalars()}
    wait = 0.0
    for kind, subject, free in _keys(username, address):
        row = rows.get((kind, subject))
        if row is None or now - row.last_failure_at > _window():
            continue
        until = row.last_failure_at + dt.timedelta(seconds=delay_after(row.failures, free))
        wait = max(wait, (until - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def record_failure(username: str, address: str) -> None:
    """Count one failure against the account and the address (in the caller's
    transaction). A counter quiet for longer than the window starts again at 1."""
    now = clock.utcnow()
    cutoff = now - _window()
    table = LoginFailure.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for kind, subject, _ in _keys(username, address):
        statement = dialect.insert(table).values(kind=kind, subject=subject, failures=1,
                                                 last_failure_at=now)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["kind", "subject"],
            set_={"failures": case((table.c.last_failure_at < cutoff, 1),
                                   else_=table.c.failures + 1),
                  "last_failure_at": now}))


def clear_account(username: str) -> None:
    """Forget the account's failures after a successful login. The address keeps its
    count: one good password must not wipe the guesses made at other accounts."""
    db.session.execute(db.delete(LoginFailure).where(
        LoginFailure.kind == "account", LoginFailure.subject == username[:SUBJECT_LENGTH]))
