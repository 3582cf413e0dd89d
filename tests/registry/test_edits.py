"""Editing a household and its members through the API: by the roles each field names,
on the village's register chain with the field-level before/after, versioned, refused
whole when any value is bad, and never while a case judges the edited facts."""
from __future__ import annotations

import hashlib

from sqlalchemy import text

from tests.audit.test_verify import run_verify, tamper
from tests.factories import Api, id_number
from workflow.audit.models import RegisterEvent
from workflow.extensions import db
from workflow.registry.models import Household, Member

PHONE = "13812345678"
ACCOUNT = "6217000011112222333"


def events(action: str | None = None) -> list[RegisterEvent]:
    db.session.expire_all()
    query = db.select(RegisterEvent).order_by(RegisterEvent.id)
    if action:
        query = query.where(RegisterEvent.action == action)
    return db.session.execute(query).scalars().all()


def household(world, i: int = 0) -> Household:
    db.session.expire_all()
    return db.session.get(Household, world.households[i].id)


def patch(api: Api, hid: int, body: dict):
    return api.client.patch(f"/api/v1/households/{hid}", json=body, headers=api.headers)


def current(api: Api, hid: int) -> dict:
    response = api.get(f"/api/v1/households/{hid}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_clerk_edits_address_phone_and_account_on_the_chain(client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    body = current(clerk, hid)
    assert body["version"] == 1
    response = patch(clerk, hid, {"version": 1, "address": "大房身村三组 12 号",
                                  "phone": PHONE, "bank_account": ACCOUNT})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 2
    assert response.get_json()["masked_phone"] == "138****5678"
    h = household(world)
    assert (h.address, h.phone, h.bank_account, h.version) == (
        "大房身村三组 12 号", PHONE, ACCOUNT, 2)
    [event] = events("household_edited")
    assert event.action_title == "修改农户信息" and event.actor_name == "李秀英"
    assert event.role == "village_clerk"
    changes = event.data["changes"]
    assert changes["address"] == {"before": None, "after": "大房身村三组 12 号"}
    # Personal values masked, with the SHA-256 of the full value beside.
    assert changes["phone"]["after"] == "138****5678"
    assert changes["phone"]["after_sha256"] == hashlib.sha256(PHONE.encode()).hexdigest()
    assert changes["bank_account"]["after"].endswith("2333") and ACCOUNT not in str(event.data)
    assert PHONE not in event.summary
    assert event.data["household_id"] == hid and event.data["version"] == 2
    assert run_verify(client.application).exit_code == 0


def test_the_helper_may_edit_the_phone_but_not_the_account(client, world):
    helper = Api(client, "helper")
    hid = world.households[0].id
    refused = patch(helper, hid, {"version": 1, "bank_account": ACCOUNT})
    assert refused.status_code == 403
    assert "「一卡通账号」" in refused.get_json()["message"]
    assert "村两委" in refused.get_json()["message"]
    assert household(world).bank_account is None and not events("household_edited")
    ok = patch(helper, hid, {"version": 1, "phone": PHONE})
    assert ok.status_code == 200 and events("household_edited")[0].role == "helper"


def test_a_household_outside_the_scope_is_not_found(client, world):
    response = patch(Api(client, "other_clerk"), world.households[0].id,
                     {"version": 1, "phone": PHONE})
    assert response.status_code == 404
    assert household(world).phone is None


def test_a_stale_version_is_a_conflict(client, world):
    clerk, helper = Api(client, "clerk"), Api(client, "helper")
    hid = world.households[0].id
    assert patch(helper, hid, {"version": 1, "address": "一组"}).status_code == 200
    stale = patch(clerk, hid, {"version": 1, "address": "二组"})
    assert stale.status_code == 409
    assert "已被他人修改" in stale.get_json()["message"]
    assert household(world).address == "一组" and len(events("household_edited")) == 1


def test_bad_values_name_the_field_and_write_nothing(client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    response = patch(clerk, hid, {"version": 1, "address": "新地址", "phone": "12345",
                                  "bank_account": "abc"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "「联系电话」" in errors["phone"][0] and "「一卡通账号」" in errors["bank_account"][0]
    h = household(world)
    assert (h.address, h.phone, h.version) == (None, None, 1) and not events("household_edited")
    for body in ({"address": "x"}, {"version": "一", "address": "x"},
                 {"version": 1, "head_name": "改名"}, {"version": 1, "address": "\x00"},
                 {"version": 1, "dibao": "也许"}, {"version": 2**40, "address": "x"}):
        response = patch(clerk, hid, body)
        assert response.status_code == 422, (body, response.get_json())
    assert client.patch(f"/api/v1/households/{hid}", data=b"\xff\xfe",
                        headers={**clerk.headers, "Content-Type": "application/json"}
                        ).status_code == 400
    assert not events("household_edited")


def test_status_is_corrected_only_by_the_county_with_reason_and_document(client, world):
    clerk, county = Api(client, "clerk"), Api(client, "county")
    hid = world.households[0].id
    refused = patch(clerk, hid, {"version": 1, "status": "monitored"})
    assert refused.status_code == 403 and "「户状态」" in refused.get_json()["message"]
    missing = patch(county, hid, {"version": 1, "status": "monitored"})
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"reason", "document_no"}
    struck = patch(county, hid, {"version": 1, "status": "exited", "reason": "已脱贫",
                                 "document_no": "岫扶办〔2026〕1号"})
    assert struck.status_code == 422 and "贫困户退出" in struck.get_json()["errors"]["status"][0]
    done = patch(county, hid, {"version": 1, "status": "monitored", "reason": "导入时录错",
                               "document_no": "岫扶办〔2026〕2号"})
    assert done.status_code == 200, done.get_json()
    [event] = events("household_edited")
    assert event.data["changes"]["status"]["before"] == "registered_poor"
    assert event.data["changes"]["status"]["after_title"] == "监测户"
    assert event.data["reason"] == "导入时录错" and event.data["document_no"] == "岫扶办〔2026〕2号"


def test_a_status_a_procedure_decided_stays_with_the_procedure(client, world):
    clerk, county = Api(client, "clerk"), Api(client, "county")
    hid = world.households[0].id
    case = clerk.post("/api/v1/cases", json={"procedure": "household_exit", "subject_id": hid})
    assert case.status_code == 201
    response = patch(county, hid, {"version": 1, "status": "monitored", "reason": "更正",
                                   "document_no": "岫扶办〔2026〕3号"})
    assert response.status_code == 409 and "流程" in response.get_json()["message"]


def test_facts_a_running_case_judges_are_not_edited_meanwhile(client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    case_id = clerk.post("/api/v1/cases", json={"procedure": "household_exit",
                                                "subject_id": hid}).get_json()["id"]
    refused = patch(clerk, hid, {"version": 1, "bank_account": ACCOUNT})
    assert refused.status_code == 409
    assert f"案件编号 {case_id}" in refused.get_json()["message"]
    add = clerk.post(f"/api/v1/households/{hid}/members",
                     json={"version": 1, "name": "王小", "relation": "孙子"})
    assert add.status_code == 409
    # Contact details are no fact a case judges: the phone can still be corrected.
    assert patch(clerk, hid, {"version": 1, "phone": PHONE}).status_code == 200


def test_members_are_added_edited_and_removed_keeping_history(client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    number = id_number("210323", "20200301", 7)
    added = clerk.post(f"/api/v1/households/{hid}/members",
                       json={"version": 1, "name": "王小宝", "relation": "孙子",
                             "id_number": number, "reason": "出生"})
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert body["size"] == 4 and body["version"] == 2
    member_id = next(m["id"] for m in body["members"] if m["name"] == "王小宝")
    [event] = events("member_added")
    assert event.action_title == "增加家庭成员"
    assert event.data["changes"]["size"] == {"before": 3, "after": 4}
    assert number not in str(event.data) and event.data["member"]["id_number_sha256"] == (
        hashlib.sha256(number.encode()).hexdigest())
    edited = client.patch(f"/api/v1/households/{hid}/members/{member_id}",
                          json={"version": 2, "relation": "孙女"}, headers=clerk.headers)
    assert edited.status_code == 200, edited.get_json()
    assert events("member_edited")[0].data["changes"]["relation"] == {
        "before": "孙子", "after": "孙女"}
    removed = clerk.post(f"/api/v1/households/{hid}/members/{member_id}/removal",
                         json={"version": 3, "reason": "迁出", "removed_on": "2026-01-05"})
    assert removed.status_code == 200, removed.get_json()
    assert removed.get_json()["size"] == 3
    row = db.session.get(Member, member_id)
    db.session.refresh(row)
    assert (str(row.removed_on), row.removal_reason) == ("2026-01-05", "迁出")
    h = household(world)
    assert [m.name for m in h.former_members] == ["王小宝"] and h.size == 3
    [event] = events("member_removed")
    assert event.data["changes"]["size"] == {"before": 4, "after": 3}
    # Removed once: a second removal finds no such member; the head is never removed.
    again = clerk.post(f"/api/v1/households/{hid}/members/{member_id}/removal",
                       json={"version": 4, "reason": "迁出"})
    assert again.status_code == 404
    head = next(m.id for m in h.members if m.relation == "户主")
    assert clerk.post(f"/api/v1/households/{hid}/members/{head}/removal",
                      json={"version": 4, "reason": "死亡"}).status_code == 422
    history = clerk.get(f"/api/v1/households/{hid}/history").get_json()
    assert [e["action"] for e in history] == ["member_removed", "member_edited", "member_added"]


def test_member_input_is_checked_by_label(client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    bad = clerk.post(f"/api/v1/households/{hid}/members",
                     json={"version": 1, "name": "", "relation": "户主",
                           "id_number": "210323202003010001"})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert "「成员姓名」" in errors["name"][0] and "「成员身份证号」" in errors["id_number"][0]
    removal = clerk.post(f"/api/v1/households/{hid}/members/1/removal", json={"version": 1})
    assert removal.status_code == 422
    assert "「减少原因」" in removal.get_json()["errors"]["reason"][0]
    assert household(world).size == 3 and not events()
    assert Api(client, "team").post(f"/api/v1/households/{hid}/members", json={
        "version": 1, "name": "王小", "relation": "子"}).status_code == 403


def test_a_tampered_edit_event_fails_verify(app, client, world):
    clerk = Api(client, "clerk")
    assert patch(clerk, world.households[0].id,
                 {"version": 1, "address": "三组"}).status_code == 200
    assert run_verify(app).exit_code == 0
    tamper("UPDATE register_events SET summary = '修改农户 王建国：「住址」由“空”改为“四组”' "
           "WHERE action = 'household_edited'")
    result = run_verify(app)
    assert result.exit_code == 1 and "内容哈希不符" in result.output


def test_a_row_edited_behind_the_register_fails_verify(app, client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    assert patch(clerk, hid, {"version": 1, "bank_account": ACCOUNT}).status_code == 200
    assert run_verify(app).exit_code == 0
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE households SET bank_account = '6217999999999999999' "
                          "WHERE id = :id"), {"id": hid})
    result = run_verify(app)
    assert result.exit_code == 1 and "一卡通账号" in result.output


def test_the_household_page_offers_edits_only_to_those_who_may(app, world):
    from tests.documents.helpers import browser, csrf_of

    hid = world.households[0].id
    page = browser(app, "clerk").get(f"/households/{hid}").get_data(as_text=True)
    assert "修改</a>" in page and "增加家庭成员" in page
    auditor = browser(app, "auditor").get(f"/households/{hid}").get_data(as_text=True)
    assert "修改</a>" not in auditor and "增加成员" not in auditor and "王建国" in auditor
    assert browser(app, "other_clerk").get(f"/households/{hid}").status_code == 404
    clerk = browser(app, "clerk")
    form = clerk.get(f"/households/{hid}?edit=household").get_data(as_text=True)
    assert 'name="phone"' in form and 'name="status"' not in form  # status: county only
    token = csrf_of(clerk, f"/households/{hid}")
    bad = clerk.post(f"/households/{hid}/edit", data={
        "csrf_token": token, "version": "1", "address": "三组", "phone": "123"})
    assert bad.status_code == 422 and "「联系电话」应为 11 位手机号码" in bad.get_data(as_text=True)
    done = clerk.post(f"/households/{hid}/edit", data={
        "csrf_token": token, "version": "1", "address": "三组", "phone": PHONE,
        "dibao_shown": "1", "tekun_shown": "1"}, follow_redirects=True)
    text_ = done.get_data(as_text=True)
    assert done.status_code == 200 and "已保存农户信息" in text_
    assert "三组" in text_ and "138****5678" in text_ and PHONE not in text_
    assert "修改农户信息" in text_  # the history, from the register chain
    removed = clerk.post(f"/households/{hid}/members/{household(world).members[1].id}/removal",
                         data={"csrf_token": token, "version": "2", "reason": "出嫁"},
                         follow_redirects=True).get_data(as_text=True)
    assert "已减少家庭成员" in removed and "已减少的成员" in removed and "出嫁" in removed
