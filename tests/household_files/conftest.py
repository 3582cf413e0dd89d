"""Fixtures for the 一户一档 tests (as tests/documents has them)."""
from __future__ import annotations

import pytest

from tests.factories import Api


class Apis(dict):
    """API clients by user name, each logged in on first use (a token costs a hash)."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def __missing__(self, name: str) -> Api:
        self[name] = Api(self.client, name)
        return self[name]


@pytest.fixture
def apis(client, world):
    """An API client (bearer token) per user of the test world."""
    return Apis(client)
