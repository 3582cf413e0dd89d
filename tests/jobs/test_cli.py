"""``flask jobs list|cancel|retry|cleanup`` for operators."""
from __future__ import annotations

from tests.jobs.helpers import enqueue, wait_for
from workflow.extensions import db
from workflow.jobs.models import Job


def test_operators_list_cancel_and_retry_jobs(app, world, job_worker):
    runner = app.test_cli_runner()
    failed = wait_for(enqueue(world, "test_broken"))
    listed = runner.invoke(args=["jobs", "list", "--status", "failed"])
    assert listed.exit_code == 0 and failed.id in listed.output and "attempts=2/2" in listed.output
    again = runner.invoke(args=["jobs", "retry", failed.id])
    assert again.exit_code == 0, again.output
    assert wait_for(failed.id).attempts == 2  # run again from zero attempts, failed again
    refused = runner.invoke(args=["jobs", "cancel", failed.id])
    assert refused.exit_code == 1 and "任务已结束，不能取消" in refused.output
    assert runner.invoke(args=["jobs", "cancel", "nope"]).exit_code == 1
    cleaned = runner.invoke(args=["jobs", "cleanup"])
    assert cleaned.exit_code == 0 and "deleted 0 files" in cleaned.output
    db.session.expire_all()
    assert db.session.get(Job, failed.id).status == "failed"
