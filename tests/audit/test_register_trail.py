"""The register's own trail: households registered and rosters imported are events on
their village's hash chain, shown to auditors in scope, and tampering is found."""
from __future__ import annotations

import hashlib

from sqlalchemy import text

from tests.api.test_register import new_household
from tests.audit.test_verify import run_verify, tamper
from tests.documents.helpers import browser
from tests.factories import Api, add_place, at_once, id_number, make_user
from tests.projects.helpers import PROJECT
from tests.registry.test_roster import files, roster
from workflow.audit import register
from workflow.audit.models import RegisterEvent
from workflow.auth.models import User
from workflow.extensions import db
from workflow.registry.operations import create_household
from workflow.registry.roster import import_roster


def events() -> list[RegisterEvent]:
    db.session.expire_all()
    return db.session.execute(db.select(RegisterEvent).order_by(RegisterEvent.id)).scalars().all()


def test_registering_a_household_is_chained_in_its_village(client, world):
    body = new_household()
    assert Api(client, "clerk").post("/api/v1/households", json=body).status_code == 201
    refused = Api(client, "clerk").post("/api/v1/households", json=body)  # same ID again
    assert refused.status_code == 422
    [event] = events()
    village = world.places["v1"]
    db.session.refresh(village)
    assert (event.village_id, event.seq, event.action_title) == (village.id, 1, "登记农户")
    assert (event.actor_name, event.role) == ("李秀英", "village_clerk")
    assert "林堃" in event.summary and body["id_number"] not in str(event.summary) + \
        str(event.data)  # masked only
    assert (village.register_seq, village.register_head) == (1, event.hash)
    assert register.verify() == (1, [])


def test_houses_and_project_proposals_join_the_village_chain(client, world):
    clerk = Api(client, "clerk")
    household = world.households[0]
    assert clerk.post("/api/v1/houses", json={
        "household_id": household.id, "address": "大房身村3组12号", "structure": "brick_wood",
        "year_built": 1985, "area": "60.3"}).status_code == 201
    assert clerk.post("/api/v1/projects", json=PROJECT).status_code == 201
    assert clerk.post("/api/v1/projects", json={**PROJECT, "budget": "-1"}).status_code == 422
    house, project = events()
    assert (house.seq, house.action_title, project.seq, project.action_title) == (
        1, "登记房屋", 2, "申报项目")
    assert f"登记房屋：王建国（{household.masked_id}）大房身村3组12号，砖木结构" in house.summary
    assert project.summary == "申报项目：大房身村香菇大棚，概算 800,000.00 元"
    assert register.verify() == (2, [])


def test_a_roster_import_is_one_event_per_changed_village(world):
    clerk = world.users["clerk"]
    upload = files(*roster(3))
    import_roster(upload, clerk)
    import_roster(upload, clerk)  # nothing changed: nothing recorded
    [event] = events()
    assert event.action == "roster_imported" and event.seq == 1
    assert "新建 3 户，更新 0 户" in event.summary
    assert event.data["files"][0] == {"name": "家庭成员.csv", "bytes": len(upload[0][1]),
                                      "sha256": hashlib.sha256(upload[0][1]).hexdigest()}
    members, incomes = roster(3)
    members[1][12] = "大房身村新址"  # one household's address changes
    import_roster(files(members, incomes), clerk)
    first, second = events()
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert "新建 0 户，更新 1 户" in second.summary
    head = members[1][0]
    assert second.data["updated_households"] == [f"石0堃（{head[:6]}{'*' * 11}{head[-1]}）"]
    assert second.data["created_households"] == [] and len(first.data["created_households"]) == 3
    assert register.verify() == (2, [])


def test_tampering_with_the_register_trail_is_found(app, client, world):
    Api(client, "clerk").post("/api/v1/households", json=new_household())
    import_roster(files(*roster(2)), world.users["clerk"])
    assert run_verify(app).exit_code == 0
    tamper("UPDATE register_events SET summary = '登记农户 某某' WHERE seq = 1")
    result = run_verify(app)
    assert result.exit_code == 1 and "大房身村 建档留痕 第 1 条: 内容哈希不符" in result.output
    tamper("DELETE FROM register_events WHERE seq = 2")
    result = run_verify(app)
    assert "链尾与村记录不符" in result.output


def test_auditors_read_the_register_trail_of_their_county_only(app, client, world):
    Api(client, "clerk").post("/api/v1/households", json=new_household())
    import_roster(files(*roster(2)), world.users["clerk"])
    taian = add_place("210321", "台安县", "county", world.places["city"])
    make_user("taian_auditor", ("auditor", taian))
    db.session.commit()
    page = browser(app, "auditor").get("/oversight/register").get_data(as_text=True)
    assert "登记农户 林堃" in page and "李秀英" in page and "大房身村" in page
    assert "新建：石0堃（210323" in page and "家庭成员.csv：" in page
    other = browser(app, "taian_auditor").get("/oversight/register").get_data(as_text=True)
    assert "林堃" not in other and "管辖范围内尚无建档变更记录" in other
    assert browser(app, "clerk").get("/oversight/register").status_code == 403
    with db.engine.begin() as conn:  # the trail is not in the other county's check either
        assert conn.execute(text("SELECT count(*) FROM register_events")).scalar() == 2
    assert register.verify(["/210300/210321/"]) == (0, [])


def test_concurrent_registrations_in_one_village_queue_on_its_chain(app, world, postgres_only):
    db.session.remove()

    def register_one(ready, k: int) -> str:
        user = db.session.execute(db.select(User).filter_by(username="clerk")).scalar_one()
        body = new_household(head_name=f"并发{k}",
                             id_number=id_number("210323", "19800303", 500 + k), members=[])
        ready()
        create_household(body, user)
        return "ok"

    errors = [o for o in at_once(app, [(k,) for k in range(4)], register_one) if o != "ok"]
    assert errors == []
    assert [e.seq for e in events()] == [1, 2, 3, 4]
    assert register.verify() == (4, [])


def test_the_register_trail_through_the_api_is_scoped(client, world):
    Api(client, "clerk").post("/api/v1/households", json=new_household())
    mine = Api(client, "clerk").get("/api/v1/register/trail").get_json()
    [event] = mine["items"]
    assert (mine["total"], event["village"], event["seq"], event["action"]) == (
        1, "210323106201", 1, "household_registered")
    assert event["hash"] == events()[0].hash and event["prev_hash"] == "0" * 64
    other = Api(client, "other_clerk")
    assert other.get("/api/v1/register/trail").get_json()["items"] == []
    refused = other.get("/api/v1/register/trail?village=210323106201")
    assert refused.status_code == 422 and "village" in refused.get_json()["errors"]
