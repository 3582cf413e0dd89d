"""Layout in Chromium at a laptop's 1366 x 768: the renovation board fits the window, and
the project form marks its required fields, reports field and two-field checks together
and offers the villages in scope (screenshots in /tmp for a look by hand)."""
from __future__ import annotations

import os

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]
LAPTOP = {"width": 1366, "height": 768}


def laptop_login(browser, base: str, username: str):
    """A page at 1366 x 768 logged in as ``username``."""
    return login(browser, base, username, LAPTOP)


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


def test_the_project_form_in_the_browser(server, world):  # noqa: F811
    """Required marks, the village drop-down, and field and two-field errors at once."""
    from tests.projects.helpers import PROJECT

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = laptop_login(browser, server, "clerk")
            page.goto(f"{server}/projects/new")
            assert page.locator("label .req").count() == 15
            assert page.locator("#p-village").evaluate("e => e.tagName") == "SELECT"
            assert page.locator("#p-village optgroup[label='偏岭镇'] option").all_inner_texts() \
                == ["大房身村"]
            for name in ("name", "location", "responsible_unit", "planned_sources",
                         "benefit_mechanism", "year", "beneficiary_households",
                         "beneficiary_poor_people"):
                page.fill(f"#p-{name}", str(PROJECT[name]))
            page.select_option("#p-category", PROJECT["category"])
            page.select_option("#p-nature", PROJECT["nature"])
            page.select_option("#p-village", label="大房身村")
            page.fill("#p-starts_on", "2020-09-30")
            page.fill("#p-ends_on", "2020-04-01")
            page.fill("#p-budget", "0")
            page.fill("#p-beneficiary_poor_households", "80")
            page.click("button:has-text('登记')")
            page.wait_for_load_state()
            page.screenshot(path="/tmp/project_form_errors.png", full_page=True)  # noqa: S108
            assert overflow(page) <= 0
            assert "应在 1 至 10 亿元之间" in page.inner_text("#p-budget-error")
            assert page.inner_text("#p-ends_on-error") == "「完工时间」不能早于「开工时间」"
            assert "不能多于「受益户数」" in page.inner_text("#p-beneficiary_poor_households-error")
            assert page.input_value("#p-village") == "210323106201"  # kept after the error
            page.fill("#p-budget", "800000")
            page.fill("#p-ends_on", "2020-10-31")
            page.fill("#p-beneficiary_poor_households", "23")
            page.click("button:has-text('登记')")
            page.wait_for_url(f"{server}/projects/*")
            assert "已登记项目：大房身村香菇大棚" in page.inner_text("main")
        finally:
            browser.close()
