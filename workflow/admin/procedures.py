"""流程版本 pages and API for administrators: each procedure's current version and the
running cases still on earlier ones (/admin/procedures), the dry run of moving them
(/admin/procedures/<key>/moves) and starting the move as a background job. Thin: the
plan and the move are workflow/cases/moving.py."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import token_required
from workflow.cases import moving
from workflow.engine import store
from workflow.engine.errors import NotFound, WorkflowError
from workflow.extensions import csrf, db
from workflow.jobs import queue

procedures_admin = Blueprint("procedures_admin", __name__)
procedures_api = Blueprint("procedures_api", __name__, url_prefix="/api/v1")
csrf.exempt(procedures_api)


def _scope(user) -> list[str]:
    try:
        return moving.admin_scope(user)
    except WorkflowError:
        abort(403)


def _definition(key: str):
    if key not in store.catalog().procedures:
        abort(404)
    return store.current(key)


@procedures_admin.route("/admin/procedures")
@login_required
def index() -> str:
    waiting = moving.waiting(_scope(current_user))
    return render_template("admin/procedures.html", waiting=waiting,
                           procedures=store.catalog().procedures)


@procedures_admin.route("/admin/procedures/<key>/moves")
@login_required
def moves(key: str) -> str:
    scope = _scope(current_user)
    _definition(key)
    return render_template("admin/moves.html", plan=moving.plan(key, scope),
                           limit=moving.BLOCKED_LISTED)


@procedures_admin.post("/admin/procedures/<key>/moves")
@login_required
def start_move(key: str) -> Response:
    _scope(current_user)
    _definition(key)
    try:
        queue.enqueue("procedure_move", {"procedure": key}, current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash("；".join([m for ms in exc.errors.values() for m in ms] or [exc.message]), "error")
        return redirect(url_for("procedures_admin.moves", key=key))
    flash("已提交迁移任务：在后台分批迁移，可在「我的任务」查看进度", "success")
    return redirect(url_for("jobs.page"))


def plan_json(the_plan: moving.Plan) -> dict:
    return {"procedure": the_plan.procedure, "title": the_plan.title,
            "to_version": the_plan.to_version, "cases": the_plan.cases,
            "movable": the_plan.movable, "blocked": the_plan.blocked,
            "groups": [{"from_version": gr.from_version, "state": gr.state,
                        "state_title": gr.state_title, "cases": gr.cases,
                        "movable": gr.movable, "target": gr.target,
                        "target_title": gr.target_title, "reason": gr.reason,
                        "changes": gr.changes, "blocked_reason": gr.blocked_reason or None,
                        "blocked_ids": gr.blocked_ids[:moving.BLOCKED_LISTED]}
                       for gr in the_plan.groups]}


@procedures_api.get("/admin/procedures/<key>/moves")
@token_required
def api_plan(key: str):
    scope = moving.admin_scope(g.user)
    if key not in store.catalog().procedures:
        raise NotFound(f"没有名为 {key[:48]} 的流程")
    return jsonify(plan_json(moving.plan(key, scope)))


@procedures_api.post("/admin/procedures/<key>/moves")
@token_required
def api_start(key: str):
    moving.admin_scope(g.user)
    if key not in store.catalog().procedures:
        raise NotFound(f"没有名为 {key[:48]} 的流程")
    job = queue.enqueue("procedure_move", {"procedure": key}, g.user)
    db.session.commit()
    return jsonify({"job": job.id, "total": job.total,
                    "status_url": url_for("jobs.api_job", job_id=job.id)}), 202


def _operations() -> dict[str, dict]:
    path = "/api/v1/admin/procedures/<key>/moves"
    return {path: {
        "get": op("迁移预览：早期版本的进行中案件能否迁移到当前版本、变化和原因（不写入）", "200",
                  errors=("401", "403", "404")),
        "post": op("迁移进行中的案件到当前版本（后台任务，分批进行）", "202",
                   errors=("401", "403", "404", "422"))}}


openapi.document(_operations)


def init_app(app: Flask) -> None:
    app.register_blueprint(procedures_admin)
    app.register_blueprint(procedures_api)
