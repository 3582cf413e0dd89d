"""Appending to a case's hash chain, and verifying every chain in a scope (the check of
one chain serves the register's and the fund sources' chains too).

A chain is checked link by link (order, previous hash, content hash) and each event's
keyed seal (keys.py): an insider who edits a row and recomputes the plain hashes of the
rest cannot recompute the seals. A case's row is then checked against its trail by
replaying the events (state, form data per step, co-signatures, signers, version), so a
direct UPDATE of ``cases.state`` or ``cases.data`` is reported too."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow import clock
from workflow.audit import anchors, keys, records
from workflow.audit.models import GENESIS, AuditEvent, ChainedEvent, seal
from workflow.auth.models import RoleAssignment, User
from workflow.cases.models import Case
from workflow.engine import store
from workflow.engine.errors import NotFound
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter

# Where a step's event keeps the policy settings its guards and effects applied (the
# poverty line, a ceiling, a notice length; workflow/cases/applied.py), beside the form
# values: hashed with them, but not part of the case's form data the replay compares.
SETTINGS_KEY = "_settings"
# The event of a move to a later definition version (cases/moving.py, which imports it).
MOVE_ACTION = "move_version"


def new_event(case: Case, *, action: str, action_title: str, actor: User,
              assignment: RoleAssignment, level: str, from_state: str, to_state: str,
              decision: str, opinion: str, data: dict[str, Any],
              at: dt.datetime | None = None) -> dict[str, Any]:
    """The values of ``case``'s next event, hashed onto its chain (nothing written);
    ``at`` defaults to now (a move passes the moment it writes as ``state_entered_at``,
    so the row and the trail agree on when the case entered its state)."""
    values = {
        "case_id": case.id, "seq": case.event_count + 1, "action": action,
        "action_title": action_title, "actor_id": actor.id, "actor_name": actor.display_name,
        "role": assignment.role, "jurisdiction_code": assignment.jurisdiction.code,
        "jurisdiction_name": assignment.jurisdiction.name, "level": level,
        "from_state": from_state, "to_state": to_state, "decision": decision,
        "opinion": opinion, "data": data, "at": clock.utcnow() if at is None else at,
        "prev_hash": case.trail_head or GENESIS,
        # Signed on someone's behalf (授权代办): the assignment is theirs (cases/substitutes).
        "on_behalf_of_id": getattr(assignment, "principal_id", None),
        "on_behalf_of_name": getattr(assignment, "principal_name", None),
        "delegation_id": getattr(assignment, "delegation_id", None),
    }
    return seal(values, AuditEvent.HASHED, AuditEvent.OPTIONAL)


def insert_events(events: list[dict[str, Any]]) -> None:
    """Write events (a plain INSERT: the trail is append-only, no ORM bookkeeping), on
    the session's connection, one event as one execute rather than an executemany."""
    db.session.connection().execute(_INSERT, events[0] if len(events) == 1 else events)


_INSERT = AuditEvent.__table__.insert()


# Further chains kept by other areas (fund sources, a case's comments), registered from
# the app factory with ``register_check``: fn(scope_paths, checkpoint) -> (rows checked,
# problems), the checkpoint being the latest external anchor or None; ``verify`` runs each.
CHAIN_CHECKS: list[Callable[[list[str] | None, Any], tuple[int, list[Problem]]]] = []


def register_check(check: Callable[[list[str] | None, Any], tuple[int, list[Problem]]]) -> None:
    """Have ``flask audit verify`` run ``check`` too (once, however often it is named)."""
    if check not in CHAIN_CHECKS:
        CHAIN_CHECKS.append(check)


@dataclass
class Problem:
    """A break in a chain: ``where`` names the chain (a case, a village's register)."""

    where: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        return self.where + (f" 第 {self.seq} 条" if self.seq else "") + f": {self.reason}"


