"""Putting jobs on the queue and taking them off: enqueue, cancel, retry, cleanup.

``enqueue`` writes the job's row and, when the queue is Procrastinate (PostgreSQL), defers
its task with Procrastinate's own SQL function over the request's database connection:
the job exists if and only if the request's transaction commits (a rolled-back request
leaves neither the row nor a queued task). Nothing is committed here: the caller commits.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import func, text

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.jobs.models import ACTIVE, Job, JobFile
from workflow.jobs.registry import KINDS

TASK_NAME = "workflow.jobs.run"
DEFER_SQL = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, "
    "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))")


def backend() -> str:
    """'procrastinate' on PostgreSQL, 'local' on SQLite (JOBS_BACKEND overrides)."""
    chosen = current_app.config.get("JOBS_BACKEND") or "auto"
    if chosen != "auto":
        return chosen
    return "procrastinate" if db.engine.dialect.name == "postgresql" else "local"


def queue_name() -> str:
    return current_app.config.get("JOBS_QUEUE", "workflow")


def enqueue(kind: str, params: dict[str, Any], user: User, *, jurisdiction_path: str = "",
            total: int = 0, inputs: list[tuple[str, bytes, str]] = ()) -> Job:
    """Queue a job of ``kind`` for ``user`` in the current transaction (not committed).

    Invalid (Chinese, per field) when the kind is unknown, its params are wrong or the
    user already has JOBS_PER_USER jobs queued or running. ``inputs`` are files the job
    reads (name, bytes, mimetype), stored with it.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise Invalid("没有这种后台任务", {"kind": [f"没有名为 {kind} 的后台任务"]})
    if spec.validate:
        params = spec.validate(dict(params), user)
        total = params.pop("_total", total)
    if db.engine.dialect.name == "postgresql":  # two requests at once count one by one
        db.session.execute(db.select(User.id).where(User.id == user.id).with_for_update())
    active = db.session.execute(db.select(func.count()).select_from(Job).where(
        Job.user_id == user.id, Job.status.in_(ACTIVE))).scalar_one()
    limit = int(current_app.config.get("JOBS_PER_USER", 3))
    if active >= limit:
        message = (f"您已有 {active} 个后台任务在排队或进行中（每人最多 {limit} 个），"
                   "请等其完成或取消后再提交")
        raise Invalid(message, {"_jobs": [message]})
    now = clock.utcnow()
    path = jurisdiction_path or min((a.jurisdiction.path for a in user.assignments), default="")
    job = Job(id=secrets.token_hex(16), kind=kind, user_id=user.id, jurisdiction_path=path,
              params=params, status="queued", total=total, message="排队中",
              max_attempts=spec.max_attempts or int(current_app.config.get(
                  "JOBS_MAX_ATTEMPTS", 3)), created_at=now)
    db.session.add(job)
    for name, data, mimetype in inputs:
        db.session.add(JobFile(job_id=job.id, role="input", name=name, mimetype=mimetype,
                               size=len(data), data=data, created_at=now,
                               expires_at=now + keep_files()))
    db.session.flush()
    if backend() == "procrastinate":
        job.queue_job_id = defer(job.id)
    return job


def defer(job_id: str) -> int:
    """Insert Procrastinate's task for ``job_id`` over the session's connection."""
    return db.session.execute(DEFER_SQL, {"queue": queue_name(), "task": TASK_NAME,
                                          "args": json.dumps({"job_id": job_id})}).scalar_one()


def cancel(job: Job) -> None:
    """Cancel: a queued job at once (it will never run); a running one between chunks."""
    if job.status == "queued":
        job.status, job.message = "cancelled", "已取消"
        job.finished_at = clock.utcnow()
        if job.queue_job_id and backend() == "procrastinate":
            db.session.execute(text("SELECT procrastinate_cancel_job_v1(:id, false, false)"),
                               {"id": job.queue_job_id})
    elif job.status == "running":
        job.cancel_requested, job.message = True, "正在取消…"
    else:
        raise Invalid("任务已结束，不能取消", {"_jobs": ["任务已结束，不能取消"]})


def retry(job: Job) -> None:
    """An operator's retry of a failed or cancelled job: queued again, attempts reset."""
    if job.status not in ("failed", "cancelled"):
        message = "只有失败或已取消的任务可以重试"
        raise Invalid(message, {"_jobs": [message]})
    job.status, job.attempts, job.error, job.message = "queued", 0, "", "排队中（重试）"
    job.cancel_requested, job.finished_at, job.done = False, None, 0
    db.session.flush()
    if backend() == "procrastinate":
        job.queue_job_id = defer(job.id)


def keep_files() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config.get("JOBS_KEEP_FILES_HOURS", 24)))


def result_file(job: Job) -> JobFile | None:
    """The job's result file, if it was made and has not expired."""
    return db.session.execute(db.select(JobFile).where(
        JobFile.job_id == job.id, JobFile.role == "result",
        JobFile.expires_at > clock.utcnow()).order_by(JobFile.id.desc()).limit(1)
    ).scalar_one_or_none()


def cleanup() -> tuple[int, int]:
    """Delete expired files and jobs finished more than JOBS_KEEP_DAYS ago; counts."""
    now = clock.utcnow()
    files = db.session.execute(db.delete(JobFile).where(JobFile.expires_at <= now)).rowcount
    cutoff = now - dt.timedelta(days=float(current_app.config.get("JOBS_KEEP_DAYS", 30)))
    old = db.session.execute(db.delete(Job).where(
        Job.status.notin_(ACTIVE), Job.finished_at < cutoff)).rowcount
    db.session.commit()
    return files, old
