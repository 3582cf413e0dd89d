"""我的任务 (the jobs page) and the jobs API: list, progress, cancel, download.

A job is seen by its owner, and by an auditor or administrator whose places contain the
job's place; anyone else gets 404. The page polls ``/api/v1/jobs`` for progress.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, flash, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from workflow.api import openapi
from workflow.documents.views import reader_required
from workflow.engine.errors import Conflict, Invalid, NotFound
from workflow.extensions import csrf, db
from workflow.jobs import queue
from workflow.jobs.models import Job
from workflow.jobs.registry import kind_title

jobs_pages = Blueprint("jobs", __name__)
jobs_api = Blueprint("jobs_api", __name__, url_prefix="/api/v1")
OVERSEERS = {"auditor", "admin"}


def may_see(job: Job, user) -> bool:
    """The owner, or an auditor/administrator over the job's place."""
    if job.user_id == user.id:
        return True
    return bool(job.jurisdiction_path) and any(
        a.role in OVERSEERS and job.jurisdiction_path.startswith(a.jurisdiction.path)
        for a in user.assignments)


def job_for(job_id: str, user) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) <= 32 else None
    if job is None or not may_see(job, user):
        raise NotFound("任务不存在或不在您的权限范围内")
    return job


def as_dict(job: Job) -> dict[str, Any]:
    """What the page and the API show of a job."""
    file = queue.result_file(job) if job.status == "done" else None
    return {"id": job.id, "kind": job.kind, "title": kind_title(job.kind),
            "status": job.status, "status_title": job.status_title, "done": job.done,
            "total": job.total, "percent": job.percent, "message": job.message,
            "error": job.error, "attempts": job.attempts, "max_attempts": job.max_attempts,
            "cancel_requested": job.cancel_requested,
            "created_at": job.created_at.isoformat(timespec="seconds") + "Z",
            "finished_at": job.finished_at.isoformat(timespec="seconds") + "Z"
            if job.finished_at else None,
            "file": {"name": file.name, "size": file.size,
                     "url": url_for("jobs_api.job_file", job_id=job.id)} if file else None}


def file_response(job: Job) -> Response:
    """The job's result as a download; 409 while not ready or after it expired."""
    file = queue.result_file(job) if job.status == "done" else None
    if file is None:
        raise Conflict("文件尚未生成或已过期，请稍候或重新提交")
    response = Response(file.data, mimetype=file.mimetype)
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "-_." else "_"
                         for c in file.name)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.name)}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _mine(user, limit: int = 50) -> list[Job]:
    return list(db.session.execute(db.select(Job).where(Job.user_id == user.id)
                                   .order_by(Job.created_at.desc()).limit(limit)).scalars())


@jobs_pages.route("/jobs")
@reader_required
def page() -> str:
    """我的任务: the user's jobs with progress, cancel and download."""
    return render_template("jobs/list.html", jobs=[as_dict(j) for j in _mine(g.reader)])


@jobs_pages.post("/jobs/<job_id>/cancel")
@reader_required
def cancel_page(job_id: str) -> Response:
    """Cancel from the page (a form with its CSRF token)."""
    job = job_for(job_id, g.reader)
    try:
        queue.cancel(job)
        db.session.commit()
        flash("已取消" if job.status == "cancelled" else "已请求取消，任务将在当前部分完成后停止",
              "success")
    except Invalid as exc:
        flash(exc.message, "error")
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//")
                    else url_for("jobs.page"))


@jobs_api.get("/jobs")
@reader_required
def api_list() -> Response:
    """The caller's latest 50 jobs."""
    return jsonify({"jobs": [as_dict(j) for j in _mine(g.reader)]})


@jobs_api.get("/jobs/<job_id>")
@reader_required
def api_job(job_id: str) -> Response:
    """One job's status and progress (poll this)."""
    return jsonify(as_dict(job_for(job_id, g.reader)))


@jobs_api.post("/jobs/<job_id>/cancel")
@reader_required
def api_cancel(job_id: str) -> Response:
    """Cancel a job (a browser session must send its CSRF token, a bearer token not)."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        csrf.protect()
    job = job_for(job_id, g.reader)
    queue.cancel(job)
    db.session.commit()
    return jsonify(as_dict(job))


@jobs_api.get("/jobs/<job_id>/file")
@reader_required
def job_file(job_id: str) -> Response:
    """The finished job's file."""
    return file_response(job_for(job_id, g.reader))


def _operations() -> dict[str, dict]:
    base = "/api/v1/jobs"
    seen = ("401", "404")
    return {
        base: {"get": openapi.op("我的任务（最近 50 个后台任务）", "200")},
        f"{base}/<job_id>": {"get": openapi.op("后台任务的状态与进度", "200", errors=seen)},
        f"{base}/<job_id>/cancel": {"post": openapi.op("取消后台任务", "200",
                                                       errors=(*seen, "409"))},
        f"{base}/<job_id>/file": {"get": openapi.op("下载后台任务生成的文件", "200",
                                                    errors=(*seen, "409"))},
    }


openapi.document(_operations)


def init_views(app: Flask) -> None:
    app.register_blueprint(jobs_pages)
    app.register_blueprint(jobs_api)
    csrf.exempt(jobs_api)
