"""The 建档立卡 roster: import all or nothing with a report per bad row, idempotent
re-import, export in the same format (CSV and Excel)."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import Api, id_number
from workflow.engine.errors import Invalid
from workflow.extensions import db
from workflow.registry.models import Household, IncomeRecord, Member
from workflow.registry.roster import export_rows, import_roster
from workflow.registry.roster_check import INCOME_COLUMNS, MEMBER_COLUMNS
from workflow.spreadsheets import csv_bytes

VILLAGE = "210323106201"


def roster(n: int = 3, village: str = VILLAGE) -> tuple[list[list], list[list]]:
    """``n`` fictional households of three (head, spouse, child) with 2019 and 2020 incomes."""
    members, incomes = [list(MEMBER_COLUMNS)], [list(INCOME_COLUMNS)]
    for i in range(n):
        head = id_number("210323", "19700101", 100 + i)
        members.append([head, village, f"石{i}堃", head, "户主", "否", "建档立卡贫困户", "否",
                        "否", f"6217000{i:012d}", "2016", "", f"大房身村{i}组"])
        members.append([head, "", f"王{i}玥", id_number("210323", "19720202", 300 + i),
                        "配偶", "是" if i == 0 else "否"] + [""] * 7)
        members.append([head, "", f"石{i}𠮷", "", "子女", "否"] + [""] * 7)
        for year, wages in ((2019, 8000), (2020, 9500)):
            incomes.append([head, year, wages + i, "3200.50", "0", "100", "1500", 3])
    return members, incomes


def as_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def files(members, incomes):
    return [("家庭成员.csv", as_csv(members)), ("收入.csv", as_csv(incomes))]


def test_import_then_reimport_changes_nothing(world):
    clerk = world.users["clerk"]
    before = db.session.query(Household).count()
    report = import_roster(files(*roster()), clerk)
    assert report.problems == [] and report.created == 3
    assert db.session.query(Household).count() == before + 3
    head = db.session.execute(db.select(Household).filter_by(head_name="石0堃")).scalar_one()
    assert [m.name for m in head.members] == ["石0堃", "王0玥", "石0𠮷"]
    assert head.members[1].disabled and head.bank_account == "6217000000000000000"
    assert str(head.income_for(2020).per_capita) == "4766.83"
    snapshot = [(m.id, m.name) for m in db.session.execute(db.select(Member)).scalars()]
    again = import_roster(files(*roster()), clerk)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert [(m.id, m.name) for m in db.session.execute(db.select(Member)).scalars()] == snapshot
    members, incomes = roster()
    incomes[2][2] = "12000"  # one household's 2020 wages corrected
    changed = import_roster(files(members, incomes), clerk)
    assert (changed.updated, changed.unchanged) == (1, 2)
    db.session.expire_all()
    record = db.session.execute(db.select(IncomeRecord).filter_by(
        household_id=head.id, year=2020)).scalar_one()
    assert str(record.wages) == "12000.00"


def test_one_bad_row_writes_nothing_and_names_row_and_field(world):
    members, incomes = roster(4)
    members[5][3] = members[5][3][:-1] + ("0" if members[5][3][-1] != "0" else "1")
    members[7][1] = "210323999999"
    incomes[1][2] = "-500"
    incomes[5][4] = "99999999"
    members.append(list(members[1]))  # the first head again
    before = db.session.query(Household).count()
    report = import_roster(files(members, incomes), world.users["clerk"])
    text = "\n".join(report.problems)
    assert "家庭成员表第 6 行「身份证号」校验位不正确" in text
    assert "家庭成员表第 8 行「村代码」210323999999 不存在或不在您的管辖范围内" in text
    assert "收入表第 2 行「工资性收入」为 -500 元：不能为负数" in text
    assert "收入表第 6 行「非农经营净收入」为 99,999,999.00 元" in text
    assert "家庭成员表第 14 行「户主身份证号」户主在第 2 行已登记，同一户重复" in text
    assert report.created == 0 and db.session.query(Household).count() == before


def test_another_townships_village_and_bad_files_are_refused(world):
    members, incomes = roster(1, village="210323107201")  # 石庙子村, not the clerk's
    report = import_roster(files(members, incomes), world.users["clerk"])
    assert "不存在或不在您的管辖范围内" in report.problems[0]
    with pytest.raises(Invalid) as exc:
        import_roster([("x.csv", b"a,b\n1,2\n")], world.users["clerk"])
    assert "表头应为" in exc.value.errors["file"][0]
    with pytest.raises(Invalid):
        import_roster([("x.xlsx", b"not a zip")], world.users["clerk"])


def test_export_is_the_import_format(world, client):
    import_roster(files(*roster(2)), world.users["clerk"])
    exported = export_rows(world.users["clerk"])
    members, incomes = exported.members, exported.incomes
    assert members[0] == list(MEMBER_COLUMNS) and incomes[0] == list(INCOME_COLUMNS)
    report = import_roster([("m.csv", csv_bytes(members)), ("i.csv", csv_bytes(incomes))],
                           world.users["clerk"])
    assert report.problems == [] and report.created == 0 and report.updated == 0
    api = Api(client, "clerk")  # the village's own clerk gets the IDs in full
    response = api.get("/api/v1/households/export.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["家庭成员", "收入"]
    names = [row[2] for row in book["家庭成员"].iter_rows(min_row=2, values_only=True)]
    assert "石0𠮷" in names and "刘𠮷" not in names  # 刘𠮷 lives in another village
    upload = api.client.post("/api/v1/households/import", headers=api.headers,
                             data={"file": (io.BytesIO(response.data), "roster.xlsx")},
                             content_type="multipart/form-data")
    assert upload.status_code == 200 and upload.get_json()["unchanged"] >= 3


def test_browser_import_shows_the_report(world, client):
    from tests.web.test_pages import csrf, login

    assert login(client, "clerk").status_code == 302
    members, incomes = roster(2)
    members[2][2] = ""
    page = client.post("/households/import", data={
        "csrf_token": csrf(client, "/households/import"),
        "file": [(io.BytesIO(as_csv(members)), "m.csv"), (io.BytesIO(as_csv(incomes)), "i.csv")]},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "未写入任何数据" in page and "家庭成员表第 3 行「姓名」为必填项" in page
