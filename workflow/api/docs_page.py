"""The API's human-readable page, /api/v1/docs: Swagger UI reading /api/v1/openapi.json.

The UI comes from the swagger-ui-bundle package (its vendored dist files, served from
/swagger-ui/<file>), so nothing loads from a CDN. The page runs no inline script: the
initializer is workflow/static/api_docs.js. Its policy is the pages' one plus data: images,
which Swagger UI's style sheet uses for its icons.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, render_template, send_from_directory

from workflow.auth.headers import PAGE_POLICY

# The only files of the bundle the page needs; nothing else of the package is served.
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
DOCS_POLICY = PAGE_POLICY.replace("img-src 'self'", "img-src 'self' data:")

docs_page = Blueprint("api_docs", __name__)


def bundle_folder() -> str:
    """The folder of the installed Swagger UI distribution."""
    import swagger_ui_bundle

    return swagger_ui_bundle.swagger_ui_path


@docs_page.get("/api/v1/docs")
def docs() -> Response:
    """The Swagger UI page for the OpenAPI document (public, like the document itself)."""
    response = Response(render_template("api/docs.html"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response


@docs_page.get("/swagger-ui/<name>")
def asset(name: str) -> Response:
    """One file of the Swagger UI bundle (404 for any other name)."""
    if name not in ASSETS:
        abort(404)
    return send_from_directory(bundle_folder(), name, max_age=86400)


def init_app(app: Flask) -> None:
    """Register the page and its assets."""
    app.register_blueprint(docs_page)
