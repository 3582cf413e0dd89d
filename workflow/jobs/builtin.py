"""Periodic jobs of the jobs area itself: expired files out of the database."""
from __future__ import annotations

from flask import current_app

from workflow.jobs.registry import periodic


@periodic(cron="17 * * * *", name="jobs.cleanup", title="清理过期的任务文件")
def cleanup_files() -> None:
    """Hourly: delete expired job files and long-finished jobs."""
    from workflow.jobs.queue import cleanup

    files, jobs = cleanup()
    if files or jobs:
        current_app.logger.info("jobs cleanup: %s files, %s jobs deleted", files, jobs)
