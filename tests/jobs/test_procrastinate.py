"""The jobs queue on Procrastinate (PostgreSQL only): same-transaction enqueue, the real
worker running a batch print, its retry limit and cancel, and a worker killed with
SIGKILL half-way through a batch (12 covers, 2 a chunk) whose job another worker finishes, once."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.documents.helpers import cases_in, pdf_pages, pdf_text
from tests.jobs import kinds
from tests.jobs.helpers import enqueue, wait_for
from workflow.documents import jobs as batch
from workflow.extensions import db
from workflow.jobs import pg, queue
from workflow.jobs.models import Job, JobFile

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("postgres_only", "empty_queue")


@pytest.fixture
def empty_queue(app):
    """Procrastinate's tables are not the models': emptied here, before and after."""
    def empty():
        db.session.remove()  # its reads would hold the TRUNCATE back
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE procrastinate_jobs, procrastinate_events, "
                              "procrastinate_periodic_defers, procrastinate_workers CASCADE"))
    if db.engine.dialect.name == "postgresql":
        empty()
        yield
        empty()
    else:
        yield


def drain(app) -> None:
    """Run a real Procrastinate worker in this process until the queue is empty."""
    queue_app = pg.build(app)

    async def run() -> None:
        async with queue_app.open_async():
            await queue_app.run_worker_async(queues=[app.config["JOBS_QUEUE"]], wait=False,
                                             install_signal_handlers=False)
    asyncio.run(run())


def queue_status(job_id: str) -> list[str]:
    return list(db.session.execute(text(
        "SELECT status::text FROM procrastinate_jobs WHERE args->>'job_id' = :id ORDER BY id"),
        {"id": job_id}).scalars())


def test_enqueue_defers_the_task_in_the_requests_transaction(app, world):
    job = queue.enqueue("test_steps", {}, world.users["township"])
    assert job.queue_job_id  # deferred, but nothing is visible outside this transaction
    with db.engine.connect() as other:
        assert other.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 0
    db.session.commit()
    assert queue_status(job.id) == ["todo"]


def test_the_procrastinate_worker_prints_a_batch(app, world):
    names = cases_in(world, "v1", 3)
    job = batch.start(world.users["township"], batch.Filters(kind="sheet"), "http://localhost/")
    drain(app)
    job = wait_for(job.id, timeout=5)
    assert job.status == "done" and job.attempts == 1
    data = queue.result_file(job).data
    text_ = re.sub(r"\s+", "", pdf_text(data))
    assert pdf_pages(data) == 3 and all(name in text_ for name in names)
    assert queue_status(job.id) == ["succeeded"]


def test_retries_stop_at_the_limit(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RETRY_WAIT_SECONDS", 0)
    job_id = enqueue(world, "test_broken")
    drain(app)
    job = wait_for(job_id, timeout=5)
    assert job.status == "failed" and job.attempts == 2 and kinds.RAN.count(job_id) == 2
    assert queue_status(job_id) == ["failed"]


def test_a_queued_job_cancelled_is_cancelled_in_the_queue_and_never_runs(app, world):
    job_id = enqueue(world, "test_steps")
    queue.cancel(db.session.get(Job, job_id))
    db.session.commit()
    assert queue_status(job_id) == ["cancelled"]
    drain(app)
    assert job_id not in kinds.RAN and db.session.get(Job, job_id).status == "cancelled"


def start_worker(name: str) -> subprocess.Popen:
    """``flask jobs worker`` in its own process, on this test's database."""
    env = {**os.environ, "FLASK_APP": "wsgi", "WORKFLOW_ENV": "testing",
           "WORKFLOW_JOBS_HEARTBEAT_SECONDS": "0.5", "WORKFLOW_JOBS_STALLED_AFTER_SECONDS": "2",
           "WORKFLOW_JOBS_STALLED_CHECK_SECONDS": "0.5", "WORKFLOW_JOBS_POLL_SECONDS": "0.2",
           "WORKFLOW_DOCUMENTS_BATCH_CHUNK": "2"}
    return subprocess.Popen(  # noqa: S603 - our own CLI, no shell
        [sys.executable, "-m", "flask", "jobs", "worker", "--name", name], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_batch_whose_worker_is_killed_finishes_on_another_worker_once(app, world):
    names = cases_in(world, "v1", 12)
    job = batch.start(world.users["county"], batch.Filters(kind="cover"), "http://localhost/")
    first = start_worker("first")
    second = None
    try:
        running = wait_for(job.id, timeout=120, until=("running", "failed"))
        while running.status == "running" and running.done < 2:  # kill it half-way
            running = wait_for(job.id, timeout=120, until=("running", "failed"))
        assert running.status == "running", running.error  # a failure says why at once
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        db.session.expire_all()
        killed = db.session.get(Job, job.id)
        assert killed.status == "running" and killed.done < 12 and killed.attempts == 1
        assert f":{first.pid}#" in killed.worker
        second = start_worker("second")
        done = wait_for(job.id, timeout=120)
    finally:
        for proc in (first, second):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
    assert done.status == "done" and done.attempts == 2, (done.status, done.error)
    assert f":{second.pid}#" in done.worker
    files = db.session.execute(db.select(JobFile).filter_by(job_id=job.id)).scalars().all()
    assert len(files) == 1  # made once
    data = files[0].data
    assert pdf_pages(data) == 12
    text_ = re.sub(r"\s+", "", pdf_text(data))
    assert text_.count("贫困户退出档案") == 12 and all(name in text_ for name in names)
    assert queue_status(job.id) == ["succeeded"]  # one task, retried, not a second one
