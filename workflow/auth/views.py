"""Browser login and logout (flask-login session, CSRF-protected form)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from workflow.auth import operations, sessions
from workflow.auth.operations import TooManyAttempts

auth = Blueprint("auth", __name__)


@auth.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.todo"))
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        try:
            user = operations.attempt_login(username, request.form.get("password", ""),
                                            request.remote_addr or "")
        except TooManyAttempts as exc:
            flash(exc.message, "error")
            response = render_template("auth/login.html", username=username), 429
            return (*response, {"Retry-After": str(exc.seconds)})
        if user is None:
            flash("用户名或密码错误", "error")
            return render_template("auth/login.html", username=username), 401
        sessions.start(user)
        target = request.args.get("next", "")
        # Only local paths: an open redirect would hand the session to another site
        # (browsers read "/\\host" as "//host").
        if (not target.startswith("/") or target.startswith(("//", "/\\"))
                or urlsplit(target).netloc):
            target = url_for("cases.todo")
        return redirect(target)
    return render_template("auth/login.html", username=username)


@auth.route("/logout", methods=["POST"])
@login_required
def logout():
    # Ends the user's sessions everywhere (a bumped generation), not only this cookie.
    operations.logout(current_user._get_current_object())
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
