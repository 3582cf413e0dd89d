"""A household exit driven through headless Chromium, from the register to township approval.

The app runs on a real HTTP server in a background thread (same database as the test,
which commits for real); each official uses their own browser context (own cookies).
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD
from workflow import clock

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOT = "/tmp/case_page.png"  # noqa: S108 - a fixed place to look at the page by hand

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


@pytest.fixture
def server(app) -> Iterator[str]:
    """The app on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def login(browser, base: str, username: str, viewport: dict | None = None):
    """A new browser context (own cookies) logged in as ``username``; returns its page."""
    context = browser.new_context(locale="zh-CN",
                                  viewport=viewport or {"width": 1360, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{base}/")
    return page


def fill(page, action: str, values: dict) -> None:
    """Fill the fields of one action's form: True/False tick or untick, the rest typed."""
    for name, value in values.items():
        selector = f"#{action}-{name}"
        tag = page.eval_on_selector(selector, "e => e.tagName + ':' + e.type")
        if value is True or value is False:
            page.set_checked(selector, value)
        elif tag.startswith("SELECT"):
            page.select_option(selector, value)
        else:
            page.fill(selector, str(value))


def act(page, action: str, values: dict | None = None, opinion: str = "") -> None:
    """Fill and submit the form of ``action`` on the case page."""
    form = page.locator(f"#act-{action}")
    fill(page, action, values or {})
    if opinion:
        page.fill(f"#{action}-opinion", opinion)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def expect_flash(page, text: str) -> None:
    playwright_api.expect(page.locator(".alert-success")).to_contain_text(text)


SURVEY = {"year": 2020, "household_size": 3, "wages": "-100", "farm_net": "3200.50",
          "business_net": "0", "property_income": "300", "transfers": "1500",
          "food_clothing_secure": True, "compulsory_education": True,
          "medical_insured": True, "housing_safe": True, "safe_water": True,
          "notes": "务工收入稳定"}


def test_household_exit_through_the_browser(server, world):
    base = server
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The village clerk starts the case from the register.
            clerk = login(browser, base, "clerk")
            clerk.click("nav >> text=农户")
            row = clerk.locator("tr", has_text="王建国")
            row.locator("button:has-text('发起贫困户退出')").click()
            expect_flash(clerk, "已发起")
            case_url = clerk.url
            assert "/cases/" in case_url

            # A negative wage: the Chinese error appears beside that field, values stay.
            act(clerk, "submit_survey", SURVEY, opinion="入户核算属实")
            error = clerk.locator("#submit_survey-wages-error")
            expect(error).to_contain_text("「工资性收入（元）」应在 0 至 10000000 之间")
            field_row = clerk.locator(".field", has=clerk.locator("#submit_survey-wages"))
            expect(field_row.locator(".error")).to_have_text(error.inner_text())
            expect(clerk.locator("#submit_survey-farm_net")).to_have_value("3200.50")
            expect(clerk.locator("#submit_survey-notes")).to_have_value("务工收入稳定")
            expect(clerk.locator("#submit_survey-opinion")).to_have_value("入户核算属实")
            expect(clerk.locator(".badge").first).to_have_text("入户核算")

            # Fixed, it goes through.
            act(clerk, "submit_survey", {"wages": "9000"})
            expect_flash(clerk, "已办理：提交入户核算")
            act(clerk, "submit_appraisal", {
                "meeting_date": "2020-04-10", "attendees": 31, "votes_for": 29,
                "votes_against": 1, "minutes": "村民代表会议评议，同意退出"})
            expect_flash(clerk, "已办理：提交民主评议结果")
            act(clerk, "verify", opinion="经核实，情况属实")
            expect_flash(clerk, "已办理：村级核实签字")
            expect(clerk.locator(".cosign").first).to_contain_text("已签")

            # The work team co-signs from its own browser.
            team = login(browser, base, "team")
            team.goto(case_url)
            act(team, "verify", opinion="驻村工作队核实无误")
            expect_flash(team, "已办理：村级核实签字")
            team.context.close()

            clerk.goto(case_url)
            act(clerk, "confirm_consent", {"agreed": True, "method": "in_person",
                                           "confirmed_on": "2020-04-12"})
            expect_flash(clerk, "已办理：户主确认同意退出")
            expect(clerk.locator("body")).to_contain_text("公示中")

            # Seven days of village notice later, the clerk closes it.
            clock.travel(dt.timedelta(days=8))
            clerk.goto(case_url)
            act(clerk, "close_village_notice")
            expect_flash(clerk, "已办理：公示期满无异议，报乡镇审核")
            clerk.context.close()

            # The township reviewer finds it in the to-do list and approves.
            township = login(browser, base, "township")
            township.locator("tr", has_text="王建国").locator("a:has-text('办理')").click()
            act(township, "township_approve", {"files_complete": True, "spot_checked": True},
                opinion="档案齐全，入户抽查属实，同意")
            expect_flash(township, "已办理：乡镇审核通过，报县审定")
            expect(township.locator(".case-head .badge")).to_have_text("县级审定")

            trail = township.locator("#trail")
            survey_row = trail.locator("tr", has_text="提交入户核算")
            expect(survey_row).to_contain_text("李秀英")
            expect(survey_row).to_contain_text("入户核算 → 民主评议")
            approval_row = trail.locator("tr", has_text="乡镇审核通过，报县审定")
            expect(approval_row).to_contain_text("周审核")
            expect(approval_row).to_contain_text("乡镇审核")
            expect(approval_row).to_contain_text("档案齐全")
            body = township.locator("body").inner_text()
            assert world.households[0].id_number not in body
            township.screenshot(path=SCREENSHOT, full_page=True)
        finally:
            browser.close()
