"""Village exit: incidence computed from the register, criteria profiles per place."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.factories import Api, make_household, make_user
from tests.housing.helpers import pdf_bytes, upload
from tests.villages.helpers import ZHUANGHE_OK, incomes, unsafe_house, zhuanghe_places
from workflow import clock
from workflow.extensions import db
from workflow.jurisdictions.models import add_place
from workflow.villages.rules import poor_people, poverty_incidence


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _start(api: Api, village_id: int) -> int:
    case_id = ok(api.post("/api/v1/cases", json={"procedure": "village_exit",
                                                 "subject_id": village_id}), 201)["id"]
    ok(upload(api, case_id, "indicator_evidence", pdf_bytes()), 201)
    ok(upload(api, case_id, "population_statistics", pdf_bytes()), 201)
    return case_id


def test_incidence_is_computed_from_the_register(client, world):
    v1 = world.places["v1"]
    # The world holds 王建国 (3 people) and 张喆 (2) in 大房身村, both registered poor.
    make_household(v1, "李堃", size=4, status="exited")
    make_household(v1, "周玥", size=2, status="monitored")
    db.session.commit()
    by_hand = sum(len(h.members) for h in world.households[:2])
    assert poor_people(v1.id) == by_hand == 5
    assert poverty_incidence(v1.id, 400) == Decimal("1.25")
    clerk = Api(client, "clerk")
    case_id = _start(clerk, v1.id)
    blocked = clerk.act(case_id, "submit_self_assessment", {"year": 2019,
                                                             "rural_population": 200})
    assert blocked.status_code == 422
    assert blocked.get_json()["errors"]["_guards"] == [
        "「贫困发生率 2.5%，未低于 2%」（国家贫困村退出标准）"]
    # The incidence is never typed in: a value in the form is ignored.
    still = clerk.act(case_id, "submit_self_assessment", {"year": 2019, "rural_population": 200,
                                                           "poverty_incidence": "0.5"})
    assert still.status_code == 422
    body = ok(clerk.act(case_id, "submit_self_assessment", {"year": 2019,
                                                             "rural_population": 400}))
    assert body["state"] == "township_check"


def test_a_zhuanghe_village_at_13999_yuan_is_blocked_naming_income_and_its_bar(client, world):
    zh = zhuanghe_places()
    incomes(zh["village"], 13_999)
    clerk = Api(client, "zh_clerk")
    case_id = _start(clerk, zh["village"].id)
    # A typed income is ignored: the figure is the register's Σ income ÷ Σ people.
    blocked = clerk.act(case_id, "submit_self_assessment",
                        {**ZHUANGHE_OK, "per_capita_income": "20000"})
    assert blocked.status_code == 422
    assert blocked.get_json()["errors"]["_guards"] == [
        "「人均可支配收入 13,999 元，未达到 14,000 元」（庄河市低收入村退出标准）"]


def test_safe_water_at_97_9_percent_is_blocked_naming_its_bar(client, world):
    zh = zhuanghe_places()
    incomes(zh["village"], 14_000)
    clerk = Api(client, "zh_clerk")
    case_id = _start(clerk, zh["village"].id)
    blocked = clerk.act(case_id, "submit_self_assessment", {**ZHUANGHE_OK, "safe_water": "97.9"})
    assert blocked.get_json()["errors"]["_guards"] == [
        "「安全饮水比例 97.9%，未达到 98%」（庄河市低收入村退出标准）"]
    no_evidence = {**ZHUANGHE_OK, "road_access_evidence": ""}
    reasons = clerk.act(case_id, "submit_self_assessment", no_evidence).get_json()
    assert reasons["errors"]["_guards"] == [
        "「屯屯通油路比例」未写明佐证材料（庄河市低收入村退出标准要求每项指标附佐证）"]


def test_housing_comes_from_the_renovation_register(client, world):
    zh = zhuanghe_places()
    incomes(zh["village"], 14_000)
    house = unsafe_house(zh["village"], world.users["county"])
    clerk = Api(client, "zh_clerk")
    case_id = _start(clerk, zh["village"].id)
    # 3 households, one in a D house not yet renovated: 66.67 % safe.
    blocked = clerk.act(case_id, "submit_self_assessment", ZHUANGHE_OK)
    assert blocked.get_json()["errors"]["_guards"] == [
        "「安全住房比例 66.67%，未达到 98%」（庄河市低收入村退出标准）"]
    # Its renovation case passed inspection (the walk itself is tested in tests/housing).
    from workflow.auth.models import User
    from workflow.cases.operations import create_case

    renovation = create_case("house_renovation", house.id, db.session.execute(
        db.select(User).filter_by(username="zh_clerk")).scalar_one())
    renovation.state = "archived"
    db.session.commit()
    assert ok(clerk.act(case_id, "submit_self_assessment", ZHUANGHE_OK))["state"] == \
        "township_check"


def test_a_zhuanghe_village_at_14000_walks_to_the_city_filing(client, world):
    zh = zhuanghe_places()
    incomes(zh["village"], 14_000)
    apis = {n: Api(client, n) for n in ("zh_clerk", "zh_town", "zh_county", "zh_city")}
    case_id = _start(apis["zh_clerk"], zh["village"].id)
    ok(apis["zh_clerk"].act(case_id, "submit_self_assessment", ZHUANGHE_OK))
    review = {"reviewed_on": "2019-11-01", "spot_checked_households": 12}
    ok(apis["zh_town"].act(case_id, "township_approve", review))
    clock.travel(dt.timedelta(days=8))
    ok(upload(apis["zh_town"], case_id, "notice_photo", pdf_bytes()), 201)
    ok(apis["zh_town"].act(case_id, "close_township_notice"))
    ok(apis["zh_county"].act(case_id, "county_approve", review))
    clock.travel(dt.timedelta(days=8))
    ok(apis["zh_county"].act(case_id, "close_county_notice"))
    ok(apis["zh_county"].act(case_id, "announce_exit", {"announcement_no": "庄扶公告〔2019〕2号",
                                                        "announced_on": "2019-11-30"}))
    assert ok(apis["zh_city"].act(case_id, "city_file"))["state"] == "filed"


def test_the_national_profile_still_applies_to_anshan(world):
    from workflow.cases.applied import reader
    from workflow.villages.rules import profile_for

    zh = zhuanghe_places()
    anshan = world.places["v1"]
    assert profile_for(anshan, reader(anshan.path))[0] == "国家贫困村退出标准"
    assert profile_for(zh["village"], reader(zh["village"].path))[0] == "庄河市低收入村退出标准"


def test_the_zhuanghe_sheet_prints_every_indicator_with_value_bar_and_source(client, world):
    from tests.documents.helpers import fetch_pdf, pdf_text

    zh = zhuanghe_places()
    incomes(zh["village"], 14_000)
    clerk = Api(client, "zh_clerk")
    case_id = _start(clerk, zh["village"].id)
    ok(clerk.act(case_id, "submit_self_assessment", ZHUANGHE_OK))
    sheet = "".join(pdf_text(fetch_pdf(clerk, f"/cases/{case_id}/sheet.pdf")).split())
    assert "退出指标（庄河市低收入村退出标准）" in sheet
    for text in ("人均可支配收入", "14,000元", "不低于14,000元", "系统按登记数据计算",
                 "安全饮水比例", "99.2%", "不低于98%", "村级填报，佐证材料：饮水安全检测报告",
                 "安全住房比例", "100%", "一村一品或一屯一品"):
        assert text in sheet, text


def test_village_case_page(client, world):
    from tests.web.test_pages import login

    case_id = _start(Api(client, "clerk"), world.places["v1"].id)
    assert login(client, "clerk").status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "贫困村退出" in page and "鞍山市岫岩满族自治县偏岭镇大房身村" in page
    assert "农业户籍人口" in page and "对象记录不存在" not in page


def test_village_list_shows_remaining_poor_and_starts_a_case(client, world):
    from tests.web.test_pages import csrf, login

    assert login(client, "clerk").status_code == 302
    page = client.get("/villages").get_data(as_text=True)
    assert "大房身村" in page and "国家贫困村退出标准" in page and "石庙子村" not in page
    started = client.post(f"/villages/{world.places['v1'].id}/exit",
                          data={"csrf_token": csrf(client, "/villages")})
    assert started.status_code == 302 and "/cases/" in started.headers["Location"]


def test_village_and_monitoring_sheets_print(client, world):
    from tests.documents.helpers import fetch_pdf, pdf_text

    clerk = Api(client, "clerk")
    case_id = _start(clerk, world.places["v1"].id)
    ok(clerk.act(case_id, "submit_self_assessment", {"year": 2019, "rural_population": 400},
                 opinion="指标全部达标"))
    sheet = "".join(pdf_text(fetch_pdf(clerk, f"/cases/{case_id}/sheet.pdf")).split())
    assert "贫困村退出审批表" in sheet and "村级自评" in sheet and "指标全部达标" in sheet
    assert "农业户籍人口（人）" in sheet and "400" in sheet
    entry = ok(clerk.post("/api/v1/cases", json={"procedure": "monitoring_entry",
                                                 "subject_id": world.households[0].id}), 201)
    ok(clerk.act(entry["id"], "record_alert", {"source": "self_report", "risk": "disaster",
                                               "description": "洪灾损毁大棚"}))
    sheet = "".join(pdf_text(fetch_pdf(clerk, f"/cases/{entry['id']}/sheet.pdf")).split())
    assert "防止返贫监测对象纳入审批表" in sheet and "洪灾损毁大棚" in sheet
    assert world.households[0].head_name in sheet


def test_board_shows_zhuanghe_staged_target(client, world, as_user):
    dalian = add_place("210200", "大连市", "city")
    zhuanghe = add_place("210283", "庄河市", "county", dalian)
    town = add_place("210283101", "城山镇", "township", zhuanghe)
    for i in range(4):
        add_place(f"21028310120{i}", f"村{i}", "village", town)
    make_user("zh_leader", ("city_poverty_office", dalian))
    db.session.commit()
    page = as_user("zh_leader").get(
        "/boards?place=210283&procedure=village_exit&month=2019-12").get_data(as_text=True)
    assert "2019 年累计退出目标 70%：已退出 0/4 个村（0.0%），" in page and "未达标" in page
