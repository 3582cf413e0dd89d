"""Settings a step applies are recorded in its event: the notice length set for the
place opens the notice and is kept on the trail, a running case's page lists what its
next steps will meet, and a recorded value edited in the database fails `audit verify`."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.audit.test_verify import run_verify, tamper
from tests.cases.test_household_exit import start
from tests.factories import GOOD_APPRAISAL, GOOD_SURVEY, Apis
from tests.registry.test_poverty_line_applied import DOCUMENT, set_line, survey
from workflow import clock
from workflow.audit.chain import SETTINGS_KEY, trail
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.notices.models import Notice

NOTICE_KEY = "notice_days.household_exit.village_notice"


@pytest.fixture
def apis(client, world):
    return Apis(client)


def act(api, case_id: int, action: str, data: dict | None = None) -> None:
    response = api.act(case_id, action, data)
    assert response.status_code == 200, (action, response.get_json())


def to_consent(apis, case_id: int, survey_values: dict) -> None:
    """Survey, appraisal and co-verification: the next step (consent) opens the notice."""
    act(apis["helper"], case_id, "submit_survey", survey_values)
    act(apis["clerk"], case_id, "submit_appraisal", GOOD_APPRAISAL)
    act(apis["clerk"], case_id, "verify")
    act(apis["team"], case_id, "verify")


def test_the_notice_length_set_for_the_county_opens_the_notice_and_is_recorded(
        app, apis, world):
    result = app.test_cli_runner().invoke(args=[
        "settings", "set", NOTICE_KEY, "10", "--on", "2026-01-01", "--place", "210323",
        "--document", "岫政办发〔2026〕5号"])
    assert result.exit_code == 0, result.output
    case_id = start(apis, world)
    to_consent(apis, case_id, GOOD_SURVEY)
    act(apis["clerk"], case_id, "confirm_consent",
        {"agreed": True, "method": "in_person", "confirmed_on": clock.today().isoformat()})
    notice = db.session.execute(db.select(Notice).where(Notice.case_id == case_id)).scalar_one()
    assert notice.min_days == 10 and (notice.ends_on - notice.starts_on).days == 9
    [record] = [r for r in trail(db.session.get(Case, case_id))[-1].data[SETTINGS_KEY]
                if r["key"] == NOTICE_KEY]
    assert record["value"] == 10 and record["document"] == "岫政办发〔2026〕5号"

    clock.travel(dt.timedelta(days=8))  # the 7 days of the definition are not enough
    refused = apis["clerk"].act(case_id, "close_village_notice")
    assert refused.status_code == 422 and "共 10 天" in refused.get_json()["errors"]["_guards"][0]


def test_a_running_case_shows_the_values_its_next_steps_will_meet(app, apis, world, as_user):
    set_line(app, "7600", "--place", "210323", "--document", DOCUMENT)
    case_id = start(apis, world)
    page = as_user("helper").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "下一环节将适用的设置" in page
    assert f"2026 年贫困线 7,600 元（岫岩满族自治县设置，{DOCUMENT}）" in page

    to_consent(apis, case_id, survey(760001))
    page = as_user("clerk").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "贫困户退出村级公示天数 7 天（系统默认值）" in page
    # The trail shows what each step applied.
    assert f"适用：2026 年贫困线 7,600 元（岫岩满族自治县设置，{DOCUMENT}）" in page


def test_a_recorded_value_edited_in_the_database_fails_audit_verify(app, apis, world):
    set_line(app, "7600", "--place", "210323", "--document", DOCUMENT)
    case_id = start(apis, world)
    act(apis["helper"], case_id, "submit_survey", survey(760001))
    assert run_verify(app).exit_code == 0, run_verify(app).output
    event = trail(db.session.get(Case, case_id))[-1]
    data = dict(event.data)
    data[SETTINGS_KEY] = [{**r, "value": 7000} for r in data[SETTINGS_KEY]]
    tamper("UPDATE audit_events SET data = :d WHERE id = :i", d=json.dumps(data), i=event.id)
    db.session.expire_all()  # the verify reads the row as stored, not as loaded above
    result = run_verify(app)
    assert result.exit_code == 1, result.output
    assert f"案件 {case_id} 第 2 条: 内容哈希不符" in result.output
