"""The case page and the approval sheet print the poverty line the step applied, with its
source and document, read from the trail: a setting changed later does not change what
a filed case shows."""
from __future__ import annotations

from tests.cases.test_household_exit import pass_notice
from tests.documents.helpers import (
    ANNOUNCEMENT,
    TOWNSHIP_REVIEW,
    browser,
    fetch_pdf,
    ok,
    open_case,
    pdf_text,
    to_village_notice,
)
from tests.factories import GOOD_SURVEY
from tests.registry.test_poverty_line_applied import DOCUMENT, set_line, survey


def flat(text: str) -> str:
    return "".join(text.split())


def test_the_sheet_prints_the_line_set_for_2026_and_its_document(app, apis, world):
    set_line(app, "7600", "--place", "210323", "--document", DOCUMENT)
    case_id = open_case(apis, world.households[0])
    ok(apis["helper"].act(case_id, "submit_survey", survey(760001)))
    applied = f"2026 年贫困线 7,600 元（岫岩满族自治县设置，{DOCUMENT}）"
    page = browser(app, "clerk").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"高于 {applied}" in page
    sheet = flat(pdf_text(fetch_pdf(apis["clerk"], f"/cases/{case_id}/sheet.pdf")))
    assert flat(f"适用{applied}") in sheet and "7,600.00元" in sheet


def test_a_case_filed_under_2019s_line_still_shows_it_after_the_line_changes(
        app, apis, world):
    case_id = open_case(apis, world.households[0])
    to_village_notice(apis, case_id, {**GOOD_SURVEY, "year": 2019})
    pass_notice(apis, case_id)
    ok(apis["township"].act(case_id, "township_approve", TOWNSHIP_REVIEW))
    ok(apis["county"].act(case_id, "county_approve", opinion="同意退出"))
    ok(apis["county"].act(case_id, "announce_strike_off", ANNOUNCEMENT))
    ok(apis["city"].act(case_id, "city_file", opinion="已备案"))

    # The county raises its 2019 line after the case was filed.
    result = app.test_cli_runner().invoke(args=[
        "settings", "set", "poverty_line", "5000", "--year", "2019", "--place", "210323",
        "--document", "岫政办发〔2019〕9号"])
    assert result.exit_code == 0, result.output

    judged = "2019 年贫困线 3,747 元（系统默认值）"
    page = browser(app, "clerk").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"高于 {judged}" in page and "5,000" not in page
    sheet = flat(pdf_text(fetch_pdf(apis["clerk"], f"/cases/{case_id}/sheet.pdf")))
    assert flat(f"适用{judged}") in sheet and "2019年3,747.00" in sheet
    assert "5,000" not in sheet and "岫政办发〔2019〕9号" not in sheet
