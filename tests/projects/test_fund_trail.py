"""Allocations, disbursements and payments on their fund source's hash chain, checked by
`flask audit verify` against the ledger rows; allocations within the project's own 概算
(issue 13 items 6 and 10)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.audit.test_verify import run_verify, tamper
from tests.projects.helpers import (
    fund_source,
    into_library,
    ok,
    register,
    to_allocation,
    to_disbursement,
)
from workflow.audit import funds as trail
from workflow.audit.models import FundEvent
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.funds import operations as funds
from workflow.funds.models import Allocation, FundSource


@pytest.fixture
def disbursed(apis, world):
    """A project allocated 780,000 in its fund_use case and paid 500,000 of it."""
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    case_id = to_allocation(apis, project_id)
    to_disbursement(apis, case_id, source.id)
    ok(apis["county"].act(case_id, "disburse", {
        "source_id": source.id, "amount": "500000", "voucher_no": "岫财报〔2020〕88号",
        "paid_on": "2020-10-25", "payee": "岫岩县绿源香菇专业合作社"}))
    return source.id


def test_allocations_and_disbursements_are_chained_on_their_source(app, disbursed):
    allocated, paid = trail.events_for(disbursed)
    assert (allocated.seq, allocated.action_title, allocated.role) == (
        1, "安排资金", "county_poverty_office")
    assert allocated.data["amount"] == "780000.00" and allocated.data["channel"] == "case"
    assert allocated.data["dated_on"] == "2020-04-05"  # 下达日期 as entered in the case
    assert allocated.summary == ("安排资金：项目「大房身村香菇大棚」780,000.00 元，"
                                 "文号 岫财扶〔2020〕12号")
    assert (paid.seq, paid.prev_hash, paid.action_title) == (2, allocated.hash, "拨付资金")
    assert paid.data["payee"] == "岫岩县绿源香菇专业合作社" and paid.data["amount"] == "500000.00"
    source = db.session.get(FundSource, disbursed)
    assert (source.trail_seq, source.trail_head) == (2, paid.hash)
    assert trail.verify() == (2, [])
    result = run_verify(app)
    assert result.exit_code == 0
    assert "2 fund events and 0 administration events, 0 problems" in result.output


def test_an_allocation_amount_edited_in_the_database_is_found(app, disbursed):
    tamper("UPDATE fund_allocations SET amount = 880000")
    result = run_verify(app)
    assert result.exit_code == 1
    assert ("资金来源 1「县级财政专项扶贫资金」2020 年资金留痕 第 1 条: "
            "资金安排 1 与留痕不符（金额）：记录被修改") in result.output


def test_an_allocation_date_edited_in_the_database_is_found(app, disbursed):
    """Moving 下达日期 back (to make an early payment look covered) is a ledger edit."""
    tamper("UPDATE fund_allocations SET dated_on = '2020-01-02'")
    result = run_verify(app)
    assert result.exit_code == 1
    assert "资金安排 1 与留痕不符（下达日期）：记录被修改" in result.output


def test_a_payee_edited_or_a_row_added_behind_the_application_is_found(app, disbursed):
    tamper("UPDATE project_payments SET payee = '某某公司'")
    tamper("INSERT INTO fund_allocations (source_id, project_id, amount, document_no, dated_on, "
           "channel, at) VALUES (:s, 1, 1000, 'X-1', '2020-04-01', 'api', CURRENT_TIMESTAMP)",
           s=disbursed)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "拨付 1 与留痕不符（收款单位）：记录被修改" in result.output
    assert "资金安排 2 没有留痕记录：未经系统办理" in result.output


def test_a_deleted_disbursement_or_a_raised_budget_is_found(app, disbursed):
    tamper("DELETE FROM project_payments")
    tamper("DELETE FROM fund_disbursements")
    tamper("UPDATE fund_sources SET budget = 99000000")
    result = run_verify(app)
    assert "第 2 条: 拨付 1 的记录被删除" in result.output
    assert "预算 99000000.00 元与留痕记录的 15000000.00 元不符" in result.output


def test_a_rehashed_fund_chain_is_found_by_its_seals(app, disbursed):
    """Editing the event too and recomputing its plain hash does not help without the key."""
    first, second = db.session.execute(db.select(FundEvent).order_by(FundEvent.seq)
                                       ).scalars().all()
    first.data = {**first.data, "amount": "880000.00"}
    first.hash = first.compute_hash()
    second.prev_hash = first.hash
    second.hash = second.compute_hash()
    db.session.commit()
    tamper("UPDATE fund_sources SET trail_head = :h", h=second.hash)
    tamper("UPDATE fund_allocations SET amount = 880000")
    result = run_verify(app)
    assert result.exit_code == 1
    assert "第 1 条: 密钥签名不符" in result.output and "第 2 条: 密钥签名不符" in result.output


def test_an_allocation_above_the_projects_own_budget_is_refused(apis, world):
    source = fund_source(world)
    other = fund_source(world, name="市级财政专项扶贫资金")
    project_id = register(apis["clerk"])  # 概算 800,000.00
    into_library(apis, project_id)
    url = f"/api/v1/projects/{project_id}/allocations"
    api = apis["county"]
    too_much = api.post(url, json={"source_id": source.id, "amount": "800000.01",
                                   "document_no": "A-1"})
    assert too_much.status_code == 422
    assert too_much.get_json()["errors"]["amount"] == [
        "超出项目概算：项目「大房身村香菇大棚」概算 800,000.00 元，已安排 0.00 元，"
        "本次安排 800,000.01 元后合计 800,000.01 元"]
    ok(api.post(url, json={"source_id": source.id, "amount": "500000", "document_no": "A-2"}),
       201)
    with pytest.raises(Invalid) as refused:  # another source, the same project: summed
        funds.allocate(project_id, other.id, "300000.01", "A-3", world.users["county"],
                       channel="cli")
    assert "已安排 500,000.00 元，本次安排 300,000.01 元后合计 800,000.01 元" in \
        refused.value.errors["amount"][0]
    funds.allocate(project_id, other.id, "300000", "A-4", world.users["county"], channel="cli")
    assert db.session.query(Allocation).count() == 2
    assert sum(a.amount for a in db.session.query(Allocation)) == Decimal("800000.00")
    assert db.session.execute(text("SELECT count(*) FROM fund_events")).scalar_one() == 2
