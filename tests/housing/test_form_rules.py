"""Renovation steps refuse unticked check items, dates out of order and an eligibility
claim the register does not bear out, each naming the field."""
from __future__ import annotations

import datetime as dt

from tests.factories import GOOD_APPRAISAL, Api
from tests.housing.helpers import (
    APPLICATION,
    APPRAISAL_D,
    HOME_CHECK,
    housing_users,
    jpeg_bytes,
    make_house,
    ok,
    start,
    upload,
)
from workflow import clock
from workflow.cases.models import Case
from workflow.extensions import db


def _apis(client):
    return {n: Api(client, n) for n in ("clerk", "township", "housing")}


def test_township_review_with_both_check_items_no_is_refused(client, world):
    housing_users(world)
    apis = _apis(client)
    case_id = start(apis, make_house(world.households[0]))
    clerk, township = apis["clerk"], apis["township"]
    ok(upload(clerk, case_id, "application_form"), 201)
    ok(clerk.act(case_id, "submit_application", APPLICATION))
    ok(clerk.act(case_id, "record_home_check", HOME_CHECK))
    ok(upload(township, case_id, "appraisal_certificate"), 201)
    ok(township.act(case_id, "record_appraisal", APPRAISAL_D))
    ok(upload(clerk, case_id, "meeting_minutes"), 201)
    ok(clerk.act(case_id, "submit_village_appraisal", GOOD_APPRAISAL))
    clock.travel(dt.timedelta(days=8))
    ok(upload(clerk, case_id, "notice_photo", jpeg_bytes(), "notice.jpg", "image/jpeg"), 201)
    ok(clerk.act(case_id, "close_village_notice"))
    response = township.act(case_id, "township_approve",
                            {"files_complete": False, "spot_checked": False})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["files_complete"] == ["「档案资料齐全」须为“是”方可通过"]
    assert errors["spot_checked"] == ["「已入户抽查」须为“是”方可通过"]
    assert db.session.get(Case, case_id).state == "township_review"


def test_home_check_dated_before_the_application_is_refused(client, world):
    housing_users(world)
    apis = _apis(client)
    case_id = start(apis, make_house(world.households[0]))
    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    response = apis["clerk"].act(case_id, "record_home_check",
                                 {**HOME_CHECK, "checked_on": "2020-03-01"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["checked_on"] == [
        "「核查日期」不能早于“提交改造申请”的「申请日期」（2020-03-02）"]


def test_an_eligibility_claim_the_register_denies_is_refused(client, world):
    housing_users(world)
    apis = _apis(client)
    household = world.households[0]
    assert not household.dibao
    case_id = start(apis, make_house(household))
    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    response = apis["clerk"].act(case_id, "submit_application",
                                 {**APPLICATION, "basis": "dibao"})
    assert response.status_code == 422
    reasons = response.get_json()["errors"]["_guards"]
    assert any(r.startswith("「对象类别」填写为“低保户”，与建档立卡登记不符") for r in reasons)
    assert db.session.get(Case, case_id).state == "application"
    # What the register says is accepted.
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
