"""A second county (台安县) with its own clerk and administrator, beside the test world's
岫岩县 and its administrator (``admin``), so that scope is tested against a neighbour."""
from __future__ import annotations

import pytest

from tests.factories import make_user
from workflow.auth.models import RoleAssignment
from workflow.extensions import db
from workflow.jurisdictions.models import add_place


@pytest.fixture
def two_counties(world):
    city = world.places["city"]
    taian = add_place("210321", "台安县", "county", city)
    town = add_place("210321100", "台安镇", "township", taian)
    village = add_place("210321100201", "西岗村", "village", town)
    world.places.update(taian=taian, taian_town=town, taian_village=village)
    world.users["taian_clerk"] = make_user("taian_clerk", ("village_clerk", village),
                                           name="韩村干部")
    world.users["taian_admin"] = make_user("taian_admin", ("admin", taian), name="台安管理员")
    world.users["city_admin"] = make_user("city_admin", ("admin", city), name="市管理员")
    # Holds roles in both counties: 岫岩's admin sees it but cannot deactivate it.
    both = make_user("both", ("township_reviewer", world.places["pianling"]), name="两县兼职")
    db.session.add(RoleAssignment(user=both, role="township_reviewer", jurisdiction=town))
    world.users["both"] = both
    db.session.commit()
    return world
