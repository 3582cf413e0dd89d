"""Calendar fixtures: a city administrator (the top-level place's, who sets the calendar)."""
from __future__ import annotations

import pytest

from tests.factories import make_user
from workflow.extensions import db


@pytest.fixture
def city_admin(world):
    user = make_user("city_admin", ("admin", world.places["city"]), name="郑市管理员")
    db.session.commit()
    return user
