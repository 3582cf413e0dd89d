"""The subsidy payment on paper (account masked) and in the tamper check (row = trail)."""
from __future__ import annotations

from sqlalchemy import text

from tests.documents.helpers import fetch_pdf, pdf_text
from tests.factories import Api
from tests.housing.helpers import (
    ACCOUNT,
    housing_users,
    make_house,
    start,
    to_county_approval,
    to_paid,
)
from workflow.audit.chain import verify
from workflow.extensions import db
from workflow.registry.models import mask_account


def _paid_case(client, world) -> tuple[dict[str, Api], int]:
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk", "township", "housing", "housing2")}
    case_id = start(apis, make_house(world.households[0]))
    to_county_approval(apis, case_id)
    to_paid(apis, case_id)
    return apis, case_id


def test_paper_prints_the_subsidy_account_masked(client, world, as_user):
    apis, case_id = _paid_case(client, world)
    sheet = "".join(pdf_text(fetch_pdf(apis["housing"], f"/cases/{case_id}/sheet.pdf")).split())
    assert "收款账号（一卡通）" in sheet and "FK-2020-0617" in sheet
    assert mask_account(ACCOUNT) in sheet
    assert ACCOUNT not in sheet
    cover = pdf_text(fetch_pdf(apis["housing"], f"/cases/{case_id}/cover.pdf"))
    trail = as_user("auditor").get(f"/oversight/trail.pdf?case={case_id}")
    assert trail.mimetype == "application/pdf"
    trail = pdf_text(trail.data)
    for printed in (cover, trail):
        assert ACCOUNT not in "".join(printed.split())


def _reasons() -> list[str]:
    return [p.reason for p in verify()[1]]


def test_a_subsidy_payment_edited_inserted_or_deleted_in_the_database_is_found(client, world):
    _paid_case(client, world)
    assert verify() == (1, [])
    copy = ("INSERT INTO subsidy_payments (case_id, household_id, amount, account, voucher_no,"
            " paid_on, recorded_by_id, recorded_at) SELECT case_id, household_id, amount,"
            " account, voucher_no, paid_on, recorded_by_id, recorded_at FROM subsidy_payments")
    for sql, reason in (
            ("UPDATE subsidy_payments SET amount = 53000", "补助发放记录与留痕记录不符（金额）"),
            ("UPDATE subsidy_payments SET amount = 35000, account = '6217000999999999999'",
             "补助发放记录与留痕记录不符（收款账号）"),
            (f"UPDATE subsidy_payments SET account = '{ACCOUNT}', paid_on = '2020-06-18'",
             "补助发放记录与留痕记录不符（发放日期）"),
            (f"UPDATE subsidy_payments SET paid_on = '2020-06-17'; {copy}",
             "补助发放记录有 1 条没有留痕记录：未经系统办理"),
            ("DELETE FROM subsidy_payments", "补助发放记录缺失：记录被删除")):
        for statement in sql.split("; "):
            db.session.execute(text(statement))
        db.session.commit()
        assert _reasons() == [reason if reason.endswith(("被删除", "系统办理"))
                              else reason + "：记录被直接修改"], sql
