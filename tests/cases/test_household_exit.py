"""household_exit end to end through the API: the happy path and every return path."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, Api
from workflow import clock
from workflow.extensions import db
from workflow.registry.models import Household


@pytest.fixture
def apis(client, world):
    return {name: Api(client, name) for name in
            ("clerk", "team", "helper", "township", "county", "city", "auditor",
             "other_township")}


def start(apis, world, household_index: int = 0) -> int:
    response = apis["clerk"].post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": world.households[household_index].id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def to_notice(apis, case_id: int) -> None:
    """Survey, appraisal, co-verification and consent: the case ends in the village notice."""
    steps = [("helper", "submit_survey", GOOD_SURVEY), ("clerk", "submit_appraisal", GOOD_APPRAISAL),
             ("clerk", "verify", {}), ("team", "verify", {}),
             ("clerk", "confirm_consent", GOOD_CONSENT)]
    for who, action, data in steps:
        response = apis[who].act(case_id, action, data)
        assert response.status_code == 200, (action, response.get_json())
    assert state(apis, case_id) == "village_notice"


def state(apis, case_id: int) -> str:
    return apis["county"].get(f"/api/v1/cases/{case_id}").get_json()["state"]


def pass_notice(apis, case_id: int, who: str = "clerk",
                action: str = "close_village_notice") -> None:
    clock.travel(dt.timedelta(days=8))
    response = apis[who].act(case_id, action)
    assert response.status_code == 200, response.get_json()


def test_happy_path_strikes_household_off_in_the_final_step(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    assert apis["township"].act(case_id, "township_approve",
                                {"files_complete": True, "spot_checked": True}).status_code == 200
    assert apis["county"].act(case_id, "county_approve").status_code == 200
    household_id = world.households[0].id
    assert db.session.get(Household, household_id).status == "registered_poor"
    response = apis["county"].act(case_id, "announce_strike_off",
                                  {"announcement_no": "岫扶公告〔2020〕3号",
                                   "announced_on": "2020-05-20"})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert db.session.get(Household, household_id).status == "exited"
    assert apis["city"].act(case_id, "city_file").status_code == 200
    assert state(apis, case_id) == "filed"
    events = apis["auditor"].get(f"/api/v1/cases/{case_id}/trail").get_json()["events"]
    assert [e["action"] for e in events] == [
        "create", "submit_survey", "submit_appraisal", "verify", "verify", "confirm_consent",
        "close_village_notice", "township_approve", "county_approve", "announce_strike_off",
        "city_file"]
    assert events[3]["to_state"] == "village_verification"  # first co-signature waits
    assert events[4]["to_state"] == "household_consent"
    for prev, event in zip(events, events[1:], strict=False):
        assert event["prev_hash"] == prev["hash"]
