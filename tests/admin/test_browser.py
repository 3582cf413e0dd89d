"""Headless Chromium: an administrator creates a user; the user logs in with the one-time
password, is sent to change it, does, and lands on the to-do page."""
from __future__ import annotations

import os

import pytest

from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_a_new_user_changes_the_one_time_password_and_lands_on_the_todo_page(
        server, world):  # noqa: F811
    base = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            admin = login(browser, base, "admin")
            admin.hover("nav >> text=系统管理 ▾")  # the administrator's menu
            admin.click("nav >> text=用户管理")
            admin.wait_for_url(f"{base}/admin/users")
            admin.click("#new-user")
            admin.fill("#u-display_name", "王会计")
            admin.fill("#u-username", "wang_clerk")
            admin.select_option("#g-role", "village_clerk")
            admin.select_option("#g-jurisdiction", "210323106201")
            admin.click("button:has-text('新建')")
            one_time = admin.inner_text("#one-time-password").strip()
            assert len(one_time) == 12

            context = browser.new_context(locale="zh-CN")
            context.set_default_timeout(15_000)
            user = context.new_page()
            user.goto(f"{base}/login")
            user.fill("#username", "wang_clerk")
            user.fill("#password", one_time)
            user.click("button:has-text('登录')")
            user.wait_for_url(f"{base}/account/password")
            assert user.is_visible("#must-change")
            user.goto(f"{base}/cases")  # any other page leads back here
            user.wait_for_url(f"{base}/account/password")
            user.fill("#a-current_password", one_time)
            user.fill("#a-new_password", "password123")
            user.fill("#a-confirm_password", "password123")
            user.click("button:has-text('修改密码')")
            assert "常见密码" in user.inner_text("#a-new_password-error")
            user.fill("#a-current_password", one_time)
            user.fill("#a-new_password", "杏花开了-2026-春")
            user.fill("#a-confirm_password", "杏花开了-2026-春")
            user.click("button:has-text('修改密码')")
            user.wait_for_url(f"{base}/")
            assert "密码已修改" in user.inner_text("main")
            assert "王会计" in user.inner_text(".who")

            admin.goto(f"{base}/oversight/admin-trail")
            trail = admin.inner_text("#admin-trail")
            assert "新建用户 王会计（wang_clerk）" in trail and "修改了自己的密码" in trail
        finally:
            browser.close()
