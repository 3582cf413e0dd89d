"""The subsidy ceiling comes from the settings of the case's place and year and is
recorded in the approval's event; the case's first event records what its start read."""
from __future__ import annotations

from tests.factories import Api
from tests.housing.helpers import APPROVAL, housing_users, make_house, ok, start, to_county_approval
from workflow.audit.chain import SETTINGS_KEY, trail
from workflow.cases.models import Case
from workflow.extensions import db

KEY = "renovation_subsidy.D.rebuild"


def test_the_ceiling_set_for_the_county_bounds_the_approval_and_is_recorded(
        app, client, world):
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk", "township", "housing")}
    case_id = start(apis, make_house(world.households[0]))
    case = db.session.get(Case, case_id)
    first = trail(case)[0].data[SETTINGS_KEY]
    assert {r["key"] for r in first} >= {"renovation_eligible_statuses",
                                         "deadline.house_renovation.completion"}
    result = app.test_cli_runner().invoke(args=[
        "settings", "set", KEY, "30000", "--year", str(case.year), "--place", "210323",
        "--document", "岫住建发〔2026〕7号"])
    assert result.exit_code == 0, result.output
    to_county_approval(apis, case_id)

    over = apis["housing"].act(case_id, "county_approve", APPROVAL)  # 35,000
    assert over.status_code == 422
    assert "补助上限 30,000.00 元" in over.get_json()["errors"]["_guards"][0]
    ok(apis["housing"].act(case_id, "county_approve", {**APPROVAL, "amount": "30000"}))
    [record] = [r for r in trail(db.session.get(Case, case_id))[-1].data[SETTINGS_KEY]
                if r["key"] == KEY]
    assert record["value"] == 30000 and record["year"] == case.year
    assert record["document"] == "岫住建发〔2026〕7号" and record["place_code"] == "210323"
