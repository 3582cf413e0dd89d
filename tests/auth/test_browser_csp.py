"""The page policy in Chromium: no page logs a CSP refusal, the scripts still run and the
templates' style attributes still apply."""
from __future__ import annotations

import os

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401
from tests.web.test_pages import new_case

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_pages_run_under_the_policy_without_refusals(server, world):  # noqa: F811
    case = new_case(world)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        refusals: list[str] = []
        page = login(browser, server, "clerk")
        page.on("console", lambda m: refusals.append(m.text)
                if "Content Security Policy" in m.text else None)
        for path in ("/", "/cases", f"/cases/{case.id}", "/households", "/boards",
                     "/documents/batch", "/login"):
            page.goto(server + path)
        # An error page's 返回上一页 goes back through forms.js, not a javascript: URL.
        page.goto(server + "/cases/999999")
        page.click("text=返回上一页")
        page.wait_for_url(server + "/")  # where /login sent the signed-in clerk
        context = browser.new_context()
        anonymous = context.new_page()
        anonymous.on("console", lambda m: refusals.append(m.text)
                     if "Content Security Policy" in m.text else None)
        anonymous.goto(server + "/login")
        align = anonymous.eval_on_selector(".card p.muted", "e => getComputedStyle(e).textAlign")
        browser.close()
    assert refusals == []
    assert align == "center"  # style="text-align:center" in templates/auth/login.html
