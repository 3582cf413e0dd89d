"""The comment form on the case page (POST /cases/<id>/comments, CSRF as every form) and
the API /api/v1/cases/<id>/comments; the case page reads the thread through the template
global ``case_comments``. The case must be in the user's scope (else 404, as elsewhere)."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.api import openapi
from workflow.cases.models import Case
from workflow.cases.presenters import case_page
from workflow.comments import operations as ops
from workflow.comments.models import MAX_BODY
from workflow.documents.views import reader_required
from workflow.engine.errors import Invalid
from workflow.extensions import csrf, db
from workflow.jurisdictions.scope import get_in_scope

pages = Blueprint("comments", __name__)
api = Blueprint("comments_api", __name__, url_prefix="/api/v1")


@pages.post("/cases/<int:case_id>/comments")
@login_required
def add(case_id: int):
    """批注 from the case page; a refusal re-renders the page with the message and text."""
    case = get_in_scope(Case, case_id, current_user)
    payload = {"body": request.form.get("body", ""), "parent_id": request.form.get("parent_id")}
    try:
        comment = ops.add_comment(case, current_user, payload)
    except Invalid as exc:
        db.session.expire_all()
        return render_template("cases/show.html", **case_page(case, current_user),
                               comment_errors=exc.errors or {"body": [exc.message]},
                               comment_attempt=payload), 422
    flash("批注已保存", "success")
    return redirect(url_for("cases.show", case_id=case.id) + f"#comment-{comment.id}")


@api.get("/cases/<int:case_id>/comments")
@reader_required
def api_list(case_id: int) -> Response:
    """The case's comments in chain order (``parent_id`` threads the replies)."""
    case = get_in_scope(Case, case_id, g.reader)
    return jsonify({"comments": [ops.as_dict(c) for c in ops.comments_of(case)]})


@api.post("/cases/<int:case_id>/comments")
@reader_required
def api_add(case_id: int):
    """Body {"body": "...", "parent_id": optional}; 201 with the comment."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        csrf.protect()
    case = get_in_scope(Case, case_id, g.reader)
    comment = ops.add_comment(case, g.reader, request.get_json(silent=True))
    return jsonify(ops.as_dict(comment)), 201


def _operations() -> dict[str, dict]:
    rule = "/api/v1/cases/<int:case_id>/comments"
    body = {"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": MAX_BODY,
                 "description": "批注内容；@用户名 提到能查看本案件的用户（通知其本人）"},
        "parent_id": {"type": "integer", "minimum": 1, "description": "回复的批注编号"}}}
    return {rule: {
        "get": openapi.op("案件的批注（按批注链顺序，parent_id 为所回复的批注）", "200",
                          errors=("401", "404")),
        "post": openapi.op("发表批注（不改变案件环节和版本）", "201", body=body,
                           errors=("401", "404", "409", "422"))}}


openapi.document(_operations)


def init_views(app: Flask) -> None:
    """Register the form and API routes and ``case_comments(case)`` for the case page."""
    app.register_blueprint(pages)
    app.register_blueprint(api)
    csrf.exempt(api)
    app.jinja_env.globals["case_comments"] = ops.threaded
    app.jinja_env.globals["COMMENT_MAX"] = MAX_BODY
