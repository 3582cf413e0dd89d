"""Sessions end on the server: logout, a new password or deactivation kill every copy of
the cookie (and the API tokens with the last two); idle and absolute timeouts."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, Api
from tests.web.test_pages import csrf, login
from workflow import clock
from workflow.auth import operations
from workflow.auth.models import ApiToken, User
from workflow.extensions import db


def _logged_in(app, username: str = "clerk") -> IsolatedClient:
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(client, username).status_code == 302
    return client


def _replay(app, cookie: str) -> IsolatedClient:
    """Another browser holding a copy of the session cookie."""
    thief = IsolatedClient(app, app.response_class, use_cookies=True)
    thief.set_cookie("session", cookie)
    return thief


def _user(name: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(username=name)).scalar_one()


def test_a_cookie_copied_before_logout_is_dead_after_it(app, world):
    client = _logged_in(app)
    stolen = client.get_cookie("session").value
    assert _replay(app, stolen).get("/").status_code == 200  # the copy works ...
    response = client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert response.status_code == 302
    replayed = _replay(app, stolen).get("/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    # ... and so does every other session of the user: logout ends them everywhere.
    assert _user("clerk").session_generation == 1


def test_other_users_sessions_survive_a_logout(app, world):
    clerk, township = _logged_in(app, "clerk"), _logged_in(app, "township")
    clerk.post("/logout", data={"csrf_token": csrf(clerk, "/")})
    assert township.get("/").status_code == 200


@pytest.mark.parametrize("change", [
    lambda user: operations.set_password(user, "新口令-2021-abc"),
    operations.deactivate,
])
def test_new_password_or_deactivation_ends_sessions_and_tokens(app, world, client, change):
    browser = _logged_in(app)
    api = Api(client, "clerk")
    assert api.get("/api/v1/cases").status_code == 200
    change(_user("clerk"))
    assert browser.get("/").status_code == 302
    assert api.get("/api/v1/cases").status_code == 401
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_the_new_password_logs_in_and_the_old_one_does_not(app, world):
    operations.set_password(_user("clerk"), "新口令-2021-abc")
    fresh = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(fresh, "clerk", PASSWORD).status_code == 401
    assert login(fresh, "clerk", "新口令-2021-abc").status_code == 302


@pytest.fixture
def timeouts(app, monkeypatch):
    """The shipped limits (the suite's app lifts them: other tests travel weeks ahead)."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 12)


def test_an_idle_session_times_out(app, world, timeouts):
    client = _logged_in(app)
    clock.travel(dt.timedelta(minutes=25))
    assert client.get("/").status_code == 200  # activity keeps it alive ...
    clock.travel(dt.timedelta(minutes=25))
    assert client.get("/").status_code == 200
    clock.travel(dt.timedelta(minutes=31))  # ... silence ends it
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登录已超时，请重新登录" in page and "请先登录" not in page


def test_a_busy_session_still_ends_after_the_absolute_limit(app, world, timeouts):
    client = _logged_in(app)
    for _ in range(12 * 3 - 1):  # 11 h 40 min of requests every 20 minutes
        clock.travel(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200
    clock.travel(dt.timedelta(minutes=25))  # within the idle limit, but 12 h 5 min in
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_does_not_redirect_off_site(app, world):
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    for target in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        response = client.post(f"/login?next={target}", data={
            "username": "clerk", "password": PASSWORD, "csrf_token": csrf(client)})
        assert response.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": csrf(client, "/")})
