"""The ``queue`` check of ``/healthz``: jobs are being taken off the queue.

Fails when a job has waited in 'queued' longer than JOBS_HEALTH_MAX_WAIT_SECONDS (600):
no worker is running, or too few for the load. On PostgreSQL it also reads
Procrastinate's table, so a missing queue schema fails the check.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select, text

from workflow import clock
from workflow.extensions import db
from workflow.jobs.models import Job


def check_queue() -> str | None:
    """None when healthy, else the reason (logged by /healthz, not shown)."""
    with db.engine.connect() as conn:
        oldest = conn.execute(select(func.min(Job.created_at)).where(
            Job.status == "queued")).scalar()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT 1 FROM procrastinate_jobs LIMIT 1")).first()
    limit = float(current_app.config.get("JOBS_HEALTH_MAX_WAIT_SECONDS", 600))
    if oldest is not None and clock.utcnow() - oldest > dt.timedelta(seconds=limit):
        return f"a job has been queued since {oldest:%Y-%m-%d %H:%M:%S} UTC: is a worker running?"
    return None


def register() -> None:
    """Register with workflow/ops/health.py (helper A's /healthz), when it is there."""
    try:
        from workflow.ops.health import register_check
    except ImportError:  # an installation without the ops area
        return
    register_check("queue", check_queue)
