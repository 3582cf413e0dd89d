"""Every time the API writes carries its zone (stored naive UTC, written with Z), as the
OpenAPI document says."""
from __future__ import annotations

import datetime as dt

from tests.factories import Api
from tests.housing.helpers import housing_users, make_house, start, upload


def _utc(text: str) -> dt.datetime:
    assert text.endswith("Z"), text
    return dt.datetime.fromisoformat(text)


def test_times_in_the_api_are_utc_with_z(client, world):
    housing_users(world)
    clerk = Api(client, "clerk")
    case_id = start({"clerk": clerk}, make_house(world.households[0]))
    case = clerk.get(f"/api/v1/cases/{case_id}").get_json()
    assert _utc(case["created_at"]).tzinfo == dt.UTC
    _utc(case["updated_at"])
    _utc(clerk.get(f"/api/v1/cases/{case_id}/trail").get_json()["events"][0]["at"])
    _utc(upload(clerk, case_id, "application_form").get_json()["uploaded_at"])
    _utc(clerk.get(f"/api/v1/cases/{case_id}/evidence").get_json()[0]["uploaded_at"])
