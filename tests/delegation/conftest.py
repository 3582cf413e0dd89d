"""A village clerk who is also the township's reviewer (李四, so the separation of duties
bites), and a helper of the same village (张三) to whom the clerk's role is handed."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import Api, make_user
from workflow import clock
from workflow.extensions import db


@pytest.fixture
def people(world):
    chief = make_user("lisi", ("village_clerk", world.places["v1"]),
                      ("township_reviewer", world.places["pianling"]), name="李四")
    zhang = make_user("zhangsan", ("helper", world.places["v1"]), name="张三")
    db.session.commit()
    return {"chief": chief, "zhang": zhang}


@pytest.fixture
def apis(client, world, people):
    return {name: Api(client, name) for name in
            ("lisi", "zhangsan", "clerk", "team", "helper", "township", "county", "admin",
             "other_clerk", "auditor")}


def clerk_assignment(user) -> int:
    return next(a.id for a in user.assignments if a.role == "village_clerk")


def hand_over(apis, people, days: int = 30, **extra):
    """李四 hands his village clerk role to 张三 from today for ``days`` days."""
    today = clock.today()
    body = {"assignment_id": clerk_assignment(people["chief"]), "delegate": "zhangsan",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=days)).isoformat(), "reason": "参加培训",
            **extra}
    return apis["lisi"].post("/api/v1/delegations", json=body)
