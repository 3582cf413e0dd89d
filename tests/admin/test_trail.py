"""Every user administration change is an event on the administration trail (never a
password); a tampered one fails `flask audit verify`; auditors and administrators read it
within their places, filtered, newest first, on a page and through the API."""
from __future__ import annotations

import json

from tests.audit.test_verify import run_verify, tamper
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, Api
from tests.web.test_pages import csrf, login
from workflow.admin import account
from workflow.admin import operations as ops
from workflow.audit.models import AdminEvent
from workflow.extensions import db


def _events() -> list[AdminEvent]:
    return list(db.session.execute(db.select(AdminEvent).order_by(AdminEvent.id)).scalars())


def _every_change(world) -> tuple[str, str]:
    admin, clerk = world.users["admin"], world.users["clerk"]
    user, first = ops.create_user(admin, {"username": "new_clerk", "display_name": "新村干部",
                                          "role": "village_clerk",
                                          "jurisdiction": "210323107201"})
    row = ops.grant(admin, user, {"role": "helper", "jurisdiction": "210323107201"})
    ops.revoke(admin, user, row.id)
    ops.deactivate(admin, clerk)
    ops.reactivate(admin, clerk)
    reset = ops.reset_password(admin, clerk)
    account.change_password(clerk, {"current_password": reset,
                                    "new_password": "山里的杏花-2026"})
    ops.end_sessions(admin, clerk)
    return first, reset


def test_every_change_is_on_the_trail_without_passwords(app, world):
    first, reset = _every_change(world)
    events = _events()
    assert [e.action for e in events] == [
        "user_created", "role_granted", "role_revoked", "user_deactivated",
        "user_reactivated", "password_reset", "password_changed", "sessions_ended"]
    by_action = {e.action: e for e in events}
    assert by_action["user_created"].place.name == "石庙子村"  # the role's place
    assert by_action["user_deactivated"].place.name == "大房身村"  # the user's assignment
    assert by_action["user_deactivated"].data["active"] == {"before": True, "after": False}
    assert by_action["user_created"].role == "admin"
    assert by_action["password_changed"].actor_name == "李秀英"
    assert by_action["password_changed"].data == {
        "must_change_password": {"before": True, "after": False}}
    dumped = json.dumps([(e.summary, e.data) for e in events], ensure_ascii=False)
    for secret in (first, reset, "山里的杏花-2026"):
        assert secret not in dumped
    result = run_verify(app)
    assert result.exit_code == 0, result.output


def test_a_tampered_event_fails_verify(app, world):
    _every_change(world)
    assert run_verify(app).exit_code == 0
    tamper("UPDATE admin_events SET summary = '篡改' WHERE action = 'password_reset'")
    result = run_verify(app)
    assert result.exit_code == 1 and "内容哈希不符" in result.output


def _client(app, username):
    browser = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(browser, username, PASSWORD).status_code == 302
    return browser


def test_the_trail_page_is_scoped_and_filtered(app, two_counties):
    _every_change(two_counties)
    taian = two_counties.users["taian_admin"]
    ops.create_user(taian, {"username": "taian_new", "display_name": "台安新人",
                            "role": "village_clerk", "jurisdiction": "210321100201"})
    auditor = _client(app, "auditor")  # 岫岩县's auditor
    page = auditor.get("/oversight/admin-trail").get_data(as_text=True)
    assert "新村干部" in page and "台安新人" not in page
    assert page.index("结束") < page.index("新建用户 新村干部")  # newest first
    only = auditor.get("/oversight/admin-trail?action=password_reset").get_data(as_text=True)
    assert "重置 李秀英" in only and "新建用户 新村干部" not in only
    by_user = auditor.get("/oversight/admin-trail?user=new_clerk").get_data(as_text=True)
    assert "新建用户 新村干部" in by_user and "李秀英" not in by_user.split("admin-trail")[-1]
    by_place = auditor.get("/oversight/admin-trail?place=210323107201").get_data(as_text=True)
    assert "新建用户 新村干部" in by_place and "停用账号 李秀英" not in by_place
    bad = auditor.get("/oversight/admin-trail?place=210321&action=x").get_data(as_text=True)
    assert "「地区」不存在或不在您的管辖范围内" in bad and "「操作」不正确" in bad
    assert "管理留痕" in auditor.get("/oversight").get_data(as_text=True)
    assert _client(app, "other_clerk").get("/oversight/admin-trail").status_code == 403


def test_the_trail_api(client, two_counties):
    _every_change(two_counties)
    api = Api(client, "auditor")
    listed = api.get("/api/v1/admin/trail?per_page=3").get_json()
    assert listed["total"] == 8 and [e["action"] for e in listed["items"]] == [
        "sessions_ended", "password_changed", "password_reset"]
    assert api.get("/api/v1/admin/trail?action=user_created").get_json()["total"] == 1
    assert api.get("/api/v1/admin/trail?user=nobody").status_code == 422
    assert Api(client, "taian_admin").get("/api/v1/admin/trail").get_json()["total"] == 0
    assert Api(client, "other_clerk").get("/api/v1/admin/trail").status_code == 403


def test_the_browser_pages_record_as_the_administrator(app, world):
    admin = _client(app, "admin")
    page = f"/admin/users/{world.users['helper'].id}"
    admin.post(f"{page}/roles", data={"csrf_token": csrf(admin, page), "role": "work_team",
                                      "jurisdiction": "210323106201", "department": ""})
    bad = admin.post(f"{page}/roles", data={"csrf_token": csrf(admin, page),
                                            "role": "county_sector", "jurisdiction": "210323"})
    assert bad.status_code == 422 and "须选择「部门」" in bad.get_data(as_text=True)
    reset = admin.post(f"{page}/reset-password", data={"csrf_token": csrf(admin, page)})
    assert reset.status_code == 200 and 'id="one-time-password"' in reset.get_data(as_text=True)
    own = f"/admin/users/{world.users['admin'].id}"
    refused = admin.post(f"{own}/deactivate", data={"csrf_token": csrf(admin, own)},
                         follow_redirects=True)
    assert "不能停用自己的账号" in refused.get_data(as_text=True)
    assert [e.action for e in _events()] == ["role_granted", "password_reset"]
    assert all(e.actor_name == "陈管理员" and e.role == "admin" for e in _events())
