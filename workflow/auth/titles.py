"""How a signer's role reads wherever people are shown: 县行业部门（县水利局） rather than
three county sector officials who all read 县行业部门.

Audit events keep the role key (hashed as written); the department comes from the
signer's assignment, looked up once per trail.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

# role_title and DEPARTMENT_ROLES live with the roles (auth.models); named here too for the
# callers that read titles from this module.
from workflow.auth.models import DEPARTMENT_ROLES, RoleAssignment, role_title  # noqa: F401
from workflow.extensions import db


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
