"""一户一档: the package holds every document of the household in order, its contents'
page numbers are the pages the parts begin on, a case changed after printing makes its
parts verify as outdated while the others stay current, a village gives a zip of one PDF
per household, and neither another village's clerk nor bad input gets anything made."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.documents.helpers import DUMP, browser, csrf_of, filed_case, pdf_pages, pdf_text
from tests.factories import Api
from tests.housing.helpers import (
    APPLICATION,
    HOME_CHECK,
    housing_users,
    jpeg_bytes,
    make_house,
    ok,
    start,
    upload,
)
from tests.jobs.helpers import wait_for
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.household_files.models import HouseholdFile, HouseholdFilePart
from workflow.jobs import queue
from workflow.jobs.models import Job
from workflow.registry.models import Household

SCAN_TEXT = "SCANNED-APPLICATION-FORM"


def scanned_pdf() -> bytes:
    """A one-page PDF with a line of text (a scanned application form, as uploaded)."""
    from weasyprint import HTML

    return HTML(string=f"<p>{SCAN_TEXT}</p>").write_pdf()


def household_with_two_cases(apis, world) -> tuple[Household, int, int]:
    """The rare-name household's filed exit case, then a house renovation case with a
    scanned PDF and a photo: (household, exit case, renovation case)."""
    exit_case = filed_case(apis, world)
    household = db.session.get(Case, exit_case).subject_id
    household = db.session.get(Household, household)
    housing_users(world)
    house_case = start(apis, make_house(household))
    ok(upload(apis["clerk"], house_case, "application_form", scanned_pdf(), "申请书.pdf"), 201)
    ok(upload(apis["clerk"], house_case, "photo_before", jpeg_bytes("gray"), "改造前.jpg",
              "image/jpeg"), 201)
    ok(apis["clerk"].act(house_case, "submit_application", APPLICATION))
    return household, exit_case, house_case


def made(app, household_id: int, username: str = "clerk") -> tuple[bytes, HouseholdFile]:
    """Start the household's package from its page's button; the job's PDF and record."""
    clerk = browser(app, username)
    assert 'id="household-file"' in clerk.get(f"/households/{household_id}").get_data(
        as_text=True)  # the household page's 生成一户一档 button
    started = clerk.post(f"/households/{household_id}/file",
                         data={"csrf_token": csrf_of(clerk, f"/households/{household_id}")})
    assert started.status_code == 302 and started.headers["Location"].endswith("/jobs")
    job = wait_for(db.session.execute(db.select(Job).order_by(Job.created_at.desc()))
                   .scalars().first().id)
    assert job.status == "done", job.error
    record = db.session.execute(db.select(HouseholdFile).where(
        HouseholdFile.household_id == household_id).order_by(HouseholdFile.id.desc())
    ).scalars().first()
    data = queue.result_file(job).data
    if DUMP:  # WF_DOCUMENTS_DUMP=/some/folder keeps the package to look at
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        Path(DUMP, f"household-file-{household_id}.pdf").write_bytes(data)
    return data, record


def pages_of(data: bytes) -> list[str]:
    return pdf_text(data).split("\f")[:-1]  # pdftotext ends every page with a form feed


def verdicts(client, code: str) -> tuple[str, dict[int, str]]:
    page = client.get(f"/verify/household-file/{code}").get_data(as_text=True)
    overall = re.search(r'role="status" data-status="(\w+)"', page).group(1)
    return overall, {int(seq): status for seq, status in re.findall(
        r'data-part="(\d+)" data-status="(\w+)"', page)}


def test_the_package_holds_every_document_in_order_at_its_contents_page(
        app, client, apis, world, job_worker):
    household, exit_case, house_case = household_with_two_cases(apis, world)
    data, record = made(app, household.id)
    pages = pages_of(data)
    assert len(pages) == pdf_pages(data) == record.pages
    parts = record.parts
    kinds = [(p.kind, p.case_id) for p in parts]
    assert kinds == [("case_cover", exit_case), ("sheet", exit_case), ("notice", exit_case),
                     ("announcement", exit_case), ("case_cover", house_case),
                     ("sheet", house_case), ("evidence", house_case),
                     ("evidence", house_case), ("card", None)]
    # Cover, contents, every part at the page the contents give, then the manifest.
    assert "一户一档" in pages[0] and household.masked_id in pages[0]
    assert household.id_number not in pdf_text(data)
    toc = pages[1]
    assert "目" in toc and "录" in toc
    toc_rows = pdf_text(data, layout=True).split("\f")[1]
    marks = {"case_cover": "档案编号", "sheet": "审批表", "notice": "公示",
             "announcement": "公告", "card": "帮扶政策明白卡"}
    evidence = iter([SCAN_TEXT, "改造前.jpg"])
    page = 3
    for part in parts:
        assert part.first_page == page, part.title
        text = pages[part.first_page - 1]
        assert (next(evidence) if part.kind == "evidence" else marks[part.kind]) in text, \
            (part.title, text[:200])
        row = re.search(rf"^\s*{part.seq}\s+.*?\s(\d+)\s+(\d+)\s*$", toc_rows, re.M)
        assert row and (int(row.group(1)), int(row.group(2))) == (part.first_page,
                                                                   part.pages), part.title
        page += part.pages
    assert "材料清单" in pages[page - 1] and page == len(pages)
    for part in parts:
        assert part.sha256[:16] in pages[-1].replace("\n", "")
    assert parts[-1].code and parts[0].code
    assert db.session.get(Case, exit_case).trail_head == parts[0].source_version


