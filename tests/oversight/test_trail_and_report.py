"""The auditor's trail reads as the forms define it (labels, 是/否, choice titles, state
titles) on the page, in the Excel and in the PDF; exports run no formulas; the monthly
report is a landscape page with one-line headers and its Excel ends with 合计."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.cases.test_household_exit import start
from tests.documents.helpers import pdf_text
from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, Api
from tests.oversight.test_findings_and_boards import filed
from workflow import clock
from workflow.engine import store
from workflow.oversight.exports import short_title

RAW = ("food_clothing_secure", "True", "in_person", "household_size", "year：", "income_survey")


@pytest.fixture
def apis(client, world):
    return {n: Api(client, n) for n in ("clerk", "team", "helper", "township", "county",
                                         "city", "auditor")}


def surveyed_twice(apis, world) -> int:
    """A case whose survey was sent back and submitted again with other wages, then taken
    on to the household's consent (a choice and a date)."""
    case_id = start(apis, world)
    assert apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY).status_code == 200
    assert apis["clerk"].act(case_id, "appraisal_rejects", opinion="需重新核算").status_code == 200
    again = {**GOOD_SURVEY, "wages": "9500"}
    for who, action, data in (("helper", "submit_survey", again),
                              ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                              ("clerk", "verify", {}), ("team", "verify", {}),
                              ("clerk", "confirm_consent", GOOD_CONSENT)):
        response = apis[who].act(case_id, action, data)
        assert response.status_code == 200, (action, response.get_json())
    return case_id


def flat(text: str) -> str:
    return "".join(text.split())


def test_page_excel_and_pdf_show_labels_and_values_as_the_form_defines_them(apis, world,
                                                                            as_user):
    case_id = surveyed_twice(apis, world)
    auditor = as_user("auditor")
    page = auditor.get(f"/oversight/cases/{case_id}").get_data(as_text=True)
    for shown in ("核算年度：2020", "不愁吃、不愁穿：是", "确认方式：村干部当面确认",
                  "户主同意退出：是", "确认日期：" + GOOD_CONSENT["confirmed_on"],
                  "工资性收入（元）：9000.00 → 9500.00", "入户核算 → 民主评议"):
        assert shown in page, shown
    assert not any(raw in page for raw in RAW)
    book = load_workbook(io.BytesIO(auditor.get(f"/oversight/trail.xlsx?case={case_id}").data))
    rows = list(book.active.values)
    cells = "\n".join(str(v) for row in rows[1:] for v in row if v is not None)
    for shown in ("核算年度：2020", "不愁吃、不愁穿：是", "确认方式：村干部当面确认",
                  "户主同意退出：是", "入户核算", "民主评议"):
        assert shown in cells, shown
    assert not any(raw in cells for raw in RAW)
    text = flat(pdf_text(auditor.get(f"/oversight/trail.pdf?case={case_id}").data))
    for shown in ("核算年度：2020", "不愁吃、不愁穿：是", "确认方式：村干部当面确认",
                  "户主同意退出：是", "入户核算→民主评议"):
        assert shown in text, shown
    assert not any(flat(raw) in text for raw in RAW)


def test_events_outside_forms_and_personal_fields_read_as_titles(world):
    from workflow.cases.presenters import event_value, event_values

    renovation = store.current("house_renovation")
    assert event_value(renovation, "pay_subsidy", "account", "6217000123456789012") == (
        "收款账号（一卡通）", "***************9012")
    assert event_values(renovation, "attach", {"kind": "application_form", "size": 10}) == [
        ("材料种类", "改造申请书"), ("大小（字节）", "10")]
    exit_ = store.current("household_exit")
    assert event_values(exit_, "finding", {"rule": "stalled", "outcome": "confirmed"}) == [
        ("审计规则", "案件长期停滞"), ("核查结论", "属实")]
    assert event_value(exit_, "submit_survey", "unknown_key", True) == ("unknown_key", "是")


def test_trail_exports_run_no_formula(apis, world, as_user):
    case_id = start(apis, world)
    assert apis["helper"].act(case_id, "submit_survey", {
        **GOOD_SURVEY, "notes": "=HYPERLINK(\"http://x\",\"y\")"}).status_code == 200
    assert apis["clerk"].act(case_id, "appraisal_rejects", opinion="=1+2").status_code == 200
    book = load_workbook(io.BytesIO(as_user("auditor").get(
        f"/oversight/trail.xlsx?case={case_id}").data))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    opinion = next(c for c in cells if c.value == "'=1+2")
    assert opinion.data_type == "s"


def test_monthly_report_is_landscape_with_one_line_headers_and_a_total_row(apis, world,
                                                                           client):
    from tests.factories import make_household
    from tests.web.test_pages import login
    from workflow.extensions import db

    definition = store.current("household_exit")
    filed(apis, world, 0)
    world.households.append(make_household(world.places["v1"], "三口之家", size=3))
    db.session.commit()
    start(apis, world, 3)
    start({"clerk": Api(client, "other_clerk")}, world, 2)  # 石庙子村, in 杨家堡镇
    month = f"{clock.today():%Y-%m}"
    county = world.places["county"]
    url = f"/boards/report.%s?place={county.code}&procedure=household_exit&month={month}"
    assert login(client, "county").status_code == 302
    pdf = client.get(url % "pdf")
    page = PdfReader(io.BytesIO(pdf.data)).pages[0]
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
    assert page.mediabox.width > page.mediabox.height  # landscape A4
    lines = pdf_text(pdf.data, layout=True).splitlines()
    header = next(line for line in lines if "地区" in line)
    for state in definition.states:  # every title on the header line, none wrapped
        assert short_title(definition.state_title(state)) in header, state
    assert "本月办结" in header
    rows = list(load_workbook(io.BytesIO(client.get(url % "xlsx").data)).active.values)
    # The state table ends at its first 合计 row (the 帮扶进展 tables follow it).
    rows = rows[:next(i for i, r in enumerate(rows) if r[0] == "合计") + 1]
    states = list(definition.states)
    assert rows[-1][0] == "合计"
    assert rows[-1][1:] == tuple(sum(r[i] for r in rows[2:-1]) for i in range(1, len(states) + 3))
    by_state = dict(zip(states, rows[-1][1:], strict=False))
    assert by_state["filed"] == 1 and by_state["income_survey"] == 2
    assert rows[-1][-2:] == (3, 1)  # 合计 and 本月办结


def test_the_case_page_masks_the_subsidy_account_and_the_footer_says_what_holds(world,
                                                                               as_user):
    from types import SimpleNamespace

    from workflow.cases.presenters import collected_steps

    case = SimpleNamespace(data={"pay_subsidy": {"amount": "35000.00",
                                                 "account": "6217000123456789012"}})
    rows = collected_steps(case, store.current("house_renovation"))[0]["rows"]
    assert {r["label"]: r["value"] for r in rows} == {
        "发放金额（元）": "35000.00", "收款账号（一卡通）": "***************9012"}
    page = as_user("auditor").get("/oversight").get_data(as_text=True)
    assert "导出文件仅向需要完整号码的岗位" in page and "每次导出记入建档留痕" in page
