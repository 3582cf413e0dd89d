"""User administration pages (/admin/users...) and the auditors' page of the
administration trail (/oversight/admin-trail). Thin: parse, call an operation, render."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from workflow.admin import operations as ops
from workflow.admin.trail import trail_query
from workflow.audit.admin import ADMIN_ACTIONS
from workflow.auth.models import ROLES
from workflow.auth.titles import actor_titles
from workflow.cases.queries import paginate
from workflow.cases.views import page_number
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import filter_places, paths_filter, place_by_code
from workflow.oversight.operations import AUDITOR_ROLES
from workflow.projects.models import DEPARTMENTS

admin_pages = Blueprint("users_admin", __name__)
NO_STORE = {"Cache-Control": "no-store"}  # a page with a one-time password


def _admin() -> list[str]:
    if not ops.admin_paths(current_user):
        abort(403)
    return ops.admin_paths(current_user)


def _grant_places() -> list[Jurisdiction]:
    """The places an administrator may grant roles on (its own and those under)."""
    return list(db.session.execute(select(Jurisdiction).where(
        paths_filter(Jurisdiction.path, _admin())).order_by(Jurisdiction.path)).scalars())


def _form_choices() -> dict:
    return {"roles": ROLES, "departments": DEPARTMENTS, "places": _grant_places()}


def _messages(exc: WorkflowError) -> str:
    return "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message])


@admin_pages.route("/admin/users")
@login_required
def users() -> str:
    _admin()
    args, problems = request.args, []
    place = None
    if code := args.get("place", ""):
        place = place_by_code(code, current_user)
        if place is None:
            problems.append("「地区」不存在或不在您的管辖范围内")
    role = args.get("role", "")
    if role and role not in ROLES:
        problems.append("「角色」不正确")
        role = ""
    query = ops.users_query(current_user, args.get("q", ""), place, role)
    page = paginate(query, page_number(), current_app.config["PAGE_SIZE"])
    rows = [(u, ops.visible_assignments(current_user, u), ops.outside_roles(current_user, u))
            for u in page.items]
    return render_template("admin/users.html", page=page, rows=rows, args=args,
                           problems=problems, roles=ROLES,
                           places=filter_places(current_user, args.get("place", "")))


@admin_pages.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    _admin()
    errors: dict = {}
    if request.method == "POST":
        payload = {k: request.form.get(k, "").strip() for k in
                   ("username", "display_name", "role", "jurisdiction", "department")}
        try:
            user, password = ops.create_user(current_user, payload)
        except WorkflowError as exc:
            errors = exc.errors or {"_": [exc.message]}
        else:
            return render_template("admin/one_time.html", user=user, password=password,
                                   created=True), 201, NO_STORE
    return render_template("admin/new.html", errors=errors, values=request.form,
                           **_form_choices()), 422 if errors else 200


def _user_page(user, errors: dict | None = None, status: int = 200):
    return render_template(
        "admin/user.html", user=user, assignments=ops.visible_assignments(current_user, user),
        outside=ops.outside_roles(current_user, user), errors=errors or {},
        values=request.form, **_form_choices()), status


@admin_pages.route("/admin/users/<int:user_id>")
@login_required
def user_page(user_id: int):
    _admin()
    return _user_page(ops.user_in_scope(current_user, user_id))


@admin_pages.post("/admin/users/<int:user_id>/roles")
@login_required
def grant(user_id: int):
    _admin()
    user = ops.user_in_scope(current_user, user_id)
    payload = {k: request.form.get(k, "").strip() for k in ("role", "jurisdiction",
                                                             "department")}
    try:
        row = ops.grant(current_user, user, payload)
    except WorkflowError as exc:
        if exc.status == 422:
            return _user_page(user, exc.errors or {"_": [exc.message]}, 422)
        flash(_messages(exc), "error")
    else:
        flash(f"已授予角色：{row.role_title}（{row.jurisdiction.name}）", "success")
    return redirect(url_for("users_admin.user_page", user_id=user.id))


@admin_pages.post("/admin/users/<int:user_id>/roles/<int:assignment_id>/revoke")
@login_required
def revoke(user_id: int, assignment_id: int) -> Response:
    _admin()
    user = ops.user_in_scope(current_user, user_id)
    try:
        ops.revoke(current_user, user, assignment_id)
        flash("已撤销该角色", "success")
    except WorkflowError as exc:
        flash(_messages(exc), "error")
    return redirect(url_for("users_admin.user_page", user_id=user.id))


ACCOUNT_CHANGES = {  # form action -> (operation, success message)
    "deactivate": (ops.deactivate, "账号已停用，其全部会话和 API 令牌已失效"),
    "reactivate": (ops.reactivate, "账号已启用"),
    "end-sessions": (ops.end_sessions, "已结束该用户的全部会话和 API 令牌"),
}


@admin_pages.post("/admin/users/<int:user_id>/<any(deactivate, reactivate, "
                  "'end-sessions'):change>")
@login_required
def account_change(user_id: int, change: str) -> Response:
    _admin()
    user = ops.user_in_scope(current_user, user_id)
    operation, message = ACCOUNT_CHANGES[change]
    try:
        operation(current_user, user)
        flash(message, "success")
    except WorkflowError as exc:
        flash(_messages(exc), "error")
    return redirect(url_for("users_admin.user_page", user_id=user.id))


@admin_pages.post("/admin/users/<int:user_id>/reset-password")
@login_required
def reset_password(user_id: int):
    _admin()
    user = ops.user_in_scope(current_user, user_id)
    try:
        password = ops.reset_password(current_user, user)
    except WorkflowError as exc:
        flash(_messages(exc), "error")
        return redirect(url_for("users_admin.user_page", user_id=user.id))
    # Rendered, not flashed: a flash would put the password in the session cookie.
    return render_template("admin/one_time.html", user=user, password=password,
                           created=False), 200, NO_STORE


# --- the auditors' page of the administration trail ---------------------------------

@admin_pages.route("/oversight/admin-trail")
@login_required
def admin_trail() -> str:
    """Administrative changes in the reader's places (auditors and administrators),
    newest first, by action, place and user."""
    if not any(a.role in AUDITOR_ROLES for a in current_user.assignments):
        abort(403)
    problems: list[str] = []
    query = trail_query(current_user, request.args, problems)
    page = paginate(query, page_number(), current_app.config["PAGE_SIZE"])
    return render_template("admin/trail.html", page=page, args=request.args,
                           problems=problems, actions=ADMIN_ACTIONS,
                           roles=actor_titles(page.items),
                           places=filter_places(current_user, request.args.get("place", "")))


def init_app(app: Flask) -> None:
    """Register the pages, the account page and the API."""
    from workflow.admin.account_views import account
    from workflow.admin.api import admin_api

    for blueprint in (admin_pages, account, admin_api):
        app.register_blueprint(blueprint)
