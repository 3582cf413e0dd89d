"""Public notices (公示), announcements (公告) and archive covers (档案封面)."""
from __future__ import annotations

import re

from tests.cases.test_household_exit import pass_notice
from tests.documents.helpers import (
    RARE_HEAD,
    RARE_SURVEY,
    TOWNSHIP_REVIEW,
    fetch_pdf,
    filed_case,
    ok,
    open_case,
    pdf_text,
    png_ink,
    rare_household,
    to_village_notice,
)
from tests.factories import GOOD_SURVEY
from workflow.cases.models import Case
from workflow.documents import verify
from workflow.extensions import db
from workflow.notices.models import Notice

ID_LIKE = re.compile(r"\d{6}[\d*]{8,}")


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def two_cases_in_notice(apis, world) -> tuple[int, int]:
    rare = open_case(apis, rare_household(world))
    to_village_notice(apis, rare, RARE_SURVEY)
    plain = open_case(apis, world.households[0])
    to_village_notice(apis, plain, GOOD_SURVEY)
    return rare, plain


def test_village_board_notice_lists_the_cases_and_where_to_object(apis, world):
    rare, plain = two_cases_in_notice(apis, world)
    data = fetch_pdf(apis["clerk"], f"/villages/{world.places['v1'].code}/notice.pdf",
                     "village-notice.pdf")
    raw = pdf_text(data)
    text = flat(raw)
    notice = db.session.execute(db.select(Notice).filter_by(case_id=rare)).scalar_one()
    start, end = notice.starts_on, notice.ends_on
    assert "大房身村贫困户退出村级公示" in text
    assert RARE_HEAD in text and "王建国" in text
    assert f"{end.year}年{end.month:02d}月{end.day:02d}日前（含当日）" in text
    assert f"{start.year}年{start.month:02d}月{start.day:02d}日至" in text
    assert "向大房身村村民委员会反映" in text and "（共7天）" in text
    assert "6,085.79" in text  # per-capita income is public, as on real boards
    # Never an ID number (full or masked), a phone or the members' names.
    for case_id in (rare, plain):
        household = db.session.get(Case, case_id)
        assert verify.display(verify.case_code(household)) in text
    assert not ID_LIKE.search(text), ID_LIKE.search(text)
    assert "13904120001" not in text and "赵喆" not in text
    assert 0.005 < png_ink(data) < 0.5

    per_case = flat(pdf_text(fetch_pdf(apis["county"], f"/cases/{plain}/notice.pdf")))
    assert RARE_HEAD in per_case and "王建国" in per_case
    assert apis["other_clerk"].get(
        f"/villages/{world.places['v1'].code}/notice.pdf").status_code == 404
    assert apis["other_clerk"].get(f"/cases/{plain}/notice.pdf").status_code == 404
    assert apis["other_clerk"].get(
        f"/villages/{world.places['v2'].code}/notice.pdf").status_code == 404  # none open
    assert apis["clerk"].get(f"/villages/{world.places['pianling'].code}/notice.pdf"
                             ).status_code == 404  # a township is no village board


def test_township_notice_is_issued_by_the_township(apis, world):
    case_id = open_case(apis, rare_household(world))
    assert apis["clerk"].get(f"/cases/{case_id}/notice.pdf").status_code == 404
    to_village_notice(apis, case_id, RARE_SURVEY)
    pass_notice(apis, case_id)
    ok(apis["township"].act(case_id, "township_approve_with_notice", TOWNSHIP_REVIEW))
    text = flat(pdf_text(fetch_pdf(apis["township"], f"/cases/{case_id}/notice.pdf")))
    assert "偏岭镇贫困户退出乡镇公示" in text and "向偏岭镇人民政府反映" in text


def test_announcement_only_after_the_county_decided(apis, world):
    case_id = open_case(apis, world.households[0])
    refused = apis["county"].get(f"/cases/{case_id}/announcement.pdf")
    assert refused.status_code == 409
    assert "尚未经县级审定" in refused.get_data(as_text=True)
    filed = filed_case(apis, world)
    text = flat(pdf_text(fetch_pdf(apis["county"], f"/cases/{filed}/announcement.pdf")))
    assert "岩满族自治县贫困户退出公告" in text and "岫扶公告〔2020〕3号" in text
    assert "岫岩满族自治县扶贫开发领导小组办公室2020年05月20日" in text
    assert RARE_HEAD in text and not ID_LIKE.search(text)


def test_archive_cover_carries_the_file_number_and_contents(apis, world):
    case_id = filed_case(apis, world)
    data = fetch_pdf(apis["township"], f"/cases/{case_id}/cover.pdf", "cover.pdf")
    text = flat(pdf_text(data))
    case = db.session.get(Case, case_id)
    assert f"档案编号：偏岭镇贫困户退出字〔{case.year}〕{case_id}号" in text
    assert "贫困户退出档案" in text and RARE_HEAD in text
    for item in ("贫困户退出入户核算表", "村级公示记录", "乡镇公示记录", "贫困户退出审批表",
                 "贫困户退出公告"):
        assert item in text, item
    assert verify.display(verify.case_code(case)) in text
    assert 0.005 < png_ink(data) < 0.5
