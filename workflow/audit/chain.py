"""Appending to a case's hash chain, and verifying every chain in a scope."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow import clock
from workflow.audit.models import GENESIS, AuditEvent, event_hash
from workflow.auth.models import RoleAssignment, User
from workflow.cases.models import Case
from workflow.extensions import db


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
    case_id: int
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"案件 {self.case_id}" + (f" 第 {self.seq} 条" if self.seq else "")
        return f"{where}: {self.reason}"


def verify_case(case: Case, events: list[AuditEvent]) -> list[Problem]:
    """Problems in one case's chain: edits, deletions, insertions or reordering."""
    problems: list[Problem] = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(Problem(case.id, event.seq,
                                    f"序号不连续（应为 {expected_seq}）：记录被删除或调换"))
        if event.prev_hash != prev:
            problems.append(Problem(case.id, event.seq, "前序哈希不符：记录被删除、插入或调换"))
        if event.compute_hash() != event.hash:
            problems.append(Problem(case.id, event.seq, "内容哈希不符：记录被修改"))
        prev = event.hash
    if prev != (case.trail_head or GENESIS) or len(events) != case.event_count:
        problems.append(Problem(case.id, None, "链尾与案件记录不符：末尾记录被删除或追加"))
    return problems


def verify(scope_paths: list[str] | None = None, batch: int = 500) -> tuple[int, list[Problem]]:
    """Check every case chain (within ``scope_paths`` if given); returns (cases, problems)."""
    query = db.select(Case).order_by(Case.id)
    if scope_paths is not None:
        query = query.where(db.or_(*[Case.jurisdiction_path.startswith(p)
                                     for p in scope_paths]))
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
    problems += [Problem(cid, None, "案件记录缺失，但存在其审计记录") for cid in orphans]
    return checked, problems


def trail(case: Case) -> list[AuditEvent]:
    return db.session.execute(
        db.select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ).scalars().all()