def chain_problems(where: str, events: list[ChainedEvent], head: str | None, length: int,
                   owner: str, anchor: tuple[int, str] | None = None) -> list[Problem]:
    """Problems in one chain, in order: edits, deletions, insertions or reordering, a
    tail that is not the head its ``owner`` row keeps (``head``, ``length``), and a chain
    that lost or rewrote what the latest checkpoint (``anchor``: length, head) saw."""
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
        elif event.mac is None:
            problems.append(Problem(where, event.seq, "缺少密钥签名：记录在启用审计密钥前写入"
                                    "且未封存（flask audit seal），或签名被清除"))
        elif not keys.matches(event.hash, event.mac):
            problems.append(Problem(where, event.seq, "密钥签名不符：记录被修改后重算了哈希"
                                    "（或审计密钥已更换）"))
        prev = event.hash
    if prev != (head or GENESIS) or len(events) != length:
        problems.append(Problem(where, None, f"链尾与{owner}记录不符：末尾记录被删除或追加"))
    if anchor is not None:
        anchored, anchored_head = anchor
        if len(events) < anchored:
            problems.append(Problem(where, None, f"留痕记录只有 {len(events)} 条，少于检查点记录的 "
                                    f"{anchored} 条：末尾记录被删除"))
        elif anchored and events[anchored - 1].hash != anchored_head:
            problems.append(Problem(where, anchored, "与检查点记录的哈希不符：历史记录被改写"))
    return problems


def verify_case(case: Case, events: list[AuditEvent],
                anchor: tuple[int, str] | None = None,
                stored: dict[str, list[dict]] | None = None) -> list[Problem]:
    """Problems in one case's chain (edits, deletions, insertions, reordering; against
    the checkpoint's ``anchor``) and in its row and its effects' rows (``stored``, loaded
    here when not given) against the chain (``replay_problems``)."""
    where = f"案件 {case.id}"
    if stored is None:
        stored = {name: rows.get(case.id, []) for name, rows in records.load([case.id]).items()}
    return (chain_problems(where, events, case.trail_head, case.event_count, "案件", anchor)
            + replay_problems(where, case, events, stored))


def replay_problems(where: str, case: Case, events: list[AuditEvent],
                    stored: dict[str, list[dict]] | None = None) -> list[Problem]:
    """The case row's state, form data, co-signatures, signers and version against what
    replaying its events gives; each event must also start where the previous one ended.

    Replays what ``perform`` does: an action of the definition stores its non-empty form
    values under its name, collects a co-signature (cleared once every role signed) and
    adds its signer at the event's level; other events (create, uploads, findings) move
    nothing but the version. The rows its effects wrote (``stored``, see records.py, e.g.
    the subsidy payment) must hold the values of the event that wrote them."""
    if not events:
        return []
    # A case moved to a later version (cases/moving.py) replays each stretch of its
    # trail on the version it ran on: the first move event names where it started.
    moved = [e for e in events if e.action == MOVE_ACTION and e.seq > 1]
    started_on = (moved[0].data or {}).get("from_version") if moved else None
    try:
        definition = store.by_version(started_on or case.definition_version)
    except NotFound:
        return [Problem(where, None, f"流程版本 {case.definition_version} 不存在：记录被修改")]
    problems: list[Problem] = []
    data: dict = {}
    cosigns: dict = {}
    signers: dict[str, list[int]] = {}
    state = events[0].from_state
    stepped: list[tuple[int, list[str], dict]] = []
    for event in events:
        if event.from_state != state:
            before, after = _title(definition, event.from_state), _title(definition, state)
            problems.append(Problem(where, event.seq, f"办理前状态「{before}」与上一条记录办理"
                                    f"后的「{after}」不符：案件状态曾被直接修改"))
        state = event.to_state
        if event.action == MOVE_ACTION and event.seq > 1:
            definition, problem = _moved(where, event, definition)
            problems += [problem] if problem else []
            continue
        action = definition.actions.get(event.action) if event.seq > 1 else None
        if action is None:
            continue
        values = {k: v for k, v in (event.data or {}).items() if k != SETTINGS_KEY}
        stepped.append((event.seq, action.effects, values))
        if values:
            data[event.action] = values
        if action.cosign:
            signed = {**cosigns.get(event.action, {}), event.role: event.actor_id}
            cosigns = ({} if all(r in signed for r in action.cosign)
                       else {**cosigns, event.action: signed})
        for signer in (event.actor_id, event.on_behalf_of_id):  # 代签 counts for both
            if signer is not None and signer not in signers.setdefault(event.level, []):
                signers[event.level].append(signer)
    if case.definition_version != definition.version:
        problems.append(Problem(where, None, f"案件流程版本 {case.definition_version} 与留痕"
                                f"记录的 {definition.version} 不符：记录被直接修改"))
    if case.state != state:
        problems.append(Problem(where, None, f"案件状态「{_title(definition, case.state)}」与留痕"
                                f"记录的「{_title(definition, state)}」不符：记录被直接修改"))
    expected = {"data": (data, "表单数据"), "cosigns": (cosigns, "会签记录"),
                "signers": (signers, "签署人员")}
    for name, (value, title) in expected.items():
        if (getattr(case, name) or {}) != value:
            problems.append(Problem(where, None, f"案件{title}与留痕记录不符：记录被直接修改"))
    if case.version != len(events):
        problems.append(Problem(where, None, f"案件版本号 {case.version} 与留痕记录条数 "
                                f"{len(events)} 不符：记录被直接修改"))
    problems += [Problem(where, seq, reason)
                 for seq, reason in records.problems(stepped, stored or {})]
    return problems


