"""Photos taken in 外业采集 through the real app and database: which cases and kinds the
package offers (YAML ``offline_photos``), a photo attached once however often it is sent,
with its capture time and place on the trail; bad capture facts named in Chinese, nothing
written. Which actions are offline is data too (``offline: true``)."""
from __future__ import annotations

import datetime as dt
import io
import uuid

from sqlalchemy import func, select

from tests.housing.helpers import jpeg_bytes, make_house
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.operations import create_case
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.offline.operations import offline_actions


def renovation(world):
    house = make_house(world.households[0])
    return create_case("house_renovation", house.id, world.users["clerk"])


def send(client, token, case, **fields):
    body = {"key": str(uuid.uuid4()), "case_id": str(case), "kind": "photo_before",
            "captured_at": (clock.utcnow() - dt.timedelta(hours=2)).isoformat() + "Z",
            "latitude": "40.2911", "longitude": "123.2803", **fields}
    if "file" not in body:
        body["file"] = (io.BytesIO(jpeg_bytes()), "photo.jpg", "image/jpeg")
    return client.post("/offline/photos", data=body, headers={"X-CSRFToken": token},
                       content_type="multipart/form-data"), body["key"]


def attach_events(case_id: int) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "attach")).scalar_one()


def test_offline_actions_and_photos_come_from_the_definitions(world, as_user):
    assert offline_actions() == {"household_exit": {"submit_survey"},
                                 "house_renovation": {"record_home_check"},
                                 "monitoring_entry": {"record_alert", "record_home_check"}}
    case = renovation(world)
    alert = create_case("monitoring_entry", world.households[1].id, world.users["clerk"])
    body = as_user("helper").get("/offline/package").get_json()
    assert [(c["id"], c["action"]) for c in body["cases"]] == [(alert.id, "record_alert")]
    photos = {c["id"]: c["kinds"] for c in body["photo_cases"]}
    assert photos == {case.id: {"notice_photo": "公示照片", "photo_before": "改造前照片",
                                "photo_during": "施工中照片", "photo_after": "竣工照片"}}
    # Another township's helper is offered nothing of it.
    assert as_user("other_clerk").get("/offline/package").get_json()["photo_cases"] == []


def test_a_photo_arrives_once_with_its_capture_time_and_place(world, as_user):
    case = renovation(world)
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    first, key = send(client, token, case.id)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["outcome"] == "applied"
    again = client.post("/offline/photos", data={
        "key": key, "case_id": str(case.id), "kind": "photo_before",
        "file": (io.BytesIO(jpeg_bytes("blue")), "photo.jpg", "image/jpeg")},
        headers={"X-CSRFToken": token}, content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert attach_events(case.id) == 1
    row = db.session.execute(select(Attachment)).scalar_one()
    assert row.kind == "photo_before" and (row.latitude, row.longitude) == (40.2911, 123.2803)
    assert dt.timedelta(hours=1) < row.uploaded_at - row.captured_at < dt.timedelta(hours=3)
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "attach")).scalar_one()
    assert event.data["captured_at"] == row.captured_at.isoformat(timespec="seconds") + "Z"
    assert event.data["position"] == [40.2911, 123.2803]
    page = as_user("township").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "拍摄于" in page and "拍摄位置 纬度 40.29110、经度 123.28030" in page


def test_bad_photos_are_refused_in_chinese_and_write_nothing(world, as_user):
    case = renovation(world)
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    future = (clock.utcnow() + dt.timedelta(days=1)).isoformat() + "Z"
    for fields, status, field, words in [
            ({"captured_at": "昨天"}, 422, "captured_at", "「拍摄时间」须为带时区的时间"),
            ({"captured_at": "2026-02-01T08:00:00"}, 422, "captured_at", "带时区"),
            ({"captured_at": future}, 422, "captured_at", "不能晚于现在"),
            ({"latitude": ""}, 422, "position", "须同时有纬度和经度"),
            ({"latitude": "95"}, 422, "position", "经纬度不正确"),
            ({"longitude": "nan"}, 422, "position", "经纬度不正确"),
            ({"key": "x"}, 422, "key", "草稿编号格式不正确"),
            ({"case_id": "一"}, 422, "case_id", "案件编号必须是整数"),
            ({"file": (io.BytesIO(b""), "", "image/jpeg")}, 422, "file", "「照片」为必填项"),
            ({"file": (io.BytesIO(b"not a photo"), "photo.jpg", "image/jpeg")}, 422, "file",
             ""),
            ({"kind": "agreement"}, 404, None, "不能在外业采集中拍摄"),
            ({"case_id": "999999"}, 404, None, "")]:
        response, _ = send(client, token, case.id, **fields)
        assert response.status_code == status, (fields, response.get_json())
        body = response.get_json()
        if field:
            assert words in "".join(body["errors"][field]), (fields, body)
        else:
            assert words in body["message"], body
    assert attach_events(case.id) == 0
    assert db.session.execute(select(func.count()).select_from(Attachment)).scalar_one() == 0
