"""The Procrastinate side (PostgreSQL): the task that runs a job, periodic tasks, the worker.

One Procrastinate task, ``workflow.jobs.run(job_id)``, runs every kind through
``runner.execute``. A job that failed and has attempts left raises ``RetryLater`` so that
Procrastinate queues it again after JOBS_RETRY_WAIT_SECONDS (its RetryStrategy); the
attempt limit itself is counted in our row, crashed attempts included.

Surviving ``kill -9``: every worker sends Procrastinate heartbeats every
JOBS_HEARTBEAT_SECONDS; each worker, at start and every JOBS_STALLED_CHECK_SECONDS, asks
Procrastinate for jobs whose worker has not been heard of for JOBS_STALLED_AFTER_SECONDS
and retries them, so a job whose worker died is taken over by a live one.
"""
from __future__ import annotations

import asyncio
import logging

import procrastinate
from flask import Flask
from sqlalchemy.engine import make_url

from workflow.extensions import db
from workflow.jobs import runner
from workflow.jobs.queue import TASK_NAME
from workflow.jobs.registry import PERIODIC

log = logging.getLogger("workflow.jobs")


class RetryLater(Exception):
    """The job's attempt failed and its row is queued again: let Procrastinate retry."""


class JobFailed(Exception):
    """The job failed for good (its row says why): Procrastinate marks it failed too."""


def conninfo(app: Flask) -> str:
    """libpq connection string from SQLALCHEMY_DATABASE_URI."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build(app: Flask) -> procrastinate.App:
    """A Procrastinate app whose tasks run in ``app``'s context."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(app), min_size=1,
                                               max_size=4)
    queue_app = procrastinate.App(connector=connector)
    queue = app.config.get("JOBS_QUEUE", "workflow")
    attempts = int(app.config.get("JOBS_MAX_ATTEMPTS", 3))
    strategy = procrastinate.RetryStrategy(
        max_attempts=attempts + 2, wait=float(app.config.get("JOBS_RETRY_WAIT_SECONDS", 10)),
        retry_exceptions={RetryLater})

    @queue_app.task(name=TASK_NAME, queue=queue, retry=strategy)
    def run_job(job_id: str) -> str:
        with app.app_context():
            outcome = runner.execute(job_id, takeover=True)
        if outcome == "retry":
            raise RetryLater(job_id)
        if outcome == "failed":
            raise JobFailed(job_id)
        return outcome

    for spec in PERIODIC.values():
        _periodic_task(queue_app, app, spec, queue)
    return queue_app


def _periodic_task(queue_app: procrastinate.App, app: Flask, spec, queue: str) -> None:
    def run(timestamp: int) -> None:
        with app.app_context():
            try:
                spec.fn()
            finally:
                db.session.remove()

    task = queue_app.task(name=f"workflow.periodic.{spec.name}", queue=queue,
                          queueing_lock=spec.name)(run)
    queue_app.periodic(cron=spec.cron, periodic_id=spec.name)(task)


async def retry_stalled(queue_app: procrastinate.App, after: float) -> int:
    """Queue again the jobs of workers silent for ``after`` seconds; how many."""
    stalled = list(await queue_app.job_manager.get_stalled_jobs(seconds_since_heartbeat=after))
    for job in stalled:
        log.warning("retrying stalled job %s (%s) of a silent worker", job.id, job.task_name)
        await queue_app.job_manager.retry_job(job)
    return len(stalled)


async def _stalled_loop(queue_app: procrastinate.App, after: float, every: float) -> None:
    while True:
        try:
            await retry_stalled(queue_app, after)
        except Exception:  # the database may be briefly away; try again next round
            log.exception("stalled-job check failed")
        await asyncio.sleep(every)


def run_worker(app: Flask, concurrency: int, name: str | None = None) -> None:
    """Run the Procrastinate worker in this process until SIGINT/SIGTERM."""
    queue_app = build(app)
    after = float(app.config.get("JOBS_STALLED_AFTER_SECONDS", 30))
    heartbeat = float(app.config.get("JOBS_HEARTBEAT_SECONDS", 5))

    async def main() -> None:
        async with queue_app.open_async():
            checker = asyncio.create_task(_stalled_loop(
                queue_app, after, float(app.config.get("JOBS_STALLED_CHECK_SECONDS", 10))))
            try:
                await queue_app.run_worker_async(
                    queues=[app.config.get("JOBS_QUEUE", "workflow")], concurrency=concurrency,
                    name=name or runner.worker_name(), update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=after,
                    fetch_job_polling_interval=float(app.config.get("JOBS_POLL_SECONDS", 1)))
            finally:
                checker.cancel()

    asyncio.run(main())
