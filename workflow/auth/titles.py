"""How a signer's role reads wherever people are shown: 县行业部门（县水利局） rather than
three county sector officials who all read 县行业部门.

Audit events keep the role key (hashed as written); the department comes from the
signer's assignment, looked up once per trail.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from workflow.auth.models import ROLES, RoleAssignment
from workflow.extensions import db

DEPARTMENT_ROLES = {"county_sector"}  # roles acting for one county department


def role_title(role: str, department: str | None = None) -> str:
    """「县行业部门（县水利局）」 for a department's role, else the role's title."""
    from workflow.projects.models import DEPARTMENTS

    title = ROLES.get(role, role)
    if role in DEPARTMENT_ROLES and department:
        return f"{title}（{DEPARTMENTS.get(department, department)}）"
    return title


def departments_of(actor_ids: Iterable[int]) -> dict[int, str]:
    """The department each of these users acts for in a department role (one query)."""
    ids = {i for i in actor_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(RoleAssignment.user_id, RoleAssignment.department).where(
        RoleAssignment.user_id.in_(ids), RoleAssignment.role.in_(DEPARTMENT_ROLES),
        RoleAssignment.department.is_not(None))).all()
    return {user_id: department for user_id, department in rows}


def signer_titles(events: Iterable) -> dict[int, str]:
    """Event seq -> the signer's role title with the department (trail, page, sheet)."""
    events = list(events)
    departments = departments_of(e.actor_id for e in events if e.role in DEPARTMENT_ROLES)
    return {e.seq: role_title(e.role, departments.get(e.actor_id)) for e in events}


def actor_titles(events: Iterable) -> dict[tuple[int, str], str]:
    """(actor id, role) -> the role title with the department, for events of several
    chains at once (a page of register events: seq numbers repeat across villages)."""
    events = list(events)
    departments = departments_of(e.actor_id for e in events if e.role in DEPARTMENT_ROLES)
    return {(e.actor_id, e.role): role_title(e.role, departments.get(e.actor_id))
            for e in events}
