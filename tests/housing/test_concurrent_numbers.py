"""Approvals landing at the same instant never share or skip an archive number (PostgreSQL)."""
from __future__ import annotations

from tests.factories import Api, at_once, make_household
from tests.housing.helpers import APPROVAL, housing_users, make_house, start, to_county_approval
from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.cases.operations import perform
from workflow.engine.errors import Conflict
from workflow.extensions import db
from workflow.housing.models import ArchiveFile


def test_concurrent_approvals_take_distinct_consecutive_numbers(app, client, world,
                                                                 postgres_only):
    housing_users(world)
    village = world.places["v1"]
    households = [make_household(village, f"韩赟{i}", size=2) for i in range(5)]
    db.session.commit()
    apis = {n: Api(client, n) for n in ("clerk", "township")}
    case_ids = [start(apis, make_house(h)) for h in households]
    for case_id in case_ids:
        to_county_approval(apis, case_id)
    # Five different cases, plus a second approval racing the first case: six threads.
    jobs = [(case_id, "housing") for case_id in case_ids] + [(case_ids[0], "housing2")]
    versions = {c: db.session.get(Case, c).version for c in case_ids}
    db.session.remove()

    def approve(ready, case_id: int, username: str) -> tuple[int, str]:
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        case = db.session.get(Case, case_id)
        ready()
        try:
            perform(case, "county_approve", user, version=versions[case_id], data=APPROVAL)
            return case_id, "ok"
        except Conflict:
            return case_id, "conflict"

    outcomes = at_once(app, jobs, approve)
    assert sorted(o for _, o in outcomes) == ["conflict"] + ["ok"] * 5
    files = db.session.execute(db.select(ArchiveFile).order_by(ArchiveFile.seq)).scalars().all()
    assert [f.seq for f in files] == [1, 2, 3, 4, 5]
    assert sorted(f.case_id for f in files) == sorted(case_ids)
    assert len({f.number for f in files}) == 5
