"""The account page every user has (/account): change the password, see and end their
own sessions and API tokens; and the hook that sends a user whose password must change
to that page from every other browser page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.admin import account as ops
from workflow.auth import passwords, sessions
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.notifications import operations as notification_ops
from workflow.ops import LIGHT_ENDPOINTS

account = Blueprint("account", __name__)


@account.before_app_request
def _password_first():
    """While the user's password must change, every browser page leads to the change
    page (the API answers 403 itself: api.views.token_required). Loading current_user
    here also makes it the first thing a request does (auth.sessions relies on it)."""
    if (request.endpoint == "static" or request.path.startswith("/api/")
            or request.endpoint in LIGHT_ENDPOINTS  # /healthz, /metrics: no user to load
            or not current_user.is_authenticated):  # static files: no user to load
        return None
    if ops.change_due(current_user) and request.endpoint not in ops.PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("account.password"))
    return None


def account_page(errors: dict | None = None, status: int = 200):
    """我的账号 for the current user, with ``errors`` from a refused form (another area's
    form on the page, e.g. the digest address, re-renders it the same way)."""
    user = current_user._get_current_object()
    return render_template(
        "account/show.html", errors=errors or {}, due=ops.change_due(user),
        sessions=sessions.open_sessions(user), current_id=sessions.current_session_id(),
        tokens=ops.tokens_of(user), min_length=passwords.MIN_LENGTH,
        notification_preferences=notification_ops.preferences(user),
        notification_kinds=notification_ops.KINDS), status


@account.route("/account")
@login_required
def show():
    return account_page()


@account.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    if request.method == "GET":
        return account_page()
    user = current_user._get_current_object()
    if request.form.get("new_password", "") != request.form.get("confirm_password", ""):
        return account_page({"confirm_password": ["两次输入的「新密码」不一致"]}, 422)
    try:
        ops.change_password(user, {k: request.form.get(k, "") for k in
                                   ("current_password", "new_password")})
    except WorkflowError as exc:
        return account_page(exc.errors or {"_": [exc.message]}, 422)
    sessions.start(user)  # every session ended with the old password; this one goes on
    flash("密码已修改；其他设备上的登录和 API 令牌已失效", "success")
    return redirect(url_for("cases.todo"))


@account.post("/account/phone")
@login_required
def phone() -> Response | tuple[str, int]:
    """The user's work phone: saved, cleared when empty, else the page again with the
    error beside the field (nothing saved)."""
    try:
        saved = ops.set_phone(current_user, request.form.get("phone", ""))
    except WorkflowError as exc:
        db.session.rollback()
        return account_page(exc.errors, 422)
    flash("工作电话已保存" if saved else "已清除工作电话", "success")
    return redirect(url_for("account.show") + "#work-phone")


@account.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int) -> Response:
    try:
        ops.end_session(current_user, session_id)
        flash("已结束该会话", "success")
    except WorkflowError as exc:
        flash(exc.message, "error")
    return redirect(url_for("account.show"))


@account.post("/account/sessions/end-others")
@login_required
def end_others() -> Response:
    ended = ops.end_other_sessions(current_user, sessions.current_session_id())
    flash(f"已结束其他 {ended} 个会话", "success")
    return redirect(url_for("account.show"))


@account.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    try:
        ops.revoke_token(current_user, token_id)
        flash("已注销该 API 令牌", "success")
    except WorkflowError as exc:
        flash(exc.message, "error")
    return redirect(url_for("account.show"))
