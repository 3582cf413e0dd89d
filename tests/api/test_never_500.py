"""Input a database column cannot hold is refused as bad input (404/422/400), never a 500:
ids past 2**31 (PostgreSQL) and 2**63 (SQLite), NUL bytes, deep JSON, huge money, lossy
numbers, objects where text belongs; and a refused upload leaves no file on disk."""
from __future__ import annotations

import os
import uuid

import pytest

from tests.cases.test_household_exit import start as start_exit
from tests.factories import GOOD_SURVEY, PASSWORD, Api
from tests.housing.helpers import housing_users, jpeg_bytes, make_house, start, upload
from tests.web.test_pages import csrf
from workflow.cases.models import Case
from workflow.evidence.models import Attachment
from workflow.evidence.samples import sample_photo
from workflow.extensions import db
from workflow.funds.models import FundSource

HUGE = (2**31, 2**63, 10**30)


@pytest.fixture
def apis(client, world):
    housing_users(world)
    return {name: Api(client, name) for name in ("clerk", "county", "helper", "township")}


@pytest.mark.parametrize("number", HUGE)
def test_ids_past_the_integer_columns_are_404_in_paths(apis, world, number):
    county = apis["county"]
    for url in (f"/api/v1/cases/{number}", f"/api/v1/households/{number}",
                f"/api/v1/houses/{number}", f"/api/v1/projects/{number}",
                f"/api/v1/cases/{number}/trail", f"/api/v1/cases/{number}/evidence",
                f"/api/v1/cases/{number}/evidence/{number}", f"/api/v1/cases/{number}/archive",
                f"/cases/{number}/sheet.pdf", f"/verify/{number}/abc"):
        assert county.get(url).status_code == 404, url
    assert county.post(f"/api/v1/projects/{number}/allocations", json={
        "source_id": 1, "amount": "1", "document_no": "x"}).status_code == 404


@pytest.mark.parametrize("number", HUGE)
def test_ids_past_the_integer_columns_are_422_in_bodies(apis, world, number):
    clerk, county = apis["clerk"], apis["county"]
    response = clerk.post("/api/v1/cases", json={"procedure": "household_exit",
                                                 "subject_id": number})
    assert response.status_code == 422 and "subject_id" in response.get_json()["errors"]
    response = clerk.post("/api/v1/houses", json={
        "household_id": number, "address": "大房身村3组", "structure": "earth_wood",
        "area": "50"})
    assert response.get_json()["errors"]["household_id"] == ["「农户」必须是农户编号"]
    response = county.post("/api/v1/projects/1/allocations", json={
        "source_id": number, "amount": "1", "document_no": "x"})
    assert response.status_code == 422 and "source_id" in response.get_json()["errors"]
    case_id = start_exit({"clerk": clerk}, world)
    response = apis["helper"].post(f"/api/v1/cases/{case_id}/actions/submit_survey",
                                   json={"version": number, "data": GOOD_SURVEY})
    assert response.status_code == 422 and "version" in response.get_json()["errors"]
    for params in ({"page": number}, {"per_page": number}, {"page": "²"}, {"page": "1.5"}):
        assert county.get("/api/v1/cases", query_string=params).status_code == 422


def test_nul_bytes_are_422_naming_the_field(apis, world, client):
    county, clerk = apis["county"], apis["clerk"]
    for url in ("/api/v1/cases?state=a%00", "/api/v1/households?q=%00",
                "/api/v1/houses?village=210323106201%00", "/api/v1/cases?%00=1"):
        response = county.get(url)
        assert response.status_code == 422, url
        assert "空字符" in response.get_json()["message"]
    response = clerk.post("/api/v1/households", json={
        "head_name": "王\x00", "id_number": "x", "village": "210323106201"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"head_name": [
        "「head_name」含有空字符（\\x00），请删除后重新提交"]}
    response = clerk.post("/api/v1/houses", json={"household_id": 1, "address": {"a\x00": 1}})
    assert response.status_code == 422 and "address.a\x00" in response.get_json()["errors"]
    # The API login and the browser login (a form field).
    response = client.post("/api/v1/auth/token", json={"username": "clerk\x00",
                                                       "password": "x"})
    assert response.status_code == 422 and "username" in response.get_json()["errors"]
    page = client.post("/login", data={"username": "clerk\x00", "password": "x",
                                       "csrf_token": csrf(client)})
    assert page.status_code == 422
    assert "「username」含有空字符" in page.get_data(as_text=True)
    # An uploaded file's name.
    house_case = start(apis, make_house(world.households[0]))
    response = upload(clerk, house_case, "photo_before", jpeg_bytes(), "a\x00.jpg",
                      "image/jpeg")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]


