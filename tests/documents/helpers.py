"""Helpers for the document tests: cases driven through the trail, a household with rare
name characters, PDF to text (pdftotext), fonts (pdffonts) and PNG (pdftoppm)."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.cases.test_household_exit import pass_notice
from tests.conftest import IsolatedClient
from tests.factories import (
    GOOD_APPRAISAL,
    GOOD_CONSENT,
    GOOD_SURVEY,
    PASSWORD,
    Api,
    id_number,
    make_household,
)
from workflow.cases.operations import create_case
from workflow.extensions import db
from workflow.registry.models import Household, Member

# Set WF_DOCUMENTS_DUMP=/some/folder to keep every PDF a test fetches (to look at them).
DUMP = os.environ.get("WF_DOCUMENTS_DUMP")
TOWNSHIP_REVIEW = {"files_complete": True, "spot_checked": True}
ANNOUNCEMENT = {"announcement_no": "岫扶公告〔2020〕3号", "announced_on": "2020-05-20"}


def fetch_pdf(api: Api, url: str, name: str = "") -> bytes:
    """GET ``url`` as ``api``'s user; the PDF bytes (asserting status and type)."""
    response = api.get(url)
    assert response.status_code == 200, (url, response.status_code, response.data[:300])
    assert response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF-")
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        Path(DUMP, name or url.strip("/").replace("/", "_")).write_bytes(data)
    return data


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool (installed by scripts/setup.sh); its standard output."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} missing: run bash scripts/setup.sh (installs poppler-utils)")
    return subprocess.run([path, *args], check=True,  # noqa: S603 - fixed tool, our files
                          capture_output=True).stdout.decode()


def pdf_text(data: bytes, layout: bool = False) -> str:
    """The text of a PDF (poppler's pdftotext); ``layout`` keeps side-by-side columns on
    one line, so text reads left to right, top to bottom."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return poppler("pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []),
                       handle.name, "-")


def pdf_fonts(data: bytes) -> list[str]:
    """The font lines of ``pdffonts`` (name, type, encoding, emb, sub, uni)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return poppler("pdffonts", handle.name).splitlines()[2:]


def pdf_pages(data: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        info = poppler("pdfinfo", handle.name)
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


RARE_HEAD = "王堃"
RARE_MEMBERS = ["赵喆", "李赟", "陈玥", "周昇", "吴㛃", "刘𠮷"]
RARE_SURVEY = {**GOOD_SURVEY, "household_size": 7, "wages": "36000", "farm_net": "4200.50",
               "transfers": "2100"}


def rare_household(world) -> Household:
    """A household of seven whose names use characters outside GB2312 (堃 喆 赟 玥 昇 㛃 𠮷)."""
    village = world.places["v1"]
    number = id_number(village.code[:6], "19680315", 917)
    members = [Member(name=RARE_HEAD, relation="户主", id_number=number)]
    members += [Member(name=name, relation="家属",
                       id_number=id_number(village.code[:6], "19900101", 920 + i))
                for i, name in enumerate(RARE_MEMBERS)]
    household = Household(head_name=RARE_HEAD, id_number=number, phone="13904120001",
                          address="大房身村三组 18 号", village=village,
                          jurisdiction_path=village.path, members=members,
                          registered_year=2016)
    db.session.add(household)
    db.session.commit()
    return household


def open_case(apis, household: Household) -> int:
    response = apis["clerk"].post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": household.id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def to_village_notice(apis, case_id: int, survey: dict) -> None:
    """Survey, appraisal, co-verification (two people) and consent."""
    ok(apis["helper"].act(case_id, "submit_survey", survey, opinion="入户核算属实"))
    ok(apis["clerk"].act(case_id, "submit_appraisal", GOOD_APPRAISAL, opinion="评议通过"))
    ok(apis["clerk"].act(case_id, "verify", opinion="村两委核实无误"))
    ok(apis["team"].act(case_id, "verify", opinion="工作队核实无误"))
    ok(apis["clerk"].act(case_id, "confirm_consent", GOOD_CONSENT, opinion="户主当面确认"))


def filed_case(apis, world) -> int:
    """The rare-name household through every step, a dismissed objection and two notices."""
    case_id = open_case(apis, rare_household(world))
    to_village_notice(apis, case_id, RARE_SURVEY)
    ok(apis["clerk"].act(case_id, "record_village_objection",
                         {"content": "反映该户务工收入不稳定", "raised_by": "村民甲"}))
    ok(apis["clerk"].act(case_id, "dismiss_village_objection",
                         opinion="经入户核实，务工收入稳定属实"))
    pass_notice(apis, case_id)
    ok(apis["township"].act(case_id, "township_approve_with_notice", TOWNSHIP_REVIEW,
                            opinion="资料齐全，抽查属实，同意"))
    pass_notice(apis, case_id, "township", "close_township_notice")
    ok(apis["county"].act(case_id, "county_approve", opinion="同意退出"))
    ok(apis["county"].act(case_id, "announce_strike_off", ANNOUNCEMENT))
    ok(apis["city"].act(case_id, "city_file", opinion="已备案"))
    return case_id


def ok(response) -> None:
    assert response.status_code == 200, response.get_json()


def page_image(data: bytes, page: int = 1, dpi: int = 60):
    """``page`` of a PDF rendered by pdftoppm, as a greyscale PIL image."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "doc.pdf")
        source.write_bytes(data)
        poppler("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                "-singlefile", str(source), str(Path(folder, "page")))
        png = Path(folder, "page.png").read_bytes()
        if DUMP:
            Path(DUMP).mkdir(parents=True, exist_ok=True)
            Path(DUMP, f"page-{len(data)}-{dpi}.png").write_bytes(png)
    return Image.open(io.BytesIO(png)).convert("L")


def png_ink(data: bytes, page: int = 1) -> float:
    """Render ``page`` of a PDF to PNG with pdftoppm; the share of dark pixels (0..1)."""
    image = page_image(data, page)
    histogram = image.histogram()
    return sum(histogram[:128]) / (image.width * image.height)


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser(app, username: str) -> IsolatedClient:
    """A test client logged in through the login page (session cookie, CSRF)."""
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf_of(client, url: str) -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def cases_in(world, village: str, count: int, clerk: str = "clerk") -> list[str]:
    """``count`` new cases (income survey) in a village; the household heads' names."""
    names = []
    for i in range(count):
        household = make_household(world.places[village], f"批{village}户{i}", size=2)
        db.session.commit()
        create_case("household_exit", household.id, world.users[clerk])
        names.append(household.head_name)
    return names
