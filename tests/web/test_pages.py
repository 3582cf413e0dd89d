"""Browser pages through the Flask test client: Chinese pages, scope, CSRF and form errors."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, PASSWORD, Api
from workflow import clock
from workflow.cases.models import Case
from workflow.cases.operations import create_case, create_cases, perform
from workflow.extensions import db
from workflow.registry.models import Household

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, url: str = "/login") -> str:
    """The CSRF token of the page at ``url`` (the session keeps the matching secret)."""
    match = TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client)})


def new_case(world, index: int = 0) -> Case:
    return create_case("household_exit", world.households[index].id, world.users["clerk"])


def fresh(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def text(response) -> str:
    return response.get_data(as_text=True)


def survey_form(token: str, version: int, **overrides) -> dict:
    """The survey as the browser posts it: prefixed names, checkboxes only when ticked."""
    form = {"csrf_token": token, "version": str(version), "opinion": "核算属实"}
    for name, value in {**GOOD_SURVEY, **overrides}.items():
        if value is True:
            form[f"f_{name}"] = "1"
        elif value is not False:
            form[f"f_{name}"] = str(value)
    return form


def test_login_with_wrong_password_is_401_in_chinese(client, world):
    response = client.post("/login", data={"username": "clerk", "password": "nope",
                                           "csrf_token": csrf(client)})
    assert response.status_code == 401
    assert "用户名或密码错误" in text(response)
    assert 'value="clerk"' in text(response)


def test_pages_need_login(client, world):
    response = client.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_400(as_user, world):
    clerk = as_user("clerk")
    response = clerk.post(f"/households/{world.households[0].id}/exit", data={})
    assert response.status_code == 400
    assert "表单校验失败" in text(response)
    assert db.session.execute(db.select(Case)).first() is None


@pytest.mark.parametrize("username", ["clerk", "township", "auditor"])
def test_pages_render_in_chinese(as_user, world, username):
    case = new_case(world)
    c = as_user(username)
    for url, words in [("/", ["待办"]), ("/cases", ["案件列表", "贫困户退出：王建国"]),
                       ("/households", ["王建国", "张喆", "建档立卡贫困户"]),
                       (f"/cases/{case.id}", ["入户核算", "审批记录", "李秀英", "发起"])]:
        response = c.get(url)
        assert response.status_code == 200, (url, text(response))
        body = text(response)
        for word in words:
            assert word in body, (username, url, word)
        assert world.households[0].id_number not in body  # never the full ID number
    # 刘𠮷 lives in 杨家堡镇: outside the clerk's and the 偏岭镇 reviewer's scope, inside the
    # county auditor's (and a character outside the BMP must come through intact).
    assert ("刘𠮷" in text(c.get("/households"))) == (username == "auditor")


def test_todo_lists_only_cases_the_user_can_act_on(as_user, world):
    case = new_case(world)
    clerk, township = as_user("clerk"), as_user("township")
    assert f'/cases/{case.id}"' in text(clerk.get("/"))
    assert f'/cases/{case.id}"' not in text(township.get("/"))


def test_auditor_sees_everything_but_no_action_form(as_user, world):
    case = new_case(world)
    body = text(as_user("auditor").get(f"/cases/{case.id}"))
    assert "王建国" in body and "只读" in body
    assert "/actions/" not in body


def test_case_of_another_township_is_404(as_user, world):
    case = new_case(world)
    other = as_user("other_township")
    assert other.get(f"/cases/{case.id}").status_code == 404
    response = other.post(f"/cases/{case.id}/actions/submit_survey",
                          data={"csrf_token": csrf(other, "/"), "version": "1"})
    assert response.status_code == 404
    assert fresh(case.id).state == "income_survey"


def test_start_exit_from_the_register_and_again_is_refused(as_user, world):
    clerk = as_user("clerk")
    household = world.households[0]
    response = clerk.post(f"/households/{household.id}/exit",
                          data={"csrf_token": csrf(clerk, "/households")})
    assert response.status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    again = clerk.post(f"/households/{household.id}/exit",
                       data={"csrf_token": csrf(clerk, "/households")}, follow_redirects=True)
    assert "已有进行中" in text(again)
    assert db.session.execute(db.select(db.func.count(Case.id))).scalar_one() == 1


def test_bad_survey_value_shows_error_beside_the_field_and_changes_nothing(as_user, world):
    case = new_case(world)
    clerk = as_user("clerk")
    token = csrf(clerk, f"/cases/{case.id}")
    response = clerk.post(f"/cases/{case.id}/actions/submit_survey",
                          data=survey_form(token, case.version, wages="-100"))
    assert response.status_code == 422
    body = text(response)
    error = re.search(r'id="submit_survey-wages-error"[^>]*>([^<]+)<', body)
    assert error and "工资性收入（元）" in error.group(1) and "0 至 10000000" in error.group(1)
    # The submitted values stay in the form, the error sits in the wages field's own row.
    assert 'value="-100"' in body and 'value="3200.50"' in body
    row = body[body.index('id="submit_survey-wages"'):body.index("submit_survey-wages-error")]
    assert "submit_survey-farm_net" not in row
    after = fresh(case.id)
    assert (after.state, after.version, after.data) == ("income_survey", case.version, {})


def test_guard_reasons_show_in_the_form_and_missing_checkbox_is_no(as_user, world):
    case = new_case(world)
    clerk = as_user("clerk")
    token = csrf(clerk, f"/cases/{case.id}")
    response = clerk.post(f"/cases/{case.id}/actions/submit_survey",
                          data=survey_form(token, case.version, safe_water=False))
    assert response.status_code == 422
    assert "“饮水安全有保障”未达到" in text(response)
    assert fresh(case.id).state == "income_survey"


def test_reject_without_opinion_shows_opinion_error(as_user, world):
    case = new_case(world)
    perform(case, "submit_survey", world.users["clerk"], data=GOOD_SURVEY)
    clerk = as_user("clerk")
    token = csrf(clerk, f"/cases/{case.id}")
    response = clerk.post(f"/cases/{case.id}/actions/appraisal_rejects",
                          data={"csrf_token": token, "version": str(fresh(case.id).version),
                                "opinion": ""})
    assert response.status_code == 422
    assert 'id="appraisal_rejects-opinion-error"' in text(response)


def test_stale_page_gets_the_conflict_message(as_user, world):
    case = new_case(world)
    perform(case, "submit_survey", world.users["clerk"], data=GOOD_SURVEY)
    perform(case, "submit_appraisal", world.users["clerk"], data=GOOD_APPRAISAL)
    team = as_user("team")
    token, stale = csrf(team, f"/cases/{case.id}"), fresh(case.id).version
    perform(fresh(case.id), "verify", world.users["clerk"])  # same state, new version
    response = team.post(f"/cases/{case.id}/actions/verify",
                         data={"csrf_token": token, "version": str(stale), "opinion": ""})
    assert response.status_code == 409
    assert "版本已变化" in text(response) and "请刷新后重试" in text(response)
    assert fresh(case.id).cosigns == {"verify": {"village_clerk": world.users["clerk"].id}}


def test_action_no_longer_open_is_409(as_user, world):
    case = new_case(world)
    clerk = as_user("clerk")
    token = csrf(clerk, f"/cases/{case.id}")
    stale = case.version
    perform(case, "submit_survey", world.users["helper"], data=GOOD_SURVEY)
    response = clerk.post(f"/cases/{case.id}/actions/submit_survey",
                          data=survey_form(token, stale))
    assert response.status_code == 409
    assert "不能执行“提交入户核算”" in text(response)


def test_successful_action_flashes_and_redirects(as_user, world):
    case = new_case(world)
    clerk = as_user("clerk")
    token = csrf(clerk, f"/cases/{case.id}")
    response = clerk.post(f"/cases/{case.id}/actions/submit_survey",
                          data=survey_form(token, case.version), follow_redirects=True)
    assert response.status_code == 200
    body = text(response)
    assert "已办理：提交入户核算" in body
    assert "工资性收入（元）" in body and "9000.00" in body  # the collected data, labelled
    assert fresh(case.id).state == "democratic_appraisal"


def test_cosign_shows_who_signed_and_notice_is_listed(as_user, world):
    case = new_case(world)
    clerk_user = world.users["clerk"]
    perform(case, "submit_survey", clerk_user, data=GOOD_SURVEY)
    perform(case, "submit_appraisal", clerk_user, data=GOOD_APPRAISAL)
    perform(case, "verify", clerk_user)
    body = text(as_user("team").get(f"/cases/{case.id}"))
    assert "会签" in body and "已签" in body and "待签" in body
    perform(case, "verify", world.users["team"])
    perform(case, "confirm_consent", clerk_user, data=GOOD_CONSENT)
    body = text(as_user("clerk").get(f"/cases/{case.id}"))
    assert "村级公示" in body and "公示中" in body and "公示期未满" not in body
    clock.travel(dt.timedelta(days=8))
    assert "公示期已满" in text(as_user("auditor").get(f"/cases/{case.id}"))


@pytest.mark.parametrize("query", [
    "from=2020-13-45", "to=abc", "jurisdiction=999999", "procedure=nope", "state=zzz",
    "page=abc", "page=-1", "from=2021-01-01&to=2020-01-01", "_external=1&page=2",
])
def test_case_list_filters_with_bad_values_do_not_fail(as_user, world, query):
    new_case(world)
    for username in ("township", "county", "auditor"):
        response = as_user(username).get(f"/cases?{query}")
        assert response.status_code == 200, (username, query)
        assert "案件列表" in text(response)


def test_case_list_filters_narrow_the_list(as_user, world):
    case = new_case(world)
    county = as_user("county")
    today = clock.today().isoformat()
    assert f"/cases/{case.id}\"" in text(county.get(f"/cases?jurisdiction=210323106&from={today}"))
    assert f"/cases/{case.id}\"" not in text(county.get("/cases?jurisdiction=210323107"))
    assert f"/cases/{case.id}\"" not in text(county.get("/cases?state=township_review"))
    assert "已忽略此条件" in text(county.get("/cases?from=2020-02-30"))


def test_case_list_dates_are_china_calendar_days(as_user, world):
    """A case touched at 01:00 China time (17:00 UTC the day before) is on its China day."""
    case = new_case(world)
    case.updated_at = dt.datetime(2026, 3, 9, 17, 0)  # 2026-03-10 01:00 CST
    db.session.commit()
    county = as_user("county")
    link = f"/cases/{case.id}\""
    assert link in text(county.get("/cases?from=2026-03-10&to=2026-03-10"))
    assert link not in text(county.get("/cases?from=2026-03-09&to=2026-03-09"))
    assert link not in text(county.get("/cases?from=2026-03-11"))


def test_households_filters(as_user, world):
    clerk = as_user("clerk")
    body = text(clerk.get("/households?q=喆"))
    assert "张喆" in body and "王建国" not in body
    # the name from its start (surname, full name) or its end (given name), index-served
    for query in ("王", "王建国", "建国", "国"):
        assert "王建国" in text(clerk.get(f"/households?q={query}")), query
    assert "王建国" not in text(clerk.get("/households?q=建"))
    assert "已忽略此条件" in text(clerk.get("/households?status=bogus&village=000"))


def test_lists_with_several_pages_render_their_pager(client, world):
    from tests.factories import make_household

    for i in range(25):
        make_household(world.places["v1"], f"分页户{i}")
    db.session.commit()
    assert login(client, "clerk").status_code == 302
    page = client.get("/households")
    assert page.status_code == 200
    html = text(page)
    assert "下一页" in html and "page=2" in html
    assert "分页户" in text(client.get("/households?page=2"))


def test_large_lists_stop_counting_at_the_cap(app, client, world, monkeypatch):
    from tests.factories import make_household

    for i in range(25):
        make_household(world.places["v1"], f"分页户{i}")
    db.session.commit()
    monkeypatch.setitem(app.config, "COUNT_CAP", 10)
    assert login(client, "clerk").status_code == 302
    html = text(client.get("/households"))
    assert "超过 10 条" in html and "共 " not in html
    body = Api(client, "clerk").get("/api/v1/households?per_page=5").get_json()
    assert (body["total"], body["total_is_lower_bound"], body["pages"]) == (10, True, 2)
    monkeypatch.setitem(app.config, "COUNT_CAP", 100)
    html = text(client.get("/households"))
    assert "共 27 条" in html  # 25 + the world's 2 in this village


def test_todo_pages_check_only_what_they_show(as_user, world, monkeypatch, app):
    from tests.factories import make_household

    for i in range(25):
        make_household(world.places["v1"], f"待办户{i}")
    db.session.commit()
    households = db.session.execute(db.select(Household.id).where(
        Household.head_name.startswith("待办户"))).scalars().all()
    create_cases("household_exit", households, world.users["clerk"])
    monkeypatch.setitem(app.config, "PAGE_SIZE", 10)
    monkeypatch.setitem(app.config, "TODO_CHUNK", 5)
    clerk = as_user("clerk")
    first, last = text(clerk.get("/")), text(clerk.get("/?page=3"))
    # page 1 checked 15 of 25 candidates: the total is the candidates, marked as such
    assert first.count(">办理</a>") == 10 and "约 25 条" in first and "page=2" in first
    assert last.count(">办理</a>") == 5 and "共 25 条" in last  # all checked: exact


def test_long_place_lists_leave_out_villages_but_the_chosen_one(world):
    from workflow.jurisdictions.scope import filter_places

    county = world.users["county"]
    every = filter_places(county)
    assert any(p.level == "village" for p in every)
    village = next(p for p in every if p.level == "village")
    short = filter_places(county, village.code, limit=2)
    assert [p for p in short if p.level == "village"] == [village]
    assert {p.code for p in every if p.level != "village"} <= {p.code for p in short}
