"""Running one job: claim its row, call its kind's function, record the outcome.

Both workers (Procrastinate's and the local one) call ``execute``. The claim is one
atomic UPDATE, so two workers never both start the same attempt; the final write — the
function's own changes, its files and status 'done' — is one transaction guarded by the
attempt's token, so a worker that was presumed dead and taken over cannot publish a
second result. A rerun after a crash starts from the beginning: nothing of the killed
attempt was committed but its progress figures.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading
import time

from flask import current_app
from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.exc import OperationalError

from workflow import clock
from workflow.auth.models import User
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.jobs.models import ACTIVE, Job, JobFile
from workflow.jobs.registry import KINDS, Cancelled, JobError, Saved, TimedOut


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:40]


class Context:
    """What a job function is given: params, user, progress, cancellation, files."""

    def __init__(self, job: Job, user: User | None, token: str, timeout: float):
        self.job_id, self.kind, self.token = job.id, job.kind, token
        self.params: dict = dict(job.params or {})
        self.user = user
        self.files: list[Saved] = []
        self.message = ""
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout  # monotonic: the clock may travel

    def check_time(self) -> None:
        """Raise TimedOut once the attempt has run past its time limit."""
        if time.monotonic() > self.deadline:
            raise TimedOut(self.timeout)

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record progress (and a heartbeat) at once, outside the job's transaction;
        TimedOut past the attempt's time limit."""
        self.check_time()
        values = {"done": done, "heartbeat_at": clock.utcnow()}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:200]
        _side_write(update(Job).where(Job.id == self.job_id, Job.worker == self.token)
                    .values(**values))

    def cancelled(self) -> bool:
        """Has the user asked to cancel? (read fresh from the database)"""
        with db.engine.connect() as conn:
            return bool(conn.execute(select(Job.cancel_requested).where(
                Job.id == self.job_id)).scalar())

    def check_cancelled(self) -> None:
        """Raise Cancelled if the user asked to cancel, TimedOut past the time limit
        (call between chunks)."""
        self.check_time()
        if self.cancelled():
            raise Cancelled()

    def save_file(self, name: str, data: bytes, mimetype: str) -> None:
        """Keep ``data`` as the job's result, written with status 'done'."""
        self.files.append(Saved(name, data, mimetype))

    def input_files(self) -> list[JobFile]:
        """The files uploaded with the job (e.g. a roster), in upload order."""
        return list(db.session.execute(select(JobFile).where(
            JobFile.job_id == self.job_id, JobFile.role == "input").order_by(JobFile.id)
        ).scalars())


def _side_write(statement) -> None:
    """A small write on its own connection (progress, heartbeat); skipped, not waited
    for, when SQLite is locked by the job's own open transaction."""
    try:
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(text("PRAGMA busy_timeout = 200"))
            conn.execute(statement)
    except OperationalError:
        current_app.logger.debug("progress write skipped (database busy)")


class Heartbeat(threading.Thread):
    """Touches the job's heartbeat every JOBS_HEARTBEAT_SECONDS while it runs, until the
    attempt's ``deadline`` (monotonic): an attempt stuck past its time limit then looks
    dead and another worker takes the job over."""

    def __init__(self, app, job_id: str, token: str, deadline: float):
        super().__init__(name=f"heartbeat-{job_id[:8]}", daemon=True)
        self.app, self.job_id, self.token, self.deadline = app, job_id, token, deadline
        self.stopped = threading.Event()
        self.every = float(app.config.get("JOBS_HEARTBEAT_SECONDS", 5))

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.every) and time.monotonic() <= self.deadline:
                _side_write(update(Job).where(Job.id == self.job_id, Job.worker == self.token)
                            .values(heartbeat_at=clock.utcnow()))

    def stop(self) -> None:
        self.stopped.set()


def stale_before() -> dt.datetime:
    seconds = float(current_app.config.get("JOBS_STALLED_AFTER_SECONDS", 30))
    return clock.utcnow() - dt.timedelta(seconds=seconds)


def claimable():
    """Rows the local worker may take: queued, or running with a stale heartbeat."""
    return or_(Job.status == "queued",
               and_(Job.status == "running", Job.heartbeat_at < stale_before()))


