"""Allocating and disbursing special poverty funds. The rules live here, in the operation
itself, so every interface (API, browser, CLI, import, a fund_use case) obeys them:
no allocation to a project outside the library (未入库项目不得安排财政专项扶贫资金), none
above the source's remaining budget or the project's own 概算 (total budget), no
allocation dated (下达日期) in the future, no disbursement before acceptance nor dated
before the money was allocated. Each allocation and disbursement is an event on its fund
source's hash chain (workflow/audit/funds.py), in the same transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func

from workflow import clock
from workflow.audit import funds as trail
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.funds.models import Allocation, Disbursement, FundSource, PaymentRecord
from workflow.projects.models import Project

ALLOCATORS = {"county_poverty_office", "county_leading_group"}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000")


def yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def parse_money(value: Any, field: str, label: str) -> Decimal:
    """An exact amount in yuan with at most two decimals (fen), never a float."""
    if isinstance(value, float) or isinstance(value, bool):
        value = str(value) if isinstance(value, float) else None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid("金额有误", {field: [f"「{label}」必须是金额（元），如 12000.50"]}) from None
    # The bounds first: quantize raises on 1e400 or 10**30 (more digits than the context).
    if not amount.is_finite() or not Decimal(0) < amount <= MAX_AMOUNT:
        raise Invalid("金额有误", {field: [f"「{label}」应大于 0 且不超过 {yuan(MAX_AMOUNT)} 元"]})
    if amount != amount.quantize(CENT):
        raise Invalid("金额有误", {field: [f"「{label}」最多精确到分（两位小数）"]})
    return amount


def _id(value: Any) -> int | None:
    """A record id from a form, a CSV cell or JSON ("12", 12); None when it is not one
    (nor beyond the id columns: 2**31 would overflow PostgreSQL's integer)."""
    return parse_id(value)


def _project_for(project_id: Any, actor: User, roles: set[str]) -> tuple[Project, str]:
    """The project in the actor's scope, and the role the actor acts in on it."""
    project = db.session.get(Project, _id(project_id)) if _id(project_id) else None
    if project is None or not any(a.jurisdiction.contains(project.village)
                                  for a in actor.assignments):
        raise NotFound("项目不存在或不在您的管辖范围内")
    role = next((a.role for a in actor.roles_over(project.village) if a.role in roles), None)
    if role is None:
        raise Forbidden("资金安排和拨付须由县扶贫办或县扶贫开发领导小组办理")
    return project, role


def _locked_source(source_id: Any, project: Project) -> FundSource:
    """The fund source, locked: concurrent allocations and disbursements of one source
    queue here, so each sees the true remaining budget and appends to the source's chain
    in turn (SQLite serializes writers anyway)."""
    source = db.session.execute(
        db.select(FundSource).where(FundSource.id == _id(source_id))
        .with_for_update(of=FundSource)
        .execution_options(populate_existing=True)).scalar_one_or_none() \
        if _id(source_id) else None
    if source is None or not source.county.contains(project.village):
        raise Invalid("资金安排有误", {"source_id": ["「资金来源」不存在或不属于项目所在县"]})
    return source


def allocated_total(source_id: int) -> Decimal:
    return db.session.execute(db.select(func.coalesce(func.sum(Allocation.amount), 0)).where(
        Allocation.source_id == source_id)).scalar_one()


def project_allocated(project_id: int) -> Decimal:
    """What every source together has allocated to the project so far."""
    return Decimal(db.session.execute(
        db.select(func.coalesce(func.sum(Allocation.amount), 0)).where(
            Allocation.project_id == project_id)).scalar_one())


def allocate(project_id: Any, source_id: Any, amount: Any, document_no: str, actor: User, *,
             channel: str, dated_on: Any = None, case_id: int | None = None,
             commit: bool = True) -> Allocation:
    """安排资金: refused unless the project is in the library and the budget covers it.

    ``dated_on`` is the 下达日期 (date of the allocation document; today when not given,
    never in the future). With ``commit`` it is its own transaction; without, it joins
    the caller's (a case).
    """
    return _run(commit, _allocate, project_id, source_id, amount, document_no, actor,
                channel, case_id, dated_on)


def parse_day(value: Any, field: str, label: str) -> dt.date:
    """A past or present date (年-月-日) from a form, JSON, a CSV cell or a date."""
    if isinstance(value, dt.datetime):
        value = None  # a time is not a date: refused below
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            if not isinstance(value, str) or len(value.strip()) != 10:
                raise ValueError
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid("日期有误", {field: [f"「{label}」必须是日期（年-月-日）"]}) from None
    if day > clock.today():
        raise Invalid("日期有误", {field: [
            f"「{label}」不能晚于今天（{clock.today().isoformat()}）"]})
    return day


def _run(commit: bool, work, *args):
    """``work(*args)``, then commit (or roll back on any error) when it is its own
    transaction; inside a caller's transaction the caller decides."""
    try:
        row = work(*args)
        if commit:
            db.session.commit()
        return row
    except Exception:
        if commit:
            db.session.rollback()
        raise


def _allocate(project_id, source_id, amount, document_no, actor, channel, case_id, dated_on):
    money = parse_money(amount, "amount", "安排金额")
    day = clock.today() if dated_on in (None, "") else parse_day(dated_on, "dated_on", "下达日期")
    document_no = (document_no or "").strip()
    if not document_no or len(document_no) > 64:
        raise Invalid("资金安排有误", {"document_no": ["「资金下达文号」为必填项，不超过 64 个字"]})
    project, role = _project_for(project_id, actor, ALLOCATORS)
    if not project.in_library:
        raise Invalid("不符合资金安排条件", {"_guards": [
            f"项目「{project.name}」{project.status_title}，未进入项目库，不得安排财政专项扶贫资金"
            "（未进入项目库的项目原则上不得安排使用财政专项扶贫资金）"]})
    source = _locked_source(source_id, project)
    remaining = source.budget - allocated_total(source.id)
    if money > remaining:
        raise Invalid("不符合资金安排条件", {"_guards": [
            f"超出预算：「{source.name}」{source.year} 年预算 {yuan(source.budget)} 元，"
            f"剩余 {yuan(remaining)} 元，不足以安排 {yuan(money)} 元"]})
    _within_project_budget(project, money)
    row = Allocation(source_id=source.id, project_id=project.id, amount=money,
                     document_no=document_no, dated_on=day, channel=channel,
                     case_id=case_id, by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    trail.record(source, "allocated", actor, role,
                 f"安排资金：项目「{project.name}」{yuan(money)} 元，文号 {document_no}",
                 trail.allocation_data(row))
    return row


def _within_project_budget(project: Project, money: Decimal) -> None:
    """No more for a project, from all sources together, than its own 概算. Two sources
    allocating to one project at once could each pass this check, so the project row is
    locked too (after the source, the order every allocation takes)."""
    db.session.execute(db.select(Project.id).where(Project.id == project.id)
                       .with_for_update(key_share=True)).scalar_one()
    already = project_allocated(project.id)
    if already + money > project.budget:
        raise Invalid("不符合资金安排条件", {"amount": [
            f"超出项目概算：项目「{project.name}」概算 {yuan(project.budget)} 元，已安排 "
            f"{yuan(already)} 元，本次安排 {yuan(money)} 元后合计 {yuan(already + money)} 元"]})


def disburse(project_id: Any, source_id: Any, amount: Any, voucher_no: str, paid_on: Any,
             payee: str, actor: User, *, case_id: int | None = None,
             commit: bool = True) -> Disbursement:
    """县级报账: only after acceptance, within what the source allocated to the project."""
    return _run(commit, _disburse, project_id, source_id, amount, voucher_no, paid_on, payee,
                actor, case_id)


def _disburse(project_id, source_id, amount, voucher_no, paid_on, payee, actor, case_id):
    money = parse_money(amount, "amount", "拨付金额")
    project, role = _project_for(project_id, actor, ALLOCATORS)
    if project.accepted_on is None:
        raise Invalid("不符合拨付条件", {"_guards": [
            f"项目「{project.name}」尚未验收，不得拨付资金（先验收、后报账）"]})
    problems: dict[str, list[str]] = {}
    day = None
    if not (voucher_no or "").strip():
        problems["voucher_no"] = ["「凭证号」为必填项"]
    if not (payee or "").strip():
        problems["payee"] = ["「收款单位」为必填项"]
    try:
        day = paid_on if isinstance(paid_on, dt.date) else dt.date.fromisoformat(str(paid_on))
    except ValueError:
        problems["paid_on"] = ["「拨付日期」必须是日期（年-月-日）"]
    else:  # the same date rules as a form's: not in the future, not before acceptance
        if day > clock.today():
            problems["paid_on"] = [f"「拨付日期」不能晚于今天（{clock.today().isoformat()}）"]
        elif day < project.accepted_on:
            problems["paid_on"] = [f"「拨付日期」不能早于项目验收日期"
                                   f"（{project.accepted_on.isoformat()}）"]
    if problems:
        raise Invalid("拨付信息有误", problems)
    source = _locked_source(source_id, project)  # before the allocations: one lock order
    allocations = db.session.execute(
        db.select(Allocation).where(Allocation.project_id == project.id,
                                    Allocation.source_id == _id(source_id))
        .order_by(Allocation.id).with_for_update(of=Allocation)).scalars().all() \
        if _id(source_id) else []
    if not allocations:
        raise Invalid("拨付信息有误", {"source_id": ["该资金来源没有给本项目安排资金"]})
    # Money can be paid out only once it was allocated: what was allocated after the
    # payment date does not count, and a payment before every allocation is refused.
    allocations_by_then = [a for a in allocations if a.dated_on <= day]
    if not allocations_by_then:
        first = min(a.dated_on for a in allocations)
        raise Invalid("拨付信息有误", {"paid_on": [
            f"「拨付日期」不能早于资金下达日期（{first.isoformat()}）"]})
    spent = db.session.execute(db.select(func.coalesce(func.sum(Disbursement.amount), 0))
                               .where(Disbursement.allocation_id.in_([a.id for a in allocations]))
                               ).scalar_one()
    # Past payments are counted against the money allocated by this date (never below 0).
    available = max(sum((a.amount for a in allocations_by_then), Decimal(0)) - spent,
                    Decimal(0))
    if money > available:
        later = ("（不含拨付日期之后下达的资金）"
                 if len(allocations_by_then) < len(allocations) else "")
        raise Invalid("不符合拨付条件", {"_guards": [
            f"拨付 {yuan(money)} 元超过该资金来源已安排未拨付的 {yuan(available)} 元{later}"]})
    row = Disbursement(allocation_id=allocations_by_then[-1].id, project_id=project.id,
                       amount=money, voucher_no=voucher_no.strip(), paid_on=day, case_id=case_id,
                       by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    payment = PaymentRecord(project_id=project.id, disbursement_id=row.id,
                            payee=payee.strip(), amount=money, paid_on=day)
    db.session.add(payment)
    db.session.flush()
    trail.record(source, "disbursed", actor, role,
                 f"拨付资金：项目「{project.name}」{yuan(money)} 元，凭证号 {row.voucher_no}，"
                 f"收款单位 {payment.payee}", trail.disbursement_data(row, payment))
    return row
