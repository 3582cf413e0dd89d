"""Fixtures for the document tests (helpers in tests/documents/helpers.py)."""
from __future__ import annotations

import pytest

from tests.factories import Apis


@pytest.fixture
def apis(client, world):
    """An API client (bearer token) per user of the test world."""
    return Apis(client)
