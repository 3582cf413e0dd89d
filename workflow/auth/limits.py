"""Request rate limits where an attacker aims, counted in one store every process shares.

Flask-Limiter counts in ``RATELIMIT_STORAGE_URI``: ``memory://`` (one process's memory, the
embedded SQLite demo and the tests) or ``redis://host:port/db`` (production: every gunicorn
worker on every node counts in the same Redis). Production refuses ``memory://``: with
several workers or nodes each would keep its own count and a guesser would get the limit
once per process. ``RATELIMIT_PER_PROCESS=1`` accepts it, with a warning, for an install
that really runs one process.

The limits complement the login throttle (workflow/auth/throttle.py, counted in the
database), which slows guesses at one account or from one address; these cap how many
expensive requests (a password hash each, a whole export) one address or one user makes:

* login (browser form and API token, one shared count) per address: LOGIN_RATE_LIMIT
* password change (browser and API) per user: PASSWORD_RATE_LIMIT
* exports (register, trail, board reports, assets) per user: EXPORT_RATE_LIMIT

A refused request answers 429 with a Chinese message and Retry-After, as the throttle does.
"""
from __future__ import annotations

import hashlib
import time

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from workflow.extensions import limiter

TOO_MANY = "请求过于频繁，请稍后再试"
LOGIN_MESSAGE = "登录尝试过于频繁，请稍后再试"
PASSWORD_MESSAGE = "修改密码尝试过于频繁，请稍后再试"  # noqa: S105 - a message
EXPORT_MESSAGE = "导出过于频繁，请稍后再试"

# (endpoint, config key of the limit, scope shared by the endpoints that count together,
#  key function name, message). tests/auth/test_rate_limits.py checks every one exists.
LIMITED = (
    ("auth.login", "LOGIN_RATE_LIMIT", "login", "address", LOGIN_MESSAGE),
    ("api.issue_token", "LOGIN_RATE_LIMIT", "login", "address", LOGIN_MESSAGE),
    ("account.password", "PASSWORD_RATE_LIMIT", "password", "caller", PASSWORD_MESSAGE),
    ("admin_api.api_change_password", "PASSWORD_RATE_LIMIT", "password", "caller",
     PASSWORD_MESSAGE),
    ("roster.export", "EXPORT_RATE_LIMIT", "export", "caller", EXPORT_MESSAGE),
    ("roster_api.api_export", "EXPORT_RATE_LIMIT", "export", "caller", EXPORT_MESSAGE),
    ("oversight.export_trail", "EXPORT_RATE_LIMIT", "export", "caller", EXPORT_MESSAGE),
    ("oversight.monthly_report_pdf", "EXPORT_RATE_LIMIT", "export", "caller", EXPORT_MESSAGE),
    ("oversight.monthly_report", "EXPORT_RATE_LIMIT", "export", "caller", EXPORT_MESSAGE),
    ("projects.assets_excel", "EXPORT_RATE_LIMIT", "export", "caller", EXPORT_MESSAGE),
)
# Methods counted per endpoint (a GET of the login or password page costs nothing).
POST_ONLY = {"auth.login", "account.password"}


class SharedStoreRequired(RuntimeError):
    """Production configured to count rate limits in one process's memory."""


def caller_key() -> str:
    """Who is asking: the logged-in user, else a digest of the bearer token (the API view
    checks the token after the limit), else the address."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "address:" + get_remote_address()


KEYS = {"address": get_remote_address, "caller": caller_key}


def check_storage(app: Flask) -> None:
    """Refuse (production) a per-process store; say which variable to set."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if not app.config.get("PRODUCTION") or not uri.startswith("memory://"):
        return
    if app.config.get("RATELIMIT_PER_PROCESS"):
        app.logger.warning("rate limits are counted per process (memory://): run ONE process "
                           "only, or set WORKFLOW_RATELIMIT_STORAGE_URI=redis://host:6379/0")
        return
    raise SharedStoreRequired(
        "rate limits in memory:// are per process: production refuses to start. Set "
        "WORKFLOW_RATELIMIT_STORAGE_URI to a Redis every app server shares, e.g. "
        "redis://127.0.0.1:6379/0 (or WORKFLOW_RATELIMIT_PER_PROCESS=1 for one process)")


def _limit_value(key: str):
    return lambda: current_app.config[key]


# Made once: the limiter keeps every decorator it made, and an app built again (tests build
# several) must find the same ones, not count each request once per build.
DECORATORS = {
    endpoint: limiter.shared_limit(_limit_value(config_key), scope=scope,
                                   key_func=KEYS[key_name], error_message=message,
                                   methods=["POST"] if endpoint in POST_ONLY else None)
    for endpoint, config_key, scope, key_name, message in LIMITED}


def init_app(app: Flask) -> None:
    """Check the store and wrap the limited views; call after every blueprint is registered."""
    check_storage(app)
    for endpoint, decorate in DECORATORS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = decorate(view)

    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded):
        message = exc.description if exc.description and not exc.description[0].isdigit() \
            else TOO_MANY
        app.logger.warning("rate limit %s: %s %r from %s", exc.limit.limit, request.method,
                           request.path, get_remote_address())
        current = limiter.current_limit
        wait = {"Retry-After": str(max(1, current.reset_at - int(time.time())))} \
            if current else {}
        if request.path.startswith("/api/"):
            return jsonify({"message": message}), 429, wait
        return render_template("error.html", status=429, message=message), 429, wait