def test_a_case_changed_after_printing_makes_its_parts_outdated(app, client, apis, world,
                                                              job_worker):
    household, exit_case, house_case = household_with_two_cases(apis, world)
    _, record = made(app, household.id)
    code = record.code
    overall, parts = verdicts(client, code)
    assert overall == "current" and set(parts.values()) == {"current"}
    assert len(parts) == len(record.parts)

    ok(apis["clerk"].act(house_case, "record_home_check", HOME_CHECK))
    overall, parts = verdicts(client, code)
    assert overall == "outdated"
    for part in record.parts:
        expected = "outdated" if part.case_id == house_case and part.kind != "evidence" \
            else "current"
        assert parts[part.seq] == expected, (part.title, parts[part.seq])
    page = client.get(f"/verify/household-file/{code.lower()}").get_data(as_text=True)
    assert "已过期" in page and "当前有效" in page
    assert household.head_name not in page and household.masked_id not in page
    assert verdicts(client, "ABCDEFGH")[0] == "unknown"
    asked = client.get(f"/verify/household-file?code={code[:4]}-{code[4:]}")
    assert asked.status_code == 302 and asked.headers["Location"].endswith(code)


@pytest.mark.parametrize(("place", "name"), [("210323106201", "大房身村"),
                                             ("210323106", "偏岭镇")])
def test_a_village_or_township_gives_a_zip_of_one_pdf_per_household(app, world, job_worker,
                                                                     place, name):
    township = browser(app, "township")
    token = csrf_of(township, "/household-files")
    village_page = township.get("/villages/210323106201").get_data(as_text=True)
    assert 'id="village-household-files"' in village_page and "生成一户一档" in village_page
    started = township.post("/household-files", data={"csrf_token": token, "place": place})
    assert started.status_code == 302, started.get_data(as_text=True)
    job = wait_for(db.session.execute(db.select(Job)).scalar_one().id)
    assert job.status == "done", job.error
    assert job.done == job.total == 2
    file = queue.result_file(job)
    assert file.name == f"一户一档-{name}.zip" and file.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all(n.startswith("大房身村/") for n in names)
        for household in world.households[:2]:
            name = f"大房身村/一户一档-{household.head_name}-{household.id}.pdf"
            text = pdf_text(archive.read(name))
            assert household.head_name in text and "帮扶政策明白卡" in text
    assert len(db.session.execute(db.select(HouseholdFile)).scalars().all()) == 2


def test_another_villages_clerk_is_refused(app, world):
    household = world.households[0]
    other = browser(app, "other_clerk")
    token = csrf_of(other, "/household-files")
    assert other.post(f"/households/{household.id}/file",
                      data={"csrf_token": token}).status_code == 404
    refused = other.post("/household-files", data={"csrf_token": token,
                                                   "place": "210323106201"})
    assert refused.status_code == 422
    assert "请选择您管辖范围内的一个村或乡镇" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Job)).first() is None


@pytest.mark.parametrize("place", ["", "abc", "210323", "210323106201' OR 1=1", "9" * 40])
def test_bad_scope_gives_a_chinese_error_and_writes_nothing(app, world, place):
    clerk = browser(app, "township")
    refused = clerk.post("/household-files", data={"csrf_token": csrf_of(
        clerk, "/household-files"), "place": place})
    assert refused.status_code == 422
    assert "请选择您管辖范围内的一个村或乡镇" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Job)).first() is None
    assert db.session.execute(db.select(HouseholdFilePart)).first() is None


def test_an_unreadable_or_missing_file_gets_a_page_saying_so(client, world):
    from workflow.evidence.operations import storage_path
    from workflow.household_files.package import build

    housing_users(world)
    apis = {"clerk": Api(client, "clerk")}
    household = world.households[0]
    case_id = start(apis, make_house(household))
    scanned = ok(upload(apis["clerk"], case_id, "application_form", scanned_pdf(),
                        "申请书.pdf"), 201)
    photo = ok(upload(apis["clerk"], case_id, "photo_before", jpeg_bytes(), "改造前.jpg",
                      "image/jpeg"), 201)
    storage_path(scanned["sha256"]).write_bytes(b"%PDF-1.4 damaged")
    storage_path(photo["sha256"]).unlink()
    data, record = build(db.session.get(Household, household.id), world.users["clerk"],
                         "http://127.0.0.1/")
    text = pdf_text(data)
    assert "该 PDF 文件无法合入（已加密或已损坏）" in text and "原件文件缺失" in text
    assert [p.kind for p in record.parts] == ["case_cover", "sheet", "evidence", "evidence",
                                              "card"]


def test_a_batch_leaves_the_database_open_to_other_writers(app, world, job_worker,
                                                          monkeypatch):
    """When the second household's package begins, another connection writes at once
    (no waiting): on SQLite a job holding its write transaction for the whole batch
    locked every official's sign-off out until the last household."""
    from sqlalchemy import text

    from workflow.household_files import jobs as file_jobs

    built, calls = file_jobs.build, []

    def build(household, *args):
        calls.append(household.id)
        if len(calls) == 2:  # the first household is done
            with db.engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.execute(text("PRAGMA busy_timeout = 0"))  # locked: fail now
                conn.execute(text("UPDATE users SET phone = '0412-1234567' "
                                  "WHERE username = 'helper'"))
        return built(household, *args)

    monkeypatch.setattr(file_jobs, "build", build)
    township = browser(app, "township")
    started = township.post("/household-files", data={
        "csrf_token": csrf_of(township, "/household-files"), "place": "210323106201"})
    assert started.status_code == 302
    job = wait_for(db.session.execute(db.select(Job)).scalar_one().id)
    assert job.status == "done", job.error
    assert len(calls) == 2
