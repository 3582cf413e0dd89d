"""User administration: create, grant, revoke, deactivate, reactivate, reset a password
and end sessions, each scoped to the administrator's places and recorded on the
administration trail in the same transaction (committed here).

Scope: an administrator (role ``admin`` over a place) sees the users who hold at least
one assignment under one of its admin places, and only those assignments; it grants
roles only on places under its own (so never ``admin`` above it) and changes no role of
its own. Deactivating, reactivating, resetting and ending sessions touch the whole
account, so they are refused (with the reason) when the user also holds a role outside
the administrator's places. A `flask` command acts as ``admin.cli_actor()`` with the
whole installation in scope.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from workflow.admin.schemas import GrantSchema, UserCreateSchema
from workflow.audit import admin
from workflow.auth import operations as auth_ops
from workflow.auth import passwords
from workflow.auth.models import ApiToken, RoleAssignment, User, UserSession
from workflow.auth.titles import DEPARTMENT_ROLES, role_title
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.jurisdictions.models import LEVEL_TITLES, Jurisdiction
from workflow.jurisdictions.scope import paths_filter
from workflow.registry.operations import load_payload

admin.actions({
    "user_created": "新建用户", "role_granted": "授予角色", "role_revoked": "撤销角色",
    "user_deactivated": "停用账号", "user_reactivated": "启用账号",
    "password_reset": "重置密码", "password_changed": "修改密码", "password_set": "设置密码",
    "sessions_ended": "结束会话",
})
# The level of place each role acts at (auditors and administrators: any level).
ROLE_LEVELS = {
    "village_clerk": ("village",), "work_team": ("village",), "helper": ("village",),
    "township_reviewer": ("township",), "county_poverty_office": ("county",),
    "county_housing_bureau": ("county",), "county_sector": ("county",),
    "county_leading_group": ("county",), "city_poverty_office": ("city",),
}
NOT_ADMIN = "只有系统管理员可以管理用户"
OUT_OF_SCOPE = "用户不存在或不在您的管辖范围内"


# --- scope ---------------------------------------------------------------------------

def admin_paths(actor: User) -> list[str]:
    """The places the actor administers (every place for the command line)."""
    if actor.username == admin.CLI_USERNAME:
        return ["/"]
    return [a.jurisdiction.path for a in actor.assignments if a.role == "admin"]


def require_admin(actor: User) -> list[str]:
    paths = admin_paths(actor)
    if not paths:
        raise Forbidden(NOT_ADMIN)
    return paths


def _under(place_path: str, paths: list[str]) -> bool:
    return any(place_path.startswith(p) for p in paths)


def visible_assignments(actor: User, user: User) -> list[RoleAssignment]:
    """The user's assignments on places the actor administers (what it may see)."""
    paths = admin_paths(actor)
    return [a for a in user.assignments if _under(a.jurisdiction.path, paths)]


def outside_roles(actor: User, user: User) -> int:
    """How many of the user's assignments lie outside the actor's places."""
    return len(user.assignments) - len(visible_assignments(actor, user))


def users_query(actor: User, q: str = "", place: Jurisdiction | None = None,
                role: str = ""):
    """The users the actor administers, by name or user name (``q``), place and role,
    ordered by user name (a query; the caller pages it)."""
    paths = require_admin(actor)
    held = (select(RoleAssignment.id).join(Jurisdiction, RoleAssignment.jurisdiction)
            .where(RoleAssignment.user_id == User.id, paths_filter(Jurisdiction.path, paths)))
    if place is not None:
        held = held.where(Jurisdiction.path.startswith(place.path, autoescape=True))
    if role:
        held = held.where(RoleAssignment.role == role)
    query = select(User).where(exists(held))
    if q := q.strip()[:64]:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.ilike(pattern, escape="\\"),
                                User.display_name.ilike(pattern, escape="\\")))
    return query.order_by(User.username)


def user_in_scope(actor: User, user_id: Any) -> User:
    """The user, or NotFound when it does not exist or holds no role in the actor's
    places (an out-of-scope account is not told apart from a missing one)."""
    require_admin(actor)
    ident = parse_id(user_id)
    user = db.session.get(User, ident) if ident is not None else None
    if user is None or not visible_assignments(actor, user):
        raise NotFound(OUT_OF_SCOPE)
    return user


def _whole_account(actor: User, user: User, what: str) -> None:
    """Refuse an account-wide change the actor cannot make for all of the user's roles."""
    if user.id == actor.id:
        raise Forbidden(f"不能{what}自己的账号；请在「我的账号」页面修改密码或结束会话")
    if outside_roles(actor, user):
        raise Forbidden(f"该用户另有 {outside_roles(actor, user)} 项角色在您的管辖范围以外，"
                        f"不能由您{what}；请联系上级系统管理员")


