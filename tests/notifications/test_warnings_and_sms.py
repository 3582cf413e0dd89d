"""Time-limit warnings (临期, 超期) notify the step's handlers once per case, step and
level; text messages go, once, to the users who opted in, through the configured sender."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from tests.cases.test_timelimits import _travel_to
from tests.factories import Api
from workflow.cases.operations import create_case
from workflow.extensions import db
from workflow.notifications import sms
from workflow.notifications.models import Notification
from workflow.notifications.warnings import send_warnings


def warnings_of(user) -> list[str]:
    return list(db.session.execute(select(Notification.text).where(
        Notification.kind == "limit_warning", Notification.user_id == user.id)
        .order_by(Notification.id)).scalars())


def test_yellow_then_red_each_once(world, app):
    _travel_to(dt.date(2026, 2, 12))
    case = create_case("monitoring_entry", world.households[0].id, world.users["clerk"])
    clerk = world.users["clerk"]
    _travel_to(dt.date(2026, 2, 13))
    send_warnings()
    assert warnings_of(clerk) == []  # 正常
    _travel_to(dt.date(2026, 2, 14))  # the make-up Saturday: 今日到期, 临期
    send_warnings()
    send_warnings()  # a second run (another worker, a retry) adds nothing
    texts = warnings_of(clerk)
    assert len(texts) == 1 and texts[0].startswith("办理时限临期") and "村级核实" in texts[0]
    _travel_to(dt.date(2026, 2, 24))
    result = app.test_cli_runner().invoke(args=["notifications", "warnings"])
    assert result.exit_code == 0, result.output
    send_warnings()
    texts = warnings_of(clerk)
    assert len(texts) == 2 and texts[1].startswith("办理时限已超期")
    assert "超期1个工作日" in texts[1]
    # Only the step's handlers: not the township above, nor another village.
    assert warnings_of(world.users["township"]) == []
    assert warnings_of(world.users["other_clerk"]) == []
    assert {n.case_id for n in db.session.execute(select(Notification).where(
        Notification.kind == "limit_warning")).scalars()} == {case.id}


def test_the_job_is_registered_on_the_queue(app):
    from workflow.jobs.registry import PERIODIC

    assert PERIODIC["notifications.limit_warnings"].cron == "7 * * * *"
    assert "notifications.sms" in PERIODIC


def test_text_messages_only_for_opted_in_kinds_and_once(world, app, client, caplog):
    clerk = world.users["clerk"]
    sms.set_sms_kinds(clerk, {"todo", "no-such-kind"})
    assert sms.sms_kinds(clerk)["todo"] is True and sms.sms_kinds(clerk)["mention"] is False
    case_id = Api(client, "helper").post("/api/v1/cases", json={
        "procedure": "monitoring_entry", "subject_id": world.households[0].id}).get_json()["id"]
    assert db.session.execute(select(Notification).where(
        Notification.user_id == clerk.id, Notification.kind == "todo")).first() is not None
    app.config["SMS_SENDER"] = ""
    try:
        assert sms.send_pending() == (0, 0)  # no sender configured: nothing goes out
        app.config["SMS_SENDER"] = "log"
        with caplog.at_level(logging.INFO, logger=app.logger.name):
            assert sms.send_pending() == (1, 0)
            assert sms.send_pending() == (0, 0)
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sms to")]
        assert len(lines) == 1 and lines[0].startswith("sms to clerk") and "新的待办" in lines[0]
        # A failing gateway releases the message for the next run.
        db.session.execute(Notification.__table__.update().where(
            Notification.__table__.c.user_id == clerk.id).values(sms_at=None))
        db.session.commit()

        @sms.sender("broken")
        def broken(user, text):
            raise OSError("gateway down")

        app.config["SMS_SENDER"] = "broken"
        assert sms.send_pending() == (0, 1)
        app.config["SMS_SENDER"] = "log"
        assert sms.send_pending() == (1, 0)
    finally:
        app.config["SMS_SENDER"] = ""
        sms.SENDERS.pop("broken", None)
    del case_id
