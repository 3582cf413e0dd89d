"""防止返贫监测: the income rule, entry by procedure, risk removal after six months."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.documents.helpers import fetch_pdf, pdf_text
from tests.factories import GOOD_APPRAISAL, Api, make_household
from workflow import clock
from workflow.extensions import db
from workflow.monitoring.models import MonitoringRecord
from workflow.registry.models import IncomeRecord

ALERT = {"source": "cadre_visit", "risk": "illness", "description": "户主突发重病，医疗支出大"}
HOME_CHECK = {"checked_on": "2020-05-02", "year": 2020, "household_size": 3,
              "per_capita_income": "4200", "findings": "收入骤减"}
CONSENT = {"agreed": True, "confirmed_on": "2020-05-03"}
REVIEW = {"files_complete": True, "spot_checked": True}


def income(household, year: int, total: str, size: int) -> None:
    db.session.add(IncomeRecord(household=household, year=year, wages=Decimal(total),
                                household_size=size))


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_the_rule_flags_exactly_the_households_under_the_threshold(client, world):
    v1 = world.places["v1"]
    under = make_household(v1, "低收入甲", size=2)
    edge = make_household(v1, "低收入乙", size=2)
    above = make_household(v1, "稳定户", size=2)
    watched = make_household(v1, "已监测户", size=2, status="monitored")
    opened = make_household(v1, "已发起户", size=2)
    # 2020 line 4,000 yuan × 1.5 = 6,000 yuan per person.
    for household, total in ((under, "10000"), (edge, "11999.98"), (above, "12000"),
                             (watched, "5000"), (opened, "8000")):
        income(household, 2020, total, 2)
    db.session.commit()
    clerk = Api(client, "clerk")
    ok(clerk.post("/api/v1/cases", json={"procedure": "monitoring_entry",
                                         "subject_id": opened.id}), 201)
    body = ok(clerk.get("/api/v1/monitoring/flags?year=2020"))
    assert body["threshold"] == "6000.0"
    flagged = {h["head_name"]: h["per_capita"] for h in body["households"]}
    assert flagged == {"低收入甲": "5000.00", "低收入乙": "5999.99"}
    # A hand count over the register agrees.
    by_hand = {h.head_name for h in (under, edge, above, watched, opened)
               if h.status != "monitored" and h.income_for(2020).total / 2 < 6000
               and h is not opened}
    assert by_hand == set(flagged)
    assert ok(Api(client, "other_clerk").get("/api/v1/monitoring/flags?year=2020"))[
        "households"] == []


def _entry(apis, household_id: int) -> int:
    clerk = apis["clerk"]
    case_id = ok(clerk.post("/api/v1/cases", json={"procedure": "monitoring_entry",
                                                   "subject_id": household_id}), 201)["id"]
    ok(clerk.act(case_id, "record_alert", ALERT))
    ok(clerk.act(case_id, "record_home_check", HOME_CHECK))
    ok(clerk.act(case_id, "confirm_consent", CONSENT))
    ok(clerk.act(case_id, "submit_appraisal", GOOD_APPRAISAL))
    return case_id


def test_entry_then_removal_only_after_six_months(client, world):
    apis = {n: Api(client, n) for n in ("clerk", "township", "county")}
    household = world.households[0]
    household.phone = "13904120009"
    db.session.commit()
    case_id = _entry(apis, household.id)
    notice = "".join(pdf_text(fetch_pdf(apis["township"], f"/cases/{case_id}/notice.pdf")).split())
    assert household.head_name in notice
    assert household.id_number[:6] not in notice and "13904120009" not in notice
    clock.travel(dt.timedelta(days=6))
    ok(apis["clerk"].act(case_id, "close_village_notice"))
    ok(apis["township"].act(case_id, "township_approve", REVIEW))
    assert ok(apis["county"].act(case_id, "county_approve"))["state"] == "monitored"
    db.session.refresh(household)
    assert household.status == "monitored"

    removal = ok(apis["clerk"].post("/api/v1/cases", json={
        "procedure": "risk_removal", "subject_id": household.id}), 201)["id"]
    survey = {"year": 2020, "household_size": 3, "wages": "21000", "farm_net": "3000",
              "business_net": "0", "property_income": "0", "transfers": "1200",
              "stable_since": (clock.today() - dt.timedelta(days=90)).isoformat(),
              "food_clothing_secure": True, "compulsory_education": True,
              "medical_insured": True, "housing_safe": True, "safe_water": True}
    refused = apis["clerk"].act(removal, "record_removal_survey", survey)
    assert refused.status_code == 422
    reasons = "；".join(refused.get_json()["errors"]["_guards"])
    assert "须满 6 个月才能消除风险" in reasons and "不足 6 个月" in reasons
    clock.travel(dt.timedelta(days=200))
    ok(apis["clerk"].act(removal, "record_removal_survey", survey))
    ok(apis["clerk"].act(removal, "submit_appraisal", GOOD_APPRAISAL))
    clock.travel(dt.timedelta(days=6))
    ok(apis["clerk"].act(removal, "close_village_notice"))
    ok(apis["township"].act(removal, "township_approve", REVIEW))
    assert ok(apis["county"].act(removal, "county_approve"))["state"] == "removed"
    db.session.refresh(household)
    assert household.status == "registered_poor"  # back to what it was
    record = db.session.execute(db.select(MonitoringRecord)).scalar_one()
    assert record.removed_on is not None and record.risks == "illness"  # history kept


def test_low_income_removal_is_refused_with_the_bar(client, world):
    household = make_household(world.places["v1"], "刘昇", size=3, status="monitored")
    db.session.commit()
    clerk = Api(client, "clerk")
    case_id = ok(clerk.post("/api/v1/cases", json={"procedure": "risk_removal",
                                                   "subject_id": household.id}), 201)["id"]
    refused = clerk.act(case_id, "record_removal_survey", {
        "year": 2020, "household_size": 3, "wages": "12000", "farm_net": "0",
        "business_net": "0", "property_income": "0", "transfers": "0",
        "stable_since": "2019-01-01", "food_clothing_secure": True,
        "compulsory_education": True, "medical_insured": False, "housing_safe": True,
        "safe_water": True})
    reasons = "；".join(refused.get_json()["errors"]["_guards"])
    assert "人均纯收入 4,000.00 元，未超过 2020 年监测标准 6,000.00 元" in reasons
    assert "“基本医疗有保障（全员参保）”未持续保障" in reasons


def test_monitoring_page_lists_the_flagged_and_starts_a_case(client, world):
    from tests.web.test_pages import csrf, login

    household = make_household(world.places["v1"], "赵赟", size=2)
    income(household, 2020, "9000", 2)
    db.session.commit()
    assert login(client, "clerk").status_code == 302
    page = client.get("/monitoring?year=2020").get_data(as_text=True)
    assert "赵赟" in page and "4,500.00" in page and "6,000.00" in page
    started = client.post(f"/monitoring/{household.id}/entry",
                          data={"csrf_token": csrf(client, "/monitoring?year=2020")})
    assert started.status_code == 302 and "/cases/" in started.headers["Location"]
    assert "赵赟" not in client.get("/monitoring?year=2020").get_data(as_text=True).split(
        'id="flagged"')[1].split("</table>")[0]
