"""Per-process caches of reference data that every node can trust: places (the 撤并 a
scope extends over, a place's full name), settings (the poverty line a guard reads) and
delegations (who is a delegate at all).

Each kind of data has a *generation*, a random token in the ``cache_generations`` table
that every ORM flush writing such rows replaces, in the writer's own transaction (a
``before_flush`` listener, so no write path can forget it). A process keeps what it
computed from the data together with the token it saw; a request reads the tokens once
(one small statement, on first use) and a cached answer is used only while its token is
still the current one. A change committed on any node is therefore seen by the next
request on every node, with no cache server and no time-to-live to tune.

The token is random, not a counter, so that a table emptied and refilled (the tests do
it) can never bring back an old token; a missing row means "unknown": nothing is cached.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import g, has_app_context
from sqlalchemy import String, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflow.extensions import db

PLACES = "places"
SETTINGS = "settings"
DELEGATIONS = "delegations"
KINDS = (PLACES, SETTINGS, DELEGATIONS)  # the kinds there are (token_columns reads each)
_G_KEY = "_cache_generations"
# Bounded: a county's settings questions (key × place × year) are a few thousand.
MAX_ENTRIES = 20_000


class Generation(db.Model):
    """The current token of one kind of reference data."""

    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


# model class -> the generations its rows belong to; areas add theirs with ``watch``.
_WATCHED: dict[type, tuple[str, ...]] = {}
# generation name -> (token, {key: value}) in this process.
_CACHES: dict[str, tuple[str, dict[Hashable, Any]]] = {}


def watch(model: type, *names: str) -> None:
    """Writing a row of ``model`` (insert, update, delete through the ORM) renews the
    ``names`` generations in the same transaction."""
    _WATCHED[model] = tuple(dict.fromkeys(_WATCHED.get(model, ()) + names))


def renew(session: Session, *names: str) -> None:
    """New tokens for ``names`` in ``session``'s transaction (for writes that bypass the
    ORM: a Core statement on a watched table must call this)."""
    connection = session.connection()
    table = Generation.__table__
    for name in names:
        values = {"name": name, "token": secrets.token_hex(16)}
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = insert(table).values(**values).on_conflict_do_update(
            index_elements=[table.c.name], set_={"token": values["token"]})
        connection.execute(statement)
    if has_app_context():
        g.pop(_G_KEY, None)  # this transaction's own reads see its new tokens


def token_columns() -> tuple:
    """The current token of every kind as labelled scalar subqueries, for a request's first
    statement to carry (the token user, the session user): that saves the request the
    round trip of ``current``'s own read. Pass the row's values to ``prime``."""
    table = Generation.__table__
    return tuple(select(table.c.token).where(table.c.name == name).scalar_subquery()
                 .label(f"generation_{name}") for name in KINDS)


def prime(values) -> None:
    """Keep the tokens ``token_columns`` read (in that order) for this request, unless the
    request already read its own (a renewal in its transaction is not overwritten)."""
    if has_app_context():
        g.setdefault(_G_KEY, dict(zip(KINDS, values, strict=True)))


def current(name: str) -> str | None:
    """The token of ``name`` as this request (app context) first read it, or None."""
    if not has_app_context():
        return None
    tokens = g.get(_G_KEY)
    if tokens is None:
        tokens = dict(db.session.execute(select(Generation.name, Generation.token)).all())
        g.setdefault(_G_KEY, tokens)
    return tokens.get(name)


def cached(name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``'s answer for ``key`` under the current ``name`` generation, computed
    once per process and generation; computed every time while the generation is unknown."""
    token = current(name)
    if token is None:
        return compute()
    held = _CACHES.get(name)
    if held is None or held[0] != token:
        held = _CACHES[name] = (token, {})
    entries = held[1]
    if key in entries:
        return entries[key]
    value = compute()
    if len(entries) >= MAX_ENTRIES:
        entries.clear()
    entries[key] = value
    return value


def forget() -> None:
    """Drop this process's caches and the request's tokens (tests that write behind the
    ORM's back, e.g. raw SQL that tampers with a row)."""
    _CACHES.clear()
    if has_app_context():
        g.pop(_G_KEY, None)


@event.listens_for(Session, "before_flush")
def _renew_on_write(session: Session, _context, _instances) -> None:
    if not _WATCHED:
        return
    names: dict[str, None] = {}
    for objects in (session.new, session.deleted):
        for obj in objects:
            names.update(dict.fromkeys(_WATCHED.get(type(obj), ())))
    for obj in session.dirty:  # a collection appended to (a new household's village) is not
        if type(obj) in _WATCHED and session.is_modified(obj, include_collections=False):
            names.update(dict.fromkeys(_WATCHED[type(obj)]))
    if names:
        renew(session, *names)
