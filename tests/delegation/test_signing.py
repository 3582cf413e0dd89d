"""A delegate signs as 张三（代李四）: both people on the trail, the sheet and in the
separation of duties; a sign-off after the delegation ended is refused; the to-do."""
from __future__ import annotations

import datetime as dt

from tests.cases.test_household_exit import start
from tests.delegation.conftest import hand_over
from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases import substitutes
from workflow.cases.models import Case
from workflow.cases.operations import open_actions, perform
from workflow.cases.queries import todo_page
from workflow.delegation.operations import forget
from workflow.documents.rows import fill_rows
from workflow.engine import store
from workflow.extensions import db
from workflow.oversight.operations import facts_for
from workflow.oversight.rules import RULES


def ok(response):
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def village_steps_by_delegate(apis, case_id):
    """张三 does every clerk step for 李四; the team co-signs; the notice runs out."""
    ok(apis["zhangsan"].act(case_id, "submit_survey", GOOD_SURVEY))  # his own helper role
    ok(apis["zhangsan"].act(case_id, "submit_appraisal", GOOD_APPRAISAL))
    ok(apis["zhangsan"].act(case_id, "verify"))
    ok(apis["team"].act(case_id, "verify"))
    ok(apis["zhangsan"].act(case_id, "confirm_consent", GOOD_CONSENT))
    clock.travel(dt.timedelta(days=8))
    ok(apis["zhangsan"].act(case_id, "close_village_notice"))


def test_delegate_signs_for_the_delegator_and_both_are_recorded(apis, world, people):
    ok(hand_over(apis, people))
    case_id = start(apis, world)
    village_steps_by_delegate(apis, case_id)
    events = ok(apis["auditor"].get(f"/api/v1/cases/{case_id}/trail"))["events"]
    appraisal = next(e for e in events if e["action"] == "submit_appraisal")
    assert appraisal["actor"] == "张三"
    assert appraisal["signed_as"] == "张三（代李四）"
    assert appraisal["on_behalf_of"] == {"id": people["chief"].id, "name": "李四"}
    assert appraisal["role"] == "village_clerk"
    survey = next(e for e in events if e["action"] == "submit_survey")
    assert survey["on_behalf_of"] is None and survey["signed_as"] == "张三"
    case = db.session.get(Case, case_id)
    assert set(case.signers["village"]) >= {people["chief"].id, people["zhang"].id}
    # The sheet prints both names.
    rows = fill_rows(store.by_version(case.definition_version),
                     db.session.query(AuditEvent).filter_by(case_id=case_id)
                     .order_by(AuditEvent.seq).all())
    actors = {s.actor for r in rows for e in r.entries for s in e.signatures}
    assert "张三（代李四）" in actors


def test_neither_person_may_sign_the_next_level(apis, world, people, app):
    ok(hand_over(apis, people))
    case_id = start(apis, world)
    village_steps_by_delegate(apis, case_id)
    # 李四 never signed himself, but 张三 signed for him: he may not approve above.
    refused = apis["lisi"].act(case_id, "township_approve",
                               {"files_complete": True, "spot_checked": True})
    assert refused.status_code == 403
    assert "职责分离" in refused.get_json()["message"]
    ok(apis["township"].act(case_id, "township_approve",
                            {"files_complete": True, "spot_checked": True}))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert " 0 problems" in result.output


