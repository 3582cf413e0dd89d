"""外业采集 opens a case: a monitoring alert for a household with no open monitoring case
is captured offline and sent as one draft that opens the case and records the alert in
one transaction — once, however often it is sent; a refused alert leaves no case; a
household that got a case meanwhile sends the draft back."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.offline.test_drafts import post
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.cases.operations import create_case
from workflow.extensions import db

ALERT = {"source": "cadre_visit", "risk": "illness", "description": "户主突发重病，医疗支出大"}


def alert(household_id: int, **data) -> dict:
    return {"key": str(uuid.uuid4()), "procedure": "monitoring_entry",
            "subject_id": household_id, "action": "record_alert", "version": 0,
            "data": {**ALERT, **data}, "opinion": ""}


def cases() -> list[Case]:
    db.session.expire_all()
    return db.session.execute(select(Case).where(Case.procedure == "monitoring_entry")
                              ).scalars().all()


def test_the_package_offers_an_alert_for_households_without_a_case(world, as_user):
    create_case("monitoring_entry", world.households[1].id, world.users["clerk"])
    body = as_user("helper").get("/offline/package").get_json()
    [start] = body["starts"]
    assert (start["procedure"], start["action"], start["action_title"]) == (
        "monitoring_entry", "record_alert", "登记风险预警")
    assert {f["name"] for f in start["form"]["fields"]} >= {"source", "risk", "description"}
    startable = {h["head_name"]: h["startable"] for h in body["households"]}
    assert startable == {"王建国": ["monitoring_entry"], "张喆": []}


def test_an_alert_opens_the_case_once(world, as_user):
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    household = world.households[0]
    body = alert(household.id)
    first = post(client, body, token)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["outcome"] == "applied"
    assert first.get_json()["state_title"] == "入户核实"
    [case] = cases()
    assert first.get_json()["case_id"] == case.id and case.subject_id == household.id
    actions = db.session.execute(select(AuditEvent.action).where(
        AuditEvent.case_id == case.id).order_by(AuditEvent.seq)).scalars().all()
    assert actions == ["create", "record_alert"]
    again = post(client, body, token)
    assert again.get_json()["outcome"] == "duplicate" and len(cases()) == 1


def test_a_refused_alert_leaves_no_case_and_a_taken_household_comes_back(world, as_user):
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    household = world.households[0]
    wrong = post(client, alert(household.id, risk="nonsense"), token)
    assert wrong.status_code == 422 and "risk" in wrong.get_json()["errors"]
    assert cases() == []
    for body, status in [({**alert(household.id), "procedure": "household_exit"}, 404),
                         ({**alert(household.id), "action": "record_home_check"}, 404),
                         ({**alert(household.id), "subject_id": world.households[2].id}, 404),
                         ({**alert(household.id), "subject_id": "x"}, 422),
                         ({**alert(household.id), "procedure": None}, 422)]:
        response = post(client, body, token)
        assert response.status_code == status, (body, response.get_json())
        assert response.get_json()["message"]
    create_case("monitoring_entry", household.id, world.users["clerk"])
    back = post(client, alert(household.id), token)
    assert back.status_code == 409 and back.get_json()["outcome"] == "returned"
    assert "已有进行中" in back.get_json()["message"]
    assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 1
