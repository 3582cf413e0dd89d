"""Rate limits where an attacker aims: login and token issue (one count per address),
password change and exports (per user), 429 in Chinese; production refuses a per-process
store. The count shared across processes and nodes is proven in tests/production."""
from __future__ import annotations

import logging

import pytest
from flask import Flask

from tests.factories import PASSWORD, Api
from tests.web.test_pages import csrf
from workflow import create_app
from workflow.auth.limits import LIMITED, SharedStoreRequired, check_storage


def test_every_limited_endpoint_exists(app):
    missing = [endpoint for endpoint, *_ in LIMITED if endpoint not in app.view_functions]
    assert missing == []


def test_login_and_token_issue_share_one_count_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_FREE_FAILURES", 100)  # the limit alone
    assert client.get("/login").status_code == 200  # a page view is not counted
    answers = [client.post("/api/v1/auth/token", json={"username": "clerk", "password": "x"})
               for _ in range(2)]
    page = client.post("/login", data={"username": "clerk", "password": "wrong",
                                       "csrf_token": csrf(client)})
    assert [a.status_code for a in answers] + [page.status_code] == [401, 401, 401]
    refused = client.post("/api/v1/auth/token", json={"username": "clerk",
                                                      "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "登录尝试过于频繁，请稍后再试"
    assert int(refused.headers["Retry-After"]) > 0
    form = client.post("/login", data={"username": "clerk", "password": PASSWORD,
                                       "csrf_token": csrf(client)})
    assert form.status_code == 429 and "登录尝试过于频繁" in form.get_data(as_text=True)


def test_password_change_is_limited_per_user(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RATE_LIMIT", "2 per hour")
    clerk, team = Api(client, "clerk"), Api(client, "team")
    guesses = [clerk.post("/api/v1/account/password",
                          json={"current_password": f"guess-{i}", "new_password": "N3w-口令-2021"})
               for i in range(3)]
    assert [g.status_code for g in guesses] == [422, 422, 429]
    assert guesses[-1].get_json()["message"] == "修改密码尝试过于频繁，请稍后再试"
    other = team.post("/api/v1/account/password",
                      json={"current_password": "guess", "new_password": "N3w-口令-2021"})
    assert other.status_code == 422  # another user's count is its own


def test_exports_are_limited_per_user(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_RATE_LIMIT", "2 per minute")
    clerk, township = Api(client, "clerk"), Api(client, "township")
    answers = [clerk.get("/api/v1/households/export.xlsx").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert township.get("/api/v1/households/export.xlsx").status_code == 200


def _production(tmp_path, **settings):
    return create_app({"PRODUCTION": True, "SECRET_KEY": "x7Qp-9vLr2Ks8mWz4Tn6Yb3Hd5Jf1Gc0Ae",
                       "AUDIT_KEY": "eA0cG1fJ5dH3bY6nT4zWm8sK2rLv9-pQ7x",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                       **settings})


def test_production_refuses_a_per_process_store(tmp_path, caplog):
    with pytest.raises(SharedStoreRequired, match="WORKFLOW_RATELIMIT_STORAGE_URI"):
        _production(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    with caplog.at_level(logging.WARNING):
        assert _production(tmp_path, RATELIMIT_STORAGE_URI="memory://",
                           RATELIMIT_PER_PROCESS=True) is not None
    assert "run ONE process" in caplog.text
    # A shared store passes (checked on a bare app: building a whole app would bind the
    # suite's one limiter to that Redis for every later test).
    bare = Flask(__name__)
    bare.config.update(PRODUCTION=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/1")
    check_storage(bare)
    bare.config.update(PRODUCTION=False, RATELIMIT_STORAGE_URI="memory://")
    check_storage(bare)  # the demo and development keep memory://
