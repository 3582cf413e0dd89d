"""Two officials sign the same step at the same instant: exactly one succeeds."""
from __future__ import annotations

from tests.cases.test_household_exit import start
from tests.factories import GOOD_SURVEY, Api, at_once, make_user
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.cases.operations import perform
from workflow.engine.errors import Conflict
from workflow.extensions import db


def test_concurrent_sign_offs_one_wins(app, client, world, postgres_only):
    make_user("helper2", ("helper", world.places["v1"]))
    db.session.commit()
    apis = {"clerk": Api(client, "clerk")}
    case_id = start(apis, world)
    version = db.session.get(Case, case_id).version
    db.session.remove()

    def sign(ready, username: str) -> str:
        from workflow.auth.models import User

        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        case = db.session.get(Case, case_id)
        ready()
        try:
            perform(case, "submit_survey", user, version=version, data=GOOD_SURVEY)
            return "ok"
        except Conflict:
            return "conflict"

    outcomes = at_once(app, [("helper",), ("helper2",)], sign, timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    events = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "submit_survey")).scalars().all()
    assert len(events) == 1
    case = db.session.get(Case, case_id)
    assert case.version == version + 1 and case.event_count == 2
