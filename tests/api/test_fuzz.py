"""Whatever JSON a client sends, the answer is a clear 4xx or a success, never a 500."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.test_household_exit import start
from tests.factories import GOOD_SURVEY, Api

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
SURVEY_VALUES = st.fixed_dictionaries(
    {}, optional={k: SCALARS | st.sampled_from(["1e999", "NaN", "-1", "２０２０", "", " "])
                  for k in GOOD_SURVEY})


@pytest.fixture
def world_once(client, world):
    """A helper's API client and one open case (built once per test, reused by examples)."""
    helper = Api(client, "helper")
    case_id = start({"clerk": Api(client, "clerk")}, world)
    return helper, case_id


ALLOWED = {200, 201, 400, 403, 404, 409, 413, 422}
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=st.dictionaries(st.sampled_from(["version", "opinion", "data", "role", "x"]), JSON)
       | JSON, data=SURVEY_VALUES)
def test_action_endpoint_never_fails(client, world_once, body, data):
    api, case_id = world_once
    url = f"/api/v1/cases/{case_id}/actions/submit_survey"
    assert api.post(url, json=body).status_code in ALLOWED
    response = api.post(url, json={"version": 1, "opinion": "x", "data": data})
    assert response.status_code in ALLOWED, response.get_json()


@FUZZ
@given(body=JSON, fields=st.dictionaries(
    st.sampled_from(["head_name", "id_number", "village", "phone", "members", "status",
                     "registered_year", "address"]), JSON))
def test_household_endpoint_never_fails(client, world_once, body, fields):
    api, _ = world_once
    assert api.post("/api/v1/households", json=body).status_code in ALLOWED
    assert api.post("/api/v1/households", json=fields).status_code in ALLOWED


@FUZZ
@given(params=st.dictionaries(st.sampled_from(
    ["page", "per_page", "state", "procedure", "jurisdiction", "from", "to", "q", "village",
     "status"]), st.text(max_size=12)))
def test_list_endpoints_never_fail(client, world_once, params):
    api, _ = world_once
    for url in ("/api/v1/cases", "/api/v1/households"):
        assert api.get(url, query_string=params).status_code in ALLOWED
