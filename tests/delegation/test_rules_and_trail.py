"""Creating and ending delegations: every refusal names its field in Chinese and writes
nothing; the administration trail records both, and `audit verify` catches an edit of a
delegation or of a 代签 event behind the application."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from tests.cases.test_household_exit import start
from tests.delegation.conftest import clerk_assignment, hand_over
from tests.factories import GOOD_APPRAISAL, GOOD_SURVEY, make_user
from workflow import clock
from workflow.audit.models import AdminEvent
from workflow.delegation.models import Delegation
from workflow.extensions import db


def count() -> int:
    return db.session.execute(select(func.count()).select_from(Delegation)).scalar_one()


def refused(response, field: str, words: str):
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["errors"][field][0]
    assert words in message, message
    assert count() == 0


def test_refusals_name_the_field(apis, people, world):
    refused(hand_over(apis, people, delegate="lisi"), "delegate", "不能是授权人本人")
    refused(hand_over(apis, people, delegate="other_clerk"), "delegate", "不能授权给本地区以外")
    refused(hand_over(apis, people, delegate="nobody"), "delegate", "「被授权人」不存在")
    today = clock.today()
    refused(hand_over(apis, people, ends_on=(today - dt.timedelta(days=1)).isoformat(),
                      starts_on=(today - dt.timedelta(days=5)).isoformat()),
            "ends_on", "不能早于今天")
    refused(hand_over(apis, people, ends_on=today.isoformat(),
                      starts_on=(today + dt.timedelta(days=2)).isoformat()),
            "ends_on", "不能早于「开始日期」")
    refused(hand_over(apis, people, days=400), "ends_on", "最长")
    refused(hand_over(apis, people, starts_on="2027-02-30"), "starts_on", "「开始日期」须为日期")
    refused(hand_over(apis, people, reason="x" * 201), "reason", "「事由」最多")


@pytest.mark.parametrize("bad", [None, 3, [], {}, True, "\x00", "x" * 5000, 10**30])
def test_any_value_of_any_field_is_a_clear_422(apis, people, bad):
    for field in ("assignment_id", "delegate", "starts_on", "ends_on", "reason"):
        response = hand_over(apis, people, **{field: bad})
        assert response.status_code in (201, 422), (field, bad, response.get_json())
        if response.status_code == 201:  # a valid default of an optional field
            db.session.execute(text("DELETE FROM delegations"))
            db.session.commit()
    assert apis["lisi"].post("/api/v1/delegations", json=[1]).status_code == 422
    assert apis["lisi"].client.post("/api/v1/delegations", data=b"\xff\xfe",
                                    headers={**apis["lisi"].headers,
                                             "Content-Type": "application/json"}
                                    ).status_code in (400, 422)


def test_no_chains_and_no_overlap(apis, people, world):
    assert hand_over(apis, people).status_code == 201
    # 张三 cannot hand on what he received: it is not an assignment of his.
    today = clock.today()
    make_user("wangwu", ("work_team", world.places["v1"]), name="王五")
    db.session.commit()
    chained = apis["zhangsan"].post("/api/v1/delegations", json={
        "assignment_id": clerk_assignment(people["chief"]), "delegate": "wangwu",
        "starts_on": today.isoformat(), "ends_on": today.isoformat()})
    assert chained.status_code == 422
    assert "授权的岗位" in chained.get_json()["errors"]["assignment_id"][0]
    overlap = hand_over(apis, people, delegate="team")
    assert overlap.status_code == 422
    assert "日期不能重叠" in overlap.get_json()["errors"]["starts_on"][0]
    assert count() == 1


def test_admin_and_auditor_roles_cannot_be_delegated(apis, world):
    admin_role = next(a.id for a in world.users["admin"].assignments)
    response = apis["admin"].post("/api/v1/delegations", json={
        "assignment_id": admin_role, "delegate": "county",
        "starts_on": clock.today().isoformat(), "ends_on": clock.today().isoformat()})
    assert response.status_code == 422
    assert "不能授权他人代办" in response.get_json()["errors"]["assignment_id"][0]


def test_administrator_creates_and_ends_for_a_user(apis, people, world, app):
    today = clock.today()
    body = {"delegator": "lisi", "assignment_id": clerk_assignment(people["chief"]),
            "delegate": "zhangsan", "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=3)).isoformat()}
    # Not an administrator: may not act for someone else.
    assert apis["team"].post("/api/v1/delegations", json=body).status_code == 403
    created = apis["admin"].post("/api/v1/delegations", json=body)
    assert created.status_code == 201, created.get_json()
    ident = created.get_json()["id"]
    assert created.get_json()["status"] == "生效中"
    listed = apis["admin"].get("/api/v1/delegations").get_json()
    assert [d["id"] for d in listed["in_scope"]] == [ident]
    assert apis["other_clerk"].post(f"/api/v1/delegations/{ident}/end").status_code == 404
    ended = apis["admin"].post(f"/api/v1/delegations/{ident}/end")
    assert ended.status_code == 200 and ended.get_json()["status"] == "已结束"
    assert apis["admin"].post(f"/api/v1/delegations/{ident}/end").status_code == 422
    actions = db.session.execute(select(AdminEvent.action, AdminEvent.actor_id).where(
        AdminEvent.target == f"delegation:{ident}").order_by(AdminEvent.id)).all()
    admin_id = world.users["admin"].id
    assert actions == [("delegation_created", admin_id), ("delegation_ended", admin_id)]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def tamper(sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_verify_finds_an_edited_delegation(apis, people, app):
    ident = hand_over(apis, people).get_json()["id"]
    tamper("UPDATE delegations SET ends_on = :d WHERE id = :i",
           d=clock.today() + dt.timedelta(days=200), i=ident)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"授权 {ident} 与管理留痕不符" in result.output


def test_verify_finds_an_edited_on_behalf_of(apis, people, world, app):
    hand_over(apis, people)
    case_id = start(apis, world)
    apis["zhangsan"].act(case_id, "submit_survey", GOOD_SURVEY)
    assert apis["zhangsan"].act(case_id, "submit_appraisal", GOOD_APPRAISAL).status_code == 200
    clean = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert clean.exit_code == 0, clean.output
    tamper("UPDATE audit_events SET on_behalf_of_name = '王五' WHERE case_id = :c AND seq = 3",
           c=case_id)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "内容哈希不符" in result.output
    # Removing the principal altogether is caught as well.
    tamper("UPDATE audit_events SET on_behalf_of_name = NULL, on_behalf_of_id = NULL, "
           "delegation_id = NULL WHERE case_id = :c AND seq = 3", c=case_id)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "内容哈希不符" in result.output
