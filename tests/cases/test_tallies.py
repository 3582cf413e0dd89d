"""The case tallies the boards read: kept by every state change, equal to the trail and to
a direct count of the cases, checkable and rebuildable from the trail."""
from __future__ import annotations

import datetime as dt

from tests.cases.test_household_exit import start, to_notice
from tests.factories import Api
from workflow import clock
from workflow.cases import tallies
from workflow.cases.models import Case
from workflow.cases.tallies import CaseTally
from workflow.extensions import db


def _current(procedure: str = "household_exit") -> dict[str, int]:
    counts = tallies.by_place_and_state(procedure, "/", 1)
    return {state: n for (_, state), n in counts.items()}


def _direct() -> dict[str, int]:
    return dict(db.session.execute(db.select(Case.state, db.func.count())
                                   .group_by(Case.state)).all())


def test_every_state_change_moves_the_tallies_and_they_agree_with_the_trail(client, world):
    apis = {n: Api(client, n) for n in ("clerk", "team", "helper", "county")}
    first = start(apis, world, 0)
    start(apis, world, 1)
    assert _current() == _direct() == {"income_survey": 2}
    clock.travel(dt.timedelta(days=40))  # the moves land in a later month
    to_notice(apis, first)
    db.session.expire_all()
    assert _current() == _direct() == {"income_survey": 1, "village_notice": 1}
    assert tallies.differences() == []
    months = {t.month for t in db.session.execute(db.select(CaseTally)).scalars()}
    assert len(months) == 2
    this_month = tallies.by_place_and_state("household_exit", "/", 1,
                                            only_month=tallies.month_of(clock.utcnow()))
    assert this_month[("/", "village_notice")] == 1
    assert this_month[("/", "income_survey")] == -1


def test_a_tally_edited_behind_the_engine_is_caught_and_rebuilt(app, client, world):
    apis = {n: Api(client, n) for n in ("clerk", "team", "helper", "county")}
    to_notice(apis, start(apis, world, 0))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "tallies"]).exit_code == 0
    row = db.session.execute(db.select(CaseTally).where(
        CaseTally.state == "village_notice")).scalar_one()
    row.moves = 5
    db.session.commit()
    result = runner.invoke(args=["audit", "tallies"])
    assert result.exit_code == 1
    assert "village_notice" in result.output and "统计 5，留痕 1" in result.output
    assert runner.invoke(args=["audit", "tallies", "--rebuild"]).exit_code == 0
    db.session.expire_all()
    assert runner.invoke(args=["audit", "tallies"]).exit_code == 0
    assert _current() == _direct() == {"village_notice": 1}
