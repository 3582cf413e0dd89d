"""House renovation in headless Chromium: evidence uploaded through the page, and the
renovation method offered follows the appraisal grade."""
from __future__ import annotations

import os

import pytest

from tests.factories import Api
from tests.housing.helpers import (
    APPLICATION,
    HOME_CHECK,
    housing_users,
    jpeg_bytes,
    make_house,
    ok,
    pdf_bytes,
    start,
    upload,
)
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, act, login, server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_upload_and_dependent_method_choice(server, world, client, tmp_path):  # noqa: F811
    housing_users(world)
    apis = {"clerk": Api(client, "clerk")}
    case_id = start(apis, make_house(world.households[0]))
    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    ok(apis["clerk"].act(case_id, "record_home_check", HOME_CHECK))
    fake = tmp_path / "鉴定证书.jpg"
    fake.write_bytes(b"this is not a picture")
    real = tmp_path / "鉴定证书.pdf"
    real.write_bytes(pdf_bytes())
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes())
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = login(browser, server, "township")
        # The procedures' pages sit in the 业务办理 menu: hidden until pointed at.
        house_link = page.locator("nav .items a", has_text="危房改造")
        expect(house_link).to_be_hidden()
        page.hover("nav >> text=业务办理")
        house_link.click()
        expect(page.locator("h1")).to_contain_text("农村危房改造")
        page.goto(f"{server}/cases/{case_id}")
        # The certificate is required: the step says so before anything is typed.
        expect(page.locator("#act-record_appraisal")).to_contain_text("办理前须上传：房屋安全鉴定证书")
        page.select_option("#evidence-kind", "appraisal_certificate")
        page.set_input_files("#evidence-file", str(fake))
        page.click("#evidence button[type=submit]")
        # Refused: the reason beside the file field, not a banner at the top.
        expect(page.locator("#evidence-file-error")).to_contain_text("不是有效的图片或 PDF")
        expect(page.locator(".alert-error")).to_have_count(0)
        page.select_option("#evidence-kind", "appraisal_certificate")
        page.set_input_files("#evidence-file", str(real))
        page.click("#evidence button[type=submit]")
        expect(page.locator(".alert-success")).to_contain_text("已上传：鉴定证书.pdf")
        # Grade C leaves only 修缮加固 open; grade D only the two kinds of rebuilding.
        page.select_option("#record_appraisal-grade", "C")
        assert page.is_disabled("#record_appraisal-method option[value=rebuild]")
        assert not page.is_disabled("#record_appraisal-method option[value=repair]")
        page.select_option("#record_appraisal-grade", "D")
        assert page.is_disabled("#record_appraisal-method option[value=repair]")
        act(page, "record_appraisal", {"appraised_on": "2020-03-10", "appraiser": "王工",
                                       "certificate_no": "岫危鉴〔2020〕031",
                                       "method": "rebuild", "planned_area": "54"})
        expect(page.locator(".alert-success")).to_contain_text("登记鉴定结果")
        expect(page.locator("#trail")).to_contain_text("上传证明材料：房屋安全鉴定证书")
        browser.close()