def test_deeply_nested_json_is_400(apis, world):
    clerk = apis["clerk"]
    headers = {**clerk.headers, "Content-Type": "application/json"}
    for depth in (33, 1000, 100_000):
        body = "[" * depth + "]" * depth
        response = clerk.client.post("/api/v1/households", data=body, headers=headers)
        assert response.status_code == 400, depth
        assert "嵌套过深" in response.get_json()["message"]
    nested: dict = {}
    inner = nested
    for _ in range(20):  # within the limit: judged by the schema, not the parser
        inner["a"] = {}
        inner = inner["a"]
    response = clerk.post("/api/v1/households", json={"head_name": "王", "x": nested})
    assert response.status_code == 422
    for literal in ("NaN", "Infinity", "-Infinity"):
        response = clerk.client.post("/api/v1/houses", headers=headers,
                                     data='{"area": ' + literal + '}')
        assert response.status_code == 400, literal


def _in_library_project(apis, world) -> tuple[int, int]:
    from tests.projects.helpers import (
        apis_for,
        fund_source,
        into_library,
        project_users,
        register,
    )

    project_users(world)
    source = fund_source(world)
    apis.update(apis_for(apis["clerk"].client, "sector_agri", "sector_water", "leading"))
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    return project_id, source.id


@pytest.mark.parametrize("amount", ["1e400", 10**30, "1e30", "-1e400", 1e300, "NaN"])
def test_huge_money_is_422(apis, world, amount):
    project_id, source_id = _in_library_project(apis, world)
    response = apis["county"].post(f"/api/v1/projects/{project_id}/allocations", json={
        "source_id": source_id, "amount": amount, "document_no": "岫财扶〔2020〕1号"})
    assert response.status_code == 422 and "amount" in response.get_json()["errors"]
    from workflow.engine.errors import Invalid
    from workflow.funds import operations as funds

    with pytest.raises(Invalid):  # the operation itself (browser, CLI, import)
        funds.allocate(project_id, source_id, amount, "岫财扶〔2020〕2号",
                       world.users["county"], channel="test")
    assert db.session.get(FundSource, source_id) is not None


def test_money_in_a_case_form_is_bounded(apis, world):
    case_id = start_exit({"clerk": apis["clerk"]}, world)
    for wages in ("1e400", 10**30, "1e30"):
        response = apis["helper"].act(case_id, "submit_survey", {**GOOD_SURVEY, "wages": wages})
        assert response.status_code == 422 and "wages" in response.get_json()["errors"]


def test_lossy_numbers_and_objects_are_refused(apis, world):
    clerk, county = apis["clerk"], apis["county"]
    household = world.households[0].id
    good = {"household_id": household, "address": "大房身村3组12号", "structure": "earth_wood",
            "area": "50"}
    for change, field in (({"household_id": 1.5}, "household_id"),
                          ({"household_id": True}, "household_id"),
                          ({"year_built": 1980.9}, "year_built"),
                          ({"year_built": "1980.9"}, "year_built"),
                          ({"address": {"a": 1}}, "address"),
                          ({"structure": ["earth_wood"]}, "structure")):
        response = clerk.post("/api/v1/houses", json={**good, **change})
        assert response.status_code == 422, change
        assert set(response.get_json()["errors"]) == {field}, response.get_json()
    response = clerk.post("/api/v1/households", json={
        "head_name": {"a": 1}, "id_number": "x", "village": "210323106201"})
    assert response.status_code == 422 and "head_name" in response.get_json()["errors"]
    response = clerk.post("/api/v1/cases", json={"procedure": "household_exit",
                                                 "subject_id": float(household)})
    assert response.status_code == 422
    project_id, source_id = _in_library_project(apis, world)
    response = county.post(f"/api/v1/projects/{project_id}/allocations", json={
        "source_id": source_id, "amount": "100", "document_no": {"a": 1}})
    assert response.status_code == 422 and "document_no" in response.get_json()["errors"]
    # A browser form's text still reads as a number.
    response = clerk.post("/api/v1/houses", json={**good, "year_built": "1980"})
    assert response.status_code == 201 and response.get_json()["year_built"] == 1980


