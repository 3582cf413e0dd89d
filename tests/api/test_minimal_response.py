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
    # The OpenAPI document describes the header, the answer and the header applied.
    doc = client.get("/api/v1/openapi.json").get_json()
    sign_off = doc["paths"]["/api/v1/cases/{case_id}/actions/{name}"]["post"]
    prefer = [p for p in sign_off["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in prefer] == ["Prefer"] and "return=minimal" in str(prefer)
    answered = sign_off["responses"]["200"]
    assert "Preference-Applied" in answered["headers"]
    shapes = answered["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/Case"} in shapes
    assert any(set(s.get("required", ())) == set(body) for s in shapes)

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
