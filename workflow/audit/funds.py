"""The fund trail: every allocation and disbursement (with its payment record) is an
event on its fund source's hash chain, written in the same transaction as the ledger row.

The source row holds the chain's length and head and is locked while an event is
appended (the allocation already locks it to check the remaining budget), so concurrent
writers queue instead of forking the chain. ``verify`` checks each chain and then the
ledger rows against it: an amount, project, allocation date, voucher or payee edited in
the database, a row added or deleted outside the operations, or a budget changed is
reported.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow import clock
from workflow.audit.anchors import Checkpoint
from workflow.audit.chain import Problem, chain_problems
from workflow.audit.models import GENESIS, FundEvent, seal
from workflow.auth.models import User
from workflow.extensions import db
from workflow.funds.models import Allocation, Disbursement, FundSource, PaymentRecord
from workflow.jurisdictions.scope import paths_filter

FUND_ACTIONS = {"allocated": "安排资金", "disbursed": "拨付资金"}


def record(source: FundSource, action: str, actor: User, role: str, summary: str,
           data: dict[str, Any]) -> None:
    """Append an event to ``source``'s chain. The caller holds the source row's lock
    (SELECT ... FOR UPDATE) and commits; the budget rides along so an edit shows."""
    values = {"source_id": source.id, "jurisdiction_path": source.jurisdiction_path,
              "seq": source.trail_seq + 1, "action": action,
              "action_title": FUND_ACTIONS[action], "actor_id": actor.id,
              "actor_name": actor.display_name, "role": role, "summary": summary,
              "data": {**data, "budget": _money(source.budget)}, "at": clock.utcnow(),
              "prev_hash": source.trail_head or GENESIS}
    seal(values, FundEvent.HASHED)
    db.session.execute(FundEvent.__table__.insert(), [values])
    source.trail_seq, source.trail_head = values["seq"], values["hash"]


def _money(value: Any) -> str:
    return f"{Decimal(value):.2f}"


def allocation_data(row: Allocation) -> dict[str, Any]:
    """What an allocation's event records of it (and what verify compares)."""
    return {"allocation_id": row.id, "project_id": row.project_id, "amount": _money(row.amount),
            "document_no": row.document_no, "dated_on": row.dated_on.isoformat(),
            "channel": row.channel, "case_id": row.case_id}


# Values added to an event's data after events were first written: an event sealed
# before (it lacks the key) cannot record them, so they are compared only when present.
_ADDED_LATER = {"dated_on"}  # migration 0013


def disbursement_data(row: Disbursement, payment: PaymentRecord) -> dict[str, Any]:
    """What a disbursement's event records of it and of its payment record."""
    return {"disbursement_id": row.id, "allocation_id": row.allocation_id,
            "project_id": row.project_id, "amount": _money(row.amount),
            "voucher_no": row.voucher_no, "paid_on": row.paid_on.isoformat(),
            "case_id": row.case_id, "payment_id": payment.id, "payee": payment.payee,
            "payment_amount": _money(payment.amount),
            "payment_paid_on": payment.paid_on.isoformat()}


def verify(scope_paths: list[str] | None = None,
           checkpoint: Checkpoint | None = None) -> tuple[int, list[Problem]]:
    """Check every fund source's chain (against ``checkpoint``, if any) and its ledger
    rows (within ``scope_paths``); returns (events checked, problems)."""
    sources = select(FundSource).order_by(FundSource.id)
    events = select(FundEvent).order_by(FundEvent.source_id, FundEvent.id)
    if scope_paths is not None:
        sources = sources.where(paths_filter(FundSource.jurisdiction_path, scope_paths))
        events = events.where(paths_filter(FundEvent.jurisdiction_path, scope_paths))
    by_source: dict[int, list[FundEvent]] = {}
    for event in db.session.execute(events).scalars():
        by_source.setdefault(event.source_id, []).append(event)
    ledger = _ledger()
    anchored = checkpoint.owners("funds", scope_paths) if checkpoint else {}
    problems: list[Problem] = []
    checked = 0
    for source in db.session.execute(
            sources.execution_options(populate_existing=True)).scalars():
        chain = by_source.pop(source.id, [])
        checked += len(chain)
        where = f"资金来源 {source.id}「{source.name}」{source.year} 年资金留痕"
        anchored.pop(source.id, None)
        problems += chain_problems(where, chain, source.trail_head, source.trail_seq, "资金来源",
                                   checkpoint.head("funds", source.id) if checkpoint else None)
        problems += _ledger_problems(where, source, chain, ledger)
    for chain in by_source.values():  # events whose source row is gone
        problems.append(Problem(f"资金来源 {chain[0].source_id}", None,
                                "资金来源记录缺失，但存在其资金留痕"))
    problems += [Problem(f"资金来源 {sid}", None, f"资金来源记录缺失：检查点记有其 {n} 条资金"
                         "留痕，记录被删除") for sid, n in anchored.items()]
    return checked, problems


