"""撤并: the old village's cases, register and trails are found under its successor."""
from __future__ import annotations

import pytest

from tests.factories import Api, id_number, make_household, make_user
from tests.web.test_pages import new_case
from workflow.audit import admin
from workflow.cases.operations import create_case
from workflow.engine.errors import Invalid, NotFound
from workflow.extensions import db
from workflow.jurisdictions.operations import merge_place, rename_place
from workflow.jurisdictions.scope import mergers


def _merge(world, on="2026-03-01"):
    """大房身村 (偏岭镇) merged into 石庙子村 (杨家堡镇)."""
    return merge_place("210323106201", "210323107201", on, "岫政发〔2026〕5号",
                       world.users["admin"])


def test_merged_village_cases_are_listed_under_its_successor(client, world):
    case = new_case(world)
    before = Api(client, "other_clerk").get("/api/v1/cases").get_json()
    assert case.id not in [c["id"] for c in before["items"]]
    _merge(world)
    for who in ("other_clerk", "other_township"):  # the successor's clerk and township
        api = Api(client, who)
        listed = api.get("/api/v1/cases").get_json()["items"]
        assert case.id in [c["id"] for c in listed], who
        assert api.get(f"/api/v1/cases/{case.id}").status_code == 200
        filtered = api.get("/api/v1/cases?jurisdiction=210323107201").get_json()["items"]
        assert case.id in [c["id"] for c in filtered]
        households = api.get("/api/v1/households?village=210323107201").get_json()["items"]
        assert "王建国" in [h["head_name"] for h in households]
    # The county's own filter by the successor finds the old village's case too.
    county = Api(client, "county")
    assert case.id in [c["id"] for c in county.get(
        "/api/v1/cases?jurisdiction=210323107201").get_json()["items"]]
    # The old village's own clerk keeps its cases.
    assert Api(client, "clerk").get(f"/api/v1/cases/{case.id}").status_code == 200


def test_the_case_list_page_shows_the_merged_village_and_its_note(as_user, world):
    new_case(world)
    _merge(world)
    page = as_user("other_clerk").get("/cases?jurisdiction=210323107201").get_data(as_text=True)
    assert "王建国" in page
    places = as_user("admin").get("/admin/places").get_data(as_text=True)
    assert "已撤并，并入 石庙子村（2026-03-01，岫政发〔2026〕5号）" in places


def test_a_merged_village_takes_no_new_households_or_cases(client, world):
    _merge(world)
    api = Api(client, "clerk")
    response = api.post("/api/v1/households", json={
        "village": "210323106201", "head_name": "新户主",
        "id_number": id_number("210323", "19800101", 901),
        "status": "registered_poor", "registered_year": 2016})
    assert response.status_code == 422
    assert "并入 石庙子村" in str(response.get_json()["errors"])
    with pytest.raises(Invalid) as caught:
        create_case("household_exit", world.households[0].id, world.users["clerk"])
    assert "已撤并，并入 石庙子村" in caught.value.message and "石庙子村" in caught.value.message


def test_merger_is_on_the_trail_and_mergers_are_read_once_per_request(app, world):
    _merge(world)
    [event] = db.session.execute(admin.events_in_scope(world.users["admin"],
                                                       action="place_merged")).scalars().all()
    assert event.data["merged_into"] == {"before": None, "after": "210323107201"}
    assert event.jurisdiction_path == world.places["v1"].path
    assert admin.verify() == (1, [])
    with app.test_request_context():
        first = mergers()
        assert mergers() is first  # cached for the request
        assert world.users["other_clerk"].scope_paths == [world.places["v2"].path,
                                                          world.places["v1"].path]


