"""Shared fixtures: one schema per run built by the real migrations, emptied after each test.

Point the suite at PostgreSQL with WORKFLOW_TEST_DATABASE_URL; the default is a SQLite file.
Tests commit for real (``perform`` commits, threads and the browser need to see it), so
isolation comes from emptying every table after each test rather than from rollback.
"""
from __future__ import annotations

import os
import tempfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from workflow import clock, create_app
from workflow.extensions import db, limiter, rebuild_schema

_DEFAULT_SQLITE = os.path.join(tempfile.gettempdir(), f"workflow-test-{os.getpid()}.sqlite")
DATABASE_URL = os.environ.get("WORKFLOW_TEST_DATABASE_URL", f"sqlite:///{_DEFAULT_SQLITE}")


def _is_postgres() -> bool:
    return DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def app():
    if not _is_postgres() and os.path.exists(_DEFAULT_SQLITE):
        os.remove(_DEFAULT_SQLITE)
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
                              "WTF_CSRF_ENABLED": True,
                              "API_TOKEN_HOURS": 24 * 365,  # tests travel weeks ahead
                              "SESSION_IDLE_MINUTES": 60 * 24 * 365,  # tests/auth sets them
                              "SESSION_ABSOLUTE_HOURS": 24 * 365,
                              "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="wf-uploads-"),
                              "SERVER_NAME": None})
    with application.app_context():
        rebuild_schema()
    yield application
    if not _is_postgres() and os.path.exists(_DEFAULT_SQLITE):
        os.remove(_DEFAULT_SQLITE)


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts with empty tables, real time and a fresh rate limit."""
    clock.reset()
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.rollback()
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if _is_postgres():
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    limiter.reset()
    clock.reset()
    ctx.pop()


@pytest.fixture
def job_worker(app):
    """A local jobs worker polling in a thread (workflow/jobs/local.py) for this test."""
    from workflow.jobs.local import LocalWorker

    worker = LocalWorker(app, poll=0.1, periodic=False).start()
    yield worker
    worker.stop()


@pytest.fixture
def postgres_only():
    if not _is_postgres():
        pytest.skip("needs PostgreSQL (set WORKFLOW_TEST_DATABASE_URL)")


class IsolatedClient(FlaskClient):
    """Each request in its own app context (fresh g and session), as on a real server."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return IsolatedClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def as_user(app):
    """A fresh browser-like client logged in as the named user."""
    from tests.web.test_pages import login

    def make(username: str):
        c = IsolatedClient(app, app.response_class, use_cookies=True)
        response = login(c, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return c
    return make


@pytest.fixture
def world():
    """Places, one user per role, households: see tests/factories.py."""
    from tests.factories import build_world

    return build_world()
