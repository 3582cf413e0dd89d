"""The register's own trail: changes to the 建档立卡 register made outside a case.

A case's trail records what happened to a household in a procedure; registering a
household or importing a roster happens before any case, yet it decides who may be
helped. Each such change is an event on its village's hash chain (``RegisterEvent``),
written in the same transaction as the change. The village row holds the chain's length
and head, and is locked while an event is appended, so two writers in one village
queue instead of forking the chain, and a deleted last event is noticed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from workflow import clock
from workflow.audit.models import GENESIS, RegisterEvent, event_hash
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter

REGISTER_ACTIONS = {"household_registered": "登记农户", "roster_imported": "导入建档立卡名册",
                    "house_registered": "登记房屋", "project_proposed": "申报项目"}


def record(village_id: int, action: str, actor: User, summary: str,
           data: dict[str, Any], roles: frozenset[str] | set[str]) -> None:
    """Append an event to the village's chain (nothing committed: the caller's change and
    its event land together). ``roles``: the roles that may make this change."""
    head = db.session.execute(
        select(Jurisdiction.path, Jurisdiction.register_seq, Jurisdiction.register_head)
        .where(Jurisdiction.id == village_id)
        # NO KEY UPDATE: compatible with the KEY SHARE lock that inserting a household
        # (a foreign key to the village) takes, so two writers queue instead of deadlocking.
        .with_for_update(key_share=True)).one()
    village = db.session.get(Jurisdiction, village_id)
    role = next((a.role for a in actor.roles_over(village) if a.role in roles), "")
    values = {"village_id": village_id, "jurisdiction_path": head.path,
              "seq": head.register_seq + 1, "action": action,
              "action_title": REGISTER_ACTIONS[action], "actor_id": actor.id,
              "actor_name": actor.display_name, "role": role, "summary": summary,
              "data": data, "at": clock.utcnow(), "prev_hash": head.register_head or GENESIS}
    values["hash"] = event_hash(values, RegisterEvent.HASHED)
    db.session.execute(RegisterEvent.__table__.insert(), [values])
    db.session.execute(update(Jurisdiction).where(Jurisdiction.id == village_id)
                       .values(register_seq=values["seq"], register_head=values["hash"]))
    # The ORM copy of the village (if loaded) must not write its stale head back.
    if village is not None:
        db.session.expire(village, ["register_seq", "register_head"])


@dataclass
class RegisterProblem:
    village: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.village} 建档留痕" + (f" 第 {self.seq} 条" if self.seq else "") + \
            f": {self.reason}"


def verify(scope_paths: list[str] | None = None) -> tuple[int, list[RegisterProblem]]:
    """Check every village's register chain (within ``scope_paths``); (events, problems)."""
    villages = select(Jurisdiction).where(Jurisdiction.level == "village")
    events = select(RegisterEvent).order_by(RegisterEvent.village_id, RegisterEvent.id)
    if scope_paths is not None:
        villages = villages.where(db.or_(*[Jurisdiction.path.startswith(p)
                                           for p in scope_paths]))
        events = events.where(db.or_(*[RegisterEvent.jurisdiction_path.startswith(p)
                                       for p in scope_paths]))
    by_village: dict[int, list[RegisterEvent]] = {}
    for event in db.session.execute(events).scalars():
        by_village.setdefault(event.village_id, []).append(event)
    problems: list[RegisterProblem] = []
    checked = 0
    for village in db.session.execute(villages).scalars():
        chain = by_village.pop(village.id, [])
        checked += len(chain)
        problems += _verify_chain(village, chain)
    for chain in by_village.values():  # events whose village is not a village (any more)
        problems.append(RegisterProblem(chain[0].jurisdiction_path, None, "所属村记录不符"))
    return checked, problems


def _verify_chain(village: Jurisdiction, chain: list[RegisterEvent]) -> list[RegisterProblem]:
    problems, prev = [], GENESIS
    for expected_seq, event in enumerate(chain, start=1):
        if event.seq != expected_seq:
            problems.append(RegisterProblem(village.name, event.seq,
                                            f"序号不连续（应为 {expected_seq}）：记录被删除或调换"))
        if event.prev_hash != prev:
            problems.append(RegisterProblem(village.name, event.seq,
                                            "前序哈希不符：记录被删除、插入或调换"))
        if event.jurisdiction_path != village.path or event.compute_hash() != event.hash:
            problems.append(RegisterProblem(village.name, event.seq, "内容哈希不符：记录被修改"))
        prev = event.hash
    if prev != (village.register_head or GENESIS) or len(chain) != village.register_seq:
        problems.append(RegisterProblem(village.name, None,
                                        "链尾与村记录不符：末尾记录被删除或追加"))
    return problems


def events_in_scope(user: User):
    """The register events in the user's jurisdictions, newest first (a query)."""
    return (select(RegisterEvent).where(scope_filter(RegisterEvent.jurisdiction_path, user))
            .order_by(RegisterEvent.id.desc()))
