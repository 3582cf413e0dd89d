"""``flask jobs ...``: run a worker; list, cancel and retry jobs (operators)."""
from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.jobs import queue
from workflow.jobs.models import Job
from workflow.jobs.registry import kind_title

jobs_cli = AppGroup("jobs", help="后台任务（批量打印、留痕导出、名册导入、月报告）")


@jobs_cli.command("worker")
@click.option("--concurrency", type=int, default=None,
              help="jobs run at once (default JOBS_WORKER_CONCURRENCY)")
@click.option("--local", "force_local", is_flag=True,
              help="poll the jobs table instead of Procrastinate (the default on SQLite)")
@click.option("--name", default=None, help="worker name in logs and the jobs table")
def worker(concurrency: int | None, force_local: bool, name: str | None) -> None:
    """Run jobs until stopped (Ctrl-C / SIGTERM): Procrastinate's worker on PostgreSQL,
    the local polling worker on SQLite."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    concurrency = concurrency or int(app.config["JOBS_WORKER_CONCURRENCY"])
    if queue.backend() == "procrastinate" and not force_local:
        from workflow.jobs import pg

        click.echo(f"jobs worker (Procrastinate, queue {app.config['JOBS_QUEUE']}, "
                   f"concurrency {concurrency})")
        pg.run_worker(app, concurrency, name)
        return
    from workflow.jobs.local import LocalWorker

    local = LocalWorker(app)
    signal.signal(signal.SIGTERM, lambda *_: local.stopped.set())
    click.echo(f"jobs worker (local, polling every {local.poll} s)")
    try:
        local.run_forever()
    except KeyboardInterrupt:
        local.stopped.set()


@jobs_cli.command("list")
@click.option("--status", default=None, help="queued, running, done, failed or cancelled")
@click.option("--limit", type=int, default=30, show_default=True)
def list_jobs(status: str | None, limit: int) -> None:
    """The latest jobs: id, kind, user, status, progress, attempts, error."""
    query = db.select(Job).order_by(Job.created_at.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    for job in db.session.execute(query).scalars():
        click.echo(f"{job.id}  {job.created_at:%Y-%m-%d %H:%M}  {kind_title(job.kind)}  "
                   f"user={job.user_id}  {job.status}  {job.done}/{job.total}  "
                   f"attempts={job.attempts}/{job.max_attempts}  {job.error or job.message}")


def _job(job_id: str) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(f"no job {job_id}")
    return job


@jobs_cli.command("cancel")
@click.argument("job_id")
def cancel(job_id: str) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    job = _job(job_id)
    try:
        queue.cancel(job)
    except Invalid as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{job.id} {job.status}{' (cancel requested)' if job.cancel_requested else ''}")


@jobs_cli.command("retry")
@click.argument("job_id")
def retry(job_id: str) -> None:
    """Queue a failed or cancelled job again (attempts reset)."""
    job = _job(job_id)
    try:
        queue.retry(job)
    except Invalid as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{job.id} queued again")


@jobs_cli.command("cleanup")
def cleanup() -> None:
    """Delete expired job files and long-finished jobs now (hourly by itself)."""
    files, jobs = queue.cleanup()
    click.echo(f"deleted {files} files, {jobs} jobs")