def _place_of(actor: User, user: User) -> Jurisdiction:
    """Where an account-wide change is recorded: the user's first in-scope assignment."""
    assignments = visible_assignments(actor, user) or user.assignments
    return min(assignments, key=lambda a: a.id).jurisdiction


def _label(user: User) -> str:
    return f"{user.display_name}（{user.username}）"


def _role_text(a: RoleAssignment | dict) -> str:
    if isinstance(a, dict):
        return f"{role_title(a['role'], a.get('department'))}（{a['place'].name}）"
    return f"{a.role_title}（{a.jurisdiction.name}）"


def _commit() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- roles ---------------------------------------------------------------------------

def _checked_grant(actor: User, payload: Any, schema=None) -> dict[str, Any]:
    """A grant's role, place and department, validated and within the actor's places."""
    paths = require_admin(actor)
    values = load_payload(schema or GrantSchema(), payload, "角色信息有误，请按提示修改")
    code = values["jurisdiction"].strip()
    place = db.session.execute(select(Jurisdiction).where(Jurisdiction.code == code)
                               ).scalar_one_or_none()
    if place is None or not _under(place.path, paths):
        raise Invalid("角色信息有误", {"jurisdiction": [
            "「管辖地区」不存在或不在您的管辖范围内；只能授予本级及下级地区的角色"]})
    role, department = values["role"], values.get("department") or None
    levels = ROLE_LEVELS.get(role)
    if levels and place.level not in levels:
        raise Invalid("角色信息有误", {"jurisdiction": [
            f"「{role_title(role)}」应授予{'、'.join(LEVEL_TITLES[x] for x in levels)}级地区，"
            f"「{place.name}」是{LEVEL_TITLES.get(place.level, place.level)}级"]})
    if role in DEPARTMENT_ROLES and not department:
        raise Invalid("角色信息有误", {"department": [f"「{role_title(role)}」须选择「部门」"]})
    if role not in DEPARTMENT_ROLES and department:
        raise Invalid("角色信息有误", {"department": [
            f"只有{'、'.join(role_title(r) for r in DEPARTMENT_ROLES)}需要「部门」"]})
    return {**values, "place": place, "department": department}


def _grant_data(values: dict) -> dict[str, Any]:
    return {"role": values["role"], "jurisdiction": values["place"].code,
            "department": values["department"]}


def grant(actor: User, user: User, payload: Any) -> RoleAssignment:
    """Give the user one more role over a place under the actor's (never its own)."""
    if user.id == actor.id:
        raise Forbidden("不能修改自己的角色；请联系上级系统管理员")
    values = _checked_grant(actor, payload)
    if any(a.role == values["role"] and a.jurisdiction_id == values["place"].id
           for a in user.assignments):
        raise Invalid("角色信息有误", {"role": ["该用户已有此角色"]})
    row = RoleAssignment(user=user, role=values["role"], jurisdiction=values["place"],
                         department=values["department"])
    db.session.add(row)
    admin.record(values["place"], "role_granted", actor,
                 f"授予 {_label(user)} 角色 {_role_text(values)}", _grant_data(values),
                 target=f"user:{user.id}")
    _commit()
    return row


def revoke(actor: User, user: User, assignment_id: Any) -> None:
    """Take one of the user's roles away (one in the actor's places; not its last)."""
    if user.id == actor.id:
        raise Forbidden("不能修改自己的角色；请联系上级系统管理员")
    ident = parse_id(assignment_id)
    row = next((a for a in visible_assignments(actor, user) if a.id == ident), None)
    if row is None:
        raise NotFound("该角色不存在或不在您的管辖范围内")
    if len(user.assignments) == 1:
        raise Invalid("不能撤销", {"assignment": [
            "这是该用户唯一的角色；不再使用的账号请「停用」"]})
    place, text = row.jurisdiction, _role_text(row)
    data = {"role": row.role, "jurisdiction": place.code, "department": row.department}
    user.assignments.remove(row)
    admin.record(place, "role_revoked", actor, f"撤销 {_label(user)} 的角色 {text}", data,
                 target=f"user:{user.id}")
    _commit()


# --- accounts ------------------------------------------------------------------------

