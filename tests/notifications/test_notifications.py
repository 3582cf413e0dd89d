"""The notification centre: who is told of a new to-do, a 退回 and an objection, once per
event; preferences; the page, the API and the top-bar count; each user sees only theirs."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.cases.test_household_exit import pass_notice, start, to_notice
from tests.factories import Api, make_user
from tests.web.test_pages import csrf
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.notifications import events
from workflow.notifications import operations as ops
from workflow.notifications.models import Notification


@pytest.fixture
def apis(client, world):
    return {name: Api(client, name) for name in
            ("clerk", "team", "helper", "township", "county", "other_township")}


def rows(username: str, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.user_id == _id(username))
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query.order_by(Notification.id)).scalars())


def _id(username: str) -> int:
    from workflow.auth.models import User

    return db.session.execute(select(User.id).filter_by(username=username)).scalar_one()


def at_township(apis, world) -> int:
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    return case_id


def test_a_new_to_do_notifies_the_next_levels_users_once(apis, world):
    case_id = at_township(apis, world)
    todo = rows("township", "todo")
    assert [n.case_id for n in todo] == [case_id]
    assert "乡镇审核" in todo[0].text or "待「" in todo[0].text
    assert rows("other_township", "todo") == []  # another township: not their place
    assert rows("county", "todo") == []  # the county acts later
    # The hook runs again for the same event (a retried effect): still one row.
    event = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    case = db.session.get(Case, case_id)
    values = {c: getattr(event, c) for c in ("case_id", "seq", "action", "actor_id",
                                             "actor_name", "from_state", "to_state", "opinion")}
    events.after_events([case], [values])
    events.after_events([case], [values])
    db.session.commit()
    assert len(rows("township", "todo")) == 1


def test_a_to_do_handled_by_a_colleague_is_no_longer_unread(apis, world):
    make_user("township2", ("township_reviewer", world.places["pianling"]))
    db.session.commit()
    case_id = at_township(apis, world)
    assert [n.read_at for n in rows("township2", "todo")] == [None]
    assert apis["township"].act(case_id, "township_approve_with_notice",
                                {"files_complete": True, "spot_checked": True}).status_code == 200
    # The colleague's notice of the step the case left is settled; the notice of the
    # step it entered (乡镇公示, theirs too) is the only unread one.
    first, entered = rows("township2", "todo")
    assert first.read_at is not None and entered.read_at is None
    assert "乡镇公示" in entered.text
    from workflow.auth.models import User
    assert ops.unread_count(db.session.get(User, _id("township2"))) == 1
    # An event that leaves the case in its step (an objection recorded) settles nothing.
    assert apis["township"].act(case_id, "record_township_objection",
                                {"content": "有车辆"}).status_code == 200
    assert rows("township2", "todo")[1].read_at is None


def test_a_return_notifies_the_submitter_and_an_objection_the_handlers(apis, world):
    case_id = at_township(apis, world)
    assert apis["township"].act(case_id, "township_approve_with_notice",
                                {"files_complete": True, "spot_checked": True}).status_code == 200
    make_user("township2", ("township_reviewer", world.places["pianling"]))
    db.session.commit()
    assert apis["township"].act(case_id, "record_township_objection",
                                {"content": "有车辆"}).status_code == 200
    assert [n.case_id for n in rows("clerk", "objection")] == [case_id]
    assert len(rows("township2", "objection")) == 1
    assert rows("township", "objection") == []  # who recorded it is not told
    assert apis["township"].act(case_id, "uphold_township_objection",
                                opinion="属实").status_code == 200
    returned = rows("clerk", "returned")
    assert len(returned) == 1 and "属实" in returned[0].text and "退回" in returned[0].text


def test_preferences_switch_a_kind_off(apis, world, as_user):
    browser = as_user("township")
    token = csrf(browser, "/account")
    page = browser.get("/account").get_data(as_text=True)
    assert "通知设置" in page and 'value="todo"' in page
    response = browser.post("/account/notifications", data={
        "csrf_token": token, "kinds": ["returned", "objection", "mention"]})
    assert response.status_code == 302
    assert ops.preferences(world.users["township"])["todo"] is False
    at_township(apis, world)
    assert rows("township", "todo") == []
    # Without the CSRF token the form is refused and nothing changes.
    assert browser.post("/account/notifications", data={"kinds": ["todo"]}).status_code == 400
    assert ops.preferences(world.users["township"])["todo"] is False
    # The API sets them too.
    api = Api(browser, "township")
    assert api.client.put("/api/v1/notifications/preferences", headers=api.headers,
                          json={"kinds": {"todo": True}}).get_json()["kinds"]["todo"] is True
    bad = api.client.put("/api/v1/notifications/preferences", headers=api.headers,
                         json={"kinds": {"todo": "yes"}})
    assert bad.status_code == 422 and "通知类别" in bad.get_json()["errors"]["kinds"][0]


def test_page_count_and_mark_read_are_the_users_own(apis, world, as_user):
    case_id = at_township(apis, world)
    browser = as_user("township")
    todo_page = browser.get("/").get_data(as_text=True)
    assert re.search(r'id="notification-count"[^>]*data-unread="1"', todo_page)
    listing = browser.get("/notifications").get_data(as_text=True)
    assert f"/cases/{case_id}" not in listing or "查看" in listing
    mine = rows("township")[0]
    # Another user cannot read or mark it: 404 as for anything out of reach.
    other = Api(browser.application.test_client(), "county")
    assert other.post(f"/api/v1/notifications/{mine.id}/read").status_code == 404
    assert all(n["id"] != mine.id for n in
               other.get("/api/v1/notifications").get_json()["notifications"])
    own = Api(browser.application.test_client(), "township")
    listed = own.get("/api/v1/notifications").get_json()
    assert listed["unread"] == 1 and listed["notifications"][0]["kind"] == "todo"
    token = csrf(browser, "/notifications")
    opened = browser.post(f"/notifications/{mine.id}/read", data={"csrf_token": token,
                                                                   "open": "1"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/cases/{case_id}")
    assert rows("township")[0].read_at is not None
    assert 'data-unread="0"' in browser.get("/").get_data(as_text=True)
    assert own.post("/api/v1/notifications/read-all").get_json()["marked"] == 0


def test_pending_for_digest_is_unread_since_and_of_kinds_still_on(apis, world):
    import datetime as dt

    from workflow import clock

    before = clock.utcnow() - dt.timedelta(seconds=1)
    at_township(apis, world)
    township = world.users["township"]
    assert [n.kind for n in ops.pending_for_digest(township, before)] == ["todo"]
    assert ops.pending_for_digest(township, clock.utcnow() + dt.timedelta(days=30)) == []
    ops.set_preferences(township, ["mention"])
    assert ops.pending_for_digest(township, before) == []


def test_the_top_bar_count_costs_one_statement(apis, world, as_user, app):
    """The to-do page with the count: one indexed count more than without it."""
    from sqlalchemy import event

    at_township(apis, world)
    browser = as_user("township")
    browser.get("/")  # warm
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        browser.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    counts = [s for s in seen if "notifications" in s]
    assert len(counts) == 1 and "count(" in counts[0].lower()
    assert db.session.execute(select(func.count()).select_from(Notification)).scalar_one() >= 1


def test_a_new_case_is_a_to_do_for_the_first_steps_other_officials(apis, world):
    case_id = start(apis, world)  # the clerk starts it; the survey is the helper's or clerk's
    assert [n.case_id for n in rows("helper", "todo")] == [case_id]
    assert rows("clerk", "todo") == []  # who started it knows
    assert rows("other_township", "todo") == []
