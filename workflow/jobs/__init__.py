"""Background jobs on a durable queue (Procrastinate on PostgreSQL, a local worker on SQLite).

- ``registry``: ``@job_kind`` / ``@periodic`` register plain functions;
- ``queue.enqueue``: a job row plus its Procrastinate task, in the caller's transaction;
- ``runner``: one attempt of a job (claim, run, publish once), for both workers;
- ``pg`` / ``local``: the two workers; ``cli``: ``flask jobs worker|list|cancel|retry``;
- ``views``: 我的任务 page and ``/api/v1/jobs``.

Settings (environment ``WORKFLOW_<NAME>``): JOBS_BACKEND (auto | procrastinate | local),
JOBS_PER_USER (3), JOBS_MAX_ATTEMPTS (3), JOBS_WORKER_CONCURRENCY (1),
JOBS_HEARTBEAT_SECONDS (5), JOBS_STALLED_AFTER_SECONDS (30), JOBS_STALLED_CHECK_SECONDS
(10), JOBS_RETRY_WAIT_SECONDS (10), JOBS_POLL_SECONDS (1), JOBS_KEEP_FILES_HOURS (24),
JOBS_KEEP_DAYS (30), JOBS_QUEUE ("workflow"), JOBS_HEALTH_MAX_WAIT_SECONDS (600),
JOBS_TIMEOUT_SECONDS (3600: an attempt's time limit unless its kind sets one).
"""
from __future__ import annotations

import importlib
import os

from flask import Flask

DEFAULTS = {"JOBS_BACKEND": "auto", "JOBS_PER_USER": 3, "JOBS_MAX_ATTEMPTS": 3,
            "JOBS_WORKER_CONCURRENCY": 1, "JOBS_HEARTBEAT_SECONDS": 5.0,
            "JOBS_STALLED_AFTER_SECONDS": 30.0, "JOBS_STALLED_CHECK_SECONDS": 10.0,
            "JOBS_RETRY_WAIT_SECONDS": 10.0, "JOBS_POLL_SECONDS": 1.0,
            "JOBS_KEEP_FILES_HOURS": 24.0, "JOBS_KEEP_DAYS": 30.0, "JOBS_QUEUE": "workflow",
            "JOBS_HEALTH_MAX_WAIT_SECONDS": 600.0, "JOBS_TIMEOUT_SECONDS": 3600.0}


def init_app(app: Flask) -> None:
    """Settings from the environment, the job kinds, the page, the API and the CLI."""
    from workflow.jobs import models  # noqa: F401 - the tables
    from workflow.jobs.cli import jobs_cli
    from workflow.jobs.registry import KIND_MODULES
    from workflow.jobs.views import init_views

    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"WORKFLOW_{name}")
        value = type(default)(raw) if raw is not None else default
        app.config.setdefault(name, value)
    for module in KIND_MODULES:
        importlib.import_module(module)
    init_views(app)
    app.cli.add_command(jobs_cli)
    from workflow.jobs.health import register

    register()  # /healthz reports "queue"
