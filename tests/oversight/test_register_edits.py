"""The rule 审批后数据被改动 reads the register chain: an edit of what a case judged
(members, account, status, flags) made after the county approved is reported with who,
when and what; contact details and edits before the approval are not."""
from __future__ import annotations

from tests.factories import Api
from tests.oversight.test_findings_and_boards import apis, filed, rules_for  # noqa: F401

ACCOUNT = "6217000011112222333"


def test_an_edit_after_the_county_approved_is_reported(apis, world, client):  # noqa: F811
    hid = world.households[0].id
    clerk = Api(client, "clerk")
    before = clerk.post(f"/api/v1/households/{hid}/members",
                        json={"version": 1, "name": "王早", "relation": "孙子"})
    assert before.status_code == 201  # before any case: not a finding
    early = next(m["id"] for m in before.get_json()["members"] if m["name"] == "王早")
    assert clerk.post(f"/api/v1/households/{hid}/members/{early}/removal",
                      json={"version": 2, "reason": "登记有误"}).status_code == 200
    case_id = filed(apis, world)
    assert rules_for(case_id) == {}
    version = clerk.get(f"/api/v1/households/{hid}").get_json()["version"]
    phone = clerk.client.patch(f"/api/v1/households/{hid}", headers=clerk.headers,
                               json={"version": version, "phone": "13812345678"})
    assert phone.status_code == 200
    assert rules_for(case_id) == {}  # a phone number is no fact the county judged
    account = clerk.client.patch(f"/api/v1/households/{hid}", headers=clerk.headers,
                                 json={"version": version + 1, "bank_account": ACCOUNT})
    assert account.status_code == 200, account.get_json()
    added = clerk.post(f"/api/v1/households/{hid}/members",
                       json={"version": version + 2, "name": "王晚", "relation": "孙女"})
    assert added.status_code == 201
    [account_reason, member_reason] = rules_for(case_id)["changed_after_approval"]
    assert account_reason.startswith("县级审批后，李秀英 于 ")
    assert "修改农户信息" in account_reason and "「一卡通账号」" in account_reason
    assert ACCOUNT not in account_reason and "2333" in account_reason
    assert "增加家庭成员" in member_reason and "王晚" in member_reason
    assert "王早" not in member_reason