def create_user(actor: User, payload: Any, password: str | None = None) -> tuple[User, str]:
    """A new account with its first role and a one-time password (returned once, to be
    shown to the administrator; the user must change it at the first login). The command
    line may give the ``password`` instead (policy-checked, not to be changed)."""
    values = _checked_grant(actor, payload, UserCreateSchema())
    username, name = values["username"], values["display_name"].strip()
    if not name:
        raise Invalid("用户信息有误", {"display_name": ["「姓名」为必填项"]})
    if password is not None and (problems := passwords.problems(password, username, "密码")):
        raise Invalid("用户信息有误", {"password": problems})
    taken = db.session.execute(select(User.id).where(
        func.lower(User.username) == username.lower())).first()
    if taken:
        raise Invalid("用户信息有误", {"username": [f"用户名「{username}」已被使用"]})
    one_time = password is None
    password = passwords.one_time() if one_time else password
    user = User(username=username, display_name=name, must_change_password=one_time)
    user.set_password(password)
    db.session.add(user)
    db.session.add(RoleAssignment(user=user, role=values["role"], jurisdiction=values["place"],
                                  department=values["department"]))
    try:
        db.session.flush()
    except IntegrityError:  # the same name created at the same instant
        db.session.rollback()
        raise Invalid("用户信息有误", {"username": [f"用户名「{username}」已被使用"]}) from None
    admin.record(values["place"], "user_created", actor,
                 f"新建用户 {_label(user)}，角色 {_role_text(values)}",
                 {"username": username, "display_name": name, **_grant_data(values),
                  "must_change_password": one_time}, target=f"user:{user.id}")
    _commit()
    return user, password


def _counts(user: User) -> dict[str, int]:
    """What ending the user's sessions and tokens ends (for the trail)."""
    sessions = db.session.execute(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))).scalar_one()
    tokens = db.session.execute(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id)).scalar_one()
    return {"sessions_ended": sessions, "tokens_revoked": tokens}


def deactivate(actor: User, user: User) -> None:
    """The user cannot log in from now on; its sessions and API tokens end at once."""
    _whole_account(actor, user, "停用")
    if not user.active:
        raise Invalid("账号已停用", {"active": ["该账号已是停用状态"]})
    counts = _counts(user)
    auth_ops.deactivate(user, commit=False)
    admin.record(_place_of(actor, user), "user_deactivated", actor, f"停用账号 {_label(user)}",
                 {"active": {"before": True, "after": False}, **counts},
                 target=f"user:{user.id}")
    _commit()


def reactivate(actor: User, user: User) -> None:
    """A deactivated user may log in again (with the password it had)."""
    _whole_account(actor, user, "启用")
    if user.active:
        raise Invalid("账号已启用", {"active": ["该账号已是启用状态"]})
    user.active = True
    admin.record(_place_of(actor, user), "user_reactivated", actor, f"启用账号 {_label(user)}",
                 {"active": {"before": False, "after": True}}, target=f"user:{user.id}")
    _commit()


def reset_password(actor: User, user: User) -> str:
    """A one-time password (returned once: shown to the administrator, never stored in
    clear nor on the trail); the user's sessions and tokens end and it must pick its own
    password at the next login."""
    _whole_account(actor, user, "重置密码")
    password, before, counts = passwords.one_time(), user.must_change_password, _counts(user)
    auth_ops.set_password(user, password, commit=False, one_time=True)
    admin.record(_place_of(actor, user), "password_reset", actor,
                 f"重置 {_label(user)} 的密码（一次性密码，须在下次登录时修改）",
                 {"must_change_password": {"before": before, "after": True}, **counts},
                 target=f"user:{user.id}")
    _commit()
    return password


def set_password(actor: User, user: User, password: str) -> None:
    """The command line's `users password`: a password the operator chose (policy
    checked, not to be changed again), on the trail without the password."""
    _whole_account(actor, user, "设置密码")
    if problems := passwords.problems(password, user.username, "密码"):
        raise Invalid("密码不符合要求", {"password": problems})
    counts = _counts(user)
    auth_ops.set_password(user, password, commit=False)
    admin.record(_place_of(actor, user), "password_set", actor,
                 f"设置 {_label(user)} 的密码", counts, target=f"user:{user.id}")
    _commit()


def end_sessions(actor: User, user: User) -> dict[str, int]:
    """End every browser session and API token of the user (a lost phone)."""
    _whole_account(actor, user, "结束会话")
    counts = _counts(user)
    auth_ops.end_sessions(user, revoke_tokens=True)
    admin.record(_place_of(actor, user), "sessions_ended", actor,
                 f"结束 {_label(user)} 的全部会话与令牌", counts, target=f"user:{user.id}")
    _commit()
    return counts
