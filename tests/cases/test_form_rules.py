"""Rules of the form checked when a step is performed: check items that must be yes on
a forward action, dates not in the future and not before the steps they follow."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.test_household_exit import pass_notice, start, state, to_notice
from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, Api
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.cases.preconditions import form_rules
from workflow.engine import store
from workflow.engine.forms import FieldDef, FormDef
from workflow.extensions import db


@pytest.fixture
def apis(client, world):
    return {name: Api(client, name) for name in ("clerk", "team", "helper", "township",
                                                 "county")}


def events_of(case_id: int) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.case_id == case_id)).scalar_one()


def test_township_review_with_check_items_unticked_is_refused_naming_each(apis, world):
    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    before = events_of(case_id)
    response = apis["township"].act(case_id, "township_approve",
                                    {"files_complete": False, "spot_checked": False})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["files_complete"] == ["「档案资料齐全」须为“是”方可通过"]
    assert errors["spot_checked"] == ["「已入户抽查」须为“是”方可通过"]
    assert state(apis, case_id) == "township_review" and events_of(case_id) == before
    # The same case with the items ticked goes on; a return needs no ticks.
    assert apis["township"].act(case_id, "township_reject", opinion="材料不全").status_code == 200


def test_consent_not_given_is_refused_by_the_form(apis, world):
    case_id = start(apis, world)
    for who, action, data in [("helper", "submit_survey", GOOD_SURVEY),
                              ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                              ("clerk", "verify", {}), ("team", "verify", {})]:
        assert apis[who].act(case_id, action, data).status_code == 200
    response = apis["clerk"].act(case_id, "confirm_consent", {**GOOD_CONSENT, "agreed": False})
    assert response.status_code == 422
    assert response.get_json()["errors"]["agreed"] == ["「户主同意退出」须为“是”方可通过"]


def test_a_future_appraisal_date_is_refused_with_the_field(apis, world):
    case_id = start(apis, world)
    assert apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY).status_code == 200
    response = apis["clerk"].act(case_id, "submit_appraisal",
                                 {**GOOD_APPRAISAL, "meeting_date": "2030-05-01"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["meeting_date"] == [
        f"「评议日期」不能晚于今天（{clock.today().isoformat()}）"]
    assert state(apis, case_id) == "democratic_appraisal"


def test_consent_dated_before_the_appraisal_is_refused(apis, world):
    case_id = start(apis, world)
    for who, action, data in [("helper", "submit_survey", GOOD_SURVEY),
                              ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                              ("clerk", "verify", {}), ("team", "verify", {})]:
        assert apis[who].act(case_id, action, data).status_code == 200
    response = apis["clerk"].act(case_id, "confirm_consent",
                                 {**GOOD_CONSENT, "confirmed_on": "2020-04-09"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["confirmed_on"] == [
        "「确认日期」不能早于“提交民主评议结果”的「评议日期」（2020-04-10）"]


@pytest.fixture
def created_case(apis, world):
    return db.session.get(Case, start(apis, world))


def test_case_created_anchor_refuses_a_date_before_the_case_opened(created_case):
    case = created_case
    definition = store.by_version(case.definition_version)
    form = FormDef("probe", "probe", [FieldDef("on", "办理日期", "date", required=True,
                                               not_before=["case_created"])])
    rules = form_rules(case, definition, definition.actions["submit_appraisal"])
    opened = clock.to_local(case.created_at).date()
    _, errors = form.validate({"on": (opened - dt.timedelta(days=1)).isoformat()}, rules)
    assert errors == {"on": [f"「办理日期」不能早于案件发起日期（{opened.isoformat()}）"]}
    assert form.validate({"on": opened.isoformat()}, rules)[1] == {}


def test_the_case_page_marks_check_items_that_must_be_yes(client, apis, world):
    from tests.web.test_pages import login

    case_id = start(apis, world)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    assert login(client, "township").status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    box = page[page.index('id="township_approve-files_complete"'):]
    assert "须勾选（是）方可通过" in box[:400]
