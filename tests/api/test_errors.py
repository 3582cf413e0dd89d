"""API status codes: who may act, where, when, and what bad input gets."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.test_household_exit import start, to_notice
from tests.factories import GOOD_SURVEY, Api
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.extensions import db


@pytest.fixture
def apis(client, world):
    return {name: Api(client, name) for name in
            ("clerk", "team", "helper", "township", "county", "auditor", "other_township",
             "other_clerk")}


def events_of(case_id: int) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.case_id == case_id)).scalar_one()


def test_wrong_role_is_403_and_writes_nothing(apis, world):
    case_id = start(apis, world)
    response = apis["township"].act(case_id, "submit_survey", GOOD_SURVEY)
    assert response.status_code == 403
    assert "帮扶责任人" in response.get_json()["message"]
    assert events_of(case_id) == 1


def test_auditor_cannot_act(apis, world):
    case_id = start(apis, world)
    assert apis["auditor"].act(case_id, "submit_survey", GOOD_SURVEY).status_code == 403
    assert apis["auditor"].get(f"/api/v1/cases/{case_id}/trail").status_code == 200


def test_case_in_another_township_is_404(apis, world):
    case_id = start(apis, world)
    assert apis["other_township"].get(f"/api/v1/cases/{case_id}").status_code == 404
    assert apis["other_township"].get(f"/api/v1/cases/{case_id}/trail").status_code == 404
    response = apis["other_clerk"].act(case_id, "submit_survey", GOOD_SURVEY, version=1)
    assert response.status_code == 404
    listed = apis["other_township"].get("/api/v1/cases").get_json()
    assert listed["total"] == 0


def test_household_outside_scope_cannot_open_a_case(apis, world):
    response = apis["other_clerk"].post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": world.households[0].id})
    assert response.status_code == 404


def test_stale_version_is_409(apis, world):
    case_id = start(apis, world)
    assert apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY, version=1).status_code == 200
    stale = apis["clerk"].act(case_id, "appraisal_rejects", opinion="重来", version=1)
    assert stale.status_code == 409
    assert events_of(case_id) == 2


def test_action_not_open_in_state_is_409(apis, world):
    case_id = start(apis, world)
    response = apis["township"].act(case_id, "township_approve",
                                    {"files_complete": True, "spot_checked": True})
    assert response.status_code == 409
    assert "入户核算" in response.get_json()["message"]


def test_unknown_action_is_404(apis, world):
    case_id = start(apis, world)
    assert apis["clerk"].act(case_id, "approve_everything").status_code == 404


def test_guard_failure_is_422_with_every_reason(apis, world):
    case_id = start(apis, world)
    poor = {**GOOD_SURVEY, "wages": "1000", "farm_net": "500", "transfers": "0",
            "property_income": "0", "compulsory_education": False, "safe_water": False}
    response = apis["helper"].act(case_id, "submit_survey", poor)
    assert response.status_code == 422
    reasons = response.get_json()["errors"]["_guards"]
    assert any("人均纯收入 500.00 元" in r and "4,000.00" in r for r in reasons)
    assert any("义务教育" in r for r in reasons)
    assert any("饮水安全" in r for r in reasons)
    case = db.session.get(Case, case_id)
    assert case.state == "income_survey" and case.version == 1 and events_of(case_id) == 1


def test_form_errors_name_the_field_in_chinese(apis, world):
    case_id = start(apis, world)
    bad = {**GOOD_SURVEY, "wages": "很多", "household_size": 0}
    del bad["year"]
    response = apis["helper"].act(case_id, "submit_survey", bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["wages"] == ["「工资性收入（元）」必须是数字"]
    assert "家庭人口" in errors["household_size"][0]
    assert errors["year"] == ["「核算年度」为必填项"]


def test_notice_not_over_is_422_until_the_clock_passes(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    clock.travel(dt.timedelta(days=6))
    early = apis["clerk"].act(case_id, "close_village_notice")
    assert early.status_code == 422
    assert "公示期未满" in early.get_json()["errors"]["_guards"][0]
    clock.travel(dt.timedelta(days=1))
    assert apis["clerk"].act(case_id, "close_village_notice").status_code == 200


def test_separation_of_duties(client, world):
    from tests.factories import make_user

    make_user("both", ("village_clerk", world.places["v1"]),
              ("township_reviewer", world.places["pianling"]))
    db.session.commit()
    both, team, helper = Api(client, "both"), Api(client, "team"), Api(client, "helper")
    case_id = both.post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": world.households[0].id}).get_json()["id"]
    from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT
    helper.act(case_id, "submit_survey", GOOD_SURVEY)
    both.act(case_id, "submit_appraisal", GOOD_APPRAISAL)
    # one person cannot co-sign twice under two roles
    both.act(case_id, "verify")
    assert both.act(case_id, "verify").status_code == 403
    team.act(case_id, "verify")
    both.act(case_id, "confirm_consent", GOOD_CONSENT)
    clock.travel(dt.timedelta(days=8))
    both.act(case_id, "close_village_notice")
    response = both.act(case_id, "township_approve", {"files_complete": True, "spot_checked": True})
    assert response.status_code == 403
    assert "职责分离" in response.get_json()["message"]


def test_malformed_and_oversized_json(apis, world):
    case_id = start(apis, world)
    url = f"/api/v1/cases/{case_id}/actions/submit_survey"
    headers = {**apis["helper"].headers, "Content-Type": "application/json"}
    client = apis["helper"].client
    assert client.post(url, data="{not json", headers=headers).status_code == 400
    assert client.post(url, data="[1, 2]", headers=headers).status_code == 400
    huge = '{"version": 1, "opinion": "' + "长" * 300_000 + '"}'
    assert client.post(url, data=huge, headers=headers).status_code == 413
    wrong_types = client.post(url, json={"version": "one", "data": [1]}, headers=headers)
    assert wrong_types.status_code == 422
    assert set(wrong_types.get_json()["errors"]) == {"version", "data"}
    assert client.post(url, json={"version": 1, "hack": 1}, headers=headers).status_code == 422


def test_tokens(client, world):
    bad = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "x"})
    assert bad.status_code == 401
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})
    assert unknown.get_json() == bad.get_json()
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}).status_code == 401
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "clerk", "password": "x"})
    assert client.post("/api/v1/auth/token",
                       json={"username": "clerk", "password": "x"}).status_code == 429


def test_expired_token_is_refused(client, world):
    api = Api(client, "clerk")
    clock.travel(dt.timedelta(days=400))
    assert api.get("/api/v1/cases").status_code == 401
