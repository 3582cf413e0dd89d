"""A 庄河市 low-income village exits through headless Chromium: the places loaded through
the division import, income from the register at 14,000 yuan per person, every other bar
met with its evidence named; village, township, 庄河市 and 大连市 each in their own browser."""
from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.factories import Api
from tests.housing.helpers import pdf_bytes, upload
from tests.villages.helpers import ZHUANGHE_OK, incomes, zhuanghe_places
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, act, login, server  # noqa: F401
from workflow import clock
from workflow.audit import admin
from workflow.villages.operations import designate

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]
REVIEW = {"reviewed_on": "2019-11-01", "spot_checked_households": 12}


def flash(page, text: str) -> None:
    playwright_api.expect(page.locator(".alert-success")).to_contain_text(text)


def test_a_zhuanghe_village_walks_to_the_city_filing(server, world, client):  # noqa: F811
    base, expect = server, playwright_api.expect
    zh = zhuanghe_places()
    incomes(zh["village"], 14_000)
    designate(zh["village"].code, "2019", "庄委办发〔2019〕59号", admin.cli_actor())
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            clerk = login(browser, base, "zh_clerk")
            clerk.goto(f"{base}/villages")
            row = clerk.locator("tr", has_text="示例沙河村")
            expect(row).to_contain_text("低收入村")
            expect(row).to_contain_text("计划 2019 年退出")
            expect(row).to_contain_text("庄河市低收入村退出标准")
            row.locator("button:has-text('发起贫困村退出')").click()
            flash(clerk, "已发起")
            case_url = clerk.url
            case_id = int(case_url.rstrip("/").rsplit("/", 1)[1])
            for kind in ("indicator_evidence", "population_statistics"):
                assert upload(Api(client, "zh_clerk"), case_id, kind, pdf_bytes()).status_code \
                    == 201
            clerk.goto(case_url)
            # One bar short first: the page names it, its value and its bar.
            act(clerk, "submit_self_assessment", {**ZHUANGHE_OK, "safe_water": "97.9"})
            expect(clerk.locator("body")).to_contain_text("「安全饮水比例 97.9%，未达到 98%」")
            act(clerk, "submit_self_assessment", {**ZHUANGHE_OK, "safe_water": "99.2"})
            flash(clerk, "已办理：提交村级自评")
            clerk.context.close()

            town = login(browser, base, "zh_town")
            town.goto(case_url)
            act(town, "township_approve", REVIEW, opinion="核查属实")
            flash(town, "已办理：乡镇初审通过")
            clock.travel(dt.timedelta(days=8))
            assert upload(Api(client, "zh_town"), case_id, "notice_photo", pdf_bytes()) \
                .status_code == 201
            town.goto(case_url)
            act(town, "close_township_notice")
            flash(town, "已办理：公示期满，报县审核")
            town.context.close()

            county = login(browser, base, "zh_county")
            county.goto(case_url)
            act(county, "county_approve", REVIEW, opinion="审核通过")
            flash(county, "已办理：县级审核通过")
            clock.travel(dt.timedelta(days=8))
            county.goto(case_url)
            act(county, "close_county_notice")
            flash(county, "已办理：公示期满，发布退出公告")
            act(county, "announce_exit", {"announcement_no": "庄扶公告〔2019〕2号",
                                          "announced_on": "2019-11-30"})
            flash(county, "已办理：公告退出，报市备案")
            county.context.close()

            city = login(browser, base, "zh_city")
            city.goto(case_url)
            act(city, "city_file", opinion="同意备案")
            flash(city, "已办理：市级备案")
            expect(city.locator(".case-head .badge")).to_have_text("已退出备案")
        finally:
            browser.close()

