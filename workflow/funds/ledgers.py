"""账账相符: the ledgers checked against each other, for `flask funds check`."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func

from workflow.extensions import db
from workflow.funds.models import Allocation, Disbursement, FundSource, PaymentRecord
from workflow.funds.operations import yuan
from workflow.projects.models import Project


def _sums(column, key) -> dict[int, Decimal]:
    return {k: v for k, v in db.session.execute(
        db.select(key, func.sum(column)).group_by(key)).all()}


def check_ledgers() -> list[str]:
    """Every disagreement between budgets, allocations, disbursements and payments."""
    problems: list[str] = []
    names = dict(db.session.execute(db.select(Project.id, Project.name)).all())
    disbursed = _sums(Disbursement.amount, Disbursement.project_id)
    paid = _sums(PaymentRecord.amount, PaymentRecord.project_id)
    for project_id in sorted(set(disbursed) | set(paid)):
        d, p = disbursed.get(project_id, Decimal(0)), paid.get(project_id, Decimal(0))
        if d != p:
            name = names.get(project_id, "?")
            problems.append(f"项目 {project_id}「{name}」：拨付合计 {yuan(d)} 元，"
                            f"支付记录合计 {yuan(p)} 元，账账不符")
    allocated = _sums(Allocation.amount, Allocation.source_id)
    for source in db.session.execute(db.select(FundSource).order_by(FundSource.id)).scalars():
        total = allocated.get(source.id, Decimal(0))
        if total > source.budget:
            problems.append(f"资金来源 {source.id}「{source.name}」{source.year} 年：已安排 "
                            f"{yuan(total)} 元，超过预算 {yuan(source.budget)} 元")
    per_allocation = _sums(Disbursement.amount, Disbursement.allocation_id)
    for allocation in db.session.execute(db.select(Allocation)).scalars():
        spent = per_allocation.get(allocation.id, Decimal(0))
        if spent > allocation.amount:
            problems.append(f"资金安排 {allocation.id}：拨付 {yuan(spent)} 元超过安排的 "
                            f"{yuan(allocation.amount)} 元")
    outside = db.session.execute(
        db.select(Allocation.id, Project.id, Project.name).join(
            Project, Project.id == Allocation.project_id)
        .where(Project.entered_library_on.is_(None))).all()
    for allocation_id, project_id, name in outside:
        problems.append(f"资金安排 {allocation_id}：项目 {project_id}「{name}」从未入库")
    early = db.session.execute(
        db.select(Disbursement.id, Project.name).join(
            Project, Project.id == Disbursement.project_id)
        .where(Project.accepted_on.is_(None))).all()
    for disbursement_id, name in early:
        problems.append(f"拨付 {disbursement_id}：项目「{name}」尚未验收")
    return problems
