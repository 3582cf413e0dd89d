"""Importing a division file: every row checked, the whole file or nothing, idempotent."""
from __future__ import annotations

import pytest

from tests.factories import Api
from tests.jurisdictions.helpers import NEW, WORLD, csv_file, xlsx_file
from tests.web.test_pages import csrf
from workflow.audit import admin
from workflow.audit.models import AdminEvent
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.divisions import short_code
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.operations import import_places


def _codes() -> set[str]:
    return set(db.session.execute(db.select(Jurisdiction.code)).scalars())


def _events(action="places_imported") -> list[AdminEvent]:
    return db.session.execute(db.select(AdminEvent).filter_by(action=action)
                              .order_by(AdminEvent.id)).scalars().all()


@pytest.mark.parametrize("code, level, short", [
    ("210300000000", "city", "210300"), ("210323000000", "county", "210323"),
    ("210323106000", "township", "210323106"), ("210323106201", "village", "210323106201"),
    ("210323", "county", "210323"), ("210323106", "township", "210323106")])
def test_twelve_digit_codes_are_normalised(code, level, short):
    assert short_code(code, level) == (short, None)


@pytest.mark.parametrize("code, level, reason", [
    ("210323106001", "township", "第 10 位起应全为 0"), ("2103231", "county", "应为 6 位"),
    ("21032310620x", "village", "只能由数字组成"), ("210300", "county", "市级代码")])
def test_bad_code_shapes_are_named(code, level, reason):
    assert reason in short_code(code, level)[1]


def test_good_file_imports_then_reimport_is_a_no_op(world):
    admin_user = world.users["admin"]
    data = csv_file(WORLD + NEW)
    report = import_places("岫岩县.csv", data, admin_user)
    assert report.problems == [] and (report.created, report.unchanged) == (2, 6)
    new = db.session.execute(db.select(Jurisdiction).filter_by(code="210323106202")).scalar_one()
    assert new.path == "/210300/210323/210323106/210323106202/" and new.parent.name == "偏岭镇"
    [event] = _events()
    assert event.place_id == world.places["pianling"].id and event.data["created"] == 2
    assert len(event.data["file"]["sha256"]) == 64 and event.role == "admin"
    again = import_places("岫岩县.csv", data, admin_user)
    assert again.created == 0 and "无变化" in again.summary and len(_events()) == 1
    assert admin.verify() == (1, [])


def test_one_bad_row_writes_nothing_and_names_the_row(world):
    rows = [*NEW, ("210323107202", "", "村", "210323107000"),
            ("210323199201", "远方村", "村", "210323199000"),
            ("210323106204", "错级村", "乡镇", "210323106000"),
            ("210323106202", "重复村", "村", "210323106000")]
    before = _codes()
    report = import_places("bad.csv", csv_file(rows, bom=False), world.users["admin"])
    assert _codes() == before and _events() == []
    text = "\n".join(report.problems)
    assert "第 4 行（210323107202）：「名称」为必填项" in text
    assert "第 5 行（210323199201）：「上级代码」210323199 既不在文件中，也不在系统中" in text
    assert "第 6 行（210323106204）：「区划代码」作为乡镇级代码，第 10 位起应全为 0" in text
    assert "第 7 行（210323106202）：「区划代码」与第 2 行重复" in text
    assert len(report.problems) == 4


def test_level_order_prefix_and_renames_are_refused(world):
    rows = [("210323106205", "错上级村", "村", "210323000000"),  # village under a county
            ("210323107203", "错前缀村", "村", "210323106000"),
            ("210323106201", "大房身新村", "村", "210323106000")]  # stored under another name
    report = import_places("bad.xlsx", xlsx_file(rows), world.users["admin"])
    text = "\n".join(report.problems)
    assert "村的上级应为乡镇级" in text and "与上级代码 210323106 不一致" in text
    assert "与系统中的“大房身村”不同" in text and "更名" in text
    assert world.places["v1"].name == "大房身村"


def test_a_county_admin_cannot_import_outside_its_county(world):
    rows = [("210381000000", "海城市", "县", "210300000000")]
    report = import_places("other.csv", csv_file(rows), world.users["admin"])
    assert "不在您管理的地区之内" in report.problems[0] and "210381" not in _codes()
    with pytest.raises(Forbidden):
        import_places("x.csv", csv_file(NEW), world.users["county"])  # not an administrator


@pytest.mark.parametrize("name, data", [
    ("a.txt", b"x"), ("a.csv", b"\xff\xfe\x00bad"), ("a.xlsx", b"PK not a zip"),
    ("a.csv", b"code,name\n1,2\n"), ("a.csv", b"")])
def test_unreadable_files_are_refused_in_chinese(world, name, data):
    with pytest.raises(Invalid) as caught:
        import_places(name, data, world.users["admin"])
    assert caught.value.errors["file"][0]


def test_page_imports_and_shows_the_report(as_user, world):
    browser = as_user("admin")
    token = csrf(browser, "/admin/places")
    bad = browser.post("/admin/places", data={"csrf_token": token, "file": (
        __import__("io").BytesIO(csv_file([("210323106202", "", "村", "210323106000")])),
        "bad.csv")}, content_type="multipart/form-data")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "未写入任何数据" in page and "第 2 行" in page
    good = browser.post("/admin/places", data={"csrf_token": token, "file": (
        __import__("io").BytesIO(csv_file(NEW)), "new.csv")}, content_type="multipart/form-data")
    page = good.get_data(as_text=True)
    assert "新增 2 个地区" in page and "小房身村" in page
    assert as_user("clerk").get("/admin/places").status_code == 403


def test_api_import_and_list(client, world):
    api = Api(client, "admin")
    bad = api.post("/api/v1/admin/places/import", json=None, data={"file": (
        __import__("io").BytesIO(csv_file([("2103231062", "短码村", "村", "210323106")])),
        "bad.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["written"] is False
    good = api.post("/api/v1/admin/places/import", json=None, data={"file": (
        __import__("io").BytesIO(xlsx_file(NEW)), "new.xlsx")}, content_type="multipart/form-data")
    assert good.status_code == 200 and good.get_json()["created"] == 2
    listed = api.get("/api/v1/admin/places").get_json()
    assert {"210323106202", "210323106203", "210323"} <= {p["code"] for p in listed}
    assert "210300" not in {p["code"] for p in listed}  # the city lies above the county
    assert Api(client, "clerk").get("/api/v1/admin/places").status_code == 403


def test_another_countys_places_are_not_named_to_a_county_admin(world):
    from workflow.jurisdictions.models import add_place

    other = add_place("210381", "海城市", "county", world.places["city"])
    add_place("210381101", "牌楼镇", "township", other)
    db.session.commit()
    rows = [("210381101000", "别名镇", "乡镇", "210381000000"),
            ("210323106202", "小房身村", "村", "210323106000")]
    report = import_places("x.csv", csv_file(rows), world.users["admin"])
    text = "\n".join(report.problems)
    assert "第 2 行（210381101）" in text and "牌楼镇" not in text and "海城市" not in text
    assert "210323106202" not in _codes()
