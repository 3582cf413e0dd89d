"""`flask users ...` act through the administration operations as the command line
(服务器命令行) on the trail; create enforces the password policy."""
from __future__ import annotations

import re

from tests.factories import Api
from workflow.audit.models import AdminEvent
from workflow.auth.models import User
from workflow.extensions import db


def _user(name: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(username=name)).scalar_one()


def _trail() -> list[tuple[str, str]]:
    return [(e.action, e.actor_name) for e in db.session.execute(
        db.select(AdminEvent).order_by(AdminEvent.id)).scalars()]


def test_reset_password_revoke_and_deactivate(app, world, client):
    runner = app.test_cli_runner()
    token = Api(client, "clerk")
    reset = runner.invoke(args=["users", "reset-password", "clerk"])
    assert reset.exit_code == 0, reset.output
    one_time = re.search(r"login\): (\S+)", reset.output).group(1)
    assert _user("clerk").must_change_password and _user("clerk").check_password(one_time)
    assert token.get("/api/v1/households").status_code == 401
    runner.invoke(args=["users", "grant", "clerk", "--role", "helper",
                        "--jurisdiction", "210323106201"])
    revoked = runner.invoke(args=["users", "revoke", "clerk", "--role", "helper",
                                  "--jurisdiction", "210323106201"])
    assert revoked.exit_code == 0, revoked.output
    assert [a.role for a in _user("clerk").assignments] == ["village_clerk"]
    missing = runner.invoke(args=["users", "revoke", "clerk", "--role", "helper",
                                  "--jurisdiction", "210323106201"])
    assert missing.exit_code != 0 and "has no role" in missing.output
    last = runner.invoke(args=["users", "revoke", "clerk", "--role", "village_clerk",
                               "--jurisdiction", "210323106201"])
    assert last.exit_code != 0 and "唯一的角色" in last.output
    assert runner.invoke(args=["users", "deactivate", "clerk"]).exit_code == 0
    assert _trail() == [("password_reset", "服务器命令行"), ("role_granted", "服务器命令行"),
                        ("role_revoked", "服务器命令行"), ("user_deactivated", "服务器命令行")]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_create_enforces_the_policy_and_records(app, world):
    runner = app.test_cli_runner()
    base = ["users", "create", "zhao", "--role", "village_clerk",
            "--jurisdiction", "210323106201", "--display-name", "赵会计"]
    weak = runner.invoke(args=[*base, "--password", "password1"])
    assert weak.exit_code != 0 and "「密码」至少 10 个字符" in weak.output
    common = runner.invoke(args=[*base, "--password", "password12345"])
    assert common.exit_code != 0 and "常见密码" in common.output
    bad_place = runner.invoke(args=[*base[:5], "--jurisdiction", "999", "--password",
                                    "杏花开了-2026-春"])
    assert bad_place.exit_code != 0 and "不存在" in bad_place.output
    done = runner.invoke(args=[*base, "--password", "杏花开了-2026-春"])
    assert done.exit_code == 0, done.output
    user = _user("zhao")
    assert user.display_name == "赵会计" and not user.must_change_password
    assert _trail() == [("user_created", "服务器命令行")]
    again = runner.invoke(args=[*base, "--password", "杏花开了-2026-春"])
    assert again.exit_code != 0 and "已被使用" in again.output