def test_chained_mergers_and_refusals(world):
    pianling = world.places["pianling"]
    third = make_household(world.places["v2"], "第三户")  # noqa: F841 - a register to keep
    db.session.commit()
    _merge(world)
    with pytest.raises(Invalid):  # merged twice
        _merge(world)
    with pytest.raises(Invalid):  # across levels
        merge_place("210323107201", "210323106", "2026-03-01", "文", world.users["admin"])
    with pytest.raises(Invalid):  # into a merged place
        merge_place("210323107201", "210323106201", "2026-03-01", "文", world.users["admin"])
    with pytest.raises(Invalid):  # a merged place is not renamed
        rename_place("210323106201", "新名", "文", "2026-03-01", world.users["admin"])
    with pytest.raises(Invalid):  # no document
        merge_place("210323106", "210323107", "2026-03-01", "", world.users["admin"])
    merge_place("210323106", "210323107", "2026-04-01", "岫政发〔2026〕6号", world.users["admin"])
    assert pianling.merger_note.startswith("已撤并，并入 杨家堡镇")
    boss = make_user("yanggu_head", ("township_reviewer", world.places["yanggu"]))
    db.session.commit()
    assert pianling.path in boss.scope_paths


def test_a_county_admin_cannot_rename_or_merge_outside_its_county(client, world):
    from workflow.jurisdictions.models import add_place

    other = add_place("210381", "海城市", "county", world.places["city"])
    add_place("210381101", "牌楼镇", "township", other)
    db.session.commit()
    with pytest.raises(NotFound):
        rename_place("210381", "海城", "文", "2026-03-01", world.users["admin"])
    with pytest.raises(NotFound):
        merge_place("210323107", "210381101", "2026-03-01", "文", world.users["admin"])
    api = Api(client, "admin")
    response = api.post("/api/v1/admin/places/210381/rename",
                        json={"name": "海城", "document": "文", "on": "2026-03-01"})
    assert response.status_code == 404
    assert Api(client, "county").post("/api/v1/admin/places/210323107201/merge", json={
        "into": "210323106201", "document": "文", "on": "2026-03-01"}).status_code == 403


def test_rename_keeps_the_old_name_on_the_trail_and_the_filed_events(client, world):
    from workflow.audit.models import AuditEvent

    case = new_case(world)
    api = Api(client, "admin")
    response = api.post("/api/v1/admin/places/210323106201/rename",
                        json={"name": "大房身新村", "document": "岫政发〔2026〕7号",
                              "on": "2026-05-01"})
    assert response.status_code == 200 and response.get_json()["name"] == "大房身新村"
    [event] = db.session.execute(admin.events_in_scope(world.users["admin"],
                                                       action="place_renamed")).scalars().all()
    assert event.data["name"] == {"before": "大房身村", "after": "大房身新村"}
    signed = db.session.execute(db.select(AuditEvent.jurisdiction_name).filter_by(
        case_id=case.id)).scalars().all()
    assert signed and set(signed) == {"大房身村"}  # what the sheet prints
    bad = api.post("/api/v1/admin/places/210323106201/rename",
                   json={"name": "", "document": "文", "on": "2026-13-01"})
    assert bad.status_code == 422 and "「新名称」为必填项" in str(bad.get_json())


def test_merged_place_is_marked_in_the_filter_and_village_list(as_user, world):
    _merge(world)
    browser = as_user("county")
    note = "已撤并，并入 石庙子村（2026-03-01，岫政发〔2026〕5号）"
    assert note in browser.get("/cases").get_data(as_text=True)
    assert note in browser.get("/villages").get_data(as_text=True)



def test_a_merger_made_on_another_node_extends_scope_at_the_next_request(client, world):
    """Mergers are cached per process (workflow/generations.py): a 撤并 committed by another
    app server renews the places generation in its transaction, and this process's next
    request reads the new token and with it the new merger."""
    from sqlalchemy import text

    from workflow import generations
    from workflow.jurisdictions.models import Jurisdiction

    case = new_case(world)
    api = Api(client, "other_clerk")
    assert api.get(f"/api/v1/cases/{case.id}").status_code == 404  # cached: no merger yet
    successor = db.session.execute(db.select(Jurisdiction).where(
        Jurisdiction.code == "210323107201")).scalar_one()
    with db.engine.begin() as other:  # the other node's write, behind this process's back
        other.execute(text("UPDATE jurisdictions SET merged_into_id = :n, "
                           "merged_on = '2026-03-01' WHERE code = '210323106201'"),
                      {"n": successor.id})
    assert api.get(f"/api/v1/cases/{case.id}").status_code == 404  # its token not yet new
    generations.renew(db.session, generations.PLACES)  # what the other node's flush runs
    db.session.commit()
    assert api.get(f"/api/v1/cases/{case.id}").status_code == 200
