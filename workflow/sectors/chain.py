"""Each county's sealed chain of sector-data events: every import (the file's SHA-256,
its date, a digest of the rows taken in) and every verification (核实) of a
discrepancy. ``verify`` is one of ``audit.chain.CHAIN_CHECKS``: it checks the links and
seals, and that the import and discrepancy rows still say what their events recorded.
"""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Select, select

from workflow import clock
from workflow.audit.chain import Problem, chain_problems
from workflow.audit.models import GENESIS, seal
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import paths_filter
from workflow.sectors.models import (
    Discrepancy,
    SectorChain,
    SectorEvent,
    SectorImport,
    SectorRecord,
)

ACTIONS = {"sector_imported": "导入行业部门数据", "discrepancy_verified": "核实比对疑点"}


def append(county: Jurisdiction, action: str, actor: User, role: str, summary: str,
           data: dict[str, Any]) -> SectorEvent:
    """Append an event to the county's chain (nothing committed: the change and its
    event land together); the chain's head row is locked meanwhile."""
    head = db.session.execute(select(SectorChain).where(SectorChain.county_id == county.id)
                              .with_for_update().execution_options(populate_existing=True)
                              ).scalar_one_or_none()
    if head is None:
        head = SectorChain(county_id=county.id, jurisdiction_path=county.path, seq=0)
        db.session.add(head)
        db.session.flush()
    values = {"county_id": county.id, "jurisdiction_path": county.path, "seq": head.seq + 1,
              "action": action, "action_title": ACTIONS[action], "actor_id": actor.id,
              "actor_name": actor.display_name, "role": role, "summary": summary,
              "data": data, "at": clock.utcnow(), "prev_hash": head.head or GENESIS}
    seal(values, SectorEvent.HASHED)
    event = SectorEvent(**values)
    db.session.add(event)
    head.seq, head.head = values["seq"], values["hash"]
    return event


def records_digest(import_id: int) -> str:
    """SHA-256 over an import's rows in line order: a row changed, added or deleted
    after the import changes it."""
    digest = hashlib.sha256()
    rows = db.session.execute(
        select(SectorRecord.line, SectorRecord.id_number, SectorRecord.name, SectorRecord.fact,
               SectorRecord.value).where(SectorRecord.import_id == import_id)
        .order_by(SectorRecord.line))
    for row in rows:
        digest.update(("\x1f".join("" if v is None else str(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def import_fields(row: SectorImport) -> dict[str, Any]:
    """What an import's event records of its row (compared again by ``verify``)."""
    return {"import_id": row.id, "source": row.source, "as_of": row.as_of.isoformat(),
            "filename": row.filename, "sha256": row.sha256, "rows": row.rows,
            "records_sha256": records_digest(row.id)}


def verification_fields(row: Discrepancy) -> dict[str, Any]:
    """What a verification's event records of the discrepancy."""
    return {"discrepancy_id": row.id, "household_id": row.household_id,
            "member_id": row.member_id, "rule": row.rule, "status": row.status,
            "note": row.note or "", "evidence": row.evidence or ""}


HEADS = "sectors"  # the checkpoints' name for the counties' sector chains


def head_rows() -> Select:
    """Every non-empty sector chain as (county id, length, head, path), for checkpoints."""
    return (select(SectorChain.county_id, SectorChain.seq, SectorChain.head,
                   SectorChain.jurisdiction_path)
            .where(SectorChain.seq > 0).order_by(SectorChain.county_id))


def verify(scope_paths: list[str] | None = None,
           checkpoint: Any = None) -> tuple[int, list[Problem]]:
    """Every county's sector chain in scope, and the rows its events describe, against
    the latest external ``checkpoint`` too (a cut tail, a chain deleted with its head)."""
    heads = select(SectorChain)
    events = select(SectorEvent).order_by(SectorEvent.county_id, SectorEvent.seq,
                                          SectorEvent.id)
    if scope_paths is not None:
        heads = heads.where(paths_filter(SectorChain.jurisdiction_path, scope_paths))
        events = events.where(paths_filter(SectorEvent.jurisdiction_path, scope_paths))
    by_county: dict[int, list[SectorEvent]] = {}
    for event in db.session.execute(events.execution_options(populate_existing=True)).scalars():
        by_county.setdefault(event.county_id, []).append(event)
    problems: list[Problem] = []
    checked = 0
    anchored = checkpoint.owners(HEADS, scope_paths) if checkpoint else {}
    for head in db.session.execute(heads.execution_options(populate_existing=True)).scalars():
        chain = by_county.pop(head.county_id, [])
        checked += len(chain)
        anchored.pop(head.county_id, None)
        where = f"{head.jurisdiction_path} 行业数据留痕"
        problems += chain_problems(where, chain, head.head, head.seq, "行业数据链",
                                   checkpoint.head(HEADS, head.county_id) if checkpoint else None)
        problems += _row_problems(where, chain)
    problems += [Problem(f"县 {county_id} 行业数据留痕", None, f"链头记录缺失：检查点记有其 {n} "
                         "条留痕，留痕被整体删除") for county_id, n in anchored.items()
                 if county_id not in by_county]
    for chain in by_county.values():
        problems.append(Problem(f"{chain[0].jurisdiction_path} 行业数据留痕", None,
                                "链头记录缺失：留痕被整体删除或移动"))
    return checked, problems


def _row_problems(where: str, chain: list[SectorEvent]) -> list[Problem]:
    problems = []
    imported = {e.data.get("import_id"): e for e in chain if e.action == "sector_imported"}
    verified: dict[int, SectorEvent] = {}
    for e in chain:
        if e.action == "discrepancy_verified":
            verified[e.data.get("discrepancy_id")] = e  # the last verification counts
    county_ids = {e.county_id for e in chain}
    for row in db.session.execute(select(SectorImport).where(
            SectorImport.county_id.in_(county_ids))
            .execution_options(populate_existing=True)).scalars():
        event = imported.pop(row.id, None)
        if event is None:
            problems.append(Problem(where, None, f"导入批次 {row.id} 没有留痕记录"))
        elif import_fields(row) != {k: event.data.get(k) for k in import_fields(row)}:
            problems.append(Problem(where, event.seq, f"导入批次 {row.id} 的文件或数据与留痕"
                                    "记录不符：数据被直接修改"))
    problems += [Problem(where, e.seq, f"导入批次 {i} 的记录缺失：数据被删除")
                 for i, e in imported.items()]
    path = chain[0].jurisdiction_path if chain else None
    if path:  # a status set without a verification event
        for did in db.session.execute(select(Discrepancy.id).where(
                Discrepancy.jurisdiction_path.startswith(path, autoescape=True),
                Discrepancy.status.in_(("corrected", "sector_wrong")))).scalars():
            if did not in verified:
                problems.append(Problem(where, None, f"疑点 {did} 标记为已核实，但没有核实"
                                        "留痕记录：记录被直接修改"))
    if verified:
        rows = db.session.execute(select(Discrepancy).where(
            Discrepancy.id.in_(list(verified))).execution_options(populate_existing=True)
        ).scalars()
        found = {r.id: r for r in rows}
        for did, event in verified.items():
            row = found.get(did)
            fields = verification_fields(row) if row is not None else None
            if fields is None or fields != {k: event.data.get(k) for k in fields}:
                problems.append(Problem(where, event.seq, f"疑点 {did} 的核实结果与留痕记录"
                                        "不符：记录被直接修改或删除"))
    return problems
