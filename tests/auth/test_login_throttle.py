"""Failed logins counted per account and per address in the database (every process sees
them), a growing delay instead of a lock of the right password, and the security log."""
from __future__ import annotations

import datetime as dt
import logging

from tests.conftest import DATABASE_URL, IsolatedClient
from tests.factories import PASSWORD, Api
from tests.web.test_pages import csrf
from workflow import clock, create_app
from workflow.auth.models import LoginFailure
from workflow.extensions import db

FREE = 5  # LOGIN_ACCOUNT_FREE_FAILURES


def _browser(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


def _login(client, password: str, address: str = "10.0.0.1", username: str = "clerk"):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client)},
                       environ_base={"REMOTE_ADDR": address})


def _token(client, password: str, address: str = "10.0.0.1", username: str = "clerk"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_from_two_addresses_count_against_one_account(app, world):
    client = _browser(app)
    for n in range(FREE):
        assert _login(client, "wrong", address=f"10.0.{n % 2}.9").status_code == 401
    refused = _login(client, PASSWORD, address="10.0.7.7")  # a third address, right password
    assert refused.status_code == 429
    assert "尝试次数过多，请 2 秒后再试" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "2"
    # Another account from the same addresses is not held up.
    assert _login(_browser(app), PASSWORD, username="township").status_code == 302


def test_the_right_password_works_once_the_growing_delay_has_passed(app, world):
    client = _browser(app)
    for _ in range(FREE):
        _login(client, "wrong")
    waits = []
    for _ in range(3):  # each further failure doubles the wait: 2, 4, 8 seconds
        refused = _login(client, "wrong")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.travel(dt.timedelta(seconds=waits[-1]))
        assert _login(client, "wrong").status_code == 401  # counted again after the wait
    assert waits == [2, 4, 8]
    assert _login(client, PASSWORD).status_code == 429  # still waiting 16 s ...
    clock.travel(dt.timedelta(seconds=16))
    assert _login(client, PASSWORD).status_code == 302  # ... then the official is in
    # Success clears the account's counter: the next typo is free again.
    assert db.session.scalar(db.select(LoginFailure.failures).filter_by(
        kind="account", subject="clerk")) is None


def test_the_delay_is_capped_and_a_quiet_counter_is_forgotten(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_DELAY_MAX_SECONDS", 60)
    client = _browser(app)
    for _ in range(FREE + 10):
        _login(client, "wrong")
        clock.travel(dt.timedelta(seconds=61))
    assert _login(client, "wrong").status_code == 401
    assert int(_login(client, "wrong").headers["Retry-After"]) == 60  # not 2**11 s
    clock.travel(dt.timedelta(minutes=61))  # LOGIN_FAILURE_WINDOW_MINUTES of silence
    assert _login(client, "wrong").status_code == 401
    assert db.session.scalar(db.select(LoginFailure.failures).filter_by(
        kind="account", subject="clerk")) == 1


def test_one_address_guessing_many_accounts_is_slowed_down(app, world):
    client = _browser(app)
    names = ["clerk", "team", "helper", "township", "county", "nobody"]
    for n in range(20):  # LOGIN_ADDRESS_FREE_FAILURES, four per account: no account waits
        assert _login(client, "wrong", username=names[n % len(names)]).status_code == 401
    assert _login(client, "wrong", username="city").status_code == 429
    assert _login(client, PASSWORD, username="city", address="10.9.9.9").status_code == 302


def test_browser_and_api_token_share_the_counter(app, world, client):
    browser = _browser(app)
    for _ in range(FREE):
        _login(browser, "wrong")
    refused = _token(client, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert refused.get_json() == {"message": "尝试次数过多，请 2 秒后再试"}
    clock.travel(dt.timedelta(seconds=2))
    assert _token(client, PASSWORD).status_code == 200


def test_the_count_is_shared_by_two_app_processes(app, world):
    """Two create_app on one database stand for two gunicorn workers."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
                        "SERVER_NAME": None})
    for n in range(FREE):
        worker = app if n % 2 else other
        assert _token(worker.test_client(), "wrong").status_code == 401
    assert _token(app.test_client(), PASSWORD).status_code == 429
    assert _token(other.test_client(), PASSWORD).status_code == 429
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_failed_logins_are_logged_without_the_password(app, world, caplog):
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        _login(_browser(app), "Secret-猜测-123", address="10.1.2.3")
    line = next(r.getMessage() for r in caplog.records if "login failed" in r.getMessage())
    assert "'clerk'" in line and "10.1.2.3" in line and "Secret" not in caplog.text


def test_refused_authorisation_is_logged_with_user_path_and_status(app, world, as_user,
                                                                   caplog):
    clerk = as_user("clerk")
    other_village = world.households[2].id  # 石庙子村: outside the clerk's scope
    url = f"/households/{other_village}/houses/new"
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        assert clerk.get(url).status_code == 404
    assert any("refused 404" in r.getMessage() and "'clerk'" in r.getMessage()
               and url in r.getMessage() for r in caplog.records)


def test_a_newline_in_a_refused_path_cannot_forge_a_log_line(app, world, client, caplog):
    api = Api(client, "clerk")
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        assert api.get("/api/v1/forms/x%0Arefused 404: user='admin'").status_code == 404
    lines = [r.getMessage() for r in caplog.records if "refused 404" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "\\n" in lines[0]
