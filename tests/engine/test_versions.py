"""A running case stays on the definition version it started with."""
from __future__ import annotations

import yaml

from tests.cases.test_household_exit import start
from tests.factories import GOOD_SURVEY, Api
from workflow.engine.definitions import build
from workflow.engine.errors import Invalid


def test_running_case_keeps_its_path_when_the_definition_changes(app, client, world):
    apis = {"clerk": Api(client, "clerk"), "helper": Api(client, "helper")}
    old_case = start(apis, world, 0)
    catalog = app.extensions["workflow.catalog"]
    original = catalog.procedures["household_exit"]
    body = yaml.safe_load(yaml.safe_dump(original.body))
    survey = next(a for a in body["procedure"]["actions"] if a["name"] == "submit_survey")
    survey["to"] = "household_consent"  # a county decides to skip two steps
    changed = build(body)
    catalog.procedures["household_exit"] = changed
    try:
        new_case = start(apis, world, 1)
        assert apis["helper"].act(old_case, "submit_survey", GOOD_SURVEY).get_json()["state"] \
            == "democratic_appraisal"
        new = apis["helper"].act(new_case, "submit_survey",
                                 {**GOOD_SURVEY, "household_size": 2}).get_json()
        assert new["state"] == "household_consent"
        assert new["definition_version"] == changed.version != original.version
    finally:
        catalog.procedures["household_exit"] = original


def test_form_validation_rejects_unknown_types():
    from workflow.engine.forms import FieldDef, FormDef

    form = FormDef("f", "表", [FieldDef("n", "数量", "integer", required=True, min=1, max=5)])
    assert form.validate({"n": "3"}) == ({"n": 3}, {})
    assert form.validate({"n": 9})[1] == {"n": ["「数量」应在 1 至 5 之间"]}
    assert form.validate("nope")[1] == {"data": ["表单数据格式不正确"]}
    assert isinstance(Invalid("x"), Exception)