def _ledger() -> dict[str, dict[int, Any]]:
    """Every allocation, disbursement and payment row, by id (a county holds thousands)."""
    def rows(model):
        return db.session.execute(select(model).execution_options(populate_existing=True)
                                  ).scalars()
    return {"allocations": {r.id: r for r in rows(Allocation)},
            "disbursements": {r.id: r for r in rows(Disbursement)},
            "payments": {r.disbursement_id: r for r in rows(PaymentRecord)}}


def _ledger_problems(where: str, source: FundSource, chain: list[FundEvent],
                     ledger: dict[str, dict[int, Any]]) -> list[Problem]:
    """Ledger rows of ``source`` that differ from, lack or outlive their events."""
    problems: list[Problem] = []
    allocations = {i: r for i, r in ledger["allocations"].items() if r.source_id == source.id}
    disbursements = {i: r for i, r in ledger["disbursements"].items()
                     if r.allocation_id in allocations}
    seen_a: set[int] = set()
    seen_d: set[int] = set()
    for event in chain:
        data = event.data or {}
        if event.action == "allocated":
            row = allocations.get(data.get("allocation_id"))
            seen_a.add(data.get("allocation_id"))
            now = allocation_data(row) if row is not None else None
            label = f"资金安排 {data.get('allocation_id')}"
        else:
            row = disbursements.get(data.get("disbursement_id"))
            seen_d.add(data.get("disbursement_id"))
            payment = ledger["payments"].get(row.id) if row is not None else None
            now = disbursement_data(row, payment) if payment is not None else None
            label = f"拨付 {data.get('disbursement_id')}"
        if now is None:
            problems.append(Problem(where, event.seq, f"{label} 的记录被删除"))
            continue
        changed = "、".join(_TITLES.get(k, k) for k, v in now.items() if data.get(k) != v
                           and (k in data or k not in _ADDED_LATER))
        if changed:
            problems.append(Problem(where, event.seq,
                                    f"{label} 与留痕不符（{changed}）：记录被修改"))
    for row_id in sorted(set(allocations) - seen_a):
        problems.append(Problem(where, None, f"资金安排 {row_id} 没有留痕记录：未经系统办理"))
    for row_id in sorted(set(disbursements) - seen_d):
        problems.append(Problem(where, None, f"拨付 {row_id} 没有留痕记录：未经系统办理"))
    recorded = chain[-1].data.get("budget") if chain else None
    if recorded is not None and Decimal(recorded) != source.budget:
        problems.append(Problem(where, None, f"预算 {_money(source.budget)} 元与留痕记录的 "
                                             f"{recorded} 元不符：记录被修改"))
    return problems


_TITLES = {"amount": "金额", "project_id": "项目", "document_no": "资金下达文号",
           "dated_on": "下达日期", "channel": "办理渠道", "case_id": "案件",
           "allocation_id": "资金安排",
           "voucher_no": "凭证号", "paid_on": "拨付日期", "payment_id": "支付记录",
           "payee": "收款单位", "payment_amount": "支付金额", "payment_paid_on": "支付日期"}


def events_for(source_id: int) -> list[FundEvent]:
    """One source's fund trail, oldest first."""
    return db.session.execute(select(FundEvent).where(FundEvent.source_id == source_id)
                              .order_by(FundEvent.seq)).scalars().all()


def adopt_legacy(fallback: User | None) -> int:
    """Put ledger rows written before the fund trail existed onto their sources' chains
    (for `flask audit seal`, once after upgrading); returns the number of events added.
    Each event names the row's own recorder, else ``fallback``."""
    ledger = _ledger()
    recorded = {(e.action, e.data.get("allocation_id") if e.action == "allocated"
                 else e.data.get("disbursement_id"))
                for e in db.session.execute(select(FundEvent)).scalars()}
    users: dict[int, User] = {}
    added = 0
    rows = [("allocated", r) for r in ledger["allocations"].values()] + \
        [("disbursed", r) for r in ledger["disbursements"].values()]
    for action, row in sorted(rows, key=lambda item: (item[1].at, item[0], item[1].id)):
        if (action, row.id) in recorded:
            continue
        actor = users.get(row.by_id) or (db.session.get(User, row.by_id) if row.by_id else None)
        actor = actor or fallback
        if actor is None:
            raise ValueError(f"{FUND_ACTIONS[action]}记录 {row.id} 没有经办人：请用 --user 指定")
        users[actor.id] = actor
        allocation = row if action == "allocated" else ledger["allocations"][row.allocation_id]
        source = db.session.execute(select(FundSource).where(
            FundSource.id == allocation.source_id).with_for_update()).scalar_one()
        data = (allocation_data(row) if action == "allocated"
                else disbursement_data(row, ledger["payments"][row.id]))
        summary = f"补记（启用资金留痕前的记录）：{FUND_ACTIONS[action]} {_money(row.amount)} 元"
        record(source, action, actor, "", summary, data)
        added += 1
    return added
