"""schemathesis against the app's own OpenAPI document, through the WSGI app: whatever it
generates for any documented operation (valid and invalid data alike), never a 5xx.

CI runs a bounded number of examples per operation; raise WORKFLOW_FUZZ_EXAMPLES (e.g.
500) for the long run on the bench.
"""
from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from tests.cases.test_household_exit import start
from tests.factories import Api
from tests.housing.helpers import housing_users, make_house
from workflow.api.openapi import spec

EXAMPLES = int(os.environ.get("WORKFLOW_FUZZ_EXAMPLES", "25"))


def isolated(app):
    """The WSGI app with each request in its own app context (fresh ``g`` and database
    session), as on a real server; the test's own context stays apart."""
    def wsgi(environ, start_response):
        with app.app_context():
            return app.wsgi_app(environ, start_response)
    return wsgi


@pytest.fixture
def token(client, world):
    """A county poverty office token (scope over the whole test county), with a case,
    households and a house so low ids lead somewhere."""
    housing_users(world)
    make_house(world.households[1])
    start({"clerk": Api(client, "clerk")}, world)
    return Api(client, "county").headers["Authorization"]


# The document as the app serves it (built from the code, no database needed).
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(spec())))
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors(app, token):
    """Every operation, valid and invalid data, one world for all (building it per
    operation would cost more than the requests); every failure reported at the end."""
    target = isolated(app)
    failures = []
    for operation in OPERATIONS:
        for mode in GenerationMode:
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(mode))
            def run(case):
                case.call_and_validate(app=target, headers={"Authorization": token},
                                       checks=[not_a_server_error])
            try:
                run()
            except Unsatisfiable:
                pass  # nothing to make invalid (no parameters, no body): negative mode only
            except Exception as exc:  # noqa: BLE001 (collected, reported below)
                failures.append(f"{operation.label} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)


def test_the_fuzzed_document_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").get_json() == json.loads(json.dumps(spec()))
