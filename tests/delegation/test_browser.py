"""Headless Chromium: 李四 hands his village clerk role to 张三 on 我的授权; 张三 opens the
case, is told he signs for 李四, signs, and the case page's trail shows 张三（代李四）."""
from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.cases.test_household_exit import start
from tests.factories import GOOD_SURVEY, Api
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, act, login, server  # noqa: F401
from workflow import clock

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_delegate_signs_and_the_case_page_shows_on_behalf_of(server, client, world, people):  # noqa: F811
    case_id = start({"clerk": Api(client, "clerk")}, world)
    assert Api(client, "zhangsan").act(case_id, "submit_survey",
                                       GOOD_SURVEY).status_code == 200
    expect = playwright_api.expect
    ends = (clock.today() + dt.timedelta(days=10)).isoformat()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            lisi = login(browser, server, "lisi")
            lisi.click("#my-delegations")
            lisi.select_option("#d-assignment", label="村两委（大房身村）")
            lisi.fill("#d-delegate", "nobody")
            lisi.fill("#d-ends", ends)
            lisi.click("#d-submit")
            expect(lisi.locator("#d-delegate-error")).to_contain_text("「被授权人」不存在")
            lisi.fill("#d-delegate", "zhangsan")
            lisi.fill("#d-reason", "参加县委党校培训")
            lisi.click("#d-submit")
            expect(lisi.locator(".alert-success")).to_contain_text("已授权张三代办")
            expect(lisi.locator("#given tr[data-delegation] .status")).to_have_text("生效中")

            zhang = login(browser, server, "zhangsan")
            expect(zhang.locator("main")).to_contain_text("民主评议")  # on his 待办
            zhang.goto(f"{server}/cases/{case_id}")
            expect(zhang.locator("#on-behalf-submit_appraisal")).to_contain_text("代李四")
            act(zhang, "submit_appraisal", {"meeting_date": "2020-04-10", "attendees": 31,
                                            "votes_for": 29, "votes_against": 1,
                                            "minutes": "村民代表会议评议，同意退出"})
            expect(zhang.locator(".alert-success")).to_be_visible()
            expect(zhang.locator("#trail")).to_contain_text("张三（代李四）")
            expect(zhang.locator("#on-behalf-verify")).to_have_count(1)  # the next step too
            # After 李四 ends it, 张三 no longer sees a form to sign for him.
            lisi.reload()
            lisi.locator("#given button:has-text('结束授权')").click()
            expect(lisi.locator(".alert-success")).to_contain_text("授权已结束")
            zhang.reload()
            expect(zhang.locator("#on-behalf-verify")).to_have_count(0)
        finally:
            browser.close()
