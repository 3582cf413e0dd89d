"""Computed figures on the case page and the sheet: a village's 贫困发生率 with its
numerator and denominator, a household's 人均纯收入 — the numbers the guards checked."""
from __future__ import annotations

from tests.documents.helpers import browser, fetch_pdf, open_case, pdf_text
from tests.factories import GOOD_SURVEY, make_household
from tests.housing.helpers import pdf_bytes, upload
from workflow.extensions import db

INCIDENCE = "1.25%（剩余贫困人口 5 人 ÷ 农业户籍人口 400 人）"
PER_CAPITA = "4,666.83 元（家庭纯收入 14,000.50 元 ÷ 家庭人口 3 人）"  # GOOD_SURVEY


def flat(text: str) -> str:
    return "".join(text.split())


def village_case(apis, world) -> int:
    """A village exit case of 大房身村 (5 poor people in the register) for 400 people."""
    v1 = world.places["v1"]
    make_household(v1, "李堃", size=4, status="exited")  # not counted
    db.session.commit()
    response = apis["clerk"].post("/api/v1/cases", json={"procedure": "village_exit",
                                                         "subject_id": v1.id})
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["id"]
    for kind in ("indicator_evidence", "population_statistics"):
        assert upload(apis["clerk"], case_id, kind, pdf_bytes()).status_code == 201
    done = apis["clerk"].act(case_id, "submit_self_assessment",
                             {"year": 2019, "rural_population": 400})
    assert done.status_code == 200, done.get_json()
    return case_id


def test_village_exit_page_and_sheet_show_the_computed_incidence(app, apis, world):
    case_id = village_case(apis, world)
    page = browser(app, "township").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "系统计算指标" in page and INCIDENCE in page
    sheet = flat(pdf_text(fetch_pdf(apis["township"], f"/cases/{case_id}/sheet.pdf")))
    assert "系统计算指标" in sheet and flat(INCIDENCE) in sheet


def test_village_page_before_the_assessment_says_when_it_is_computed(app, apis, world):
    response = apis["clerk"].post("/api/v1/cases", json={
        "procedure": "village_exit", "subject_id": world.places["v1"].id})
    page = browser(app, "clerk").get(f"/cases/{response.get_json()['id']}")
    assert "待村级自评填报农业户籍人口后由系统计算" in page.get_data(as_text=True)


def test_household_exit_page_and_sheet_show_the_per_capita_income(app, apis, world):
    case_id = open_case(apis, world.households[0])
    done = apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY, opinion="属实")
    assert done.status_code == 200, done.get_json()
    page = browser(app, "township").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "人均纯收入" in page and PER_CAPITA in page
    assert "高于 2020 年贫困线 4,000 元（系统默认值）" in page
    sheet = flat(pdf_text(fetch_pdf(apis["township"], f"/cases/{case_id}/sheet.pdf")))
    assert "人均纯收入4,666.83元" in sheet and "合计14,000.50" in sheet
