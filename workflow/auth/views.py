"""Browser login and logout (flask-login session, CSRF-protected form)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from workflow.auth.operations import check_credentials
from workflow.extensions import limiter

auth = Blueprint("auth", __name__)


def _only_failures(response) -> bool:
    return response.status_code == 401


@auth.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"],
               deduct_when=_only_failures)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.todo"))
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        user = check_credentials(username, request.form.get("password", ""))
        if user is None:
            flash("用户名或密码错误", "error")
            return render_template("auth/login.html", username=username), 401
        login_user(user)
        target = request.args.get("next", "")
        # Only local paths: an open redirect would hand the session to another site.
        if not target.startswith("/") or urlsplit(target).netloc:
            target = url_for("cases.todo")
        return redirect(target)
    return render_template("auth/login.html", username=username)


@auth.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
