"""The household exit's approval sheet lists the support measures in force (as of the
trail's latest event) and not those ended before."""
from __future__ import annotations

import re

from tests.documents.helpers import fetch_pdf, pdf_text
from tests.factories import Api
from tests.support.helpers import body
from workflow.support import operations as ops


def test_the_exit_sheet_lists_the_measures_in_force(client, world):
    household = world.households[0]
    clerk = world.users["clerk"]
    ops.add_measure(household.id, body(starts_on="2020-01-01", ends_on=None, amount="1500"),
                    clerk)
    ops.add_measure(household.id, body(kind="public_post", department="human_resources",
                                       starts_on="2020-01-01", ends_on="2020-05-31",
                                       amount="6000"), clerk)
    api = Api(client, "clerk")
    response = api.post("/api/v1/cases", json={"procedure": "household_exit",
                                               "subject_id": household.id})
    assert response.status_code == 201, response.get_json()
    text = re.sub(r"\s+", "", pdf_text(fetch_pdf(api, f"/cases/{response.get_json()['id']}"
                                                      "/sheet.pdf")))
    assert "帮扶措施" in text and "产业奖补（产业扶贫，全户）1,500.00元" in text
    assert "公益岗位" not in text


def test_the_sheet_of_a_household_with_measures_stays_on_one_page(client, world):
    from tests.documents.helpers import pdf_pages

    household = world.households[0]
    for kind, department in (("industry_award", "agriculture"), ("medical_insurance", "health"),
                             ("public_post", "human_resources")):
        ops.add_measure(household.id, body(kind=kind, department=department,
                                           starts_on="2020-01-01", ends_on=None),
                        world.users["clerk"])
    api = Api(client, "clerk")
    case = api.post("/api/v1/cases", json={"procedure": "household_exit",
                                           "subject_id": household.id}).get_json()
    assert pdf_pages(fetch_pdf(api, f"/cases/{case['id']}/sheet.pdf")) == 1
