"""Acting for someone else (授权代办): the engine's view of a role held on another's behalf.

The delegation area registers a provider in ``PROVIDERS`` from the app factory; the case
operations and the to-do ask it only when the user holds no direct assignment for what
they want to do, so a sign-off by someone without delegations costs nothing extra.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflow.auth.models import RoleAssignment, User


@dataclass(frozen=True)
class Acting:
    """The principal's assignment (role in a place), exercised by ``actor_id`` under the
    delegation ``delegation_id``. Quacks like a RoleAssignment where the engine reads one:
    ``user_id`` is whoever signs (co-signatures and the trail record the signer)."""

    assignment: RoleAssignment
    actor_id: int
    delegation_id: int
    principal_name: str

    @property
    def role(self) -> str:
        return self.assignment.role

    @property
    def department(self) -> str | None:
        return self.assignment.department

    @property
    def jurisdiction(self):
        return self.assignment.jurisdiction

    @property
    def jurisdiction_id(self) -> int:
        return self.assignment.jurisdiction_id

    @property
    def user_id(self) -> int:
        return self.actor_id

    @property
    def principal_id(self) -> int:
        return self.assignment.user_id

    @property
    def role_title(self) -> str:
        return self.assignment.role_title


# fn(user) -> the assignments the user may exercise today on others' behalf.
PROVIDERS: list[Callable[[User], list[Acting]]] = []


def acting_for(user: User) -> list[Acting]:
    """Every assignment ``user`` holds today on someone else's behalf (none without a
    provider registered)."""
    return [a for provider in PROVIDERS for a in provider(user)]


def signer_ids(actor_id: int, assignment) -> list[int]:
    """Who a sign-off counts for in the separation of duties: the signer, and the
    principal when signed on their behalf."""
    principal = getattr(assignment, "principal_id", None)
    return [actor_id] if principal in (None, actor_id) else [actor_id, principal]
