"""The approval sheet (审批表): what it prints, in what order, in which fonts, for whom."""
from __future__ import annotations

import datetime as dt
import logging
import re

from tests.cases.test_household_exit import pass_notice
from tests.documents.helpers import (
    RARE_HEAD,
    RARE_MEMBERS,
    TOWNSHIP_REVIEW,
    browser,
    fetch_pdf,
    filed_case,
    ok,
    open_case,
    pdf_fonts,
    pdf_pages,
    pdf_text,
    png_ink,
    rare_household,
    to_village_notice,
)
from tests.factories import GOOD_SURVEY
from workflow import clock
from workflow.audit.chain import trail
from workflow.cases.models import Case
from workflow.documents import verify
from workflow.extensions import db
from workflow.registry.models import Household


def flat(text: str) -> str:
    """PDF text without whitespace: table cells wrap lines anywhere."""
    return re.sub(r"\s+", "", text)


def local_date(at: dt.datetime) -> str:
    """An event time (naive UTC) as the sheet prints it: 2020年04月12日."""
    day = clock.to_local(at).date()
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def assert_in_order(text: str, needles: list[str]) -> None:
    position = 0
    for needle in needles:
        found = text.find(needle, position)
        assert found >= 0, f"{needle!r} missing, or out of trail order, after {position}"
        position = found + len(needle)


def test_sheet_prints_the_trail_in_order_with_masked_id_and_rare_names(apis, world, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    case_id = filed_case(apis, world)
    data = fetch_pdf(apis["county"], f"/cases/{case_id}/sheet.pdf", "sheet.pdf")
    text = flat(pdf_text(data))

    case = db.session.get(Case, case_id)
    signed = [e for e in trail(case) if e.action not in
              ("create", "record_village_objection", "dismiss_village_objection")]
    assert len(signed) == 11
    # Opinions, signers and dates of every sign-off, in the order of the trail.
    needles = []
    for event in signed:
        needles += [flat(event.opinion), event.actor_name, local_date(event.at)]
    assert_in_order(text, needles)
    assert "村两委核实无误" in text and "工作队核实无误" in text  # the co-signatures

    household = db.session.get(Household, case.subject_id)
    assert household.masked_id in text
    assert household.id_number not in text and household.phone not in text
    for name in [RARE_HEAD, *RARE_MEMBERS]:
        assert name in text
    assert "6,085.79元" in text  # (36,000 + 4,200.50 + 300 + 2,100) / 7
    assert "不愁吃、不愁穿☑是☐否" in text and "饮水安全有保障☑是☐否" in text
    assert "反映该户务工收入不稳定" in text and "不成立" in text  # the notice record
    assert "本表一式四份，县扶贫办、乡镇人民政府、村委会、农户各存一份" in text
    assert "偏岭镇贫困户退出字〔" in text  # the file number

    assert f"案件编号{case_id}" in text
    assert flat(verify.display(verify.case_code(case))) in text
    assert verify.verify_url("http://localhost/", case_id, verify.case_code(case)) in text

    # Only the shipped fonts, embedded; WeasyPrint drew no .notdef.
    fonts = pdf_fonts(data)
    assert fonts and all(("WF-Song" in f or "WF-Hei" in f) and " yes yes yes " in f
                         for f in fonts), fonts
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert pdf_pages(data) == 1
    assert 0.01 < png_ink(data) < 0.5  # rendered, and not blank


def test_a_return_keeps_the_earlier_sign_off_marked_and_the_reason(apis, world):
    case_id = open_case(apis, rare_household(world))
    to_village_notice(apis, case_id, {**GOOD_SURVEY, "household_size": 7, "wages": "40000"})
    pass_notice(apis, case_id)
    ok(apis["township"].act(case_id, "township_approve", TOWNSHIP_REVIEW, opinion="初审同意"))
    ok(apis["county"].act(case_id, "county_reject", opinion="务工收入缺少佐证材料"))
    ok(apis["township"].act(case_id, "township_approve", TOWNSHIP_REVIEW, opinion="补充材料后同意"))
    text = flat(pdf_text(fetch_pdf(apis["township"], f"/cases/{case_id}/sheet.pdf")))
    assert_in_order(text, ["（已退回重办）初审同意", "补充材料后同意", "务工收入缺少佐证材料"])
    assert "☐同意☑不同意" in text  # the county's disagreement
    assert "县扶贫办审定" in text and "市扶贫办备案" in text  # rows still to sign are printed


def test_a_half_signed_co_signature_leaves_room_for_the_missing_role(apis, world):
    case_id = open_case(apis, rare_household(world))
    ok(apis["helper"].act(case_id, "submit_survey", {**GOOD_SURVEY, "household_size": 7,
                                                      "wages": "40000"}))
    ok(apis["clerk"].act(case_id, "submit_appraisal", {
        "meeting_date": "2020-04-10", "attendees": 20, "votes_for": 18, "votes_against": 1,
        "minutes": "同意"}))
    ok(apis["clerk"].act(case_id, "verify", opinion="村两委已核实"))
    text = flat(pdf_text(fetch_pdf(apis["clerk"], f"/cases/{case_id}/sheet.pdf")))
    assert "村两委已核实" in text
    assert "签字：＿＿＿＿（驻村工作队/第一书记）" in text


def test_sheet_is_scoped_like_the_case(apis, world, client):
    case_id = open_case(apis, rare_household(world))
    assert apis["other_township"].get(f"/cases/{case_id}/sheet.pdf").status_code == 404
    assert apis["other_clerk"].get(f"/cases/{case_id}/sheet.pdf").status_code == 404
    assert apis["auditor"].get(f"/cases/{case_id}/sheet.pdf").status_code == 200
    assert apis["clerk"].get("/cases/999999/sheet.pdf").status_code == 404
    anonymous = client.get(f"/cases/{case_id}/sheet.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    bad_token = client.get(f"/cases/{case_id}/sheet.pdf",
                           headers={"Authorization": "Bearer nonsense"})
    assert bad_token.status_code == 401


def test_sheet_response_is_a_private_inline_pdf(apis, world):
    case_id = open_case(apis, rare_household(world))
    response = apis["clerk"].get(f"/cases/{case_id}/sheet.pdf")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "inline" in response.headers["Content-Disposition"]
    assert "%E5%AE%A1%E6%89%B9%E8%A1%A8" in response.headers["Content-Disposition"]  # 审批表


def test_a_logged_in_browser_gets_the_sheet_too(app, apis, world):
    case_id = open_case(apis, rare_household(world))
    response = browser(app, "county").get(f"/cases/{case_id}/sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
