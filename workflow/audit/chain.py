"""Appending to a case's hash chain, and verifying every chain in a scope (the check of
one chain serves the register's chains too)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow import clock
from workflow.audit.models import GENESIS, AuditEvent, ChainedEvent, event_hash
from workflow.auth.models import RoleAssignment, User
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter


def new_event(case: Case, *, action: str, action_title: str, actor: User,
              assignment: RoleAssignment, level: str, from_state: str, to_state: str,
              decision: str, opinion: str, data: dict[str, Any]) -> dict[str, Any]:
    """The values of ``case``'s next event, hashed onto its chain (nothing written)."""
    values = {
        "case_id": case.id, "seq": case.event_count + 1, "action": action,
        "action_title": action_title, "actor_id": actor.id, "actor_name": actor.display_name,
        "role": assignment.role, "jurisdiction_code": assignment.jurisdiction.code,
        "jurisdiction_name": assignment.jurisdiction.name, "level": level,
        "from_state": from_state, "to_state": to_state, "decision": decision,
        "opinion": opinion, "data": data, "at": clock.utcnow(),
        "prev_hash": case.trail_head or GENESIS,
    }
    values["hash"] = event_hash(values, AuditEvent.HASHED)
    return values


def insert_events(events: list[dict[str, Any]]) -> None:
    """Write events (a plain INSERT: the trail is append-only, no ORM bookkeeping)."""
    db.session.execute(AuditEvent.__table__.insert(), events)


@dataclass
class Problem:
    """A break in a chain: ``where`` names the chain (a case, a village's register)."""

    where: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        return self.where + (f" 第 {self.seq} 条" if self.seq else "") + f": {self.reason}"


def chain_problems(where: str, events: list[ChainedEvent], head: str | None, length: int,
                   owner: str) -> list[Problem]:
    """Problems in one chain, in order: edits, deletions, insertions or reordering, and a
    tail that is not the head its ``owner`` row keeps (``head``, ``length``)."""
    problems: list[Problem] = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(Problem(where, event.seq,
                                    f"序号不连续（应为 {expected_seq}）：记录被删除或调换"))
        if event.prev_hash != prev:
            problems.append(Problem(where, event.seq, "前序哈希不符：记录被删除、插入或调换"))
        if event.compute_hash() != event.hash:
            problems.append(Problem(where, event.seq, "内容哈希不符：记录被修改"))
        prev = event.hash
    if prev != (head or GENESIS) or len(events) != length:
        problems.append(Problem(where, None, f"链尾与{owner}记录不符：末尾记录被删除或追加"))
    return problems


def verify_case(case: Case, events: list[AuditEvent]) -> list[Problem]:
    """Problems in one case's chain: edits, deletions, insertions or reordering."""
    return chain_problems(f"案件 {case.id}", events, case.trail_head, case.event_count, "案件")


def verify(scope_paths: list[str] | None = None, batch: int = 500) -> tuple[int, list[Problem]]:
    """Check every case chain (within ``scope_paths`` if given); returns (cases, problems)."""
    query = db.select(Case).order_by(Case.id)
    if scope_paths is not None:
        query = query.where(paths_filter(Case.jurisdiction_path, scope_paths))
    problems: list[Problem] = []
    checked = 0
    offset_id = 0
    while True:
        cases = db.session.execute(query.where(Case.id > offset_id).limit(batch)).scalars().all()
        if not cases:
            break
        ids = [c.id for c in cases]
        rows = db.session.execute(
            db.select(AuditEvent).where(AuditEvent.case_id.in_(ids))
            .order_by(AuditEvent.case_id, AuditEvent.id)).scalars().all()
        by_case: dict[int, list[AuditEvent]] = {i: [] for i in ids}
        for row in rows:
            by_case[row.case_id].append(row)
        for case in cases:
            problems += verify_case(case, by_case[case.id])
        checked += len(cases)
        offset_id = ids[-1]
        for obj in (*cases, *rows):
            db.session.expunge(obj)
    # Events whose case row is gone would otherwise escape notice.
    orphans = db.session.execute(
        db.select(AuditEvent.case_id).outerjoin(Case, Case.id == AuditEvent.case_id)
        .where(Case.id.is_(None)).distinct()).scalars().all()
    problems += [Problem(f"案件 {cid}", None, "案件记录缺失，但存在其审计记录")
                 for cid in orphans]
    return checked, problems


def trail(case: Case) -> list[AuditEvent]:
    return db.session.execute(
        db.select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ).scalars().all()
