"""The public verification page: current, outdated or unknown — and nothing personal."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import zxingcpp

from tests.documents.helpers import (
    RARE_HEAD,
    fetch_pdf,
    ok,
    open_case,
    page_image,
    pdf_text,
    rare_household,
)
from tests.factories import GOOD_SURVEY
from workflow.cases.models import Case
from workflow.documents import verify
from workflow.extensions import db

CODE = re.compile(r"校验码\s*([0-9A-Z]{4}-[0-9A-Z]{4})")


def status(client, url: str) -> tuple[str, str]:
    """The verdict of the public page (no login) and its whole text."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = re.search(r'data-status="(\w+)"', page)
    return (found.group(1) if found else ""), page


def test_printed_code_is_current_then_outdated_when_the_case_moves_on(apis, world, client):
    household = rare_household(world)
    case_id = open_case(apis, household)
    ok(apis["helper"].act(case_id, "submit_survey",
                          {**GOOD_SURVEY, "household_size": 7, "wages": "40000"},
                          opinion="该户有慢性病人，已参保"))
    printed = pdf_text(fetch_pdf(apis["clerk"], f"/cases/{case_id}/sheet.pdf"))
    code = CODE.search(printed).group(1)
    url = f"/verify/{case_id}/{code}"
    assert url.replace("-", "") in re.sub(r"\s+", "", printed).replace("-", "")

    verdict, page = status(client, url)
    assert verdict == "current"
    assert "贫困户退出" in page and f"案件编号 {case_id}" in page
    ok(apis["clerk"].act(case_id, "submit_appraisal", {
        "meeting_date": "2020-04-10", "attendees": 20, "votes_for": 18, "votes_against": 1,
        "minutes": "同意"}))
    verdict, page = status(client, url)
    assert verdict == "outdated"
    assert "此后又有 1 次办理" in page
    # Nothing personal: no name, ID, phone, place or opinion of the case.
    for secret in (RARE_HEAD, household.id_number, household.masked_id, household.phone,
                   "大房身村", "偏岭镇", "慢性病", "李秀英"):
        assert secret not in page, secret


def test_printed_qr_code_scans_to_the_verification_page(apis, world, client):
    """What a phone sees: the QR code on the printed page (rendered at a scanner's 200 dpi)
    decodes, with an independent decoder, to the printed address, which says current."""
    case_id = open_case(apis, rare_household(world))
    for path in (f"/cases/{case_id}/sheet.pdf", f"/cases/{case_id}/cover.pdf"):
        data = fetch_pdf(apis["clerk"], path)
        codes = zxingcpp.read_barcodes(page_image(data, dpi=200),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(codes) == 1, path
        code = verify.case_code(db.session.get(Case, case_id))
        assert codes[0].text.endswith(f"/verify/{case_id}/{code}"), codes[0].text
        assert status(client, urlsplit(codes[0].text).path)[0] == "current"


def test_codes_are_read_forgivingly_and_unknown_ones_say_nothing(apis, world, client):
    case_id = open_case(apis, rare_household(world))
    code = verify.case_code(db.session.get(Case, case_id))
    assert status(client, f"/verify/{case_id}/{code.lower()}")[0] == "current"
    assert status(client, f"/verify/{case_id}/{verify.display(code)}")[0] == "current"
    typed = client.get(f"/verify?case={case_id}&code={verify.display(code).lower()}")
    assert typed.status_code == 302 and typed.headers["Location"].endswith(
        f"/verify/{case_id}/{code}")

    wrong_code, wrong_page = status(client, f"/verify/{case_id}/AAAA-AAAA")
    no_case, no_case_page = status(client, "/verify/987654/AAAA-AAAA")
    assert wrong_code == no_case == "unknown"
    # The same answer whether the case exists or not: the page is no case directory.
    verdict = re.compile(r'<div class="alert[^>]*>(.*?)</div>', re.S)
    assert verdict.search(wrong_page).group(1) == verdict.search(no_case_page).group(1)
    assert status(client, f"/verify/{case_id}/x")[0] == "unknown"
    assert status(client, "/verify")[0] == ""  # the empty form


def test_code_is_derived_from_the_trail_head():
    head = "ab" * 32
    assert verify.code_for(7, head) == verify.code_for(7, head)
    assert verify.code_for(7, head) != verify.code_for(8, head)
    assert verify.code_for(7, head) != verify.code_for(7, "cd" * 32)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", verify.code_for(7, head))
    assert verify.normalize(" abcd-efgh ") == "ABCDEFGH"
    assert verify.normalize("IL0O") == "1100"
