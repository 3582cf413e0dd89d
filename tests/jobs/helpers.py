"""Helpers for the jobs tests: enqueue as a user, wait for a job's end."""
from __future__ import annotations

import time

from workflow.extensions import db
from workflow.jobs import queue
from workflow.jobs.models import Job


def enqueue(world, kind: str, user: str = "township", **params) -> str:
    job = queue.enqueue(kind, params, world.users[user])
    db.session.commit()
    return job.id


def wait_for(job_id: str, timeout: float = 60, until=("done", "failed", "cancelled")) -> Job:
    """Poll the row until its status is one of ``until``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.status in until:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is {job.status} after {timeout} s")
