"""Two officials sign the same step at the same instant: exactly one succeeds."""
from __future__ import annotations

import threading

from tests.cases.test_household_exit import start
from tests.factories import GOOD_SURVEY, Api, make_user
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
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(username: str) -> None:
        with app.app_context():
            from workflow.auth.models import User

            user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
            case = db.session.get(Case, case_id)
            barrier.wait()
            try:
                perform(case, "submit_survey", user, version=version, data=GOOD_SURVEY)
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign, args=(name,)) for name in ("helper", "helper2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    events = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "submit_survey")).scalars().all()
    assert len(events) == 1
    case = db.session.get(Case, case_id)
    assert case.version == version + 1 and case.event_count == 2
