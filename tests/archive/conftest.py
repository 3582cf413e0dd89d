"""A county with records on every trail, a second county beside it, and receiving
installations: a second app on a fresh SQLite file migrated with flask_migrate.upgrade.

The receiver is SQLite in both runs (on PostgreSQL CI the sender is PostgreSQL, so the
archive also crosses database kinds, as an operator moving a county onto a laptop or a
new server would); test_postgres_receiver imports into a second PostgreSQL database."""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import zipfile

import pytest
from flask_migrate import upgrade

from tests.cases.test_household_exit import start as start_exit
from tests.factories import GOOD_APPRAISAL, GOOD_SURVEY, Api, make_household, make_user
from tests.housing.helpers import housing_users, make_house, to_county_approval
from tests.housing.helpers import start as start_renovation
from tests.projects.helpers import (
    fund_source,
    into_library,
    ok,
    project_users,
    register,
    to_allocation,
)
from workflow import clock, create_app
from workflow.extensions import db
from workflow.jurisdictions.models import add_place

USERS = ("clerk", "team", "helper", "township", "county", "housing", "housing2",
         "sector_agri", "sector_water", "leading")


@pytest.fixture
def county(client, world):
    """岫岩县 with a household exit a few steps in, a renovation with evidence up to the
    county's approval, a project in the library with money allocated (register and fund
    trails), and 海城市 beside it with its own clerk, household and case."""
    housing_users(world)
    project_users(world)
    apis = {name: Api(client, name) for name in USERS}
    exit_case = start_exit(apis, world)
    for who, action, data in [("helper", "submit_survey", GOOD_SURVEY),
                              ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                              ("clerk", "verify", {})]:
        ok(apis[who].act(exit_case, action, data))
    # A 批注 on its own sealed chain: handed on with the case and re-sealed with it.
    ok(apis["clerk"].post(f"/api/v1/cases/{exit_case}/comments", json={"body": "收入已核实"}), 201)
    renovation = start_renovation(apis, make_house(world.households[1]))
    db.session.commit()
    to_county_approval(apis, renovation)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    source = fund_source(world)
    use = to_allocation(apis, project_id)
    ok(apis["county"].act(use, "allocate_funds", {
        "source_id": source.id, "amount": "780000", "document_no": "岫财扶〔2020〕12号",
        "dated_on": "2020-04-05"}))
    other = add_place("210381", "海城市", "county", world.places["city"])
    town = add_place("210381101", "牌楼镇", "township", other)
    village = add_place("210381101201", "东四方台村", "village", town)
    far = make_household(village, "海城户主")
    make_user("hc_clerk", ("village_clerk", village), name="海城村干部")
    db.session.commit()
    far_case = ok(Api(client, "hc_clerk").post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": far.id}), 201)["id"]
    clock.travel(dt.timedelta(days=1))
    return {"apis": apis, "exit_case": exit_case, "renovation": renovation,
            "project": project_id, "other": other, "far_household": far.id,
            "far_case": far_case}


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path, out, changes: dict[str, bytes]) -> None:
    """A copy of the archive with some members' bytes replaced."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, changes.get(name, source.read(name)))


class Receiver:
    """Another installation: its own app, database, upload and checkpoint folders."""

    def __init__(self, app):
        self.app = app

    @contextlib.contextmanager
    def context(self):
        with self.app.app_context():
            yield
            db.session.remove()

    def cli(self, *args):
        with self.context():
            return self.app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def receiver_factory(app, tmp_path):
    made = []

    def make(same_key: bool = True, url: str | None = None) -> Receiver:
        n = len(made)
        receiver = create_app({
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp_path}/receiver{n}.sqlite",
            "UPLOAD_FOLDER": str(tmp_path / f"uploads{n}"),
            "AUDIT_ANCHOR_FOLDER": str(tmp_path / f"anchors{n}"),
            "AUDIT_KEY": app.config["AUDIT_KEY"] if same_key else secrets.token_hex(32),
            "SERVER_NAME": None})
        with receiver.app_context():
            upgrade()  # what an operator runs: flask db upgrade
        made.append(receiver)
        return Receiver(receiver)

    yield make
    for receiver in made:
        with receiver.app_context():
            db.session.remove()
            db.engine.dispose()
