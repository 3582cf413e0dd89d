"""The register's own trail: changes to the 建档立卡 register made outside a case.

A case's trail records what happened to a household in a procedure; registering a
household or importing a roster happens before any case, yet it decides who may be
helped. Each such change is an event on its village's hash chain (``RegisterEvent``),
written in the same transaction as the change. The village row holds the chain's length
and head, and is locked while an event is appended, so two writers in one village
queue instead of forking the chain, and a deleted last event is noticed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from workflow import clock
from workflow.audit import anchors
from workflow.audit.chain import Problem, chain_problems
from workflow.audit.models import GENESIS, RegisterEvent, seal
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import paths_filter, scope_filter

REGISTER_ACTIONS = {"household_registered": "登记农户", "roster_imported": "导入建档立卡名册",
                    "house_registered": "登记房屋", "project_proposed": "申报项目",
                    "personal_data_exported": "导出个人信息",
                    # Edits of the register (workflow/registry/editing.py)
                    "household_edited": "修改农户信息", "member_added": "增加家庭成员",
                    "member_removed": "减少家庭成员", "member_edited": "修改家庭成员",
                    "house_edited": "修改房屋信息", "project_edited": "修改项目信息"}


# Checks of register rows against the events that edited them, registered by the areas
# (``registry.edit_verify``): fn(scope_paths) -> problems. This module knows no area.
ROW_CHECKS: list[Callable[[list[str] | None], list[Problem]]] = []


def record(village_id: int, action: str, actor: User, summary: str,
           data: dict[str, Any], roles: set[str]) -> None:
    """Append an event to the village's chain (nothing committed: the caller's change and
    its event land together). ``roles``: the roles that may make this change."""
    village = db.session.execute(
        select(Jurisdiction).where(Jurisdiction.id == village_id)
        # NO KEY UPDATE: compatible with the KEY SHARE lock that inserting a household
        # (a foreign key to the village) takes, so two writers queue instead of deadlocking.
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)).scalar_one()
    role = next((a.role for a in actor.roles_over(village) if a.role in roles), "")
    values = {"village_id": village_id, "jurisdiction_path": village.path,
              "seq": village.register_seq + 1, "action": action,
              "action_title": REGISTER_ACTIONS[action], "actor_id": actor.id,
              "actor_name": actor.display_name, "role": role, "summary": summary,
              "data": data, "at": clock.utcnow(), "prev_hash": village.register_head or GENESIS}
    seal(values, RegisterEvent.HASHED)
    db.session.execute(RegisterEvent.__table__.insert(), [values])
    village.register_seq, village.register_head = values["seq"], values["hash"]


def verify(scope_paths: list[str] | None = None) -> tuple[int, list[Problem]]:
    """Check every village's register chain (within ``scope_paths``); (events, problems)."""
    villages = select(Jurisdiction).where(Jurisdiction.level == "village")
    events = select(RegisterEvent).order_by(RegisterEvent.village_id, RegisterEvent.id)
    if scope_paths is not None:
        villages = villages.where(paths_filter(Jurisdiction.path, scope_paths))
        events = events.where(paths_filter(RegisterEvent.jurisdiction_path, scope_paths))
    by_village: dict[int, list[RegisterEvent]] = {}
    for event in db.session.execute(events).scalars():
        by_village.setdefault(event.village_id, []).append(event)
    problems: list[Problem] = []
    checked = 0
    checkpoint = anchors.latest()
    for village in db.session.execute(
            villages.execution_options(populate_existing=True)).scalars():
        chain = by_village.pop(village.id, [])
        checked += len(chain)
        problems += chain_problems(f"{village.name} 建档留痕", chain, village.register_head,
                                   village.register_seq, "村",
                                   checkpoint.head("villages", village.id) if checkpoint else None)
    for chain in by_village.values():  # events whose village is not a village (any more)
        problems.append(Problem(chain[0].jurisdiction_path, None, "所属村记录不符"))
    for check in ROW_CHECKS:
        problems += check(scope_paths)
    return checked, problems


def events_in_scope(user: User):
    """The register events in the user's jurisdictions, newest first (a query)."""
    return (select(RegisterEvent).where(scope_filter(RegisterEvent.jurisdiction_path, user))
            .order_by(RegisterEvent.id.desc()))
