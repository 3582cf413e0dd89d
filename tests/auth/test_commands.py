"""The account commands end sessions and tokens through the operations."""
from __future__ import annotations

from tests.conftest import IsolatedClient
from tests.factories import Api
from tests.web.test_pages import login
from workflow.auth.models import ApiToken, User
from workflow.extensions import db


def test_password_and_deactivate_commands_end_sessions_and_tokens(app, world, client):
    runner = app.test_cli_runner()
    browser = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(browser, "clerk").status_code == 302
    Api(client, "clerk")
    short = runner.invoke(args=["users", "password", "clerk", "--password", "short"])
    assert short.exit_code != 0 and "「密码」至少 10 个字符" in short.output
    done = runner.invoke(args=["users", "password", "clerk", "--password", "新口令-2021-abc"])
    assert done.exit_code == 0, done.output
    assert browser.get("/").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    assert login(browser, "clerk", "新口令-2021-abc").status_code == 302
    assert runner.invoke(args=["users", "deactivate", "clerk"]).exit_code == 0
    assert browser.get("/").status_code == 302
    db.session.expire_all()
    assert db.session.execute(db.select(User.active).filter_by(username="clerk")).scalar() is False
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code != 0