def test_delegator_who_signed_below_bars_the_delegate_above(apis, world, people, client):
    """A township reviewer's role handed to a colleague who holds a township role: the
    colleague may not sign for him at the township where he (the principal) signed the
    village level himself."""
    from tests.factories import Api, make_user

    make_user("wang", ("county_sector", world.places["pianling"]), name="王五")
    db.session.commit()
    today = clock.today()
    chief = people["chief"]
    township_role = next(a.id for a in chief.assignments if a.role == "township_reviewer")
    ok(apis["lisi"].post("/api/v1/delegations", json={
        "assignment_id": township_role, "delegate": "wang", "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=20)).isoformat()}))
    case_id = start(apis, world)
    for who, action, data in [("helper", "submit_survey", GOOD_SURVEY),
                              ("lisi", "submit_appraisal", GOOD_APPRAISAL),
                              ("lisi", "verify", {}), ("team", "verify", {}),
                              ("clerk", "confirm_consent", GOOD_CONSENT)]:
        ok(apis[who].act(case_id, action, data))
    clock.travel(dt.timedelta(days=8))
    ok(apis["clerk"].act(case_id, "close_village_notice"))
    refused = Api(client, "wang").act(case_id, "township_approve",
                                      {"files_complete": True, "spot_checked": True})
    assert refused.status_code == 403
    assert "授权人李四已在村级签署" in refused.get_json()["message"]


def test_sign_off_after_the_delegation_ended_is_refused(apis, world, people):
    delegation = ok(hand_over(apis, people, days=3))
    case_id = start(apis, world)
    ok(apis["zhangsan"].act(case_id, "submit_survey", GOOD_SURVEY))
    clock.travel(dt.timedelta(days=5))  # past ends_on
    refused = apis["zhangsan"].act(case_id, "submit_appraisal", GOOD_APPRAISAL)
    assert refused.status_code == 403
    clock.reset()
    # Ended early by the delegator: refused from that moment.
    ok(apis["lisi"].post(f"/api/v1/delegations/{delegation['id']}/end"))
    refused = apis["zhangsan"].act(case_id, "submit_appraisal", GOOD_APPRAISAL)
    assert refused.status_code == 403
    assert db.session.get(Case, case_id).state == "democratic_appraisal"


def test_not_yet_started_delegation_gives_nothing(apis, world, people):
    today = clock.today()
    ok(hand_over(apis, people, starts_on=(today + dt.timedelta(days=2)).isoformat()))
    case_id = start(apis, world)
    ok(apis["zhangsan"].act(case_id, "submit_survey", GOOD_SURVEY))
    assert apis["zhangsan"].act(case_id, "submit_appraisal",
                                GOOD_APPRAISAL).status_code == 403


def todo_ids(user) -> list[int]:
    """The case ids on ``user``'s 待办 (the page's own query and check)."""
    forget()
    db.session.expire_all()
    page = todo_page(user, 1, 50, lambda case: [a for a in open_actions(case, user)
                                                if a["allowed"]])
    return [case.id for case, _ in page.items]


def test_the_delegators_todo_is_the_delegates_while_active(apis, world, people):
    case_id = start(apis, world)
    ok(apis["zhangsan"].act(case_id, "submit_survey", GOOD_SURVEY))
    zhang = people["zhang"]
    assert case_id not in todo_ids(zhang)
    delegation = ok(hand_over(apis, people))
    assert case_id in todo_ids(zhang)
    ok(apis["admin"].post(f"/api/v1/delegations/{delegation['id']}/end"))
    assert case_id not in todo_ids(zhang)


def test_direct_signer_never_asks_for_delegations(apis, world, people, monkeypatch):
    asked = []
    monkeypatch.setattr(substitutes, "PROVIDERS",
                        [lambda user: asked.append(user.id) or []])
    case_id = start(apis, world)
    case = db.session.get(Case, case_id)
    perform(case, "submit_survey", people["zhang"], data=GOOD_SURVEY)  # his own role
    assert asked == []


def test_finding_rule_flags_sign_off_outside_the_delegation(apis, world, people):
    delegation = ok(hand_over(apis, people))
    case_id = start(apis, world)
    ok(apis["zhangsan"].act(case_id, "submit_survey", GOOD_SURVEY))
    ok(apis["zhangsan"].act(case_id, "submit_appraisal", GOOD_APPRAISAL))
    rule = RULES["delegated_outside_dates"][1]
    case = db.session.get(Case, case_id)
    assert rule(facts_for([case])[0]) == []
    # The delegation's dates moved behind the application: the sign-off falls outside.
    from workflow.delegation.models import Delegation
    row = db.session.get(Delegation, delegation["id"])
    row.starts_on = clock.today() + dt.timedelta(days=1)
    row.ends_on = clock.today() + dt.timedelta(days=3)
    db.session.commit()
    reasons = rule(facts_for([case])[0])
    assert len(reasons) == 1 and "张三（代李四）" in reasons[0] and "超出授权期限" in reasons[0]


def test_adjacent_levels_rule_counts_the_principal(apis, world, people):
    ok(hand_over(apis, people))
    case_id = start(apis, world)
    village_steps_by_delegate(apis, case_id)
    ok(apis["township"].act(case_id, "township_approve",
                            {"files_complete": True, "spot_checked": True}))
    case = db.session.get(Case, case_id)
    assert RULES["same_person_adjacent_levels"][1](facts_for([case])[0]) == []
