"""Every query for cases, subjects and trails goes through these filters."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import g, has_app_context
from sqlalchemy import false, or_, select
from sqlalchemy.orm import aliased

from workflow import generations
from workflow.engine.errors import NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction

if TYPE_CHECKING:  # annotations only: auth.models itself reads this module's helpers
    from workflow.auth.models import User

MERGERS_KEY = "_place_mergers"
MEMO_KEY = "_scope_with_predecessors"
_SUCCESSOR = aliased(Jurisdiction)  # one alias: the statement is compiled once, then cached


def mergers() -> list[tuple[str, str]]:
    """(predecessor path, successor path) of every 撤并: scope is asked many times a
    request and mergers change a few times a year, so they are read once per process and
    places generation (workflow/generations.py), and kept for the request."""
    cached = g.get(MERGERS_KEY) if has_app_context() else None
    if cached is None:
        cached = generations.cached(generations.PLACES, "mergers", _read_mergers)
        if has_app_context():
            g.setdefault(MERGERS_KEY, cached)
    return cached


def _read_mergers() -> list[tuple[str, str]]:
    return [tuple(r) for r in db.session.execute(
        select(Jurisdiction.path, _SUCCESSOR.path)
        .join(_SUCCESSOR, _SUCCESSOR.id == Jurisdiction.merged_into_id)).all()]


def forget_mergers() -> None:
    """Drop the request's mergers (a new 撤并 in this request: its flush renewed the
    places generation, so the process cache is not used again either)."""
    if has_app_context():
        g.pop(MERGERS_KEY, None)
        g.pop(MEMO_KEY, None)


def with_predecessors(paths: list[str]) -> list[str]:
    """``paths`` and the paths of every place merged (directly or through a chain of
    mergers) into a place under one of them: the successor's people find the old
    place's cases, register and trails, which keep their own paths."""
    pairs = mergers()
    if not pairs:
        return list(paths)
    key = tuple(paths)
    memo = g.setdefault(MEMO_KEY, {}) if has_app_context() else {}
    if key not in memo:
        memo[key] = generations.cached(generations.PLACES, ("with_predecessors", key),
                                       lambda: _close_over(paths, pairs))
    return list(memo[key])


def _close_over(paths: list[str], pairs: list[tuple[str, str]]) -> list[str]:
    """``paths`` and every predecessor merged into a place under them, through chains."""
    found = list(paths)
    pending = [(o, n) for o, n in pairs if not any(o.startswith(p) for p in found)]
    changed = True
    while changed:  # a chain of mergers: A into B, B into C
        changed = False
        for pair in list(pending):
            if any(pair[1].startswith(p) for p in found):
                found.append(pair[0])
                pending.remove(pair)
                changed = True
    return found


def scope_filter(path_column: Any, user: User):
    """A WHERE clause limiting ``path_column`` to the user's jurisdictions."""
    return paths_filter(path_column, user.scope_paths)


def paths_filter(path_column: Any, paths: list[str]):
    """A WHERE clause limiting ``path_column`` to the places under any of ``paths``."""
    if not paths:
        return false()
    return or_(*[path_column.startswith(p, autoescape=True) for p in paths])


def get_in_scope(model: Any, object_id: Any, user: User) -> Any:
    """The row, or NotFound when it does not exist or lies outside the user's scope."""
    object_id = parse_id(object_id)  # past 2**31 no row exists (PostgreSQL would overflow)
    if object_id is None:
        raise NotFound("记录不存在或不在您的管辖范围内")
    # By primary key (the ORM's cached statement), then the same prefix test as
    # scope_filter in Python: the filter's statement was rebuilt on every request.
    row = db.session.get(model, object_id)
    if row is None or not in_paths(row.jurisdiction_path, user.scope_paths):
        raise NotFound("记录不存在或不在您的管辖范围内")
    return row


def in_paths(path: str, paths: list[str]) -> bool:
    """True when ``path`` lies under one of ``paths`` (what ``paths_filter`` selects)."""
    return any(path.startswith(p) for p in paths)


def places_in_scope(user: User) -> list[Jurisdiction]:
    return db.session.execute(
        db.select(Jurisdiction).where(scope_filter(Jurisdiction.path, user))
        .order_by(Jurisdiction.path)).scalars().all()


def filter_places(user: User, selected: str = "", limit: int = 200) -> list[Jurisdiction]:
    """Places for a filter's drop-down: every place in scope, or only those above village
    level when that list would be too long to use (a city has hundreds of villages;
    rendering them all was a quarter of the case list's time), plus the selected one."""
    places = places_in_scope(user)
    if len(places) > limit:
        places = [p for p in places if p.level != "village" or p.code == selected]
    return places


def place_by_code(code: str, user: User) -> Jurisdiction | None:
    """A place in the user's scope by its code, else None."""
    return db.session.execute(
        db.select(Jurisdiction).where(Jurisdiction.code == code,
                                      scope_filter(Jurisdiction.path, user))
    ).scalar_one_or_none()


generations.watch(Jurisdiction, generations.PLACES, generations.SETTINGS)
