"""The long jobs moved to the queue: a whole-scope trail export, a city's monthly report
PDF and a large roster import each become a job (confirmed by a POST) whose file waits on
the jobs page; below their thresholds they are answered at once as before."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.documents.helpers import browser, cases_in, csrf_of, pdf_text
from tests.jobs.helpers import wait_for
from tests.registry.test_roster import files, roster
from workflow.extensions import db
from workflow.jobs import queue
from workflow.jobs.models import Job
from workflow.registry.models import Household


def _queued(client, url: str) -> Job:
    """GET shows the confirmation; its POST queues the job and leads to 我的任务."""
    page = client.get(url)
    assert page.status_code == 200 and "在后台生成" in page.get_data(as_text=True)
    token = csrf_of(client, url)
    answer = client.post(url, data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/jobs")
    return db.session.execute(db.select(Job).order_by(Job.created_at.desc())).scalars().first()


def test_a_large_trail_export_is_made_in_the_background(app, world, job_worker, monkeypatch):
    names = cases_in(world, "v1", 3)
    auditor = browser(app, "auditor")
    small = auditor.get("/oversight/trail.xlsx?procedure=household_exit")
    assert small.status_code == 200 and small.mimetype.endswith("sheet")  # 3 <= 50: at once
    monkeypatch.setitem(app.config, "JOBS_EXPORT_SYNC_MAX", 2)
    job = wait_for(_queued(auditor, "/oversight/trail.xlsx?procedure=household_exit").id)
    assert job.kind == "trail_export" and job.status == "done", job.error
    book = load_workbook(io.BytesIO(queue.result_file(job).data))
    text = "".join(str(c.value) for row in book.active.iter_rows() for c in row)
    assert all(name in text for name in names)
    assert "留痕导出" in auditor.get("/jobs").get_data(as_text=True)


def test_a_citys_monthly_report_pdf_is_made_in_the_background(app, world, job_worker):
    cases_in(world, "v1", 1)
    county = browser(app, "county").get(
        "/boards/report.pdf?place=210323&procedure=household_exit&month=2020-06")
    assert county.status_code == 200 and county.mimetype == "application/pdf"  # at once
    city = browser(app, "city")
    job = wait_for(_queued(
        city, "/boards/report.pdf?place=210300&procedure=household_exit&month=2020-06").id)
    assert job.status == "done", job.error
    file = queue.result_file(job)
    assert file.name == "贫困户退出月报告-2020-06.pdf"
    assert "月报告" in "".join(pdf_text(file.data).split())


def test_a_large_roster_is_imported_by_a_worker_all_or_nothing(app, world, client,
                                                              job_worker, monkeypatch):
    from tests.factories import Api

    monkeypatch.setitem(app.config, "ROSTER_SYNC_MAX_ROWS", 5)
    clerk = Api(client, "clerk")
    members, incomes = roster(3)
    members[5][3] = "210323197202029999"  # a bad ID number: the whole file is refused
    upload = {"file": [(io.BytesIO(data), name) for name, data in files(members, incomes)]}
    answer = clerk.post("/api/v1/households/import", data=upload)
    assert answer.status_code == 202, answer.get_json()
    job = wait_for(answer.get_json()["job"]["id"])
    assert job.status == "done" and job.message.startswith("有 1 处错误，未写入任何数据")
    report = clerk.get(f"/api/v1/jobs/{job.id}/file").data.decode()
    assert "家庭成员表第 6 行「身份证号」" in report
    assert db.session.query(Household).filter(Household.head_name.like("石%")).count() == 0
    upload = {"file": [(io.BytesIO(data), name) for name, data in files(*roster(3))]}
    job = wait_for(clerk.post("/api/v1/households/import", data=upload).get_json()["job"]["id"])
    assert job.status == "done" and job.message == "3 户：新增 3，更新 0，未变 0"
    assert db.session.query(Household).filter(Household.head_name.like("石%")).count() == 3
    small = clerk.post("/api/v1/households/import", data={"file": [
        (io.BytesIO(data), name) for name, data in files(*roster(1))]})
    assert small.status_code == 200 and small.get_json()["unchanged"] == 1  # at once