def claim(job_id: str, worker: str, *, takeover: bool) -> str | None:
    """Atomically mark the job running for this attempt; its token, or None if another
    worker has it or it is finished. ``takeover``: the queue says the previous attempt's
    worker is dead (Procrastinate's stalled-job retry), so a running row is taken too."""
    token = f"{worker}#{secrets.token_hex(4)}"
    condition = Job.status.in_(ACTIVE) if takeover else claimable()
    now = clock.utcnow()
    claimed = db.session.execute(update(Job).where(Job.id == job_id, condition).values(
        status="running", attempts=Job.attempts + 1, worker=token, started_at=now,
        heartbeat_at=now, done=0, message="开始处理").execution_options(
        synchronize_session=False)).rowcount
    db.session.commit()
    return token if claimed else None


def execute(job_id: str, worker: str | None = None, *, takeover: bool = False) -> str:
    """Run one attempt of the job; 'done', 'failed', 'cancelled', 'retry' (queued again
    for another attempt) or 'skipped' (not ours to run)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    token = claim(job_id, worker or worker_name(), takeover=takeover)
    if token is None:
        return "skipped"
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    spec = KINDS.get(job.kind)
    if job.cancel_requested:
        return _finish(job_id, token, "cancelled", "已取消")
    if job.attempts > job.max_attempts:
        return _finish(job_id, token, "failed", "", error=f"已尝试 {job.max_attempts} 次仍未完成")
    if spec is None:
        return _finish(job_id, token, "failed", "", error=f"未知的任务类型 {job.kind}")
    timeout = float(spec.timeout_seconds or app.config.get("JOBS_TIMEOUT_SECONDS", 3600))
    ctx = Context(job, db.session.get(User, job.user_id), token, timeout)
    heartbeat = Heartbeat(app, job_id, token, ctx.deadline)
    heartbeat.start()
    try:
        spec.fn(ctx)
        return _publish(ctx)
    except Cancelled:
        db.session.rollback()
        return _finish(job_id, token, "cancelled", "已取消")
    except (JobError, WorkflowError) as exc:  # the user's to mend: not retried
        db.session.rollback()
        return _finish(job_id, token, "failed", "", error=exc.message)
    except Exception as exc:  # retried while attempts last; the log keeps the traceback
        db.session.rollback()
        if isinstance(exc, TimedOut):
            app.logger.warning("job %s (%s) attempt ran past %g s", job_id, job.kind, timeout)
            reason = f"处理超时（超过 {timeout:g} 秒）"
        else:
            app.logger.exception("job %s (%s) attempt failed", job_id, job.kind)
            reason = f"处理出错（{type(exc).__name__}）"
        if job.attempts < job.max_attempts:
            return _finish(job_id, token, "queued", f"第 {job.attempts} 次处理出错，等待重试",
                           error=reason)
        return _finish(job_id, token, "failed", "", error=f"{reason}，已尝试 {job.attempts} 次")
    finally:
        heartbeat.stop()
        db.session.remove()


def _publish(ctx: Context) -> str:
    """Status 'done' and the files, in the transaction of the function's own writes."""
    now = clock.utcnow()
    published = db.session.execute(update(Job).where(
        Job.id == ctx.job_id, Job.worker == ctx.token, Job.status == "running").values(
        status="done", finished_at=now, heartbeat_at=now, message=ctx.message[:200],
        done=Job.total, error="").execution_options(synchronize_session=False)).rowcount
    if not published:  # taken over by another worker meanwhile: its result counts
        db.session.rollback()
        return "skipped"
    from workflow.jobs.queue import keep_files

    for saved in ctx.files:
        db.session.add(JobFile(job_id=ctx.job_id, role=saved.role, name=saved.name,
                               mimetype=saved.mimetype, size=len(saved.data), data=saved.data,
                               created_at=now, expires_at=now + keep_files()))
    db.session.commit()
    return "done"


def _finish(job_id: str, token: str, status: str, message: str, error: str = "") -> str:
    values = {"status": status, "message": message, "error": error[:500],
              "heartbeat_at": clock.utcnow()}
    if status != "queued":
        values["finished_at"] = clock.utcnow()
    done = db.session.execute(update(Job).where(Job.id == job_id, Job.worker == token)
                              .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return ("retry" if status == "queued" else status) if done.rowcount else "skipped"
