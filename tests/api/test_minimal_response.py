"""A sign-off with ``Prefer: return=minimal`` answers only the case's new version and
state (RFC 7240); without it, the whole case as before."""
from __future__ import annotations

from tests.factories import GOOD_SURVEY, Api
from workflow.cases.operations import create_case


def test_a_minimal_sign_off_answers_version_and_state(client, world):
    first = create_case("household_exit", world.households[0].id, world.users["clerk"])
    second = create_case("household_exit", world.households[1].id, world.users["clerk"])
    helper = Api(client, "helper")
    minimal = client.post(f"/api/v1/cases/{first.id}/actions/submit_survey",
                          json={"version": first.version, "opinion": "核算完毕",
                                "data": GOOD_SURVEY},
                          headers={**helper.headers, "Prefer": "return=minimal"})
    assert minimal.status_code == 200, minimal.get_data(as_text=True)
    assert minimal.headers["Preference-Applied"] == "return=minimal"
    body = minimal.get_json()
    assert set(body) == {"id", "version", "state", "state_title"}
    assert body["id"] == first.id and body["version"] == first.version + 1
    assert body["state"] == helper.get(f"/api/v1/cases/{first.id}").get_json()["state"]
    assert body["state"] != "income_survey"

    survey = {**GOOD_SURVEY, "household_size": 2}  # the second household has two members
    full = helper.act(second.id, "submit_survey", survey, version=second.version)
    assert full.status_code == 200 and "Preference-Applied" not in full.headers
    assert "actions" in full.get_json() and full.get_json()["state"] == body["state"]


def test_a_refused_minimal_sign_off_still_explains_itself(client, world):
    case = create_case("household_exit", world.households[0].id, world.users["clerk"])
    helper = Api(client, "helper")
    stale = client.post(f"/api/v1/cases/{case.id}/actions/submit_survey",
                        json={"version": case.version + 5, "data": GOOD_SURVEY},
                        headers={**helper.headers, "Prefer": "return=minimal"})
    assert stale.status_code == 409 and "版本" in stale.get_json()["message"]
