"""Declined ends (不予纳入改造): the step ribbon shows one only for a case that ended
there, in place of the steps it never reached; boards never count one as completed."""
from __future__ import annotations

import re

from tests.factories import Api
from tests.housing.helpers import (
    APPLICATION,
    APPRAISAL_D,
    HOME_CHECK,
    housing_users,
    make_house,
    ok,
    start,
    upload,
)
from tests.web.test_pages import login
from workflow.engine import store
from workflow.oversight import boards

RIBBON = re.compile(r'<ol class="steps">(.*?)</ol>', re.S)


def ribbon(client, case_id: int) -> list[str]:
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    return re.findall(r"<li[^>]*>([^<]+)</li>", RIBBON.search(page).group(1))


def declined_case(client, world) -> int:
    """A renovation case declined at the appraisal (B grade)."""
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk", "township")}
    case_id = start(apis, make_house(world.households[0]))
    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    ok(apis["clerk"].act(case_id, "record_home_check", HOME_CHECK))
    ok(upload(apis["township"], case_id, "appraisal_certificate"), 201)
    b_grade = {k: v for k, v in {**APPRAISAL_D, "grade": "B"}.items()
               if k not in ("method", "planned_area")}
    body = ok(apis["township"].act(case_id, "appraised_not_dangerous", b_grade,
                                   opinion="鉴定为B级，不纳入改造"))
    assert body["state"] == "declined"
    return case_id


def test_declined_ends_are_derived_from_the_rejections_leading_into_them(app):
    catalog = store.catalog().procedures
    declined = {key: boards.declined_states(d) for key, d in catalog.items()}
    assert declined["house_renovation"] == ["declined"]
    assert declined["project_library"] == ["not_admitted"]
    assert declined["monitoring_entry"] == ["not_included"]
    assert declined["household_exit"] == []
    assert boards.completed_states(catalog["house_renovation"]) == ["archived"]


def test_the_ribbon_shows_a_declined_end_only_where_the_case_ended(client, world):
    case_id = declined_case(client, world)
    login(client, "township")
    steps = ribbon(client, case_id)
    assert steps[-1] == "不予纳入改造" and "已归档" not in steps
    assert steps[:3] == ["农户申请", "村级入户核查", "房屋安全鉴定"]
    other = start({"clerk": Api(client, "clerk")}, make_house(world.households[1]))
    steps = ribbon(client, other)
    assert "不予纳入改造" not in steps and steps[-1] == "已归档"


def test_the_board_does_not_count_a_declined_case_as_completed(client, world):
    declined_case(client, world)
    definition = store.catalog().procedures["house_renovation"]
    rows = {r.place.name: r for r in boards.board(definition, world.places["county"])}
    row = rows[world.places["v1"].ancestor("township").name]
    assert row.by_state.get("declined") == 1
    assert row.done(definition) == 0 and row.completed_in_month == 0
    login(client, "county")
    page = client.get("/boards?procedure=house_renovation").get_data(as_text=True)
    assert "本月完成" in page and "0/1" in page
