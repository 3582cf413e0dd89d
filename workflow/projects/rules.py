"""Guards and effects of project_library, project_removal and fund_use (DOMAIN.md §4)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func

from workflow import clock
from workflow.engine.registry import effect, guard
from workflow.extensions import db
from workflow.funds import operations as funds
from workflow.funds.models import Allocation, Disbursement, FundSource
from workflow.projects.models import ASSET_CLASSES, DEPARTMENTS, Asset


@guard("project_has_targets")
def project_has_targets(ctx) -> list[str]:
    """No performance targets (绩效目标), no entry."""
    targets = ctx.subject.performance_targets or []
    if not any(t.get("indicator") and t.get("target") for t in targets):
        return ["项目未填写绩效目标，不能申报入库（请在项目信息中补充绩效指标和目标值）"]
    return []


@guard("review_confirmed")
def review_confirmed(ctx) -> list[str]:
    """乡审核: authenticity, necessity, feasibility and budget each confirmed."""
    titles = {"authentic": "真实性", "necessary": "必要性", "feasible": "可行性",
              "budget_reasonable": "投资概算合理"}
    return [f"审核未确认项目的{t}，不能通过" for k, t in titles.items() if not ctx.values.get(k)]


@guard("sector_matches_category")
def sector_matches_category(ctx) -> list[str]:
    """论证 by the county department of the project's category."""
    wanted = ctx.subject.department
    if ctx.assignment.department == wanted:
        return []
    mine = DEPARTMENTS.get(ctx.assignment.department or "", "未指定部门")
    return [f"{ctx.subject.category_title}类项目须由{DEPARTMENTS[wanted]}论证，"
            f"您的岗位属于{mine}"]


@guard("project_in_library", subject_only=True)
def project_in_library(ctx) -> list[str]:
    if ctx.subject.in_library:
        return []
    return [f"项目「{ctx.subject.name}」{ctx.subject.status_title}，未在项目库中"]


@guard("project_not_in_library", subject_only=True)
def project_not_in_library(ctx) -> list[str]:
    return [f"项目「{ctx.subject.name}」已入库"] if ctx.subject.in_library else []


@guard("no_undisbursed_allocations", subject_only=True)
def no_undisbursed_allocations(ctx) -> list[str]:
    """A project with funds allocated and not yet paid out cannot leave the library."""
    project_id = ctx.subject.id
    allocated = db.session.execute(db.select(func.coalesce(func.sum(Allocation.amount), 0))
                                   .where(Allocation.project_id == project_id)).scalar_one()
    spent = db.session.execute(db.select(func.coalesce(func.sum(Disbursement.amount), 0))
                               .where(Disbursement.project_id == project_id)).scalar_one()
    if Decimal(allocated) > Decimal(spent):
        return [f"项目已安排资金 {funds.yuan(Decimal(allocated) - Decimal(spent))} 元尚未拨付，"
                "须先收回或调整资金后才能出库"]
    return []


@effect("enter_library")
def enter_library(ctx) -> None:
    ctx.subject.library_status = "in_library"
    ctx.subject.entered_library_on = clock.today()


@effect("remove_from_library")
def remove_from_library(ctx) -> None:
    ctx.subject.library_status = "removed"
    ctx.subject.removed_on = clock.today()


@effect("allocate_funds")
def allocate_funds(ctx) -> None:
    """The fund_use step runs the same operation as every other interface."""
    v = ctx.values
    funds.allocate(ctx.subject.id, v["source_id"], v["amount"], v["document_no"], ctx.actor,
                   channel="case", dated_on=v.get("dated_on"), case_id=ctx.case.id,
                   commit=False)


@effect("accept_and_register_asset")
def accept_and_register_asset(ctx) -> None:
    """Acceptance (县级抽查) registers the asset: class, value, sources, owner, ..."""
    v = ctx.values
    project = ctx.subject
    # The day of the county's spot check as entered, so a disbursement can be held to it.
    project.accepted_on = dt.date.fromisoformat(v["checked_on"])
    sources = db.session.execute(
        db.select(FundSource.name, func.sum(Allocation.amount))
        .join(FundSource, FundSource.id == Allocation.source_id)
        .where(Allocation.project_id == project.id).group_by(FundSource.name)).all()
    db.session.add(Asset(
        project_id=project.id, name=v["asset_name"], asset_class=v["asset_class"],
        value=Decimal(v["value"]), fund_sources=[{"source": n, "amount": str(a)}
                                                 for n, a in sources],
        owner=v["owner"], manager=v["manager"], maintainer=v["maintainer"],
        income_sharing=v["income_sharing"], registered_on=clock.today(),
        village_id=project.village_id, jurisdiction_path=project.jurisdiction_path))


@guard("asset_class_known")
def asset_class_known(ctx) -> list[str]:
    return [] if ctx.values.get("asset_class") in ASSET_CLASSES else ["请选择资产类别"]


@effect("record_disbursement")
def record_disbursement(ctx) -> None:
    v = ctx.values
    funds.disburse(ctx.subject.id, v["source_id"], v["amount"], v["voucher_no"], v["paid_on"],
                   v["payee"], ctx.actor, case_id=ctx.case.id, commit=False)
