"""Role changes count at once on every node: the request path reads a token's or a
session's user and role assignments from the database on each request, so a second app
(its own engine and connection pool, as on another server) sees a grant, a revocation or
a deactivation made through the first one on its very next request."""
from __future__ import annotations

import pytest

from tests.conftest import IsolatedClient
from tests.factories import Api
from tests.web.test_pages import login, new_case
from workflow import create_app
from workflow.admin import operations as ops
from workflow.auth.models import User
from workflow.extensions import db


@pytest.fixture
def node_b(app):
    """A second application on the same database and keys, as a second app server."""
    keep = ("SECRET_KEY", "AUDIT_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER",
            "API_TOKEN_HOURS", "SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS",
            "AUDIT_ANCHOR_FOLDER")
    other = create_app({"TESTING": True, **{k: app.config[k] for k in keep}})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _fresh(name: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(username=name)).scalar_one()


def test_a_revoked_role_is_refused_on_the_other_node_at_once(app, world, node_b):
    case = new_case(world)
    other_village = world.households[2]  # 石庙子村, outside the clerk's first role
    admin = _fresh("admin")
    ops.grant(admin, _fresh("clerk"), {"role": "village_clerk", "jurisdiction": "210323107201"})
    token = Api(IsolatedClient(app, app.response_class), "clerk").headers
    browser = IsolatedClient(node_b, node_b.response_class, use_cookies=True)
    assert login(browser, "clerk").status_code == 302
    on_b = IsolatedClient(node_b, node_b.response_class)
    assert on_b.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 200
    assert browser.get(f"/cases/{case.id}").status_code == 200

    clerk = _fresh("clerk")
    first = next(a for a in clerk.assignments if a.jurisdiction.code == "210323106201")
    ops.revoke(_fresh("admin"), clerk, first.id)  # through node A's session

    assert on_b.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 404
    assert browser.get(f"/cases/{case.id}").status_code == 404
    # The role that stays still works, on both nodes.
    households = on_b.get("/api/v1/households", headers=token).get_json()["items"]
    assert [h["id"] for h in households] == [other_village.id]

    ops.grant(_fresh("admin"), _fresh("clerk"),
              {"role": "village_clerk", "jurisdiction": "210323106201"})
    assert on_b.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 200
    assert browser.get(f"/cases/{case.id}").status_code == 200


def test_a_deactivated_user_is_refused_on_the_other_node_at_once(app, world, node_b):
    token = Api(IsolatedClient(app, app.response_class), "clerk").headers
    browser = IsolatedClient(node_b, node_b.response_class, use_cookies=True)
    assert login(browser, "clerk").status_code == 302
    on_b = IsolatedClient(node_b, node_b.response_class)
    assert on_b.get("/api/v1/procedures", headers=token).status_code == 200
    assert browser.get("/").status_code == 200

    ops.deactivate(_fresh("admin"), _fresh("clerk"))

    assert on_b.get("/api/v1/procedures", headers=token).status_code == 401
    refused = browser.get("/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
