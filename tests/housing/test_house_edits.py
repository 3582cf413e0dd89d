"""Editing a house: by the clerk (not the helper), on the register chain with the
field-level before/after, versioned, validated whole, not while a renovation case on
it runs; a row changed behind the application fails ``audit verify``."""
from __future__ import annotations

from sqlalchemy import text

from tests.audit.test_verify import run_verify
from tests.factories import Api
from tests.housing.helpers import make_house, start
from workflow.audit.models import RegisterEvent
from workflow.extensions import db
from workflow.housing.models import House


def patch(api: Api, house_id: int, body: dict):
    return api.client.patch(f"/api/v1/houses/{house_id}", json=body, headers=api.headers)


def edits() -> list[RegisterEvent]:
    db.session.expire_all()
    return db.session.execute(db.select(RegisterEvent).where(
        RegisterEvent.action == "house_edited")).scalars().all()


def test_a_clerk_corrects_a_house_on_the_chain(app, client, world):
    house = make_house(world.households[0])
    clerk = Api(client, "clerk")
    assert clerk.get(f"/api/v1/houses/{house.id}").get_json()["version"] == 1
    response = patch(clerk, house.id, {"version": 1, "structure": "brick_wood", "area": "52",
                                       "year_built": 1982, "reason": "复核面积"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 2 and response.get_json()["area"] == "52.00"
    [event] = edits()
    assert event.action_title == "修改房屋信息" and event.role == "village_clerk"
    assert event.data["changes"] == {
        "structure": {"before": "earth_wood", "after": "brick_wood"},
        "area": {"before": "48.50", "after": "52.00"},
        "year_built": {"before": 1978, "after": 1982}}
    assert event.data["house_id"] == house.id and event.data["reason"] == "复核面积"
    history = clerk.get(f"/api/v1/houses/{house.id}/history").get_json()
    assert history[0]["action"] == "house_edited"
    assert run_verify(app).exit_code == 0
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE houses SET area = 90 WHERE id = :id"), {"id": house.id})
    result = run_verify(app)
    assert result.exit_code == 1 and "「建筑面积」与修改记录不符" in result.output


def test_house_edits_are_refused_for_the_wrong_role_a_stale_version_and_bad_values(
        client, world):
    house = make_house(world.households[0])
    helper = patch(Api(client, "helper"), house.id, {"version": 1, "area": "60"})
    assert helper.status_code == 403 and "「建筑面积」" in helper.get_json()["message"]
    clerk = Api(client, "clerk")
    bad = patch(clerk, house.id, {"version": 1, "area": "3", "structure": "草房",
                                  "year_built": 1800})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert {"area", "structure", "year_built"} <= set(errors)
    assert "「建筑面积」" in errors["area"][0]
    assert patch(clerk, house.id, {"version": 1, "household_id": 2}).status_code == 422
    assert patch(clerk, house.id, {"version": 1, "address": "新址"}).status_code == 200
    assert patch(clerk, house.id, {"version": 1, "area": "60"}).status_code == 409
    db.session.expire_all()
    row = db.session.get(House, house.id)
    assert str(row.area) == "48.50" and row.address == "新址" and len(edits()) == 1
    assert patch(Api(client, "other_clerk"), house.id, {"version": 2}).status_code == 404


def test_not_while_a_renovation_case_runs(client, world):
    house = make_house(world.households[0])
    clerk = Api(client, "clerk")
    case_id = start({"clerk": clerk}, house)
    refused = patch(clerk, house.id, {"version": 1, "area": "60"})
    assert refused.status_code == 409 and f"案件编号 {case_id}" in refused.get_json()["message"]
    # The household's account, paid into by this case, is frozen meanwhile too.
    hid = world.households[0].id
    version = clerk.get(f"/api/v1/households/{hid}").get_json()["version"]
    account = clerk.client.patch(f"/api/v1/households/{hid}", headers=clerk.headers,
                                 json={"version": version, "bank_account": "6217000099998888777"})
    assert account.status_code == 409


def test_the_house_page_shows_the_form_to_the_clerk_only(app, world):
    from tests.documents.helpers import browser, csrf_of

    house = make_house(world.households[0])
    clerk = browser(app, "clerk")
    assert "修改</a>" in clerk.get(f"/houses/{house.id}").get_data(as_text=True)
    assert "修改</a>" not in browser(app, "helper").get(
        f"/houses/{house.id}").get_data(as_text=True)
    token = csrf_of(clerk, f"/houses/{house.id}?edit=1")
    saved = clerk.post(f"/houses/{house.id}/edit", data={
        "csrf_token": token, "version": "1", "address": house.address,
        "structure": "brick_wood", "area": "48.5", "year_built": "1978"},
        follow_redirects=True).get_data(as_text=True)
    assert "已保存房屋信息" in saved and "砖木结构" in saved and "修改房屋信息" in saved
