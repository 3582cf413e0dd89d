"""Headless Chromium: the clerk posts a 批注 mentioning the township reviewer, who sees the
unread count rise in the top bar, opens the notification and lands on the comment."""
from __future__ import annotations

import os

import pytest

from tests.cases.test_household_exit import start
from tests.factories import Api
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_a_comment_with_a_mention_shows_in_the_mentioned_users_top_bar(server, client, world):  # noqa: F811
    case_id = start({"clerk": Api(client, "clerk")}, world)
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            township = login(browser, server, "township")
            count = township.locator("#notification-count")
            expect(count).to_have_attribute("data-unread", "0")
            clerk = login(browser, server, "clerk")
            clerk.goto(f"{server}/cases/{case_id}")
            clerk.fill("#comment-body", "@township 请复核该户的务工收入")
            clerk.click("#comment-form button[type=submit]")
            expect(clerk.locator(".flash, .alert").first).to_contain_text("批注已保存")
            body = clerk.locator("#comments .comment .body")
            expect(body).to_have_text("@township 请复核该户的务工收入")
            township.reload()
            expect(count).to_have_attribute("data-unread", "1")
            expect(count).to_contain_text("1")
            count.click()
            row = township.locator("tr.unread", has_text="在批注中提到了您")
            expect(row).to_have_count(1)
            row.locator("button:has-text('查看')").click()
            township.wait_for_url(f"{server}/cases/{case_id}#comment-*")
            expect(township.locator("#comments")).to_contain_text("请复核该户的务工收入")
            expect(township.locator("#notification-count")).to_have_attribute("data-unread", "0")
        finally:
            browser.close()