def _moved(where: str, event: AuditEvent, definition) -> tuple[Any, Problem | None]:
    """The definition a move event switches the replay to, and a problem when the event
    does not start from the version the replay is on or names no stored version."""
    data = event.data or {}
    if data.get("from_version") != definition.version:
        return definition, Problem(where, event.seq, f"迁移前的流程版本 {data.get('from_version')}"
                                   f" 与此前办理所用的 {definition.version} 不符：记录被修改")
    try:
        return store.by_version(str(data.get("to_version"))), None
    except NotFound:
        return definition, Problem(where, event.seq,
                                   f"迁移后的流程版本 {data.get('to_version')} 不存在：记录被修改")


def _title(definition, state: str) -> str:
    return definition.state_title(state) if state else "（无）"


def verify(scope_paths: list[str] | None = None, batch: int = 500) -> tuple[int, list[Problem]]:
    """Check every case chain and every fund source's chain (within ``scope_paths`` if
    given) against the latest checkpoint; returns (cases, problems). The register's
    chains are checked by register.verify."""
    checkpoint = anchors.latest()
    problems: list[Problem] = [Problem("检查点", None, p)
                               for p in (checkpoint.problems if checkpoint else [])]
    anchored = checkpoint.owners("cases", scope_paths) if checkpoint else {}
    query = db.select(Case).order_by(Case.id)
    if scope_paths is not None:
        query = query.where(paths_filter(Case.jurisdiction_path, scope_paths))
    checked = 0
    offset_id = 0
    while True:
        # populate_existing: compare the rows as stored, not as this session last saw them.
        cases = db.session.execute(query.where(Case.id > offset_id).limit(batch)
                                   .execution_options(populate_existing=True)).scalars().all()
        if not cases:
            break
        ids = [c.id for c in cases]
        rows = db.session.execute(
            db.select(AuditEvent).where(AuditEvent.case_id.in_(ids))
            .order_by(AuditEvent.case_id, AuditEvent.id)).scalars().all()
        by_case: dict[int, list[AuditEvent]] = {i: [] for i in ids}
        for row in rows:
            by_case[row.case_id].append(row)
        effect_rows = records.load(ids)  # one query per registered effect for the batch
        for case in cases:
            anchored.pop(case.id, None)
            problems += verify_case(case, by_case[case.id],
                                    checkpoint.head("cases", case.id) if checkpoint else None,
                                    {name: rows_of.get(case.id, [])
                                     for name, rows_of in effect_rows.items()})
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
    problems += [Problem(f"案件 {cid}", None, f"案件记录缺失：检查点记有其 {n} 条留痕记录，"
                         "案件及其留痕被删除") for cid, n in anchored.items()
                 if cid not in orphans]
    for check in CHAIN_CHECKS:
        problems += check(scope_paths, checkpoint)[1]
    return checked, problems


def trail(case: Case) -> list[AuditEvent]:
    return db.session.execute(
        db.select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ).scalars().all()
