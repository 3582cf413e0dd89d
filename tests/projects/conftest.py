"""The officials of a project's path, each with an API client (shared by the funds tests)."""
from __future__ import annotations

import pytest

from tests.projects.helpers import apis_for, project_users

USERS = ("clerk", "township", "county", "sector_agri", "sector_water", "leading")


@pytest.fixture
def apis(client, world):
    project_users(world)
    return apis_for(client, *USERS)
