"""Importing measures from CSV and Excel: all or nothing, a Chinese report line per bad
row naming the column, scoped to the importer's villages, on the register chain."""
from __future__ import annotations

import io

from openpyxl import Workbook

from tests.audit.test_verify import run_verify
from tests.factories import Api
from tests.registry.test_roster import as_csv
from tests.support.helpers import events
from tests.web.test_pages import csrf
from workflow.extensions import db
from workflow.support.imports import COLUMNS, import_measures
from workflow.support.models import SupportMeasure


def rows(world) -> list[list]:
    first, second = world.households[0], world.households[1]
    return [list(COLUMNS),
            [first.id_number, "", "产业扶贫", "产业奖补", "县农业农村局", "2020-03-01",
             "2020-12-31", "1500", "肉牛"],
            [first.id_number, first.id_number, "", "医疗保险资助参保", "县卫生健康局",
             "2020-01-01", "", "280.00", ""],
            [second.id_number, "", "就业扶贫", "公益岗位", "县人社局", "2020/04/01", "",
             "6000", "护林员"]]


def test_a_good_csv_writes_every_measure_and_one_event_per_village(world, app):
    report = import_measures("措施.csv", as_csv(rows(world)), world.users["clerk"])
    assert report.problems == [] and report.created == 3 and report.households == 2
    measures = db.session.execute(
        db.select(SupportMeasure).order_by(SupportMeasure.id)).scalars().all()
    assert [(m.kind, str(m.amount)) for m in measures] == [
        ("industry_award", "1500.00"), ("medical_insurance", "280.00"), ("public_post", "6000.00")]
    assert measures[1].member_id == world.households[0].members[0].id
    [event] = events("measures_imported")
    assert len(event.data["measures"]) == 3 and event.data["file"]["name"] == "措施.csv"
    assert run_verify(app).exit_code == 0


def test_a_bad_file_writes_nothing_and_reports_each_row_by_column(world):
    bad = rows(world)
    bad[1][3] = "发钱"                       # no such kind
    bad[2][5] = "2020-02-30"                 # no such day
    bad[3][7] = "12.345"                     # not exact yuan
    bad.append(["210323197001010000", "", "产业扶贫", "产业奖补", "县农业农村局", "2020-01-01",
                "", "1", ""])               # no such household
    bad.append([world.households[2].id_number, "", "产业扶贫", "产业奖补", "县农业农村局",
                "2020-01-01", "", "1", "=HYPERLINK(1)"])  # another village's, and a formula
    report = import_measures("措施.csv", as_csv(bad), world.users["clerk"])
    assert report.created == 0
    assert "帮扶措施表第 2 行「措施类型」“发钱”不在措施类型名录中" in report.problems
    assert ("帮扶措施表第 3 行「开始日期」应为日期（年-月-日），而不是“2020-02-30”"
            in report.problems)
    assert "帮扶措施表第 4 行「金额」应为金额，最多两位小数" in report.problems
    assert "帮扶措施表第 5 行「户主身份证号」在您管辖范围内的建档立卡户中找不到" in report.problems
    assert "帮扶措施表第 6 行「户主身份证号」在您管辖范围内的建档立卡户中找不到" in report.problems
    assert "帮扶措施表第 6 行「备注」不能以 = + - @ 开头" in report.problems
    assert db.session.query(SupportMeasure).count() == 0 and not events("measures_imported")


def test_an_excel_file_through_the_api_and_a_wrong_header(client, world):
    book = Workbook()
    sheet = book.active
    for row in rows(world):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    helper = Api(client, "helper")
    response = helper.client.post("/api/v1/measures/import", headers=helper.headers, data={
        "file": (io.BytesIO(data.getvalue()), "措施.xlsx")})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3
    wrong = helper.client.post("/api/v1/measures/import", headers=helper.headers, data={
        "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
    assert wrong.status_code == 422
    assert "表头应为" in wrong.get_json()["errors"]["file"][0]
    junk = helper.client.post("/api/v1/measures/import", headers=helper.headers, data={
        "file": (io.BytesIO(b"\xff\xfe\x00garbage"), "x.xlsx")})
    assert junk.status_code == 422
    assert "不是有效的 Excel 文件" in junk.get_json()["errors"]["file"][0]
    bad = helper.client.post("/api/v1/measures/import", headers=helper.headers, data={
        "file": (io.BytesIO(as_csv(rows(world)[:1] + [["x"] * 9])), "x.csv")})
    assert bad.status_code == 422 and bad.get_json()["written"] is False
    assert db.session.query(SupportMeasure).count() == 3


def test_the_import_page_shows_the_report(as_user, world):
    page = as_user("clerk")
    bad = rows(world)
    bad[1][4] = "县财政局"
    response = page.post("/support/import", data={
        "csrf_token": csrf(page, "/support/import"), "file": (io.BytesIO(as_csv(bad)), "m.csv")},
        content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "未写入任何数据" in text and "第 2 行「责任部门」“县财政局”不在责任部门名录中" in text
