"""The jobs queue with the local worker (SQLite's, and PostgreSQL's rows alike): a job
runs once with progress and a file, its own writes land with 'done', cancel, retry limit,
a user's limit, the page and the API's scope."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.documents.helpers import browser, csrf_of
from tests.factories import Api
from tests.jobs import kinds
from tests.jobs.helpers import enqueue, wait_for
from workflow import clock
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.jobs import queue
from workflow.jobs.local import LocalWorker
from workflow.jobs.models import Job, JobFile
from workflow.registry.models import Household


def test_a_job_runs_once_and_its_writes_land_with_its_file(app, world, job_worker):
    household = world.households[0]
    job_id = enqueue(world, "test_steps", steps=4, household_id=household.id)
    job = wait_for(job_id)
    assert (job.status, job.done, job.total, job.attempts, job.message) == (
        "done", 4, 4, 1, "完成")
    assert kinds.RAN.count(job_id) == 1
    file = queue.result_file(job)
    assert (file.name, file.data, file.mimetype) == ("结果.txt", "4 步".encode(), "text/plain")
    assert db.session.get(Household, household.id).head_name == "任务改名"


def test_a_failing_job_is_retried_up_to_its_limit(app, world, job_worker):
    job = wait_for(enqueue(world, "test_broken"))
    assert job.status == "failed" and job.attempts == 2
    assert "RuntimeError" in job.error and "已尝试 2 次" in job.error
    assert kinds.RAN.count(job.id) == 2
    refused = wait_for(enqueue(world, "test_refused"))
    assert refused.status == "failed" and refused.attempts == 1  # not retried
    assert refused.error == "第 3 行：身份证号校验位不对"


def test_a_queued_job_cancelled_never_runs(app, world):
    job_id = enqueue(world, "test_steps")
    queue.cancel(db.session.get(Job, job_id))
    db.session.commit()
    assert LocalWorker(app, periodic=False).run_once() == 0
    assert job_id not in kinds.RAN
    assert db.session.get(Job, job_id).status == "cancelled"
    with pytest.raises(Invalid, match="已结束"):
        queue.cancel(db.session.get(Job, job_id))


def test_a_running_job_stops_between_chunks_when_cancelled(app, world, job_worker):
    kinds.GATE.clear()
    household = world.households[0]
    job_id = enqueue(world, "test_steps", steps=5, hold=True, household_id=household.id)
    wait_for(job_id, until=("running",))
    client = browser(app, "township")
    token = csrf_of(client, "/jobs")
    assert client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token}).status_code == 302
    kinds.GATE.set()
    job = wait_for(job_id)
    assert job.status == "cancelled" and job.done < 5
    assert db.session.execute(db.select(JobFile).filter_by(job_id=job_id)).first() is None
    assert db.session.get(Household, household.id).head_name != "任务改名"  # rolled back


def test_a_user_may_have_only_so_many_active_jobs(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_PER_USER", 2)
    enqueue(world, "test_steps")
    enqueue(world, "test_steps")
    with pytest.raises(Invalid) as refused:
        enqueue(world, "test_steps")
    assert "您已有 2 个后台任务在排队或进行中（每人最多 2 个）" in refused.value.message
    enqueue(world, "test_steps", user="county")  # another user's count is their own
    with pytest.raises(Invalid, match="没有这种后台任务"):
        enqueue(world, "no_such_kind")


def test_a_rolled_back_request_leaves_no_job(app, world):
    queue.enqueue("test_steps", {}, world.users["township"])
    db.session.rollback()
    assert db.session.execute(db.select(Job)).first() is None
    if db.engine.dialect.name == "postgresql":
        assert db.session.execute(db.text(
            "SELECT count(*) FROM procrastinate_jobs WHERE args->>'job_id' IN "
            "(SELECT id FROM jobs)")).scalar() == 0


def test_the_page_and_the_api_show_a_job_to_its_owner_and_overseers_only(
        app, client, world, job_worker):
    job_id = wait_for(enqueue(world, "test_steps", steps=2)).id
    page = browser(app, "township").get("/jobs").get_data(as_text=True)
    assert "我的任务" in page and "测试任务" in page and "已完成" in page
    owner = Api(client, "township")
    listed = owner.get("/api/v1/jobs").get_json()["jobs"]
    assert [j["id"] for j in listed] == [job_id]
    shown = owner.get(f"/api/v1/jobs/{job_id}").get_json()
    assert shown["status"] == "done" and shown["percent"] == 100
    download = owner.get(shown["file"]["url"])
    assert download.status_code == 200 and download.data == "2 步".encode()
    assert "attachment" in download.headers["Content-Disposition"]
    # The county's auditor oversees 偏岭镇; another township's reviewer does not.
    assert Api(client, "auditor").get(f"/api/v1/jobs/{job_id}").status_code == 200
    other = Api(client, "other_township")
    assert other.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert other.get(f"/api/v1/jobs/{job_id}/file").status_code == 404
    assert other.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 404
    assert other.get("/api/v1/jobs").get_json()["jobs"] == []
    refused = owner.post(f"/api/v1/jobs/{job_id}/cancel")
    assert refused.status_code == 422 and "已结束" in refused.get_json()["message"]


def test_the_api_cancels_a_queued_job(app, client, world):
    job_id = enqueue(world, "test_steps")
    answer = Api(client, "township").post(f"/api/v1/jobs/{job_id}/cancel")
    assert answer.status_code == 200 and answer.get_json()["status"] == "cancelled"
    # A browser session without its CSRF token is refused.
    session = browser(app, "township")
    assert session.post(f"/api/v1/jobs/{enqueue(world, 'test_steps')}/cancel").status_code == 400


def test_expired_files_are_cleaned_up(app, world, job_worker):
    job = wait_for(enqueue(world, "test_steps", steps=1))
    assert queue.cleanup() == (0, 0)
    clock.travel(dt.timedelta(hours=25))
    assert queue.result_file(job) is None
    assert queue.cleanup() == (1, 0)
    clock.travel(dt.timedelta(days=31))
    assert queue.cleanup() == (0, 1)
    assert db.session.get(Job, job.id) is None


def test_healthz_reports_the_queue(app, client, world):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["checks"]["queue"] == "ok"
    enqueue(world, "test_steps")
    clock.travel(dt.timedelta(minutes=11))  # nobody took it off the queue
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["queue"] == "fail"
