"""/api/v1/admin/users... (user administration), /api/v1/admin/trail (the administration
trail) and /api/v1/account/password (the caller's own password), documented in the
OpenAPI document through ``openapi.document``."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from workflow.admin import account
from workflow.admin import operations as ops
from workflow.admin.schemas import GrantSchema, PasswordChangeSchema, UserCreateSchema
from workflow.admin.trail import event_json, trail_query
from workflow.api import openapi
from workflow.api.openapi import PAGE, STRING, op
from workflow.api.views import _page_json, api_page, json_body, token_required
from workflow.auth.models import ROLES, User
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import csrf
from workflow.jurisdictions.scope import place_by_code
from workflow.oversight.operations import AUDITOR_ROLES

admin_api = Blueprint("admin_api", __name__, url_prefix="/api/v1")
csrf.exempt(admin_api)


def user_json(actor: User, user: User) -> dict:
    """A user as the administrator sees it: only the assignments in its places."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "active": user.active, "must_change_password": user.must_change_password,
            "roles": [{"id": a.id, "role": a.role, "role_title": a.role_title,
                       "jurisdiction": a.jurisdiction.code,
                       "jurisdiction_name": a.jurisdiction.name, "department": a.department}
                      for a in ops.visible_assignments(actor, user)],
            "roles_outside_scope": ops.outside_roles(actor, user)}


@admin_api.get("/admin/users")
@token_required
def api_users():
    place = None
    if code := request.args.get("place", ""):
        place = place_by_code(code, g.user)
        if place is None:
            raise Invalid("查询参数有误", {"place": ["「place」不存在或不在您的管辖范围内"]})
    role = request.args.get("role", "")
    if role and role not in ROLES:
        raise Invalid("查询参数有误", {"role": ["「role」不是已知的角色"]})
    page = api_page(ops.users_query(g.user, request.args.get("name", ""), place, role))
    return jsonify(_page_json(page, [user_json(g.user, u) for u in page.items]))


@admin_api.post("/admin/users")
@token_required
def api_create_user():
    user, password = ops.create_user(g.user, json_body())
    # The one time the password is given out; the response must not be cached.
    return (jsonify({**user_json(g.user, user), "one_time_password": password}), 201,
            {"Cache-Control": "no-store"})


@admin_api.get("/admin/users/<int:user_id>")
@token_required
def api_user(user_id: int):
    return jsonify(user_json(g.user, ops.user_in_scope(g.user, user_id)))


@admin_api.post("/admin/users/<int:user_id>/roles")
@token_required
def api_grant(user_id: int):
    user = ops.user_in_scope(g.user, user_id)
    ops.grant(g.user, user, json_body())
    return jsonify(user_json(g.user, user)), 201


@admin_api.post("/admin/users/<int:user_id>/roles/<int:assignment_id>/revoke")
@token_required
def api_revoke(user_id: int, assignment_id: int):
    user = ops.user_in_scope(g.user, user_id)
    ops.revoke(g.user, user, assignment_id)
    return jsonify(user_json(g.user, user))


@admin_api.post("/admin/users/<int:user_id>/deactivate")
@token_required
def api_deactivate(user_id: int):
    user = ops.user_in_scope(g.user, user_id)
    ops.deactivate(g.user, user)
    return jsonify(user_json(g.user, user))


@admin_api.post("/admin/users/<int:user_id>/reactivate")
@token_required
def api_reactivate(user_id: int):
    user = ops.user_in_scope(g.user, user_id)
    ops.reactivate(g.user, user)
    return jsonify(user_json(g.user, user))


@admin_api.post("/admin/users/<int:user_id>/reset-password")
@token_required
def api_reset_password(user_id: int):
    user = ops.user_in_scope(g.user, user_id)
    password = ops.reset_password(g.user, user)
    return (jsonify({**user_json(g.user, user), "one_time_password": password}), 200,
            {"Cache-Control": "no-store"})


@admin_api.get("/admin/trail")
@token_required
def api_trail():
    if not any(a.role in AUDITOR_ROLES for a in g.user.assignments):
        raise Forbidden("只有审计人员和系统管理员可以查阅管理留痕")
    problems: list[str] = []
    query = trail_query(g.user, request.args, problems)
    if problems:
        raise Invalid("查询参数有误", {"query": problems})
    page = api_page(query)
    return jsonify(_page_json(page, [event_json(e) for e in page.items]))


@admin_api.post("/account/password")
@token_required
def api_change_password():
    """The caller's own password; its tokens end with the old password (this one too)."""
    account.change_password(g.user, json_body())
    return jsonify({"message": "密码已修改；请用新密码重新获取令牌"})


def _operations() -> dict[str, dict]:
    base = "/api/v1/admin/users"
    one = f"{base}/<int:user_id>"
    admin_errors = ("401", "403", "404", "422")
    return {
        base: {"get": op("管辖范围内的用户（按姓名或用户名、地区、角色查询）", "200",
                         errors=("401", "403"), params=("name", "place", "role", *PAGE)),
               "post": op("新建用户（首个角色；返回一次性密码，仅此一次）", "201",
                          body="UserCreate", errors=("401", "403", "422"))},
        one: {"get": op("用户（只列出管辖范围内的角色）", "200", errors=("401", "403", "404"))},
        f"{one}/roles": {"post": op("授予角色（本级及下级地区）", "201", body="RoleGrant",
                                    errors=admin_errors)},
        f"{one}/roles/<int:assignment_id>/revoke": {
            "post": op("撤销角色", "200", errors=admin_errors)},
        f"{one}/deactivate": {"post": op("停用账号（会话与令牌即时失效）", "200",
                                         errors=admin_errors)},
        f"{one}/reactivate": {"post": op("启用账号", "200", errors=admin_errors)},
        f"{one}/reset-password": {"post": op(
            "重置密码（返回一次性密码，用户下次登录须修改）", "200", errors=admin_errors)},
        "/api/v1/admin/trail": {"get": op(
            "管理留痕（用户、角色、地区、设置等管理变更；按地区哈希链，新的在前）", "200",
            errors=("401", "403"), params=("action", "place", "user", *PAGE))},
        "/api/v1/account/password": {"post": op(
            "修改本人密码（须提供当前密码；至少 10 个字符，不能是用户名或常见密码）", "200",
            body="PasswordChange", errors=("401", "422"))},
    }


openapi.document(_operations, schemas={"UserCreate": UserCreateSchema, "RoleGrant": GrantSchema,
                                       "PasswordChange": PasswordChangeSchema},
                 query={"name": {**STRING, "description": "姓名或用户名（部分）"},
                        "place": {**STRING, "description": "行政区划代码，须在管辖范围内"},
                        "role": {"type": "string", "enum": list(ROLES)},
                        "action": {**STRING, "description": "管理操作，如 user_created"},
                        "user": {**STRING, "description": "用户名（被操作者或办理人）"}})
