"""Two allocations that together exceed the budget, at the same instant: one is refused."""
from __future__ import annotations

from tests.factories import at_once
from tests.projects.helpers import apis_for, fund_source, into_library, project_users, register
from workflow.auth.models import User
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.funds import operations as funds
from workflow.funds.ledgers import check_ledgers
from workflow.funds.models import Allocation


def test_concurrent_allocations_never_exceed_the_budget(app, client, world, postgres_only):
    project_users(world)
    apis = apis_for(client, "clerk", "township", "county", "sector_agri", "leading")
    source = fund_source(world, budget="1000000")
    projects = [register(apis["clerk"], name=f"项目{i}") for i in range(2)]
    for project_id in projects:
        into_library(apis, project_id)
    source_id = source.id
    db.session.remove()

    def allocate(ready, project_id: int) -> str:
        user = db.session.execute(db.select(User).filter_by(username="county")).scalar_one()
        ready()
        try:
            funds.allocate(project_id, source_id, "600000", f"A-{project_id}", user,
                           channel="test")
            return "ok"
        except Invalid as exc:
            assert "超出预算" in exc.errors["_guards"][0]
            return "refused"

    outcomes = at_once(app, [(p,) for p in projects], allocate, timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert db.session.query(Allocation).count() == 1
    assert check_ledgers() == []
