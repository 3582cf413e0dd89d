"""The local worker: the same job functions without Procrastinate (SQLite, tests).

It polls the jobs table, claims a row with an atomic UPDATE (``runner.claim``) and runs
it in this process; a row whose worker stopped sending heartbeats for
JOBS_STALLED_AFTER_SECONDS is claimed again. Periodic jobs run on their cron schedule.
``scripts/serve.sh`` starts one next to ``flask run``; the tests start one in a thread.
"""
from __future__ import annotations

import datetime as dt
import threading

from croniter import croniter
from flask import Flask

from workflow import clock
from workflow.extensions import db
from workflow.jobs import runner
from workflow.jobs.models import Job
from workflow.jobs.registry import PERIODIC


class LocalWorker:
    """Polls for jobs every ``poll`` seconds until ``stop()``."""

    def __init__(self, app: Flask, poll: float | None = None, periodic: bool = True):
        self.app = app
        self.poll = poll if poll is not None else float(
            app.config.get("JOBS_POLL_SECONDS", 1))
        self.periodic = periodic
        self.stopped = threading.Event()
        self.name = runner.worker_name() + "-local"
        self.next_runs: dict[str, dt.datetime] = {}
        self.thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Run every job that can be claimed now; how many ran."""
        ran = 0
        with self.app.app_context():
            while not self.stopped.is_set():
                job_id = db.session.execute(db.select(Job.id).where(runner.claimable())
                                            .order_by(Job.created_at).limit(1)).scalar()
                db.session.remove()
                if job_id is None:
                    break
                runner.execute(job_id, self.name)
                ran += 1
            if self.periodic:
                self._periodic()
        return ran

    def _periodic(self) -> None:
        now = clock.utcnow()
        for name, spec in PERIODIC.items():
            due = self.next_runs.get(name)
            if due is None:
                self.next_runs[name] = croniter(spec.cron, now).get_next(dt.datetime)
            elif due <= now:
                self.next_runs[name] = croniter(spec.cron, now).get_next(dt.datetime)
                try:
                    spec.fn()
                except Exception:  # logged; the next run is on schedule
                    self.app.logger.exception("periodic job %s failed", name)
                finally:
                    db.session.remove()

    def run_forever(self) -> None:
        self.app.logger.info("local job worker %s polling every %s s", self.name, self.poll)
        while not self.stopped.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database may be briefly away; keep polling
                self.app.logger.exception("local job worker: poll failed")
                ran = 0
            if not ran:
                self.stopped.wait(self.poll)

    def start(self) -> LocalWorker:
        """Run in a daemon thread (tests)."""
        self.thread = threading.Thread(target=self.run_forever, name="jobs-local",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self.thread:
            self.thread.join(timeout=60)
