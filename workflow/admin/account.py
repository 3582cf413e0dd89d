"""What every user does on their own account: change the password (policy checked, on the
administration trail), see and end their own browser sessions and API tokens."""
from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from workflow import clock
from workflow.admin.schemas import PasswordChangeSchema
from workflow.audit import admin
from workflow.auth import operations as auth_ops
from workflow.auth import passwords, sessions
from workflow.auth.models import ApiToken, User, UserSession
from workflow.engine.errors import Invalid, NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.registry.operations import load_payload

# The views a user whose password must change may still reach (browser and API).
PASSWORD_CHANGE_ENDPOINTS = {"account.password", "auth.logout", "auth.login", "static",
                             "admin_api.api_change_password", "api.issue_token"}
MUST_CHANGE = "请先修改密码（管理员重置的一次性密码或演示密码须在首次登录时修改）"


def change_due(user: User) -> bool:
    """True while ``user`` must pick a new password before anything else."""
    return user.password_change_due(bool(current_app.config.get("PRODUCTION")))


def change_password(user: User, payload: Any) -> None:
    """The user's own new password: the current one required, the policy checked; every
    session and token ends (the caller logs this browser in again), on the trail."""
    values = load_payload(PasswordChangeSchema(), payload, "密码修改未成功，请按提示修改")
    if not user.check_password(values["current_password"]):
        raise Invalid("密码修改未成功", {"current_password": ["「当前密码」不正确"]})
    new = values["new_password"]
    problems = passwords.problems(new, user.username)
    if not problems and user.check_password(new):
        problems = ["「新密码」不能与当前密码相同"]
    if problems:
        raise Invalid("密码修改未成功", {"new_password": problems})
    before = {"must_change_password": user.must_change_password,
              "demo_password": user.demo_password}
    auth_ops.set_password(user, new, commit=False)
    if user.assignments:  # every account but the command line's has one
        first = min(user.assignments, key=lambda a: a.id)
        admin.record(first.jurisdiction, "password_changed", user,
                     f"{user.display_name}（{user.username}）修改了自己的密码",
                     {k: {"before": v, "after": False} for k, v in before.items() if v},
                     target=f"user:{user.id}", role=first.role)
    db.session.commit()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens that still work, newest first."""
    return list(db.session.execute(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.expires_at > clock.utcnow())
        .order_by(ApiToken.id.desc())).scalars())


def end_session(user: User, session_id: Any) -> None:
    """End one of the user's own browser sessions (another device's, or this one)."""
    ident = parse_id(session_id)
    row = db.session.get(UserSession, ident) if ident is not None else None
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise NotFound("该会话不存在或已结束")
    sessions.end_rows(user, only_id=row.id)
    db.session.commit()


def end_other_sessions(user: User, current_id: int | None) -> int:
    """End every browser session of the user but this one; how many ended."""
    ended = sessions.end_rows(user, except_id=current_id)
    db.session.commit()
    return ended


def revoke_token(user: User, token_id: Any) -> None:
    """Delete one of the user's own API tokens (a script's access ends now)."""
    ident = parse_id(token_id)
    done = db.session.execute(delete(ApiToken).where(
        ApiToken.id == (ident or 0), ApiToken.user_id == user.id)).rowcount
    if not done:
        db.session.rollback()
        raise NotFound("该令牌不存在或已失效")
    db.session.commit()


PHONE_LABEL = "工作电话"
# A mobile number (11 digits from 1) or a landline with its area code (0412-5551234).
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def set_phone(user: User, raw: object) -> str | None:
    """The user's work phone (empty clears it), committed; Invalid naming 工作电话."""
    value = raw.strip().replace(" ", "") if isinstance(raw, str) else None
    if value is None or "\x00" in value:
        raise Invalid("未保存", {"phone": [f"「{PHONE_LABEL}」含有无法识别的字符"]})
    if value and not _PHONE.match(value):
        raise Invalid("未保存", {"phone": [
            f"「{PHONE_LABEL}」格式不正确，应为 11 位手机号或带区号的固定电话，"
            "例如 13812345678、0412-5551234"]})
    user.phone = value or None
    db.session.commit()
    return user.phone
