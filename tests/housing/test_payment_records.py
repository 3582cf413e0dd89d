"""The subsidy payment on paper (account masked) and in the tamper check (row = trail)."""
from __future__ import annotations

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
