"""Every change in the sectors area besides imports and runs: a village's verification
(核实) of a discrepancy, recorded on the county's sector chain in the same transaction."""
from __future__ import annotations

from sqlalchemy import select

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.jurisdictions.scope import scope_filter
from workflow.sectors import chain
from workflow.sectors.formats import get
from workflow.sectors.models import STATUSES, Discrepancy, SectorImport

VERIFIERS = {"village_clerk", "work_team"}
OUTCOMES = {"corrected": STATUSES["corrected"], "sector_wrong": STATUSES["sector_wrong"]}
MAX_NOTE = 500
MAX_EVIDENCE = 200


def _checked(outcome: str, note: str, evidence: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = ["「核实结果」须为：" + "、".join(OUTCOMES.values())]
    if outcome == "corrected" and not evidence:
        errors["evidence"] = ["「佐证材料」为必填项：已核实更正须写明依据（如户口簿、参保凭证）"]
    if outcome == "sector_wrong" and not note:
        errors["note"] = ["「核实说明」为必填项：部门数据有误须写明实际情况"]
    if len(note) > MAX_NOTE:
        errors["note"] = [f"「核实说明」不能超过 {MAX_NOTE} 个字"]
    if len(evidence) > MAX_EVIDENCE:
        errors["evidence"] = [f"「佐证材料」不能超过 {MAX_EVIDENCE} 个字"]
    if "\x00" in note + evidence:
        errors["note"] = ["「核实说明」不能含有空字符"]
    if errors:
        raise Invalid("核实信息有误", errors)
    return note, evidence


def verify_discrepancy(discrepancy_id: int, actor: User, outcome: str, note: str = "",
                       evidence: str = "") -> Discrepancy:
    """Record the village's finding on one open discrepancy, with its event (committed)."""
    row = db.session.execute(
        select(Discrepancy).where(Discrepancy.id == discrepancy_id,
                                  scope_filter(Discrepancy.jurisdiction_path, actor))
        .with_for_update(of=Discrepancy.__table__).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("疑点不存在或不在您的管辖范围内")
    role = next((a.role for a in actor.roles_over(row.village) if a.role in VERIFIERS), None)
    if role is None:
        raise Forbidden("只有本村的村两委或驻村工作队可以核实疑点")
    if row.status != "open":
        raise Invalid("该疑点已处理", {"outcome": [
            f"该疑点的状态为“{row.status_title}”，不能再核实"]})
    note, evidence = _checked(outcome, (note or "").strip(), (evidence or "").strip())
    row.status, row.note, row.evidence = outcome, note, evidence or None
    row.verified_by_id, row.verified_at = actor.id, clock.utcnow()
    source = db.session.get(SectorImport, row.import_id)
    fmt = get(row.source)
    who = row.member.name if row.member else row.household.head_name
    department = fmt.department_title if fmt else row.source
    chain.append(source.county, "discrepancy_verified", actor, role,
                 f"{row.village.name} {who}：{row.reason}（{department}）"
                 f"——{OUTCOMES[outcome]}", chain.verification_fields(row))
    db.session.commit()
    return row
