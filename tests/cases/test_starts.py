"""Starts that make no sense are refused by the procedure's start guards, buttons the
subject's state forbids are not offered, and a deadline belongs to the case's plan year."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cases.test_household_exit import start
from tests.factories import Api
from tests.housing.helpers import housing_users, make_house
from tests.projects.helpers import apis_for, into_library, project_users, register
from tests.web.test_pages import login
from workflow import clock
from workflow.cases.models import Case
from workflow.config import ROOT
from workflow.engine.definitions import load_catalog
from workflow.engine.errors import DefinitionError
from workflow.extensions import db
from workflow.registry.models import Household


def test_a_second_library_case_for_a_project_in_the_library_is_refused(client, world):
    project_users(world)
    apis = apis_for(client, "clerk", "township", "county", "sector_agri", "leading")
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    before = db.session.execute(db.select(db.func.count()).select_from(Case)).scalar()
    again = apis["clerk"].post("/api/v1/cases", json={"procedure": "project_library",
                                                       "subject_id": project_id})
    assert again.status_code == 422
    assert again.get_json()["errors"]["_guards"] == ["项目「大房身村香菇大棚」已入库"]
    assert db.session.execute(db.select(db.func.count()).select_from(Case)).scalar() == before
    # The project page offers no 申报入库 button any more, and says why.
    assert login(client, "clerk").status_code == 302
    page = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "发起：申报入库" not in page
    assert "不能发起申报入库：项目「大房身村香菇大棚」已入库" in page
    assert "发起：资金使用" in page


def test_an_action_the_subjects_state_forbids_is_not_offered(client, world):
    apis = {n: Api(client, n) for n in ("clerk", "helper")}
    case_id = start(apis, world)
    household = db.session.get(Household, world.households[0].id)
    household.status = "exited"  # struck off by another route meanwhile
    db.session.commit()
    actions = apis["helper"].get(f"/api/v1/cases/{case_id}").get_json()["actions"]
    survey = next(a for a in actions if a["name"] == "submit_survey")
    assert survey["allowed"] is False
    assert "不是贫困户" in survey["reason"]


def test_a_start_guard_must_read_only_the_subject(tmp_path: Path, app):
    states, forms = tmp_path / "states", tmp_path / "forms"
    shutil.copytree(ROOT / "states", states)
    shutil.copytree(ROOT / "forms", forms)
    path = states / "household_exit.yaml"
    body = yaml.safe_load(path.read_text(encoding="utf-8"))
    body["start_guards"] = ["income_above_line"]
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    assert any(p.startswith("household_exit.yaml: start_guards: 条件 income_above_line "
                            "不只依据办理对象") for p in exc.value.problems)


def _open_renovation(client, world, on: dt.date) -> dict:
    clock.travel(dt.timedelta(days=(on - clock.today()).days))
    housing_users(world)
    house = make_house(world.households[0])
    api = Api(client, "clerk")
    response = api.post("/api/v1/cases", json={"procedure": "house_renovation",
                                               "subject_id": house.id})
    assert response.status_code == 201, response.get_json()
    return api.get(f"/api/v1/cases/{response.get_json()['id']}").get_json()


def test_a_renovation_opened_after_30_june_gets_next_years_deadline(client, world):
    year = clock.today().year + 1
    body = _open_renovation(client, world, dt.date(year, 7, 2))
    assert body["overdue"] is False
    assert body["due_on"] == f"{year + 1}-06-30"
    assert Api(client, "clerk").get("/api/v1/cases?overdue=1").get_json()["items"] == []


def test_a_renovation_opened_before_30_june_keeps_this_years(client, world):
    year = clock.today().year + 1
    body = _open_renovation(client, world, dt.date(year, 3, 1))
    assert body["overdue"] is False and body["due_on"] == f"{year}-06-30"


def test_an_ineligible_household_gets_no_renovation_case(client, world):
    housing_users(world)
    household = world.households[0]
    household.status = "monitored"
    house = make_house(household)
    response = Api(client, "clerk").post("/api/v1/cases", json={
        "procedure": "house_renovation", "subject_id": house.id})
    assert response.status_code == 422
    assert "不属于危房改造对象" in response.get_json()["errors"]["_guards"][0]
