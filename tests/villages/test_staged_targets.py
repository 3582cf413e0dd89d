"""Staged targets of low-income villages on the boards and in the monthly report, the
drill-down to the villages still to go, and the low-income village's page."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import Api, make_household, make_user
from tests.housing.helpers import pdf_bytes, upload
from tests.villages.helpers import ZHUANGHE_OK, incomes, unsafe_house
from tests.villages.test_village_exit import ok
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.jurisdictions.models import add_place
from workflow.oversight import staged
from workflow.settings.operations import set_setting
from workflow.villages.operations import designate

DOC = "庄委办发〔2019〕59号"


def at(day: dt.date, hour: int = 10) -> None:
    """Travel to ``hour`` o'clock China time on ``day``."""
    clock.travel(clock.day_start(day) + dt.timedelta(hours=hour) - clock.utcnow())


@pytest.fixture
def zh(world):
    """大连市 > 庄河市 (two townships, five low-income villages) and 普兰店区 (one)."""
    dalian = add_place("210200", "大连市", "city")
    zhuanghe = add_place("210283", "庄河市", "county", dalian)
    towns = [add_place("210283101", "城山镇", "township", zhuanghe),
             add_place("210283102", "光明山镇", "township", zhuanghe)]
    villages = [add_place(f"21028310{1 + i // 3}20{i}", f"示例{i}村（虚构）", "village",
                          towns[i // 3]) for i in range(5)]
    pulandian = add_place("210214", "普兰店区", "county", dalian)
    other = add_place("210214001201", "示例外区村（虚构）", "village",
                      add_place("210214001", "皮口街道", "township", pulandian))
    admin = make_user("dl_admin", ("admin", dalian), name="大连市管理员")
    for i, v in enumerate(villages):
        make_user(f"zh_clerk{i}", ("village_clerk", v))
    for i, t in enumerate(towns):
        make_user(f"zh_town{i}", ("township_reviewer", t))
    make_user("zh_county", ("county_poverty_office", zhuanghe))
    make_user("dl_city", ("city_poverty_office", dalian))
    db.session.commit()
    for v, year in zip([*villages, other], (2018, 2019, 2019, 2020, 2020, 2019), strict=True):
        designate(v.code, year, DOC, admin)
    return {"dalian": dalian, "zhuanghe": zhuanghe, "villages": villages, "other": other,
            "admin": admin}


def start(client, i: int, village) -> tuple[Api, int]:
    clerk = Api(client, f"zh_clerk{i}")
    case_id = ok(clerk.post("/api/v1/cases", json={"procedure": "village_exit",
                                                   "subject_id": village.id}), 201)["id"]
    ok(upload(clerk, case_id, "indicator_evidence", pdf_bytes()), 201)
    ok(upload(clerk, case_id, "population_statistics", pdf_bytes()), 201)
    return clerk, case_id


def walk_out(client, i: int, village, announced: dt.date, filed: dt.date) -> int:
    """The whole exit through every level: announced by 庄河市, filed by 大连市."""
    at(announced - dt.timedelta(days=20))
    incomes(village, 14500, announced.year)
    clerk, case_id = start(client, i, village)
    town, county = Api(client, f"zh_town{i // 3}"), Api(client, "zh_county")
    ok(clerk.act(case_id, "submit_self_assessment", {**ZHUANGHE_OK, "year": announced.year}))
    review = {"reviewed_on": str(clock.today()), "spot_checked_households": 12}
    ok(town.act(case_id, "township_approve", review))
    at(announced - dt.timedelta(days=12))
    ok(upload(town, case_id, "notice_photo", pdf_bytes()), 201)
    ok(town.act(case_id, "close_township_notice"))
    ok(county.act(case_id, "county_approve", review))
    at(announced - dt.timedelta(days=2))
    ok(county.act(case_id, "close_county_notice"))
    at(announced, hour=23)  # late in the evening, China time: still that day
    number = f"庄扶公告〔{announced.year}〕{i}号"
    ok(county.act(case_id, "announce_exit", {"announcement_no": number,
                                              "announced_on": str(announced)}))
    at(filed)
    assert ok(Api(client, "dl_city").act(case_id, "city_file"))["state"] == "filed"
    return case_id


def direct_count(village_ids: list[int], year: int) -> int:
    """Villages filed whose announcement (China date) fell in ``year`` or before."""
    rows = db.session.execute(
        select(Case.subject_id, AuditEvent.at).join(AuditEvent, AuditEvent.case_id == Case.id)
        .where(Case.procedure == "village_exit", Case.state == "filed",
               Case.subject_id.in_(village_ids), AuditEvent.action == "announce_exit")).all()
    return len({v for v, when in rows if clock.to_local(when).year <= year})


@pytest.fixture
def walked(client, zh):
    v = zh["villages"]
    walk_out(client, 0, v[0], dt.date(2018, 11, 20), dt.date(2018, 11, 28))
    walk_out(client, 2, v[2], dt.date(2019, 6, 10), dt.date(2019, 6, 15))
    # Announced on 30 December 2019, filed by the city in January: one of 2019's.
    walk_out(client, 1, v[1], dt.date(2019, 12, 30), dt.date(2020, 1, 6))
    at(dt.date(2020, 3, 1))
    incomes(v[3], 14500, 2020)
    clerk, case_id = start(client, 3, v[3])
    ok(clerk.act(case_id, "submit_self_assessment", {**ZHUANGHE_OK, "year": 2020}))
    # Since the assessment, a house of the village was appraised D and not renovated.
    unsafe_house(v[3], zh["admin"])
    start(client, 4, v[4])  # started, not assessed
    clock.reset()
    return zh


def test_share_out_by_year_equals_a_direct_count(walked, as_user):
    ids = [v.id for v in walked["villages"]]
    result = staged.staged(walked["zhuanghe"])
    lines = {line.year: line for line in result.lines}
    for year in (2018, 2019, 2020):
        assert lines[year].out == direct_count(ids, year)
        assert lines[year].villages == 5
    assert [(lines[y].out, lines[y].target, lines[y].needed) for y in (2018, 2019, 2020)] == [
        (1, 20, 1), (3, 70, 4), (3, 100, 5)]
    today = clock.today()
    assert [lines[y].status(today) for y in (2018, 2019, 2020)] == ["已达标", "未达标", "未达标"]
    page = as_user("zh_county").get("/boards?place=210283&procedure=village_exit")
    html = page.get_data(as_text=True)
    assert 'id="village-staged-chart"' in html and "<svg" in html
    assert "2019 年底" in html and "3/5" in html and "60.0%" in html and "未达标" in html
    # The city board shows the county's line; the other district's village is its own.
    city = as_user("dl_city").get("/boards?place=210200&procedure=village_exit")
    text = city.get_data(as_text=True)
    assert "庄河市" in text and "普兰店区" in text and "3/6" in text


def test_a_past_month_counts_what_was_filed_by_its_end(walked, as_user):
    december = staged.staged(walked["zhuanghe"], "2019-12")
    assert {line.year: line.out for line in december.lines} == {2018: 1, 2019: 2, 2020: 2}
    from tests.documents.helpers import pdf_text

    response = as_user("zh_county").get(
        "/boards/report.pdf?place=210283&procedure=village_exit&month=2019-12")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    report = "".join(pdf_text(response.data).split())
    assert "低收入村累计退出" in report and "2019年底" in report and "2/5" in report
    book = load_workbook(io.BytesIO(as_user("zh_county").get(
        "/boards/report.xlsx?place=210283&procedure=village_exit&month=2019-12").data))
    cells = [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]
    assert ["2019 年底", 70, 4, 2, 5, 40.0, "进行中"] in cells


def test_targets_come_from_settings_and_a_county_value_overrides(walked):
    zhuanghe, dalian, admin = walked["zhuanghe"], walked["dalian"], walked["admin"]
    set_setting(admin, "village_exit_target", 50, year=2019, place=dalian,
                document="大政办发〔2019〕1号")
    assert {line.year: line.target for line in staged.staged(dalian).lines}[2019] == 50
    assert {line.year: line.target for line in staged.staged(zhuanghe).lines}[2019] == 50
    set_setting(admin, "village_exit_target", 60, year=2019, place=zhuanghe,
                document="庄政办发〔2019〕7号")
    line = next(x for x in staged.staged(zhuanghe).lines if x.year == 2019)
    assert (line.target, line.needed, line.status(clock.today())) == (60, 3, "已达标")
    assert "庄政办发〔2019〕7号" in line.source
    assert next(x for x in staged.staged(dalian).lines if x.year == 2019).target == 50


def test_drill_down_lists_villages_to_go_with_what_holds_each_back(walked, as_user, world):
    page = as_user("zh_county").get("/boards/villages?place=210283").get_data(as_text=True)
    v = walked["villages"]
    for done in (v[0], v[1], v[2]):
        assert done.name not in page
    rows = {r.village.name: r.reasons for r in staged.to_go(walked["zhuanghe"])}
    assert set(rows) == {v[3].name, v[4].name}
    assert rows[v[3].name] == ["「安全住房比例 66.67%，未达到 98%」（庄河市低收入村退出标准）"]
    assert rows[v[4].name] == ["尚未提交村级自评"]
    assert "「安全住房比例 66.67%，未达到 98%」" in page and "尚未提交村级自评" in page
    assert walked["other"].name not in page  # another county's village
    city = as_user("dl_city").get("/boards/villages?place=210200").get_data(as_text=True)
    assert walked["other"].name in city and "尚未启动退出程序" in city


def test_drill_down_names_the_indicator_the_register_now_fails(client, world, as_user):
    """A village assessed at 1.25 % whose register gained poor households since: the
    drill-down names 贫困发生率 with its value and bar, as the township's check would."""
    v1 = world.places["v1"]
    admin = world.users["admin"]
    designate(v1.code, 2020, "岫政办发〔2020〕1号", admin)
    clerk = Api(client, "clerk")
    case_id = ok(clerk.post("/api/v1/cases", json={"procedure": "village_exit",
                                                   "subject_id": v1.id}), 201)["id"]
    ok(upload(clerk, case_id, "indicator_evidence", pdf_bytes()), 201)
    ok(upload(clerk, case_id, "population_statistics", pdf_bytes()), 201)
    ok(clerk.act(case_id, "submit_self_assessment", {"year": 2020, "rural_population": 400}))
    make_household(v1, "李堃", size=5)
    db.session.commit()
    rows = staged.to_go(world.places["county"])
    assert [r.village.name for r in rows] == [v1.name]
    assert rows[0].reasons == ["「贫困发生率 2.5%，未低于 2%」（国家贫困村退出标准）"]
    page = as_user("county").get(f"/boards/villages?place={world.places['county'].code}")
    assert "「贫困发生率 2.5%，未低于 2%」" in page.get_data(as_text=True)


def test_village_page_shows_designation_projects_and_funds(world, client, as_user):
    from tests.projects.conftest import USERS
    from tests.projects.helpers import (
        apis_for,
        fund_source,
        into_library,
        project_users,
        register,
        to_allocation,
        to_disbursement,
    )

    project_users(world)
    apis = apis_for(client, *USERS)
    v1 = world.places["v1"]
    designate(v1.code, 2020, "岫政办发〔2020〕1号", world.users["admin"])
    set_setting(world.users["admin"], "low_income_support_uplift", 30, year=2020,
                place=world.places["county"], document="岫政办发〔2020〕2号")
    source = fund_source(world)
    project_id = register(apis["clerk"])
    into_library(apis, project_id)
    case_id = to_allocation(apis, project_id)
    to_disbursement(apis, case_id, source.id)
    ok(apis["county"].act(case_id, "disburse", {
        "source_id": source.id, "amount": "500000", "voucher_no": "岫财报〔2020〕88号",
        "paid_on": "2020-10-25", "payee": "岫岩县绿源香菇专业合作社"}))
    page = as_user("clerk").get(f"/villages/{v1.code}").get_data(as_text=True)
    assert "低收入村" in page and "计划 2020 年退出" in page and "岫政办发〔2020〕1号" in page
    assert "大房身村香菇大棚" in page and "780,000.00" in page and "500,000.00" in page
    assert "上浮 30%" in page
    # Another village's clerk sees no page of this one.
    assert as_user("other_clerk").get(f"/villages/{v1.code}").status_code == 404
    assert as_user("clerk").get("/villages/999999999999").status_code == 404
    assert as_user("clerk").get("/villages/abc").status_code == 404


def test_scope_another_countys_villages_are_absent(zh, as_user):
    county = as_user("zh_county")
    assert county.get("/boards/villages?place=210214").status_code == 404
    assert county.get(f"/villages/{zh['other'].code}").status_code == 404
    assert zh["other"].name in as_user("dl_city").get(
        "/boards/villages?place=210200").get_data(as_text=True)
