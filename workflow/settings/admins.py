"""Who may set a setting for a place: the administrators over it."""
from __future__ import annotations

from sqlalchemy import select

from workflow.auth.models import RoleAssignment, User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.settings.lookup import ancestor_paths

FALLBACK = "系统管理员"


def admins_over(path: str | None) -> list[tuple[Jurisdiction, User]]:
    """(place of the assignment, user) for every active administrator whose place
    contains ``path`` (None: the administrators of top-level places), nearest first."""
    query = (select(RoleAssignment).join(RoleAssignment.jurisdiction).join(RoleAssignment.user)
             .where(RoleAssignment.role == "admin", User.active.is_(True)))
    if path:
        query = query.where(Jurisdiction.path.in_(ancestor_paths(path)))
    else:
        query = query.where(Jurisdiction.parent_id.is_(None))
    rows = db.session.execute(query).scalars().all()
    rows.sort(key=lambda a: (-len(a.jurisdiction.path), a.user.username))
    return [(a.jurisdiction, a.user) for a in rows]


def who_can_set(key: str, place: Jurisdiction | str | None) -> str:
    """「岩满族自治县系统管理员 陈管理员（admin）」 for the administrators over ``place``
    (nearest first), or 「系统管理员」 when there is none. ``key`` is kept in the
    signature for keys a place may not override (installation-wide only)."""
    from workflow.settings.keys import spec

    one = spec(key)
    path = place if place is None or isinstance(place, str) else place.path
    if one is not None and not one.place:
        path = None
    found = admins_over(path or None)
    if not found:
        return FALLBACK
    return "、".join(f"{where.name}系统管理员 {user.display_name}（{user.username}）"
                    for where, user in found)
