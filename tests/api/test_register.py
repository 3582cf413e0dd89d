"""Households, places, forms, procedures and the OpenAPI document through the API."""
from __future__ import annotations

import re

from tests.factories import Api, id_number
from workflow.extensions import db
from workflow.registry.models import Household


def new_household(**over) -> dict:
    body = {"head_name": "林堃", "id_number": id_number("210323", "19800202", 31),
            "village": "210323106201", "phone": "13800001111",
            "members": [{"name": "林玥", "relation": "女儿",
                         "id_number": id_number("210323", "20080808", 42)}]}
    return {**body, **over}


def test_create_household_keeps_rare_characters_and_masks_ids(client, world):
    api = Api(client, "clerk")
    response = api.post("/api/v1/households", json=new_household(head_name="王𠮷㛃"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["head_name"] == "王𠮷㛃"
    assert body["masked_id"].startswith("210323") and "*" in body["masked_id"]
    assert len(body["members"]) == 2 and body["members"][0]["relation"] == "户主"
    found = api.get("/api/v1/households", query_string={"q": "𠮷㛃"}).get_json()
    assert [h["head_name"] for h in found["items"]] == ["王𠮷㛃"]
    assert "19800202" not in response.get_data(as_text=True)


def test_household_validation_names_each_field(client, world):
    api = Api(client, "clerk")
    bad = new_household(head_name="", id_number="210323198002020000", phone="12345",
                        village="999999999999", members=[{"name": "x"}])
    response = api.post("/api/v1/households", json=bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["head_name"] == ["「户主姓名」为必填项"]
    assert errors["id_number"] == ["「户主身份证号」校验位不正确"]
    assert "11 位手机号码" in errors["phone"][0]
    assert errors["members.0.relation"] == ["「与户主关系」为必填项"]
    assert db.session.execute(db.select(db.func.count()).select_from(Household)).scalar() == 3


def test_household_in_a_village_outside_scope_is_refused(client, world):
    response = Api(client, "clerk").post("/api/v1/households",
                                         json=new_household(village="210323107201"))
    assert response.status_code == 422
    assert "管辖范围" in response.get_json()["errors"]["village"][0]


def test_duplicate_id_number_refused(client, world):
    api = Api(client, "clerk")
    assert api.post("/api/v1/households", json=new_household()).status_code == 201
    again = api.post("/api/v1/households", json=new_household(head_name="别人"))
    assert again.status_code == 422 and "已登记" in again.get_json()["errors"]["id_number"][0]


def test_household_list_is_scoped_and_filtered(client, world):
    township = Api(client, "township")
    listed = township.get("/api/v1/households").get_json()
    assert listed["total"] == 2
    assert township.get("/api/v1/households?village=210323107201").status_code == 422
    assert township.get("/api/v1/households?status=gone").status_code == 422
    assert township.get("/api/v1/households?page=0").status_code == 422
    county = Api(client, "county").get("/api/v1/households?status=registered_poor").get_json()
    assert county["total"] == 3


def test_jurisdictions_in_scope(client, world):
    places = Api(client, "township").get("/api/v1/jurisdictions").get_json()
    assert [(p["code"], p["level"], p["parent"]) for p in places] == [
        ("210323106", "township", "210323"), ("210323106201", "village", "210323106")]


def test_forms_and_procedures(client, world):
    api = Api(client, "clerk")
    form = api.get("/api/v1/forms/household_exit_survey").get_json()
    wages = next(f for f in form["fields"] if f["name"] == "wages")
    assert wages == {"name": "wages", "label": "工资性收入（元）", "type": "decimal",
                     "required": True, "bounds": {"min": 0.0, "max": 10000000.0}}
    consent = api.get("/api/v1/forms/household_consent").get_json()
    method = next(f for f in consent["fields"] if f["name"] == "method")
    assert {c["value"] for c in method["choices"]} == {"scan", "in_person"}
    assert api.get("/api/v1/forms/nope").status_code == 404
    procedures = api.get("/api/v1/procedures").get_json()
    exit_ = next(p for p in procedures if p["key"] == "household_exit")
    assert exit_["initial"] == "income_survey" and len(exit_["version"]) == 16
    verify = next(a for a in exit_["actions"] if a["name"] == "verify")
    assert verify["cosign"] == ["village_clerk", "work_team"]


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/cases/{case_id}/actions/{name}" in doc["paths"]
    assert "ActionRequest" in doc["components"]["schemas"]
    sheet = doc["paths"]["/cases/{case_id}/sheet.pdf"]["get"]
    assert "application/pdf" in sheet["responses"]["200"]["content"]
    assert doc["paths"]["/verify/{case_id}/{code}"]["get"]["security"] == []
    # Integer bounds as numbers, in paths, queries and bodies; times with their zone.
    case_id = doc["paths"]["/api/v1/cases/{case_id}"]["parameters"][0]
    assert case_id["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    per_page = next(p for p in doc["paths"]["/api/v1/cases"]["get"]["parameters"]
                    if p["name"] == "per_page")
    assert per_page["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    house = doc["components"]["schemas"]["HouseCreate"]["properties"]
    assert house["household_id"]["maximum"] == 2**31 - 1
    assert house["area"]["minimum"] == 5 and house["area"]["maximum"] == 1000
    created = doc["components"]["schemas"]["Case"]["properties"]["created_at"]
    assert created["format"] == "date-time" and "UTC" in created["description"]


def test_every_documented_path_is_served(app, client):
    """The document cannot drift from the routes: each path and method is one the app
    answers (placeholders filled with sample values)."""
    doc = client.get("/api/v1/openapi.json").get_json()
    urls = app.url_map.bind("localhost")
    for path, operations in doc["paths"].items():
        sample = re.sub(r"\{\w+\}", "1", path)
        for method in operations:
            if method != "parameters":
                urls.match(sample, method=method.upper())  # raises NotFound/405


def test_every_served_api_route_is_documented(app, client):
    """The converse: no /api/v1 route (nor method) missing from the document."""
    doc = client.get("/api/v1/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], f"{method} {path}"


def test_case_list_filters(client, world):
    from tests.cases.test_household_exit import start

    clerk = Api(client, "clerk")
    start({"clerk": clerk}, world, 0)
    county = Api(client, "county")
    assert county.get("/api/v1/cases?state=income_survey").get_json()["total"] == 1
    assert county.get("/api/v1/cases?state=filed").get_json()["total"] == 0
    assert county.get("/api/v1/cases?jurisdiction=210323107").get_json()["total"] == 0
    assert county.get("/api/v1/cases?jurisdiction=210323106").get_json()["total"] == 1
    assert county.get("/api/v1/cases?from=2020-13-01").status_code == 422
    assert county.get("/api/v1/cases?jurisdiction=999").status_code == 422


def _count_households() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Household)).scalar()


def test_a_household_with_two_heads_is_refused(client, world):
    before = _count_households()
    body = new_household(members=[
        {"name": "林玥", "relation": "户主", "id_number": id_number("210323", "20080808", 42)}])
    response = Api(client, "clerk").post("/api/v1/households", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"]["members.0.relation"] == [
        "「与户主关系」一户只能有一名户主：户主本人的身份证号应与「户主身份证号」相同"]
    assert _count_households() == before


def test_the_head_listed_as_another_relation_leaves_no_head_and_is_refused(client, world):
    head = id_number("210323", "19800202", 31)
    body = new_household(members=[{"name": "林堃", "relation": "之子", "id_number": head}])
    response = Api(client, "clerk").post("/api/v1/households", json=body)
    assert response.status_code == 422
    assert "与户主身份证号相同" in response.get_json()["errors"]["members.0.id_number"][0]


def test_duplicate_member_ids_are_refused(client, world):
    child = id_number("210323", "20080808", 42)
    body = new_household(members=[{"name": "林玥", "relation": "女儿", "id_number": child},
                                   {"name": "林喆", "relation": "儿子", "id_number": child}])
    response = Api(client, "clerk").post("/api/v1/households", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"]["members.1.id_number"] == [
        "「成员身份证号」与第 1 名成员重复"]


def test_the_head_listed_once_as_head_is_accepted(client, world):
    head = id_number("210323", "19800202", 31)
    body = new_household(members=[{"name": "林堃", "relation": "户主", "id_number": head}])
    response = Api(client, "clerk").post("/api/v1/households", json=body)
    assert response.status_code == 201, response.get_json()
    assert [m["relation"] for m in response.get_json()["members"]] == ["户主"]
