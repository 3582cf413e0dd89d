"""An attempt's time limit: a job that reports progress past it stops and is retried,
then fails with 处理超时; an attempt stuck where it never reports stops heartbeating at
the limit, so it looks dead to the other workers instead of holding its row for ever."""
from __future__ import annotations

import time

from tests.jobs import kinds
from tests.jobs.helpers import enqueue, wait_for
from workflow import clock
from workflow.extensions import db
from workflow.jobs.models import Job
from workflow.jobs.runner import Heartbeat, claim, claimable


def test_a_job_past_its_time_limit_is_stopped_retried_and_failed(app, world, job_worker):
    job = wait_for(enqueue(world, "test_slow"))
    assert job.status == "failed" and job.attempts == 2
    assert "处理超时（超过 0.3 秒）" in job.error and "已尝试 2 次" in job.error
    assert kinds.RAN.count(job.id) == 2
    assert job.done < 10  # stopped near the limit, not at the end of its 30 steps


def test_a_stuck_attempt_stops_heartbeating_at_its_limit_and_can_be_taken_over(app, world):
    job_id = enqueue(world, "test_steps")
    token = claim(job_id, "stuck-worker", takeover=False)
    assert token is not None
    app.config["JOBS_HEARTBEAT_SECONDS"], before = 0.05, app.config["JOBS_HEARTBEAT_SECONDS"]
    try:
        beat = Heartbeat(app, job_id, token, deadline=time.monotonic() + 0.3)
        beat.start()
        time.sleep(0.2)
        db.session.expire_all()
        alive = db.session.get(Job, job_id).heartbeat_at
        time.sleep(0.6)  # past the deadline: the heartbeat thread has ended
        assert not beat.is_alive()
        db.session.expire_all()
        last = db.session.get(Job, job_id).heartbeat_at
        assert last >= alive
        assert (clock.utcnow() - last).total_seconds() >= 0.3
        beat.stop()
    finally:
        app.config["JOBS_HEARTBEAT_SECONDS"] = before
    # Once silent past JOBS_STALLED_AFTER_SECONDS another worker may claim it.
    stalled = app.config["JOBS_STALLED_AFTER_SECONDS"]
    app.config["JOBS_STALLED_AFTER_SECONDS"] = 0.2
    try:
        assert db.session.execute(db.select(Job.id).where(
            Job.id == job_id, claimable())).scalar_one() == job_id
        assert claim(job_id, "live-worker", takeover=False) not in (None, token)
    finally:
        app.config["JOBS_STALLED_AFTER_SECONDS"] = stalled
