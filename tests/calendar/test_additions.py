"""The additions: bad input refused in Chinese naming the field with nothing written (the
page and the CLI), the administration trail, and `audit verify` catching tampering."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from tests.web.test_pages import csrf, login
from workflow import clock
from workflow.audit.models import AdminEvent
from workflow.calendar.models import CalendarDay
from workflow.extensions import db


def _count() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.execute(select(func.count()).select_from(CalendarDay)).scalar_one(),
            db.session.execute(select(func.count()).select_from(AdminEvent)).scalar_one())


def _travel_to(day: dt.date) -> None:
    clock.travel(clock.day_start(day) + dt.timedelta(hours=2) - clock.utcnow())


def test_the_page_warns_of_a_year_without_data_and_adds_a_date(client, world, city_admin):
    _travel_to(dt.date(2027, 1, 10))
    login(client, "city_admin")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert 'id="unknown-2027"' in page and "按周一至周五计算" in page
    assert 'href="/admin/calendar" class="active"' in page  # in the 系统管理 menu
    response = client.post("/admin/calendar", data={
        "day": "2027-02-06", "kind": "workday", "name": "春节", "reason": "调休",
        "csrf_token": csrf(client, "/admin/calendar")})
    assert response.status_code == 302
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert 'data-day="2027-02-06"' in page and 'id="unknown-2027"' not in page
    event = db.session.execute(select(AdminEvent)).scalar_one()
    assert event.action == "calendar_set" and event.target == "calendar:2027-02-06"
    assert event.data["after"]["kind"] == "workday" and event.role == "admin"


def test_bad_input_on_the_page_names_the_field_and_writes_nothing(client, world, city_admin):
    login(client, "city_admin")
    token = csrf(client, "/admin/calendar")
    for form, message in (
            ({"day": "2027-02-30", "kind": "holiday", "name": "春节"}, "「日期」须为"),
            ({"day": "", "kind": "holiday", "name": "春节"}, "「日期」须为"),
            ({"day": "2027-02-08", "kind": "周末", "name": "春节"}, "「类型」须为"),
            ({"day": "2027-02-08", "kind": "holiday", "name": " "}, "请填写「名称」"),
            ({"day": "2027-02-08", "kind": "holiday", "name": "春" * 65}, "「名称」最多"),
            ({"day": "2027-02-08", "kind": "holiday", "name": "春节", "reason": "a\x01"},
             "「说明」不能含有控制字符")):
        response = client.post("/admin/calendar", data={**form, "csrf_token": token})
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True), form
    assert _count() == (0, 0)


def test_only_an_administrator_of_the_top_place_sets_the_calendar(client, world, city_admin):
    login(client, "admin")  # the county's administrator reads, cannot set
    page = client.get("/admin/calendar")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="c-submit"' not in text
    assert 'id="calendar-who"' in text  # told who may
    response = client.post("/admin/calendar", data={
        "day": "2027-02-08", "kind": "holiday", "name": "春节",
        "csrf_token": csrf(client, "/admin/calendar")})
    assert response.status_code == 403
    other = client.application.test_client()
    login(other, "clerk")
    assert other.get("/admin/calendar").status_code == 403
    assert _count() == (0, 0)


def test_the_cli_adds_lists_refuses_and_removes(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "add", "2027-02-08", "法定节假日", "春节"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["calendar", "add", "2027-13-01", "holiday", "春节"])
    assert bad.exit_code != 0 and "「日期」须为" in bad.output
    bad = runner.invoke(args=["calendar", "add", "2027-02-09", "假", "春节"])
    assert bad.exit_code != 0 and "「类型」须为" in bad.output
    assert _count() == (1, 1)
    listed = runner.invoke(args=["calendar", "list", "--year", "2027"])
    assert "NOT known" in listed.output and "2027-02-08\t法定节假日\t春节" in listed.output
    after = runner.invoke(args=["calendar", "after", "2027-02-05", "1"])
    assert after.output == "2027-02-09\n"  # 2027 has an addition: no warning
    after = runner.invoke(args=["calendar", "after", "2028-02-04", "1"])
    assert after.output.startswith("2028-02-07") and "counted Monday-Friday" in after.output
    assert runner.invoke(args=["calendar", "remove", "2027-02-08"]).exit_code == 0
    assert _count() == (0, 2)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_audit_verify_catches_a_tampered_addition(app, world, city_admin):
    from workflow.calendar import operations as ops

    ops.set_day(city_admin, "2027-02-08", "holiday", "春节")
    ops.set_day(city_admin, "2027-02-09", "holiday", "春节")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with db.engine.begin() as conn:  # behind the application: a holiday made a working day
        conn.execute(text("UPDATE calendar_days SET kind = 'workday' "
                          "WHERE day = '2027-02-08'"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "2027-02-08 的节假日设置与管理留痕不符" in result.output
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE calendar_days SET kind = 'holiday' "
                          "WHERE day = '2027-02-08'"))
        conn.execute(text("DELETE FROM calendar_days WHERE day = '2027-02-09'"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "2027-02-09 的节假日设置被删除" in result.output
