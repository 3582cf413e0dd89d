"""Batch printing: one PDF for the cases chosen by filters, made in the background."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tests.documents.helpers import (
    RARE_SURVEY,
    browser,
    cases_in,
    csrf_of,
    open_case,
    pdf_pages,
    pdf_text,
    rare_household,
    to_village_notice,
)
from workflow import clock
from workflow.extensions import db
from workflow.jobs.models import Job


@pytest.fixture
def documents_folder(app, tmp_path, job_worker):
    """A jobs worker runs the batches (the files are kept in the database)."""
    return tmp_path


def start_batch(client, **form) -> str:
    token = csrf_of(client, "/documents/batch")
    response = client.post("/documents/batch", data={"csrf_token": token, **form})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def wait(client, job_id: str, timeout: float = 120) -> dict:
    """Poll the progress endpoint as the page does, until the job ends."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = client.get(f"/documents/batch/{job_id}/status").get_json()
        seen.append(status["done"])
        if status["state"] in ("done", "failed"):
            assert seen == sorted(seen)  # progress only grows
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after {timeout} s: {status}")


def test_township_prints_the_sheets_of_its_cases_as_one_pdf(app, world, documents_folder):
    mine = cases_in(world, "v1", 3)
    theirs = cases_in(world, "v2", 1, clerk="other_clerk")
    client = browser(app, "township")
    page = client.get("/documents/batch").get_data(as_text=True)
    assert "批量打印" in page and "审批表" in page and "档案封面" in page
    job_id = start_batch(client, kind="sheet", procedure="household_exit")
    progress = client.get(f"/documents/batch/{job_id}").get_data(as_text=True)
    assert f"/documents/batch/{job_id}/status" in progress
    status = wait(client, job_id)
    assert status["state"] == "done", status
    assert status["done"] == status["total"] == 3 and status["percent"] == 100
    response = client.get(f"/documents/batch/{job_id}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = re.sub(r"\s+", "", pdf_text(response.data))
    assert pdf_pages(response.data) == 3
    assert all(name in text for name in mine)
    assert theirs[0] not in text  # 杨家堡镇 is not the reviewer's
    assert db.session.get(Job, job_id).status == "done"
    # Another user neither sees the job nor its file.
    other = browser(app, "county")
    assert other.get(f"/documents/batch/{job_id}/status").status_code == 404
    assert other.get(f"/documents/batch/{job_id}/download").status_code == 404


def test_a_larger_batch_is_laid_out_chunk_by_chunk(app, world, documents_folder,
                                                  monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_BATCH_CHUNK", 4)
    names = cases_in(world, "v1", 11)
    client = browser(app, "county")
    job_id = start_batch(client, kind="cover", place=world.places["pianling"].code)
    status = wait(client, job_id, timeout=180)
    assert status["state"] == "done", status
    data = client.get(f"/documents/batch/{job_id}/download").data
    assert pdf_pages(data) == 11
    text = re.sub(r"\s+", "", pdf_text(data))
    assert text.count("贫困户退出档案") == 11 and all(name in text for name in names)
    assert db.session.get(Job, job_id).attempts == 1


def test_notices_of_a_village_in_one_batch(app, apis, world, documents_folder):
    to_village_notice(apis, open_case(apis, rare_household(world)), RARE_SURVEY)
    client = browser(app, "clerk")
    job_id = start_batch(client, kind="notice", place=world.places["v1"].code)
    status = wait(client, job_id)
    assert status["state"] == "done", status
    text = re.sub(r"\s+", "", pdf_text(client.get(f"/documents/batch/{job_id}/download").data))
    assert "大房身村贫困户退出村级公示" in text and "王堃" in text


def test_bad_filters_are_explained_and_start_nothing(app, world, documents_folder):
    cases_in(world, "v1", 1)
    client = browser(app, "township")
    token = csrf_of(client, "/documents/batch")
    for form, message in (
            ({"kind": "sheet", "date_from": "2020-13-01"}, "「开始日期」应为日期"),
            ({"kind": "sheet", "place": world.places["yanggu"].code}, "不在您的管辖范围内"),
            ({"kind": "sheet", "procedure": "no_such"}, "没有这个流程"),
            ({"kind": "poster"}, "请选择审批表"),
            ({"kind": "sheet", "state": "filed"}, "没有符合条件的案件"),
            ({"kind": "sheet", "date_from": "2020-06-30", "date_to": "2020-06-01"},
             '<span class="error">「结束日期」不能早于「开始日期」</span>')):
        response = client.post("/documents/batch", data={"csrf_token": token, **form})
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True), (form, message)
    no_token = client.post("/documents/batch", data={"kind": "sheet"})
    assert no_token.status_code == 400
    assert db.session.execute(db.select(Job)).first() is None


def test_a_job_whose_worker_died_is_run_again(app, world, job_worker):
    """A running job without heartbeat for JOBS_STALLED_AFTER_SECONDS is taken over and
    made from the start; the page shows its progress meanwhile."""
    cases_in(world, "v1", 2)
    job = Job(id="f" * 32, user_id=world.users["township"].id, kind="batch_print",
              params={"kind": "sheet", "base_url": "http://localhost/"}, status="running",
              total=2, done=0, attempts=1, worker="dead:1#0", created_at=clock.utcnow(),
              heartbeat_at=clock.utcnow() + dt.timedelta(hours=1))  # not stale yet
    db.session.add(job)
    db.session.commit()
    client = browser(app, "township")
    assert client.get(f"/documents/batch/{job.id}/download").status_code == 409
    assert client.get(f"/documents/batch/{job.id}/status").get_json()["state"] == "running"
    db.session.execute(db.update(Job).values(heartbeat_at=clock.utcnow() - dt.timedelta(
        minutes=10)))
    db.session.commit()
    status = wait(client, job.id)
    assert status["state"] == "done" and status["done"] == 2, status
    assert pdf_pages(client.get(f"/documents/batch/{job.id}/download").data) == 2
    db.session.expire_all()
    assert db.session.get(Job, job.id).attempts == 2
