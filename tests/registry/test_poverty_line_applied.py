"""The exit guard judges a survey against the poverty line set for the case's place and
year (`flask settings set`), records the line it applied in the step's event, and a
missing line's refusal names the administrator who can set it."""
from __future__ import annotations

import pytest

from tests.documents.conftest import Apis
from tests.factories import GOOD_SURVEY, add_place, make_household, make_user
from workflow.audit.chain import SETTINGS_KEY, trail
from workflow.cases.models import Case
from workflow.extensions import db

DOCUMENT = "岫政办发〔2026〕3号"


@pytest.fixture
def apis(client, world):
    return Apis(client)


def survey(per_person_cents: int, size: int = 3, year: int = 2026) -> dict:
    """A survey whose per-capita income is exactly ``per_person_cents`` / 100 yuan."""
    total = per_person_cents * size
    return {**GOOD_SURVEY, "year": year, "household_size": size,
            "wages": f"{total // 100}.{total % 100:02d}", "farm_net": "0",
            "business_net": "0", "property_income": "0", "transfers": "0"}


def set_line(app, value: str, *extra: str) -> None:
    result = app.test_cli_runner().invoke(args=[
        "settings", "set", "poverty_line", value, "--year", "2026", *extra])
    assert result.exit_code == 0, result.output


def open_case(api, household) -> int:
    response = api.post("/api/v1/cases", json={"procedure": "household_exit",
                                               "subject_id": household.id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_2026_survey_is_judged_against_the_line_set_with_the_cli(app, apis, world):
    set_line(app, "7600", "--place", "210323", "--document", DOCUMENT)
    case_id = open_case(apis["clerk"], world.households[0])
    refused = apis["helper"].act(case_id, "submit_survey", survey(759999))
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["_guards"] == [
        "人均纯收入 7,599.99 元，未超过 2026 年贫困线 7,600.00 元，不符合退出标准"]

    done = apis["helper"].act(case_id, "submit_survey", survey(760001))
    assert done.status_code == 200, done.get_json()
    event = trail(db.session.get(Case, case_id))[-1]
    [line] = [r for r in event.data[SETTINGS_KEY] if r["key"] == "poverty_line"]
    assert line["value"] == 7600 and line["year"] == 2026
    assert line["document"] == DOCUMENT and line["place_name"] == "岫岩满族自治县"
    # The case's form data stays what the form collected.
    assert SETTINGS_KEY not in db.session.get(Case, case_id).data["submit_survey"]


def test_a_missing_line_names_who_can_set_it(apis, world):
    case_id = open_case(apis["clerk"], world.households[0])
    refused = apis["helper"].act(case_id, "submit_survey", survey(900000, year=2027))
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["_guards"] == [
        "未设置 2027 年的贫困线，请联系岫岩满族自治县系统管理员 陈管理员（admin）设置"]


def test_a_county_line_overrides_the_installation_wide_one_for_its_villages_only(
        app, apis, world):
    set_line(app, "7000", "--document", "国开发〔2026〕1号")
    set_line(app, "7600", "--place", "210323", "--document", DOCUMENT)
    haicheng = add_place("210381", "海城市", "county", world.places["city"])
    town = add_place("210381101", "牌楼镇", "township", haicheng)
    village = add_place("210381101201", "牌楼村", "village", town)
    make_user("hc_clerk", ("village_clerk", village))
    make_user("hc_helper", ("helper", village))
    elsewhere = make_household(village, "韩立")
    db.session.commit()

    at_7300 = survey(730000)
    in_county = open_case(apis["clerk"], world.households[0])
    refused = apis["helper"].act(in_county, "submit_survey", at_7300)
    assert refused.status_code == 422
    assert "未超过 2026 年贫困线 7,600.00 元" in refused.get_json()["errors"]["_guards"][0]

    outside = open_case(apis["hc_clerk"], elsewhere)
    done = apis["hc_helper"].act(outside, "submit_survey", at_7300)
    assert done.status_code == 200, done.get_json()
    [line] = [r for r in trail(db.session.get(Case, outside))[-1].data[SETTINGS_KEY]
              if r["key"] == "poverty_line"]
    assert line["value"] == 7000 and line["place_code"] is None
    assert line["document"] == "国开发〔2026〕1号"
