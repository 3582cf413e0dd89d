"""授权代办 pages and API. 我的授权 (/account/delegations): hand one of one's roles to a
colleague for a date range, see what one gave and received, end one. /admin/delegations:
an administrator does it for a user of their jurisdictions and ends it. The API
/api/v1/delegations does the same. Thin: parse, call the operations, render."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow import clock
from workflow.api import openapi
from workflow.auth.models import User
from workflow.delegation import operations as ops
from workflow.delegation.models import Delegation
from workflow.documents.views import reader_required
from workflow.engine.errors import Invalid
from workflow.extensions import csrf

pages = Blueprint("delegation", __name__)
api = Blueprint("delegation_api", __name__, url_prefix="/api/v1")
FIELDS = ("assignment_id", "delegator", "delegate", "starts_on", "ends_on", "reason")


def _form() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FIELDS}


def _mine_page(status: int = 200, values: dict | None = None, errors: dict | None = None):
    given, received = ops.mine(current_user)
    today = clock.today()
    return render_template(
        "delegation/mine.html", given=given, received=received,
        held=[a for a in current_user.assignments if a.role not in ops.NOT_DELEGABLE],
        values=values or {"starts_on": today.isoformat(),
                          "ends_on": (today + dt.timedelta(days=6)).isoformat()},
        errors=errors or {}), status


@pages.get("/account/delegations")
@login_required
def mine():
    """我的授权."""
    return _mine_page()


@pages.post("/account/delegations")
@login_required
def create_mine():
    values = _form()
    values["delegator"] = ""  # one's own role only, here
    try:
        row = ops.create(current_user, values)
    except Invalid as exc:
        return _mine_page(422, values, exc.errors)
    flash(f"已授权{row.delegate.display_name}代办（{row.starts_on} 至 {row.ends_on}）", "success")
    return redirect(url_for("delegation.mine"))


def _admin_page(status: int = 200, values: dict | None = None, errors: dict | None = None):
    if not current_user.is_admin:
        abort(403)
    return render_template("delegation/admin.html", rows=ops.in_scope(current_user),
                           values=values or {}, errors=errors or {}), status


@pages.get("/admin/delegations")
@login_required
def admin_index():
    """授权代办管理: the delegations of the administrator's places."""
    return _admin_page()


@pages.post("/admin/delegations")
@login_required
def admin_create():
    if not current_user.is_admin:
        abort(403)
    values = _form()
    if not values["delegator"].strip():
        return _admin_page(422, values, {"delegator": [f"请填写「{ops.LABELS['delegator']}」"]})
    try:
        row = ops.create(current_user, values)
    except Invalid as exc:
        return _admin_page(422, values, exc.errors)
    flash(f"已为{row.delegator.display_name}授权{row.delegate.display_name}代办", "success")
    return redirect(url_for("delegation.admin_index"))


@pages.post("/delegations/<int:delegation_id>/end")
@login_required
def end(delegation_id: int) -> Response:
    ops.end(current_user, delegation_id)
    flash("授权已结束", "success")
    back = request.form.get("back")
    return redirect(url_for("delegation.admin_index") if back == "admin"
                    else url_for("delegation.mine"))


def as_dict(row: Delegation) -> dict[str, Any]:
    """What the API shows of a delegation."""
    return {"id": row.id, "delegator": _who(row.delegator), "delegate": _who(row.delegate),
            "role": row.role, "jurisdiction_code": row.jurisdiction.code,
            "jurisdiction_name": row.jurisdiction.name,
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "reason": row.reason, "status": row.status,
            "ended_at": row.ended_at.isoformat(timespec="seconds") + "Z" if row.ended_at
            else None}


def _who(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.display_name}


@api.get("/delegations")
@reader_required
def api_list() -> Response:
    """The reader's delegations (given, received) and, for an administrator, those of
    their jurisdictions."""
    given, received = ops.mine(g.reader)
    body = {"given": [as_dict(r) for r in given], "received": [as_dict(r) for r in received]}
    if g.reader.is_admin:
        body["in_scope"] = [as_dict(r) for r in ops.in_scope(g.reader)]
    return jsonify(body)


@api.post("/delegations")
@reader_required
def api_create():
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        csrf.protect()
    return jsonify(as_dict(ops.create(g.reader, request.get_json(silent=True)))), 201


@api.post("/delegations/<int:delegation_id>/end")
@reader_required
def api_end(delegation_id: int):
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        csrf.protect()
    return jsonify(as_dict(ops.end(g.reader, delegation_id)))


def _operations() -> dict[str, dict]:
    body = {"type": "object", "required": ["delegate", "starts_on", "ends_on"], "properties": {
        "assignment_id": {"type": "integer", "minimum": 1, "description":
                          "授权的岗位（授权人的角色分配编号；只有一个岗位时可省略）"},
        "delegator": {"type": "string",
                      "description": "授权人用户名（仅系统管理员代为授权时填写）"},
        "delegate": {"type": "string", "description": "被授权人用户名（须在同一地区任职）"},
        "starts_on": {"type": "string", "format": "date", "description": "开始日期"},
        "ends_on": {"type": "string", "format": "date", "description": "结束日期（含）"},
        "reason": {"type": "string", "maxLength": ops.MAX_REASON, "description": "事由"}}}
    return {
        "/api/v1/delegations": {
            "get": openapi.op("我的授权代办（授出、收到；管理员另见管辖范围内的全部）", "200"),
            "post": openapi.op("授权代办：把本人的一个岗位交由同一地区的人员在期间内代办", "201",
                               body=body, errors=("401", "403", "422"))},
        "/api/v1/delegations/<int:delegation_id>/end": {
            "post": openapi.op("结束授权代办", "200", errors=("401", "403", "404", "422"))}}


openapi.document(_operations)


def init_views(app: Flask) -> None:
    """Register the pages and the API; a fresh memo of delegations at each request."""
    app.register_blueprint(pages)
    app.register_blueprint(api)
    csrf.exempt(api)
    app.before_request(ops.forget)
