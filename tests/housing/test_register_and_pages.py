"""Registering houses (API and browser) and the renovation pages."""
from __future__ import annotations

from tests.factories import Api
from tests.housing.helpers import APPROVAL, housing_users, make_house, ok, start, to_county_approval
from tests.web.test_pages import csrf, login
from workflow.extensions import db
from workflow.housing.models import House


def test_register_a_house_with_field_errors_in_chinese(client, world):
    clerk = Api(client, "clerk")
    household = world.households[0]
    bad = clerk.post("/api/v1/houses", json={"household_id": household.id, "address": "",
                                             "structure": "igloo", "area": "-3",
                                             "year_built": 1850})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["address"] == ["「房屋地址」为必填项"]
    assert "「结构类型」必须是" in errors["structure"][0]
    assert errors["area"] == ["「建筑面积」应在 5 至 1000 平方米之间"]
    assert "建造年份" in errors["year_built"][0]
    assert db.session.query(House).count() == 0
    body = ok(clerk.post("/api/v1/houses", json={
        "household_id": household.id, "address": "大房身村二组 7 号", "structure": "brick_wood",
        "area": "56.5", "year_built": 1983}), 201)
    assert body["masked_id"] == household.masked_id and body["area"] == "56.50"
    other = Api(client, "other_clerk")
    assert other.get(f"/api/v1/houses/{body['id']}").status_code == 404
    refused = other.post("/api/v1/houses", json={"household_id": household.id,
                                                 "address": "x", "structure": "stone",
                                                 "area": "40"})
    assert refused.status_code == 404
    assert Api(client, "auditor").post("/api/v1/houses", json={
        "household_id": household.id, "address": "x", "structure": "stone",
        "area": "40"}).status_code == 403


def test_browser_registers_a_house_and_starts_a_renovation(client, world):
    household = world.households[0]
    assert login(client, "clerk").status_code == 302
    url = f"/households/{household.id}/houses/new"
    token = csrf(client, url)
    page = client.post(url, data={"csrf_token": token, "address": "", "structure": "stone",
                                  "area": "abc"}).get_data(as_text=True)
    assert "「房屋地址」为必填项" in page and "「建筑面积」必须是数字" in page
    response = client.post(url, data={"csrf_token": token, "address": "大房身村二组 7 号",
                                      "structure": "stone", "area": "44"})
    assert response.status_code == 302
    listing = client.get("/houses").get_data(as_text=True)
    assert "大房身村二组 7 号" in listing and "发起农村危房改造" in listing
    house = db.session.execute(db.select(House)).scalar_one()
    started = client.post(f"/houses/{house.id}/renovation",
                          data={"csrf_token": csrf(client, "/houses")})
    assert started.status_code == 302 and "/cases/" in started.headers["Location"]
    case_page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "证明材料" in case_page and "改造申请书" in case_page
    assert "本环节需要" in case_page and "办理前须上传：改造申请书" in case_page


def test_case_page_shows_the_archive_file_and_the_method_follows_the_grade(client, world):
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk", "township", "housing")}
    case_id = start(apis, make_house(world.households[0]))
    to_county_approval(apis, case_id)
    ok(apis["housing"].act(case_id, "county_approve", APPROVAL))
    assert login(client, "housing").status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "危改字" in page and "县、乡镇、村、农户各存一份" in page
    assert "一卡通账号" in page and "6217000123456789012" not in page  # masked


def test_appraisal_form_marks_the_method_as_following_the_grade(client, world):
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk",)}
    case_id = start(apis, make_house(world.households[0]))
    from tests.housing.helpers import APPLICATION, HOME_CHECK, upload

    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    ok(apis["clerk"].act(case_id, "record_home_check", HOME_CHECK))
    assert login(client, "township").status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-follows="record_appraisal-grade"' in page
