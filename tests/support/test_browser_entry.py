"""A helper enters a support measure in headless Chromium: from the board's drill-down
to the household's support page, a refused amount shown beside its field, then saved,
listed, and the gap gone from the household's list."""
from __future__ import annotations

import os

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401
from workflow import clock
from workflow.extensions import db
from workflow.support.models import SupportMeasure

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_a_helper_enters_a_measure_from_the_board(server, world):  # noqa: F811
    expect = playwright_api.expect
    month = clock.today().strftime("%Y-%m")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = login(browser, server, "helper")
            page.goto(f"{server}/support/board?special_action=industry&month={month}")
            page.locator("#rule-industry_every_person").locator("a:has-text('未覆盖农户')").click()
            page.locator("tr", has_text="王建国").locator("a:has-text('录入帮扶措施')").click()
            expect(page.locator("h1")).to_contain_text("王建国")
            expect(page.locator("#gaps")).to_contain_text("贫困人口产业帮扶措施全覆盖：3 人未覆盖")
            page.select_option("#kind", "industry_award")
            page.select_option("#department", "agriculture")
            page.fill("#starts_on", clock.today().replace(day=1).isoformat())
            page.fill("#amount", "15.005")
            page.click("button:has-text('新增措施')")
            expect(page.locator("#measure-form")).to_contain_text("「金额」最多两位小数")
            page.fill("#amount", "1500")
            page.click("button:has-text('新增措施')")
            expect(page.locator(".alert-success")).to_contain_text("已新增帮扶措施")
            expect(page.locator("#measures")).to_contain_text("产业奖补")
            expect(page.locator("#measures")).to_contain_text("1,500.00")
            expect(page.locator("#gaps")).not_to_contain_text("产业帮扶措施")
        finally:
            browser.close()
    db.session.expire_all()
    [measure] = db.session.execute(db.select(SupportMeasure)).scalars().all()
    assert (measure.entered_by_name, str(measure.amount)) == ("孙帮扶", "1500.00")
