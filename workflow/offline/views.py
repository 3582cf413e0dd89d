"""外业采集 (/offline): the page that works without a network, its package and drafts
(JSON), the web app manifest, and the headers its service worker needs.

The service worker is /static/sw.js; it controls only /offline (Service-Worker-Allowed
widens a /static script's reach to exactly that path), and its own response carries a
policy that lets it fetch from this site (a worker's CSP is its script's)."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.offline import operations as ops

offline = Blueprint("offline", __name__)
SCOPE = "/offline"
WORKER = "/static/sw.js"
WORKER_POLICY = "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"
SIGNED_OUT = "登录已失效，请联网后重新登录；草稿仍保存在本机"


@offline.route(SCOPE)
@login_required
def page() -> str:
    """The page; what it shows comes from the package kept in the phone's IndexedDB."""
    return render_template("offline/page.html")


@offline.get(SCOPE + "/package")
def package() -> tuple[Response, int] | Response:
    """The user's households and capturable cases, and a fresh CSRF token for sending."""
    if not current_user.is_authenticated:
        return jsonify({"message": SIGNED_OUT}), 401
    return jsonify({**ops.package(current_user), "csrf_token": generate_csrf()})


@offline.post(SCOPE + "/drafts")
def draft() -> tuple[Response, int]:
    """One draft (JSON, CSRF token in X-CSRFToken): 200 applied/duplicate, 409 returned,
    or the sign-off's own error (422 form errors, 403, 404)."""
    if not current_user.is_authenticated:
        return jsonify({"message": SIGNED_OUT}), 401
    try:
        result = ops.submit(current_user, request.get_json(silent=True))
    except WorkflowError as exc:
        return jsonify(exc.to_dict()), exc.status
    return jsonify(result), 409 if result["outcome"] == "returned" else 200


@offline.post(SCOPE + "/photos")
def photo() -> tuple[Response, int]:
    """One photo taken offline (multipart, CSRF token in X-CSRFToken): 200 applied or
    duplicate, or the upload's own error (422 naming the field, 403, 404)."""
    if not current_user.is_authenticated:
        return jsonify({"message": SIGNED_OUT}), 401
    try:
        result = ops.submit_photo(current_user, request.form, request.files.get("file"))
    except WorkflowError as exc:
        db.session.rollback()
        return jsonify(exc.to_dict()), exc.status
    return jsonify(result), 200


@offline.get(SCOPE + "/manifest.webmanifest")
def manifest() -> Response:
    """The installable app: opens 外业采集 full screen from the phone's home screen."""
    body = {"name": "扶贫审批系统 · 外业采集", "short_name": "外业采集", "lang": "zh-CN",
            "start_url": SCOPE, "scope": SCOPE, "display": "standalone",
            "background_color": "#f3f5f8", "theme_color": "#1d3f72",
            "icons": [{"src": url_for("static", filename="icon-192.png"),
                       "sizes": "192x192", "type": "image/png"},
                      {"src": url_for("static", filename="icon-512.png"),
                       "sizes": "512x512", "type": "image/png"}]}
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


def init_views(app: Flask) -> None:
    """Register the blueprint and the service worker's headers."""
    app.register_blueprint(offline)

    @app.after_request
    def worker_headers(response: Response) -> Response:
        # Runs before the security headers hook, whose setdefault keeps this policy.
        if request.path == WORKER:
            response.headers["Service-Worker-Allowed"] = SCOPE
            response.headers["Content-Security-Policy"] = WORKER_POLICY
            response.headers["Cache-Control"] = "no-cache"
        return response