def _files(folder: str) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, names in os.walk(folder) for f in names)


def test_a_refused_upload_leaves_no_file(apis, world, app):
    folder = app.config["UPLOAD_FOLDER"]
    case_id = start(apis, make_house(world.households[0]))
    before = _files(folder)
    version = db.session.get(Case, case_id).version
    clerk = apis["clerk"]
    stale = clerk.client.post(
        f"/api/v1/cases/{case_id}/evidence", headers=clerk.headers,
        content_type="multipart/form-data",
        data={"kind": "photo_before", "version": str(version - 1),
              "file": (__import__("io").BytesIO(jpeg_bytes("blue")), "a.jpg", "image/jpeg")})
    assert stale.status_code == 409
    bad_version = clerk.client.post(
        f"/api/v1/cases/{case_id}/evidence", headers=clerk.headers,
        content_type="multipart/form-data",
        data={"kind": "photo_before", "version": "²",
              "file": (__import__("io").BytesIO(jpeg_bytes("green")), "a.jpg", "image/jpeg")})
    assert bad_version.status_code == 422
    assert upload(clerk, case_id, "photo_before", b"<html>", "a.jpg",
                  "image/jpeg").status_code == 422
    assert upload(clerk, case_id, "no_such_kind", jpeg_bytes("white")).status_code == 422
    assert _files(folder) == before
    assert db.session.execute(db.select(Attachment)).first() is None
    # Bytes no other test stored (the upload folder is the session's, files are by hash).
    fresh = sample_photo("blue", label=uuid.uuid4().hex)
    assert upload(clerk, case_id, "photo_before", fresh, "a.jpg",
                  "image/jpeg").status_code == 201
    assert len(_files(folder)) == len(before) + 1


def test_odd_numbers_in_browser_pages_and_files(apis, world, as_user, client):
    """The numbers pages and files read outside the API: "²" is a digit to isdigit() but
    not to int(), and an id past 2**31 overflows PostgreSQL."""
    import csv
    import io

    from tests.registry.test_export_safety import roster_rows
    from workflow.registry.roster import import_roster

    county = as_user("county")
    assert county.get("/cases?page=²").status_code == 200
    assert county.get(f"/cases?page={2**63}").status_code == 200
    auditor = as_user("auditor")
    for case in ("²", str(2**31), str(2**63)):
        assert auditor.get(f"/oversight/trail.xlsx?case={case}").status_code == 404
    assert client.get(f"/verify?case={2**31}&code=abc").status_code == 200
    assert client.get("/verify?case=²&code=abc").status_code == 200
    rows = roster_rows("王建国")
    rows[1][10] = "²"  # 建档年度
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    report = import_roster([("m.csv", out.getvalue().encode())], world.users["clerk"])
    assert "家庭成员表第 2 行「建档年度」应为 2014 至 2035 的整数" in report.problems


def test_a_multipart_part_without_a_name_is_no_500(apis, world):
    """Found by schemathesis: a part without a name reaches the form as a field named
    None."""
    clerk = apis["clerk"]
    case_id = start(apis, make_house(world.households[0]))
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\n{}\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nphoto_before\r\n"
            b"--b--\r\n")
    response = clerk.client.post(f"/api/v1/cases/{case_id}/evidence", headers=clerk.headers,
                                 content_type="multipart/form-data; boundary=b", data=body)
    assert response.status_code == 422


def test_each_request_reads_its_own_json_body(app, world):
    """The parsed body is kept per request, not in ``g``: a client that sends several
    requests in one app context (this test's) must not get the previous body back."""
    plain = app.test_client()
    token = plain.post("/api/v1/auth/token", json={
        "username": "clerk", "password": PASSWORD}).get_json()["token"]
    response = plain.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                          json={"procedure": "household_exit",
                                "subject_id": world.households[0].id})
    assert response.status_code == 201, response.get_json()
