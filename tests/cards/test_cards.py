"""明白卡: the card holds the household's measures and amounts and never a full ID; a card
printed before a new measure verifies as outdated; a village's cards come as one PDF
from the job queue; another village's clerk cannot print them."""
from __future__ import annotations

import re

from tests.documents.helpers import csrf_of, fetch_pdf, pdf_pages, pdf_text
from tests.factories import Api
from tests.jobs.helpers import wait_for
from workflow import clock
from workflow.cards.models import PolicyCard
from workflow.extensions import db
from workflow.jobs import queue
from workflow.jobs.models import Job

CODE = re.compile(r"校验码\s*([0-9A-Z]{4}-[0-9A-Z]{4})")


def measure(api: Api, household_id: int, kind: str = "industry_award",
            amount: str = "1500.00", department: str = "agriculture"):
    year = clock.today().year
    response = api.post(f"/api/v1/households/{household_id}/measures", json={
        "kind": kind, "department": department, "starts_on": f"{year}-01-05",
        "ends_on": f"{year}-12-31", "amount": amount, "note": "肉牛养殖奖补"})
    assert response.status_code == 201, response.get_json()


def verdict(client, household_id: int, code: str) -> str:
    page = client.get(f"/verify/card/{household_id}/{code}").get_data(as_text=True)
    return re.search(r'data-status="(\w+)"', page).group(1)


def test_the_card_shows_measures_and_amounts_and_goes_out_of_date(client, world):
    helper, clerk = Api(client, "helper"), Api(client, "clerk")
    household = world.households[0]
    household.dibao = True
    db.session.commit()
    measure(helper, household.id)
    data = fetch_pdf(clerk, f"/households/{household.id}/card.pdf")
    text = pdf_text(data)
    assert pdf_pages(data) == 1
    for shown in ("帮扶政策明白卡", "王建国", "产业奖补", "1,500.00", "孙帮扶",
                  "农村最低生活保障（低保）", "大房身村"):
        assert shown in text, shown
    assert household.id_number not in text and household.masked_id in text
    code = CODE.search(text).group(1)
    assert verdict(client, household.id, code) == "current"
    assert verdict(client, household.id, code.replace("-", "").lower()) == "current"

    measure(helper, household.id, kind="medical_aid", amount="800.00", department="health")
    assert verdict(client, household.id, code) == "outdated"
    newer = CODE.search(pdf_text(fetch_pdf(clerk, f"/households/{household.id}/card.pdf")))
    assert newer.group(1) != code and verdict(client, household.id, newer.group(1)) == "current"
    assert verdict(client, household.id, "ABCD-EFGH") == "unknown"
    assert verdict(client, 999999, code) == "unknown"
    printed = db.session.execute(db.select(PolicyCard)).scalars().all()
    assert [p.printed_by_id for p in printed] == [world.users["clerk"].id] * 2

    other = Api(client, "other_clerk")
    assert other.get(f"/households/{household.id}/card.pdf").status_code == 404
    asked = client.get(f"/verify/card?household={household.id}&code={code}")
    assert asked.status_code == 302 and asked.headers["Location"].endswith(
        f"/verify/card/{household.id}/{code.replace('-', '')}")


def test_a_village_prints_its_cards_as_one_pdf_from_the_queue(app, world, job_worker):
    from tests.documents.helpers import browser

    clerk = browser(app, "clerk")
    token = csrf_of(clerk, "/jobs")
    refused = clerk.post("/villages/210323107201/cards", data={"csrf_token": token})
    assert refused.status_code == 302
    assert not db.session.execute(db.select(Job)).scalars().all()  # not the clerk's village
    started = clerk.post("/villages/210323106201/cards", data={"csrf_token": token})
    assert started.status_code == 302 and started.headers["Location"].endswith("/jobs")
    job = wait_for(db.session.execute(db.select(Job)).scalar_one().id)
    assert job.status == "done", job.error
    assert job.message == "已生成 2 户明白卡"
    data = queue.result_file(job).data
    text = pdf_text(data)
    assert pdf_pages(data) == 2 and "王建国" in text and "张喆" in text
    assert len(db.session.execute(db.select(PolicyCard)).scalars().all()) == 2


def test_the_helpers_work_phone_is_printed_once_given(app, client, world):
    from tests.documents.helpers import browser

    helper = browser(app, "helper")
    token = csrf_of(helper, "/account")
    wrong = helper.post("/account/phone", data={"csrf_token": token, "phone": "12345"})
    assert wrong.status_code == 422
    assert "「工作电话」格式不正确" in wrong.get_data(as_text=True)
    saved = helper.post("/account/phone", data={"csrf_token": token, "phone": "138 1234 5678"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert world.users["helper"].phone == "13812345678"
    measure(Api(client, "helper"), world.households[0].id)
    text = pdf_text(fetch_pdf(Api(client, "clerk"),
                              f"/households/{world.households[0].id}/card.pdf"))
    assert "孙帮扶（13812345678）" in text
    cleared = helper.post("/account/phone", data={"csrf_token": token, "phone": ""})
    assert cleared.status_code == 302
    db.session.expire_all()
    assert world.users["helper"].phone is None


def test_the_card_shows_the_income_so_far_and_dates_with_a_new_month(client, world):
    from tests.progress.test_progress import on

    on("2020-06-15")
    helper, clerk = Api(client, "helper"), Api(client, "clerk")
    household = world.households[0]
    entered = helper.post(f"/api/v1/households/{household.id}/progress",
                          json={"year": 2020, "month": 6, "income_to_date": "9000"})
    assert entered.status_code in (200, 201), entered.get_json()
    text = pdf_text(fetch_pdf(clerk, f"/households/{household.id}/card.pdf"))
    assert "截至 2020 年 6 月 9,000.00 元" in text and "3,000.00 元" in text
    code = CODE.search(text).group(1)
    on("2020-07-15")
    helper.post(f"/api/v1/households/{household.id}/progress",
                json={"year": 2020, "month": 7, "income_to_date": "10500"})
    assert verdict(client, household.id, code) == "outdated"
