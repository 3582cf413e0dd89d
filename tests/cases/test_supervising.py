"""Issuing a 督办: by the level above, a recorded event on the trail, the current
handlers notified, the badge counting to the new date; refusals name the field."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.cases.test_timelimits import _limits, _travel_to
from tests.factories import Api
from tests.web.test_pages import login
from workflow.cases.models import Case
from workflow.cases.operations import create_case
from workflow.extensions import db
from workflow.notifications.models import Notification


def late_alert(world) -> Case:
    _travel_to(dt.date(2026, 2, 12))
    case = create_case("monitoring_entry", world.households[0].id, world.users["clerk"])
    _travel_to(dt.date(2026, 2, 24))  # the village check is one working day over
    return case


def test_township_issues_a_supervision_notice_from_the_list(client, world, app):
    case = late_alert(world)
    assert _limits(case.id)["village_check"].level == "red"
    login(client, "township")
    response = client.post(f"/supervision/{case.id}", data={
        "text": "请于限办日期前完成入户核实", "due_on": "2026-02-26",
        "csrf_token": _csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    events = Api(client, "county").get(f"/api/v1/cases/{case.id}/trail").get_json()["events"]
    last = events[-1]
    assert (last["action"], last["action_title"], last["opinion"]) == \
        ("supervise", "督办", "请于限办日期前完成入户核实")
    assert last["data"]["due_on"] == "2026-02-26" and last["actor"] == "周审核"
    # The handlers of the step (the village's clerk and helper) are told, nobody else.
    notes = db.session.execute(select(Notification.user_id, Notification.text).where(
        Notification.kind == "supervision")).all()
    assert sorted(u for u, _ in notes) == sorted(world.users[n].id for n in ("clerk", "helper"))
    assert "限 2026-02-26 前办结" in notes[0][1]
    # The badge counts to the new date: 临期 until then, 超期 after.
    limits = _limits(case.id)
    assert "village_check" not in limits
    pressed = limits["supervision"]
    assert (pressed.level, pressed.due_on, pressed.text) == \
        ("yellow", dt.date(2026, 2, 26), "剩余2个工作日")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="supervision-note"' in page and "请于限办日期前完成入户核实" in page
    assert "督办期限：临期·剩余2个工作日" in page
    listed = client.get("/supervision").get_data(as_text=True)
    assert "已督办：限 2026-02-26" in listed
    _travel_to(dt.date(2026, 2, 27))
    assert _limits(case.id)["supervision"].level == "red"
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def _csrf(client) -> str:
    import re

    page = client.get("/supervision").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_only_the_level_above_may_issue_and_bad_input_is_named(client, world):
    case = late_alert(world)
    clerk = Api(client, "clerk")
    body = {"text": "请尽快", "due_on": "2026-02-26"}
    assert clerk.post(f"/api/v1/cases/{case.id}/supervision", json=body).status_code == 403
    other = Api(client, "other_township")  # another township: not in scope
    assert other.post(f"/api/v1/cases/{case.id}/supervision", json=body).status_code == 404
    township = Api(client, "township")
    for bad, field, words in [({"text": "", "due_on": "2026-02-26"}, "text", "请填写「督办意见」"),
                              ({"text": "x", "due_on": "2026-02-20"}, "due_on", "不能早于今天"),
                              ({"text": "x", "due_on": "明天"}, "due_on", "「限办日期」须为日期"),
                              ({"text": 5, "due_on": None}, "text", "「督办意见」须为文字"),
                              ({"text": "x" * 501, "due_on": "2026-02-26"}, "text", "最多")]:
        response = township.post(f"/api/v1/cases/{case.id}/supervision", json=bad)
        assert response.status_code == 422, (bad, response.get_json())
        assert words in response.get_json()["errors"][field][0]
    assert township.post(f"/api/v1/cases/{case.id}/supervision", json=[1]).status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).event_count == 1  # nothing written
    assert db.session.execute(select(Notification).where(
        Notification.kind == "supervision")).first() is None
    ok = township.post(f"/api/v1/cases/{case.id}/supervision", json=body)
    assert ok.status_code == 201 and ok.get_json()["version"] == 2


def test_a_refused_form_shows_the_error_beside_the_field(client, world):
    case = late_alert(world)
    login(client, "township")
    response = client.post(f"/supervision/{case.id}", data={
        "text": "", "due_on": "2026-02-26", "csrf_token": _csrf(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="sv-text-{case.id}-error"' in page and "请填写「督办意见」" in page


def test_the_api_gives_the_time_limit_status_and_due_date(client, world):
    case = late_alert(world)
    api = Api(client, "clerk")
    body = api.get(f"/api/v1/cases/{case.id}").get_json()
    assert body["time_limit"]["label"] == "超期" and body["time_limit"]["name"] == "village_check"
    assert body["time_limit"]["due_on"] == "2026-02-14"
    assert {s["name"] for s in body["time_limits"]} == {"village_check", "whole_procedure"}
    listed = api.get("/api/v1/cases").get_json()["items"]
    assert listed[0]["time_limit"]["label"] == "超期"


def test_the_case_page_issues_a_supervision_notice_for_the_level_above(client, world, as_user):
    case = late_alert(world)
    clerk = as_user("clerk")  # the village acts on the step: no 督办 form for it
    assert 'id="case-supervise"' not in clerk.get(f"/cases/{case.id}").get_data(as_text=True)
    login(client, "township")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="case-supervise"' in page and "发出督办" in page
    form = {"text": "请两日内入户核实", "due_on": "2026-02-26", "back": "case",
            "version": str(case.version), "csrf_token": _csrf(client)}

    refused = client.post(f"/supervision/{case.id}", data={**form, "due_on": "2026-02-01"})
    assert refused.status_code == 422
    shown = refused.get_data(as_text=True)
    assert "督办未发出" in shown and 'id="sv-due-error"' in shown and "不能早于今天" in shown
    assert "请两日内入户核实" in shown  # what was typed comes back
    stale = client.post(f"/supervision/{case.id}", data={**form, "version": "99"})
    assert stale.status_code == 409 and "督办未发出" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).event_count == 1  # neither wrote anything

    done = client.post(f"/supervision/{case.id}", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{case.id}")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="supervision-note"' in page and "请两日内入户核实" in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).event_count == 2


def test_the_time_limit_filter_counts_to_the_supervision_date(client, world):
    from workflow.cases import timelimits
    from workflow.cases.queries import case_query

    case = late_alert(world)
    other = create_case("monitoring_entry", world.households[1].id, world.users["clerk"])

    def found(level: str) -> set[int]:
        db.session.expire_all()
        query = case_query(world.users["county"], limit=level)
        return {c.id for c in db.session.execute(query).scalars().unique().all()}

    def badges() -> dict[int, str]:
        db.session.expire_all()
        cases = db.session.execute(select(Case)).scalars().all()
        return {c: s[0].level for c, s in timelimits.for_cases(cases).items() if s}

    assert found("red") == {case.id}
    township = Api(client, "township")
    body = {"text": "请于26日前完成核实", "due_on": "2026-02-26"}
    assert township.post(f"/api/v1/cases/{case.id}/supervision", json=body).status_code == 201
    # Pressed to a new date: 临期 until it, as its badge says, and still on the 督办 list.
    assert (found("red"), found("yellow")) == (set(), {case.id})
    assert (badges()[case.id], badges()[other.id]) == ("yellow", "green")
    login(client, "township")
    assert f'data-case="{case.id}"' in client.get("/supervision").get_data(as_text=True)
    _travel_to(dt.date(2026, 2, 27))  # the 督办's date has passed
    assert case.id in found("red") and case.id not in found("yellow")
    assert badges()[case.id] == "red"
