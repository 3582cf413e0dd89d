"""Any edit, deletion or reordering of the trail makes `flask audit verify` fail."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.cases.test_household_exit import start
from tests.factories import GOOD_APPRAISAL, GOOD_SURVEY, Api
from workflow.extensions import db


@pytest.fixture
def case_id(client, world):
    apis = {"clerk": Api(client, "clerk"), "helper": Api(client, "helper")}
    case_id = start(apis, world)
    apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY)
    apis["clerk"].act(case_id, "submit_appraisal", GOOD_APPRAISAL)
    apis["clerk"].act(case_id, "verify")
    return case_id


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def tamper(sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_clean_trail_verifies(app, case_id):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert ("checked 1 cases, 0 register events, 0 fund events and 0 administration "
            "events, 0 problems") in result.output


def test_edited_opinion_is_found(app, case_id):
    tamper("UPDATE audit_events SET opinion = '不同意' WHERE case_id = :c AND seq = 2", c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "内容哈希不符" in result.output


def test_edited_form_value_is_found(app, case_id):
    tamper("UPDATE audit_events SET data = :d WHERE case_id = :c AND seq = 2",
           d='{"wages": "99999.00"}', c=case_id)
    assert run_verify(app).exit_code == 1


def test_deleted_event_is_found(app, case_id):
    tamper("DELETE FROM audit_events WHERE case_id = :c AND seq = 2", c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "前序哈希不符" in result.output


def test_deleted_last_event_is_found(app, case_id):
    tamper("DELETE FROM audit_events WHERE case_id = :c AND seq = 4", c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "链尾" in result.output


def test_reordered_events_are_found(app, case_id):
    tamper("UPDATE audit_events SET seq = -1 WHERE case_id = :c AND seq = 2", c=case_id)
    tamper("UPDATE audit_events SET seq = 2 WHERE case_id = :c AND seq = 3", c=case_id)
    tamper("UPDATE audit_events SET seq = 3 WHERE case_id = :c AND seq = -1", c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "序号不连续" in result.output


def test_rehashed_forgery_is_found(app, case_id):
    """Recomputing one event's hash after editing it still breaks the next link."""
    from workflow.audit.models import AuditEvent

    event = db.session.execute(db.select(AuditEvent).filter_by(case_id=case_id, seq=2)).scalar_one()
    event.opinion = "伪造意见"
    event.hash = event.compute_hash()
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert "前序哈希不符" in result.output
