"""Support measures through the API: entered by the village's helper, clerk and work team
(and a county department for its own action), never by another village; every add,
change and end one event on the village's register chain; an insider's SQL edit, insert
or delete of a measure row is reported by `flask audit verify`."""
from __future__ import annotations

from decimal import Decimal

from tests.audit.test_verify import run_verify, tamper
from tests.factories import Api, make_user
from tests.support.helpers import body, events
from workflow.auth.models import RoleAssignment
from workflow.extensions import db
from workflow.support.models import SupportMeasure


def add(api: Api, hid: int, **over):
    return api.post(f"/api/v1/households/{hid}/measures", json=body(**over))


def test_a_helper_adds_a_measure_on_the_register_chain(client, world):
    helper = Api(client, "helper")
    hid = world.households[0].id
    response = add(helper, hid)
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert (out["action"], out["kind_title"], out["amount"], out["entered_by"]) == (
        "industry", "产业奖补", "1500.00", "孙帮扶")
    row = db.session.get(SupportMeasure, out["id"])
    assert row.amount == Decimal("1500.00") and row.member_id is None
    [event] = events("measure_added")
    assert event.action_title == "新增帮扶措施" and event.role == "helper"
    assert event.data["values"]["amount"] == "1500.00"
    assert "产业奖补" in event.summary
    listed = helper.get(f"/api/v1/households/{hid}/measures").get_json()
    assert [m["id"] for m in listed["measures"]] == [out["id"]]
    assert run_verify(client.application).exit_code == 0


def test_a_measure_for_a_member_must_be_of_the_household(client, world):
    clerk = Api(client, "clerk")
    first, second = world.households[0], world.households[1]
    own = add(clerk, first.id, member_id=first.members[1].id)
    assert own.status_code == 201, own.get_json()
    assert own.get_json()["member_name"] == first.members[1].name
    foreign = add(clerk, first.id, member_id=second.members[0].id)
    assert foreign.status_code == 422
    assert foreign.get_json()["errors"]["member_id"] == ["「帮扶对象」不是该户现有的家庭成员"]


def test_bad_values_are_named_by_label_and_nothing_is_written(client, world):
    team = Api(client, "team")
    hid = world.households[0].id
    response = add(team, hid, kind="medical_insurance", action="industry", amount="12.345",
                   ends_on="2020-01-01")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "「金额」" in errors["amount"][0]
    response = add(team, hid, kind="nonsense", department="", starts_on="2020-13-01")
    errors = response.get_json()["errors"]
    assert errors["kind"][0].startswith("「措施类型」必须是")
    assert errors["starts_on"] == ["「开始日期」必须是日期（年-月-日）"]
    response = add(team, hid, kind="medical_insurance", action="industry")
    assert "医疗保险资助参保属于健康扶贫" in response.get_json()["errors"]["kind"][0]
    response = add(team, hid, ends_on="2020-01-01")
    assert response.get_json()["errors"]["ends_on"] == ["「结束日期」不能早于「开始日期」"]
    assert db.session.query(SupportMeasure).count() == 0 and not events("measure_added")


def test_a_clerk_of_another_village_can_neither_see_nor_add(client, world):
    other = Api(client, "other_clerk")
    hid = world.households[0].id
    assert other.get(f"/api/v1/households/{hid}/measures").status_code == 404
    assert add(other, hid).status_code == 404
    township = Api(client, "township")  # sees the village, is no helper or village staff
    assert township.get(f"/api/v1/households/{hid}/measures").status_code == 200
    refused = add(township, hid)
    assert refused.status_code == 403 and "产业扶贫" in refused.get_json()["message"]
    assert db.session.query(SupportMeasure).count() == 0


def test_a_county_department_enters_only_its_own_action(client, world):
    user = make_user("health_bureau", name="卫健局")
    db.session.add(RoleAssignment(user=user, role="county_sector",
                                  jurisdiction=world.places["county"], department="health"))
    db.session.commit()
    bureau = Api(client, "health_bureau")
    hid = world.households[0].id
    assert add(bureau, hid).status_code == 403
    ok = add(bureau, hid, kind="medical_insurance", department="health", amount="280")
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["action"] == "health"


def test_edit_and_end_are_versioned_events(client, world):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    mid = add(clerk, hid).get_json()["id"]
    url = f"/api/v1/measures/{mid}"
    changed = clerk.client.patch(url, json={"version": 1, "amount": "2000"},
                                 headers=clerk.headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["amount"] == "2000.00" and changed.get_json()["version"] == 2
    stale = clerk.client.patch(url, json={"version": 1, "amount": "3000"}, headers=clerk.headers)
    assert stale.status_code == 409
    wrong = clerk.client.patch(url, json={"version": 2, "kind": "public_post"},
                               headers=clerk.headers)
    assert wrong.status_code == 422 and "产业扶贫" in wrong.get_json()["errors"]["kind"][0]
    ended = clerk.post(f"{url}/end", json={"version": 2, "ends_on": "2020-06-30",
                                           "reason": "已外出务工"})
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["ended_reason"] == "已外出务工"
    again = clerk.post(f"{url}/end", json={"version": 3, "reason": "重复"})
    assert again.status_code == 422
    [edited] = events("measure_edited")
    assert edited.data["changes"]["amount"] == {"before": "1500.00", "after": "2000.00"}
    [end] = events("measure_ended")
    assert end.data["values"]["ends_on"] == "2020-06-30"
    assert run_verify(client.application).exit_code == 0


def test_an_insider_editing_inserting_or_deleting_a_measure_is_detected(client, world, app):
    clerk = Api(client, "clerk")
    hid = world.households[0].id
    mid = add(clerk, hid).get_json()["id"]
    assert run_verify(app).exit_code == 0
    tamper("UPDATE support_measures SET amount = 15000 WHERE id = :id", id=mid)
    result = run_verify(app)
    assert result.exit_code != 0
    assert f"帮扶措施 {mid} 的「金额」与留痕记录不符：记录被直接修改" in result.output
    tamper("UPDATE support_measures SET amount = 1500 WHERE id = :id", id=mid)
    assert run_verify(app).exit_code == 0
    tamper("INSERT INTO support_measures (household_id, village_id, jurisdiction_path, action,"
           " kind, department, starts_on, amount, entered_by_id, entered_by_name, version)"
           " SELECT household_id, village_id, jurisdiction_path, action, kind, department,"
           " starts_on, amount, entered_by_id, entered_by_name, 1 FROM support_measures"
           " WHERE id = :id", id=mid)
    result = run_verify(app)
    assert "没有留痕记录：未经系统录入" in result.output and result.exit_code != 0
    tamper("DELETE FROM support_measures")
    result = run_verify(app)
    assert f"帮扶措施 {mid} 已不存在：记录被删除" in result.output and result.exit_code != 0
