"""Deactivation and resets take effect on the next request; a reset or (in production) a
demo password forces a change first; the password policy; the account page's sessions
and tokens."""
from __future__ import annotations

import re

import pytest

from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, Api
from tests.web.test_pages import csrf, login
from workflow.admin import operations as ops
from workflow.auth.models import ApiToken, User, UserSession
from workflow.extensions import db


def _browser(app, username: str, password: str = PASSWORD) -> IsolatedClient:
    browser = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(browser, username, password).status_code == 302
    return browser


def _user(name: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(username=name)).scalar_one()


def test_deactivation_refuses_the_open_session_and_token_on_the_next_request(app, world,
                                                                             client):
    browser, api = _browser(app, "clerk"), Api(client, "clerk")
    assert browser.get("/").status_code == 200
    assert api.get("/api/v1/households").status_code == 200
    admin = _browser(app, "admin")
    clerk_id = world.users["clerk"].id
    page = f"/admin/users/{clerk_id}"
    done = admin.post(f"{page}/deactivate", data={"csrf_token": csrf(admin, page)})
    assert done.status_code == 302
    assert "账号已停用" in admin.get(page).get_data(as_text=True)
    refused = browser.get("/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert api.get("/api/v1/households").status_code == 401
    assert login(IsolatedClient(app, app.response_class), "clerk").status_code == 401
    admin.post(f"{page}/reactivate", data={"csrf_token": csrf(admin, page)})
    assert _user("clerk").active
    assert login(IsolatedClient(app, app.response_class), "clerk").status_code == 302


def test_reset_forces_a_change_in_the_browser_and_the_api(app, world, client):
    admin = Api(client, "admin")
    old_token = Api(client, "clerk")
    reset = admin.post(f"/api/v1/admin/users/{world.users['clerk'].id}/reset-password")
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    one_time = reset.get_json()["one_time_password"]
    assert old_token.get("/api/v1/households").status_code == 401  # tokens ended
    assert one_time not in str(_user("clerk").password_hash)
    # The API: only the change endpoint answers.
    api = Api(client, "clerk", one_time)
    refused = api.get("/api/v1/households")
    assert refused.status_code == 403 and "请先修改密码" in refused.get_json()["message"]
    # The browser: every page leads to the change page.
    browser = _browser(app, "clerk", one_time)
    for url in ("/", "/cases", "/households", "/account"):
        response = browser.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/account/password"), url
    form = browser.get("/account/password").get_data(as_text=True)
    assert "一次性密码" in form
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    changed = browser.post("/account/password", data={
        "csrf_token": token, "current_password": one_time,
        "new_password": "山里的杏花-2026", "confirm_password": "山里的杏花-2026"})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/")
    assert browser.get("/").status_code == 200  # the same browser goes on
    user = _user("clerk")
    assert not user.must_change_password and user.password_changed_at is not None
    assert api.get("/api/v1/households").status_code == 401  # the one-time token ended


def test_the_api_changes_its_own_password(client, world):
    admin = Api(client, "admin")
    one_time = admin.post(f"/api/v1/admin/users/{world.users['county'].id}/reset-password"
                          ).get_json()["one_time_password"]
    api = Api(client, "county", one_time)
    weak = api.post("/api/v1/account/password", json={"current_password": one_time,
                                                      "new_password": "password123"})
    assert weak.status_code == 422
    assert weak.get_json()["errors"]["new_password"] == [
        "「新密码」是常见密码，容易被猜中，请换一个"]
    ok = api.post("/api/v1/account/password", json={"current_password": one_time,
                                                    "new_password": "县里新的口令-2026"})
    assert ok.status_code == 200
    assert Api(client, "county", "县里新的口令-2026").get("/api/v1/cases").status_code == 200


@pytest.mark.parametrize(("new", "message"), [
    ("short-1", "「新密码」至少 10 个字符"),
    ("clerk-2026-ab", "「新密码」不能与用户名相同或包含用户名"),
    ("1234567890", "「新密码」是常见密码，容易被猜中，请换一个"),
    ("Password2020!", "「新密码」是常见密码，容易被猜中，请换一个"),
    ("qwertyuiop", "「新密码」是常见密码，容易被猜中，请换一个"),
])
def test_the_password_policy_names_the_problem(app, world, new, message):
    browser = _browser(app, "clerk")
    response = browser.post("/account/password", data={
        "csrf_token": csrf(browser, "/account"), "current_password": PASSWORD,
        "new_password": new, "confirm_password": new})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _user("clerk").check_password(PASSWORD)


def test_a_wrong_current_password_or_mismatch_is_refused(app, world):
    browser = _browser(app, "clerk")
    wrong = browser.post("/account/password", data={
        "csrf_token": csrf(browser, "/account"), "current_password": "not-it-at-all",
        "new_password": "山里的杏花-2026", "confirm_password": "山里的杏花-2026"})
    assert wrong.status_code == 422 and "「当前密码」不正确" in wrong.get_data(as_text=True)
    mismatch = browser.post("/account/password", data={
        "csrf_token": csrf(browser, "/account"), "current_password": PASSWORD,
        "new_password": "山里的杏花-2026", "confirm_password": "山里的杏花-2027"})
    assert "两次输入的「新密码」不一致" in mismatch.get_data(as_text=True)
    assert _user("clerk").check_password(PASSWORD)


def test_the_account_page_lists_and_ends_own_sessions_and_tokens(app, world, client):
    laptop, phone = _browser(app, "clerk"), _browser(app, "clerk")
    Api(client, "clerk")
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count("<form method=\"post\" action=\"/account/sessions/") == 3  # 2 + others
    assert "当前会话" in page and "API 令牌" in page
    assert laptop.post("/account/sessions/end-others",
                       data={"csrf_token": csrf(laptop, "/account")}).status_code == 302
    assert phone.get("/").status_code == 302  # the other device is logged out
    assert laptop.get("/").status_code == 200
    token = db.session.execute(db.select(ApiToken.id)).scalar_one()
    laptop.post(f"/account/tokens/{token}/revoke", data={"csrf_token": csrf(laptop, "/account")})
    assert db.session.execute(db.select(db.func.count()).select_from(ApiToken)).scalar() == 0
    mine = db.session.execute(db.select(UserSession.id).where(
        UserSession.ended_at.is_(None))).scalar_one()
    laptop.post(f"/account/sessions/{mine}/end", data={"csrf_token": csrf(laptop, "/account")})
    assert laptop.get("/").status_code == 302
    # Another user's session cannot be ended from here.
    other = _browser(app, "township")
    other_row = db.session.execute(db.select(UserSession.id).where(
        UserSession.user_id == world.users["township"].id)).scalar_one()
    clerk = _browser(app, "clerk")
    clerk.post(f"/account/sessions/{other_row}/end", data={"csrf_token": csrf(clerk, "/account")})
    assert other.get("/").status_code == 200


@pytest.mark.parametrize("production", [False, True])
def test_a_demo_password_must_be_changed_in_production_only(app, world, production,
                                                            monkeypatch):
    user = world.users["clerk"]
    user.demo_password = True
    db.session.commit()
    monkeypatch.setitem(app.config, "PRODUCTION", production)
    browser = _browser(app, "clerk")
    response = browser.get("/")
    assert (response.status_code == 302) is production
    if production:
        assert response.headers["Location"].endswith("/account/password")


def test_an_admin_creates_a_user_who_must_change_the_one_time_password(app, world):
    admin = _browser(app, "admin")
    created = admin.post("/admin/users/new", data={
        "csrf_token": csrf(admin, "/admin/users/new"), "username": "wang_clerk",
        "display_name": "王会计", "role": "village_clerk", "jurisdiction": "210323106201",
        "department": ""})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    one_time = re.search(r'id="one-time-password"[^>]*>([^<]+)<',
                         created.get_data(as_text=True)).group(1)
    assert "one-time" not in (admin.get_cookie("session").value or "")
    browser = _browser(app, "wang_clerk", one_time)
    assert browser.get("/").headers["Location"].endswith("/account/password")
    again = admin.post("/admin/users/new", data={
        "csrf_token": csrf(admin, "/admin/users/new"), "username": "wang_clerk",
        "display_name": "王会计", "role": "admin", "jurisdiction": "210300"})
    text = again.get_data(as_text=True)
    assert again.status_code == 422 and "不在您的管辖范围内" in text


def test_the_user_list_searches_by_name_place_and_role(app, world):
    admin = _browser(app, "admin")
    assert "李秀英" in admin.get("/admin/users?q=秀英").get_data(as_text=True)
    by_role = admin.get("/admin/users?role=township_reviewer").get_data(as_text=True)
    assert "周审核" in by_role and "李秀英" not in by_role
    by_place = admin.get("/admin/users?place=210323107201").get_data(as_text=True)
    assert "冯村干部" in by_place and "李秀英" not in by_place
    bad = admin.get("/admin/users?place=999999&role=nope").get_data(as_text=True)
    assert "「地区」不存在或不在您的管辖范围内" in bad and "「角色」不正确" in bad
    assert _browser(app, "county").get("/admin/users").status_code == 403
    assert ops.admin_paths(world.users["county"]) == []
