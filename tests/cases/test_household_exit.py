"""household_exit end to end through the API: the happy path and every return path."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, Api, make_household
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
    steps = [("helper", "submit_survey", GOOD_SURVEY),
             ("clerk", "submit_appraisal", GOOD_APPRAISAL),
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


def test_upheld_village_objection_returns_to_survey(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    assert apis["clerk"].act(case_id, "record_village_objection",
                             {"content": "该户家中有人长期患病，收入不稳定", "raised_by": "村民甲"}
                             ).status_code == 200
    clock.travel(dt.timedelta(days=8))
    blocked = apis["clerk"].act(case_id, "close_village_notice")
    assert blocked.status_code == 422
    assert "异议尚未处理" in blocked.get_json()["errors"]["_guards"][0]
    response = apis["clerk"].act(case_id, "uphold_village_objection", opinion="经核实异议属实")
    assert response.status_code == 200, response.get_json()
    assert state(apis, case_id) == "income_survey"


def test_dismissed_objection_lets_the_notice_close(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    apis["clerk"].act(case_id, "record_village_objection", {"content": "收入虚报"})
    no_reason = apis["clerk"].act(case_id, "dismiss_village_objection", opinion="")
    assert no_reason.status_code == 422
    assert "opinion" in no_reason.get_json()["errors"]
    assert apis["clerk"].act(case_id, "dismiss_village_objection",
                             opinion="经入户核实，收入属实").status_code == 200
    assert state(apis, case_id) == "village_notice"
    pass_notice(apis, case_id)
    assert state(apis, case_id) == "township_review"


def test_township_reject_returns_to_survey_with_reason(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    without_reason = apis["township"].act(case_id, "township_reject", opinion=" ")
    assert without_reason.status_code == 422
    assert apis["township"].act(case_id, "township_reject",
                                opinion="抽查发现务工收入无佐证").status_code == 200
    assert state(apis, case_id) == "income_survey"


def test_county_reject_returns_to_township(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    apis["township"].act(case_id, "township_approve",
                         {"files_complete": True, "spot_checked": True})
    assert apis["county"].act(case_id, "county_reject", opinion="材料不全").status_code == 200
    assert state(apis, case_id) == "township_review"


def test_township_second_notice_and_its_objection_path(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    assert apis["township"].act(case_id, "township_approve_with_notice",
                                {"files_complete": True, "spot_checked": True}).status_code == 200
    too_early = apis["township"].act(case_id, "close_township_notice")
    assert too_early.status_code == 422
    assert "公示期未满" in too_early.get_json()["errors"]["_guards"][0]
    apis["township"].act(case_id, "record_township_objection", {"content": "有车辆"})
    assert apis["township"].act(case_id, "uphold_township_objection",
                                opinion="属实").status_code == 200
    assert state(apis, case_id) == "income_survey"


def test_second_notice_passes_to_county(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    apis["township"].act(case_id, "township_approve_with_notice",
                         {"files_complete": True, "spot_checked": True})
    pass_notice(apis, case_id, "township", "close_township_notice")
    assert state(apis, case_id) == "county_approval"


def test_other_village_returns(apis, world):
    """Appraisal failure, verification mismatch and refused consent all go back to the survey."""
    for action, who, prepare in (("appraisal_rejects", "clerk", 1),
                                 ("verification_rejects", "team", 2),
                                 ("consent_refused", "clerk", 4)):
        household = make_household(world.places["v1"], f"陈{action[:3]}")
        db.session.commit()
        response = apis["clerk"].post("/api/v1/cases", json={
            "procedure": "household_exit", "subject_id": household.id})
        case_id = response.get_json()["id"]
        steps = [("helper", "submit_survey", GOOD_SURVEY),
                 ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                 ("clerk", "verify", {}), ("team", "verify", {})][:prepare]
        for actor, name, data in steps:
            assert apis[actor].act(case_id, name, data).status_code == 200
        response = apis[who].act(case_id, action, opinion="需重新核算")
        assert response.status_code == 200, response.get_json()
        assert state(apis, case_id) == "income_survey"
        # the case goes round again from the survey
        assert apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY).status_code == 200


def test_a_household_with_an_open_case_cannot_start_another(apis, world):
    start(apis, world)
    again = apis["clerk"].post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": world.households[0].id})
    assert again.status_code == 409
    assert "进行中" in again.get_json()["message"]
