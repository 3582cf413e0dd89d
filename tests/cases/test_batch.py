"""Batch sign-off (批量办理): every case passes perform's checks, and all or none is written."""
from __future__ import annotations

import pytest

from tests.factories import GOOD_SURVEY, make_household
from workflow.audit.chain import verify
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.cases.operations import SignOff, create_case, perform_many
from workflow.engine.errors import Conflict, Invalid
from workflow.extensions import db


@pytest.fixture
def cases(world):
    households = [make_household(world.places["v1"], f"赵{n}") for n in "一二三"]
    db.session.commit()
    return [create_case("household_exit", h.id, world.users["clerk"]) for h in households]


def events() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one()


def test_batch_signs_every_case(world, cases):
    perform_many([SignOff(c, "submit_survey", c.version, data=GOOD_SURVEY) for c in cases],
                 world.users["helper"])
    db.session.expire_all()
    assert {db.session.get(Case, c.id).state for c in cases} == {"democratic_appraisal"}
    assert events() == 6
    assert verify()[1] == []


def test_one_bad_case_writes_nothing_and_is_named(world, cases):
    before = events()
    poor = {**GOOD_SURVEY, "wages": "0", "farm_net": "0", "transfers": "0"}
    batch = [SignOff(cases[0], "submit_survey", cases[0].version, data=GOOD_SURVEY),
             SignOff(cases[1], "submit_survey", cases[1].version, data=poor)]
    with pytest.raises(Invalid) as exc:
        perform_many(batch, world.users["helper"])
    assert exc.value.message.startswith(f"案件 {cases[1].id}：")
    db.session.expire_all()
    assert db.session.get(Case, cases[0].id).state == "income_survey"
    assert events() == before


def test_stale_case_in_a_batch_refuses_the_batch(world, cases):
    with pytest.raises(Conflict):
        perform_many([SignOff(c, "submit_survey", 99, data=GOOD_SURVEY) for c in cases],
                     world.users["helper"])
    with pytest.raises(Conflict):
        perform_many([SignOff(cases[0], "submit_survey", data=GOOD_SURVEY)] * 2,
                     world.users["helper"])
