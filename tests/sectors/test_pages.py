"""The 行业数据比对 pages and jobs: upload with its per-row report, a matching run on the
job queue, counts per village scoped to the user's places (auditors too), the village's
核实 form, and `flask sectors`."""
from __future__ import annotations

import io

from tests.documents.helpers import browser, csrf_of
from tests.jobs.helpers import wait_for
from tests.sectors.helpers import AS_OF, give_ids, insured_rows, sector_csv
from workflow.extensions import db
from workflow.jobs import queue
from workflow.sectors.models import Discrepancy, SectorEvent, SectorImport


def _uninsured_everywhere(world):
    """医保 data missing one member in each village; a run finds both."""
    from workflow.sectors.importer import import_file
    from workflow.sectors.matching import run_matching

    give_ids(world)
    skip = {world.households[0].members[1].id_number, world.households[2].members[1].id_number}
    import_file("medical_insurance", "医保.csv", sector_csv(
        "medical_insurance", insured_rows(world, skip=skip)), AS_OF, world.users["county"])
    run_matching(world.places["county"], world.users["county"])


def test_upload_reports_bad_rows_and_writes_nothing_then_imports(app, world):
    give_ids(world)
    client = browser(app, "county")
    rows = insured_rows(world)
    rows[0][2] = "二〇二〇"
    data = {"csrf_token": csrf_of(client, "/sectors/"), "source": "medical_insurance",
            "as_of": AS_OF}
    page = client.post("/sectors/import", data={**data, "file": (
        io.BytesIO(sector_csv("medical_insurance", rows)), "医保.csv")},
        content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "第 2 行「参保年度」须为四位年度" in body
    assert db.session.query(SectorImport).count() == 0
    rows[0][2] = "2020"
    page = client.post("/sectors/import", data={**data, "file": (
        io.BytesIO(sector_csv("medical_insurance", rows)), "医保.csv")},
        content_type="multipart/form-data")
    assert "导入完成" in page.get_data(as_text=True)
    assert db.session.query(SectorImport).count() == 1
    missing = client.post("/sectors/import", data=data, content_type="multipart/form-data")
    assert "「文件」为必填项" in missing.get_data(as_text=True)


def test_counts_are_scoped_and_auditors_see_them(app, world):
    _uninsured_everywhere(world)
    county = browser(app, "county").get("/sectors/").get_data(as_text=True)
    assert "大房身村" in county and "石庙子村" in county
    auditor = browser(app, "auditor").get("/sectors/").get_data(as_text=True)
    assert "大房身村" in auditor and "石庙子村" in auditor
    clerk = browser(app, "other_clerk")
    own = clerk.get("/sectors/").get_data(as_text=True)
    assert "石庙子村" in own and "大房身村" not in own
    assert clerk.get("/sectors/discrepancies?village=210323106201").status_code == 404
    listed = clerk.get("/sectors/discrepancies").get_data(as_text=True)
    assert listed.count("data-discrepancy=") == 1 and "提交核实" in listed
    assert world.households[2].members[1].id_number not in listed  # masked


def test_the_village_verifies_on_the_page(app, world):
    _uninsured_everywhere(world)
    client = browser(app, "clerk")
    row = db.session.query(Discrepancy).filter_by(village_id=world.places["v1"].id).one()
    token = csrf_of(client, "/sectors/discrepancies")
    bad = client.post(f"/sectors/discrepancies/{row.id}/verify",
                      data={"csrf_token": token, "outcome": "sector_wrong"},
                      follow_redirects=True)
    assert "「核实说明」为必填项" in bad.get_data(as_text=True)
    good = client.post(f"/sectors/discrepancies/{row.id}/verify",
                       data={"csrf_token": token, "outcome": "sector_wrong",
                             "note": "已在外地参保"}, follow_redirects=True)
    assert "已记录核实结果：部门数据有误" in good.get_data(as_text=True)
    other = db.session.query(Discrepancy).filter_by(village_id=world.places["v2"].id).one()
    assert client.post(f"/sectors/discrepancies/{other.id}/verify",
                       data={"csrf_token": token, "outcome": "sector_wrong",
                             "note": "x"}).status_code == 404


def test_a_matching_run_is_a_job(app, world, job_worker):
    give_ids(world)
    from workflow.sectors.importer import import_file

    import_file("medical_insurance", "医保.csv", sector_csv(
        "medical_insurance", insured_rows(world)[1:]), AS_OF, world.users["county"])
    job = queue.enqueue("sectors_match", {"county": "210323"}, world.users["county"])
    db.session.commit()
    done = wait_for(job.id)
    assert done.status == "done", done.message
    assert "新增疑点 1 个" in done.message
    assert db.session.query(Discrepancy).count() == 1


def test_a_large_upload_is_imported_by_a_worker(app, world, job_worker):
    give_ids(world)
    app.config["SECTORS_SYNC_MAX_BYTES"] = 10
    try:
        client = browser(app, "county")
        page = client.post("/sectors/import", data={
            "csrf_token": csrf_of(client, "/sectors/"), "source": "medical_insurance",
            "as_of": AS_OF, "file": (io.BytesIO(
                sector_csv("medical_insurance", insured_rows(world))), "医保.csv")},
            content_type="multipart/form-data")
        assert page.status_code == 302
    finally:
        app.config["SECTORS_SYNC_MAX_BYTES"] = 512 * 1024
    from workflow.jobs.models import Job

    done = wait_for(db.session.query(Job).filter_by(kind="sectors_import").one().id)
    assert done.status == "done", done.message
    assert db.session.query(SectorImport).count() == 1
    assert db.session.query(SectorEvent).count() == 1


def test_the_cli_imports_and_matches(app, world, tmp_path):
    give_ids(world)
    path = tmp_path / "医保.csv"
    path.write_bytes(sector_csv("medical_insurance", insured_rows(world)[1:]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sectors", "import", "--user", "county", "--as-of", AS_OF,
                                 "medical_insurance", str(path)])
    assert result.exit_code == 0 and "导入完成" in result.output, result.output
    result = runner.invoke(args=["sectors", "match", "--user", "county", "210323"])
    assert result.exit_code == 0 and "新增疑点 1" in result.output, result.output
    refused = runner.invoke(args=["sectors", "match", "--user", "clerk", "210323"])
    assert refused.exit_code != 0
    assert "medical_insurance" in runner.invoke(args=["sectors", "formats"]).output
