"""App-wide web glue: user loading, error pages and template helpers."""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workflow import clock
from workflow.auth import sessions
from workflow.auth.models import ROLES, User
from workflow.engine.errors import WorkflowError
from workflow.extensions import db, login_manager

HTTP_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "您没有权限执行此操作",
    404: "页面或记录不存在，或不在您的管辖范围内",
    405: "不支持此请求方法",
    409: "操作冲突，请刷新后重试",
    413: "提交的内容过大",
    415: "不支持的文件类型",
    422: "提交的内容有误",
    429: "尝试次数过多，请稍后再试",
    500: "系统内部错误，请联系管理员",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _log_refusal(app: Flask, status: int) -> None:
    """A failed authorisation, for the security log: who, what, which answer (the path
    quoted with %r: a newline in it must not start a forged log line)."""
    user = g.get("user") or (current_user if current_user.is_authenticated else None)
    app.logger.warning("refused %s: user=%r %s %r", status,
                       user.username if user else None, request.method, request.path)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session generation and the idle/absolute timeouts: workflow/auth/sessions.py.
        return sessions.load_user(user_id)

    login_manager.unauthorized_handler(sessions.unauthorized)

    @app.errorhandler(WorkflowError)
    def workflow_error(exc: WorkflowError):
        if exc.status in (401, 403, 404):  # refused by permission or scope
            _log_refusal(app, exc.status)
        if wants_json():
            return jsonify(exc.to_dict()), exc.status
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_template("error.html", status=400,
                               message="页面已过期或表单校验失败，请刷新页面后重新提交"), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = HTTP_MESSAGES.get(exc.code or 500, exc.name)
        if exc.code in (401, 403):
            _log_refusal(app, exc.code)
        if wants_json():
            return jsonify({"message": message}), exc.code
        return render_template("error.html", status=exc.code, message=message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if wants_json():
            return jsonify({"message": HTTP_MESSAGES[500]}), 500
        return render_template("error.html", status=500, message=HTTP_MESSAGES[500]), 500

    @app.template_filter("local")
    def local_time(moment) -> str:
        return clock.to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    @app.context_processor
    def globals_():
        return {"ROLES": ROLES}
