"""A village clerk corrects a household's phone and address in headless Chromium: from
the register to the household page, the 修改 form, a refused value shown beside its
field, then saved, masked on the page and in the history from the register chain."""
from __future__ import annotations

import os

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401
from workflow.extensions import db
from workflow.registry.models import Household

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_a_clerk_edits_phone_and_address_in_the_browser(server, world):  # noqa: F811
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            clerk = login(browser, server, "clerk")
            clerk.click("nav >> text=农户")
            clerk.locator("tr", has_text="王建国").locator("a:has-text('王建国')").click()
            expect(clerk.locator("h1")).to_contain_text("王建国")
            clerk.click("h1 >> text=修改")
            clerk.fill("#e-address", "大房身村三组 12 号")
            clerk.fill("#e-phone", "1381234")
            clerk.click("button:has-text('保存')")
            expect(clerk.locator(".field.has-error")).to_contain_text(
                "「联系电话」应为 11 位手机号码")
            clerk.fill("#e-phone", "13812345678")
            clerk.click("button:has-text('保存')")
            expect(clerk.locator(".alert-success")).to_contain_text("已保存农户信息")
            expect(clerk.locator("dl.kv")).to_contain_text("大房身村三组 12 号")
            expect(clerk.locator("dl.kv")).to_contain_text("138****5678")
            history = clerk.locator("#history")
            expect(history).to_contain_text("修改农户信息")
            expect(history).to_contain_text("李秀英")
            assert "13812345678" not in clerk.content()
        finally:
            browser.close()
    db.session.expire_all()
    household = db.session.get(Household, world.households[0].id)
    assert (household.phone, household.address, household.version) == (
        "13812345678", "大房身村三组 12 号", 2)
