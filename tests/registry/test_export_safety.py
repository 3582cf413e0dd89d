"""The register's exports: no text runs as a formula, personal data in full only for the
roles that need it (and each such export is on the register trail), and an exported file
imports back unchanged while formulas and masked numbers are refused."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from tests.factories import Api, make_household, make_user
from workflow.audit import register
from workflow.audit.models import RegisterEvent
from workflow.extensions import db
from workflow.registry.models import Household, IncomeRecord, Member
from workflow.registry.roster import import_roster
from workflow.registry.roster_check import MEMBER_COLUMNS

FORMULA = '=HYPERLINK("http://x","y")'
ACCOUNT = "621700001234567890"


def formula_household(world) -> Household:
    """A household whose head is named like a formula, with a member ``=1+2``, an account
    and a negative farm income."""
    household = make_household(world.places["v1"], FORMULA, size=1)
    household.bank_account = ACCOUNT
    household.members.append(Member(name="=1+2", relation="子女"))
    household.incomes.append(IncomeRecord(year=2020, wages=Decimal("800"),
                                          farm_net=Decimal("-500"), business_net=0,
                                          property_income=0, transfers=0, household_size=2))
    db.session.commit()
    return household


def export(client, user: str, fmt: str):
    response = Api(client, user).get(f"/api/v1/households/export.{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_formula_like_texts_are_exported_as_text(world, client):
    formula_household(world)
    book = load_workbook(io.BytesIO(export(client, "clerk", "xlsx")))
    cells = {c.value: c for row in book["家庭成员"].iter_rows() for c in row}
    for name in (FORMULA, "=1+2"):
        cell = cells["'" + name]
        assert cell.data_type == "s" and cell.value.startswith("'")
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    income = next(r for r in book["收入"].iter_rows(min_row=2) if r[2].value != 0)
    farm = income[3]  # 农业经营净收入: a negative number stays a number
    assert farm.data_type == "n" and farm.value == -500
    members = csv_rows(export(client, "clerk", "members.csv"))
    names = [row[2] for row in members]
    assert "'" + FORMULA in names and "'=1+2" in names
    incomes = csv_rows(export(client, "clerk", "incomes.csv"))
    assert any(row[3] == "-500.00" for row in incomes[1:])


def test_an_exported_file_imports_back_and_writes_nothing(world, client):
    household = formula_household(world)
    clerk = world.users["clerk"]
    members = [(m.id, m.name) for m in db.session.execute(db.select(Member)).scalars()]
    xlsx = export(client, "clerk", "xlsx")
    member_csv = export(client, "clerk", "members.csv")
    income_csv = export(client, "clerk", "incomes.csv")
    events = db.session.query(RegisterEvent).count()
    for files in ([("roster.xlsx", xlsx)],
                  [("m.csv", member_csv), ("i.csv", income_csv)]):
        report = import_roster(files, clerk)
        assert report.problems == [], report.problems
        assert (report.created, report.updated) == (0, 0) and report.unchanged == 3
    db.session.expire_all()
    assert db.session.get(Household, household.id).head_name == FORMULA
    assert [(m.id, m.name) for m in db.session.execute(db.select(Member)).scalars()] == members
    assert db.session.query(RegisterEvent).count() == events  # no import event either


def roster_rows(name: str, address: str = "大房身村一组") -> list[list]:
    from tests.factories import id_number

    head = id_number("210323", "19700101", 901)
    return [list(MEMBER_COLUMNS),
            [head, "210323106201", name, head, "户主", "否", "建档立卡贫困户", "否", "否", "",
             "2016", "", address]]


def test_formula_cells_are_refused_with_the_row_named(world):
    clerk = world.users["clerk"]
    before = db.session.query(Household).count()
    out = io.StringIO()
    csv.writer(out).writerows(roster_rows("=1+2", address="@SUM(A1)"))
    report = import_roster([("m.csv", out.getvalue().encode())], clerk)
    assert "家庭成员表第 2 行「姓名」不能以 = + - @ 开头" in report.problems
    assert "家庭成员表第 2 行「住址」不能以 = + - @ 开头" in report.problems
    # A real formula cell in a workbook (openpyxl writes a text starting with = as one).
    book = Workbook()
    sheet = book.active
    sheet.title = "家庭成员"
    for row in roster_rows('=HYPERLINK("http://x","y")'):
        sheet.append(row)
    assert sheet["C2"].data_type == "f"
    data = io.BytesIO()
    book.save(data)
    report = import_roster([("roster.xlsx", data.getvalue())], clerk)
    assert report.problems == ["家庭成员表第 2 行「姓名」不能以 = + - @ 开头"]
    assert db.session.query(Household).count() == before


def test_ids_and_accounts_in_full_only_for_the_roles_that_need_them(world, client):
    household = formula_household(world)
    places = world.places
    make_user("bureau", ("county_housing_bureau", places["county"]))
    db.session.commit()  # the world's admin is the county's administrator
    full_id, masked_id = household.id_number, household.masked_id
    expected = {  # role: (ID in full, account in full)
        "clerk": (True, True), "county": (True, True), "admin": (True, True),
        "bureau": (False, False),  # the account only for its own renovation cases
        "helper": (False, False), "team": (False, False), "township": (False, False),
        "city": (False, False), "auditor": (False, False)}
    for user, (id_full, account_full) in expected.items():
        rows = csv_rows(export(client, user, "members.csv"))
        head = next(r for r in rows if r[2] == "'" + FORMULA)
        assert head[0] == head[3] == (full_id if id_full else masked_id), user
        assert head[9] == (ACCOUNT if account_full else "**************7890"), user
        incomes = csv_rows(export(client, user, "incomes.csv"))
        assert {r[0] for r in incomes[1:]} >= {full_id if id_full else masked_id}, user


def test_the_housing_bureau_gets_the_account_of_its_own_cases(world, client):
    from tests.housing.helpers import ACCOUNT as HOUSE_ACCOUNT
    from tests.housing.helpers import housing_users, make_house, start

    household = formula_household(world)
    other = world.households[0]
    other.bank_account = "621700009999999999"
    db.session.commit()
    housing_users(world)
    start({"clerk": Api(client, "clerk")}, make_house(household))  # sets the account
    rows = csv_rows(export(client, "housing", "members.csv"))
    accounts = {r[2]: r[9] for r in rows[1:] if r[9]}
    assert accounts["'" + FORMULA] == HOUSE_ACCOUNT  # a household with a renovation case
    assert accounts[other.head_name] == "**************9999"  # no case: masked
    assert all(r[0] == "" or "*" in r[0] for r in rows[1:])  # IDs stay masked
    event = db.session.execute(db.select(RegisterEvent).filter_by(
        action="personal_data_exported")).scalar_one()
    assert event.role == "county_housing_bureau"
    assert event.data["unmasked"] == {"bank_account": 1}


def test_a_masked_export_cannot_be_imported(world, client):
    formula_household(world)
    files = [("m.csv", export(client, "township", "members.csv")),
             ("i.csv", export(client, "township", "incomes.csv"))]
    report = import_roster(files, world.users["clerk"])
    assert report.problems and report.created == report.updated == 0
    assert any("「户主身份证号」是导出时隐去部分数字的号码" in p for p in report.problems)
    rows = csv_rows(export(client, "clerk", "members.csv"))
    rows[1][9] = "**************7890"  # a full ID with a masked account
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    report = import_roster([("m.csv", out.getvalue().encode("utf-8"))], world.users["clerk"])
    assert any("「一卡通账号」是导出时隐去部分数字的账号" in p for p in report.problems)


def test_every_export_in_full_is_on_the_register_trail(world, client, as_user):
    formula_household(world)
    village = world.places["v1"]
    export(client, "township", "xlsx")  # masked: nothing to record
    assert db.session.query(RegisterEvent).filter_by(
        action="personal_data_exported").count() == 0
    export(client, "county", "xlsx")
    export(client, "clerk", "members.csv")
    events = db.session.execute(db.select(RegisterEvent).filter_by(
        action="personal_data_exported").order_by(RegisterEvent.id)).scalars().all()
    # One event per village in the file: the county's covers both, the clerk's its own.
    assert [e.village_id for e in events] == [village.id, world.places["v2"].id, village.id]
    county, other_village, clerk = events
    assert other_village.data["households"] == 1 and other_village.data["rows"] == 4
    assert county.actor_name == "吴扶贫办" and county.role == "county_poverty_office"
    assert county.data["scope"] == {"code": "210323", "name": "鞍山市岫岩满族自治县"}
    # 大房身村: 王建国 (3), 张喆 (2) and the formula household (2) in 家庭成员; one income row
    assert county.data["households"] == 3 and county.data["rows"] == 7 + 1
    assert county.data["unmasked"] == {"id_number": 3 + 1, "bank_account": 1}
    assert clerk.data["file"] == "家庭成员.csv" and clerk.data["rows"] == 7
    assert "导出个人信息（家庭成员.csv" in clerk.summary and "一卡通账号 1 个" in clerk.summary
    page = as_user("auditor").get("/oversight/register").get_data(as_text=True)
    assert "导出个人信息" in page and "吴扶贫办" in page and "建档立卡户.xlsx" in page
    db.session.expire_all()  # the exports wrote the chain heads through other sessions
    assert register.verify() == (db.session.query(RegisterEvent).count(), [])


def test_phones_in_full_only_for_those_who_call_the_household(world, client):
    household = formula_household(world)
    household.phone = "13812341234"
    db.session.commit()
    full = {"clerk", "helper", "admin"}  # the village clerk and the 帮扶责任人 call households
    for user in ("clerk", "helper", "admin", "county", "team", "township", "city", "auditor"):
        head = next(r for r in csv_rows(export(client, user, "members.csv"))
                    if r[2] == "'" + FORMULA)
        assert head[11] == ("13812341234" if user in full else "138****1234"), user
    # The helper's file shows only the phone in full: recorded, counted by field.
    event = db.session.execute(db.select(RegisterEvent).filter_by(
        action="personal_data_exported", role="helper")).scalar_one()
    assert event.data["unmasked"] == {"phone": 1} and event.data["fields"] == ["phone"]
    assert "联系电话 1 个" in event.summary
    # A masked phone cannot be imported as the household's number.
    rows = csv_rows(export(client, "clerk", "members.csv"))
    line = next(i for i, r in enumerate(rows) if r[2] == "'" + FORMULA)
    rows[line][11] = "138****1234"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    report = import_roster([("m.csv", out.getvalue().encode("utf-8"))], world.users["clerk"])
    assert any(f"第 {line + 1} 行「联系电话」是导出时隐去部分数字的号码" in p
               for p in report.problems), report.problems
