"""办理用时（堵点）: the step times on the board equal a direct computation from the trail
(count, median and 90 % buckets, mean, over the step's limit), the tallies rebuild to the
same rows, another township sees none of it, a bad month is a Chinese 400 (never a 500),
and the drill-down lists the slow cases at every level."""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import pytest

from tests.cases.test_household_exit import pass_notice, start
from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, Api
from tests.housing.helpers import (
    APPLICATION,
    APPRAISAL_D,
    HOME_CHECK,
    housing_users,
    jpeg_bytes,
    make_house,
    ok,
    upload,
)
from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.calendar import workdays
from workflow.cases import step_stays, step_times, timelimits
from workflow.cases.models import Case
from workflow.cases.step_times import StepTimeTally
from workflow.engine import store
from workflow.extensions import db

NAMES = ("clerk", "team", "helper", "township", "county", "city", "housing", "other_township",
         "other_clerk")


@pytest.fixture
def apis(client, world):
    housing_users(world)
    return {n: Api(client, n) for n in NAMES}


def to_village_notice(apis, case_id: int, size: int) -> None:
    """A household exit to the village notice (household_exit.to_notice, any size)."""
    for who, action, data in [("helper", "submit_survey", {**GOOD_SURVEY,
                                                           "household_size": size}),
                              ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                              ("clerk", "verify", {}), ("team", "verify", {}),
                              ("clerk", "confirm_consent", GOOD_CONSENT)]:
        ok(apis[who].act(case_id, action, data))


def to_township_review(apis, case_id: int, size: int) -> None:
    clerk = apis["clerk"]
    ok(upload(clerk, case_id, "application_form"), 201)
    ok(clerk.act(case_id, "submit_application", {**APPLICATION, "household_size": size}))
    ok(clerk.act(case_id, "record_home_check", HOME_CHECK))
    ok(upload(apis["township"], case_id, "appraisal_certificate"), 201)
    ok(apis["township"].act(case_id, "record_appraisal", APPRAISAL_D))
    ok(upload(clerk, case_id, "meeting_minutes"), 201)
    ok(clerk.act(case_id, "submit_village_appraisal", GOOD_APPRAISAL))
    clock.travel(dt.timedelta(days=8))
    ok(upload(clerk, case_id, "notice_photo", jpeg_bytes(), "notice.jpg", "image/jpeg"), 201)
    ok(clerk.act(case_id, "close_village_notice"))


def township_approve(apis, case_id: int) -> None:
    ok(apis["township"].act(case_id, "township_approve", {"files_complete": True,
                                                          "spot_checked": True}))


def drive(apis, world) -> dict[str, int]:
    """Household exits and house renovations through several steps, the clock moved
    between them (over two months), two renovations kept long in the township review."""
    cases = {"a": start(apis, world, 0), "b": start(apis, world, 1)}
    clock.travel(dt.timedelta(hours=5))
    to_village_notice(apis, cases["a"], 3)
    clock.travel(dt.timedelta(days=3, hours=2))
    to_village_notice(apis, cases["b"], 2)
    pass_notice(apis, cases["a"])  # 8 days in the village notice
    clock.travel(dt.timedelta(days=30))  # the next month
    pass_notice(apis, cases["b"])
    township_approve(apis, cases["a"])
    other = apis["other_clerk"].post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": world.households[2].id})
    cases["other"] = ok(other, 201)["id"]
    clock.travel(dt.timedelta(hours=30))
    for key, household, size in (("h1", 0, 3), ("h2", 1, 2)):
        cases[key] = ok(apis["clerk"].post("/api/v1/cases", json={
            "procedure": "house_renovation",
            "subject_id": make_house(world.households[household]).id}), 201)["id"]
        to_township_review(apis, cases[key], size)
    clock.travel(dt.timedelta(days=2))
    township_approve(apis, cases["h1"])  # within the 10 working days
    clock.travel(dt.timedelta(days=25))
    township_approve(apis, cases["h2"])  # 27 days: over the limit
    db.session.expire_all()
    return cases


def direct(procedure: str, path: str, month: str) -> dict[str, dict]:
    """Per step, straight from the audit events: each state-changing event after a
    case's first ends the stay its previous state-changing event began."""
    calendar = workdays.load()
    stays: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    cases = db.session.execute(db.select(Case).where(
        Case.procedure == procedure, Case.jurisdiction_path.startswith(path))).scalars()
    for case in cases:
        definition = store.by_version(case.definition_version)
        events = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.case_id == case.id).order_by(AuditEvent.seq)).scalars().all()
        moves = [e for e in events if e.from_state != e.to_state]
        for before, after in zip(moves, moves[1:], strict=False):
            if f"{clock.to_local(after.at):%Y-%m}" != month:
                continue
            over = any(timelimits.status(
                limit, clock.to_local(before.at).date(), clock.to_local(after.at).date(),
                calendar).level == "red"
                for limit in definition.time_limits if limit.get("state") == after.from_state)
            stays[after.from_state].append(((after.at - before.at).total_seconds(), over))
    out = {}
    for state, found in stays.items():
        seconds = sorted(s for s, _ in found)
        out[state] = {"cases": len(found), "over_limit": sum(o for _, o in found),
                      "median_bucket": step_times.bucket_of(_rank(seconds, 0.5)),
                      "p90_bucket": step_times.bucket_of(_rank(seconds, 0.9)),
                      "mean_hours": round(sum(int(s) for s in seconds) / len(seconds) / 3600, 1)}
    return out


def _rank(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile: the ceil(share * n)-th smallest."""
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def _months() -> list[str]:
    return sorted({f"{clock.to_local(at):%Y-%m}" for (at,) in db.session.execute(
        db.select(AuditEvent.at).where(AuditEvent.from_state != AuditEvent.to_state))})


def board(api: Api, procedure: str, place: str, month: str) -> dict[str, dict]:
    body = ok(api.get(f"/api/v1/boards/step-times?procedure={procedure}&jurisdiction={place}"
                      f"&month={month}"))
    keys = ("cases", "over_limit", "median_bucket", "p90_bucket", "mean_hours")
    return {s["state"]: {k: s[k] for k in keys} for s in body["steps"] if s["cases"]}


def test_step_times_on_the_board_equal_the_trail(apis, world):
    drive(apis, world)
    months = _months()
    assert len(months) >= 2
    seen_over = 0
    for procedure in ("household_exit", "house_renovation"):
        for who, place in (("city", world.places["city"]), ("township",
                                                              world.places["pianling"])):
            for month in months:
                expected = direct(procedure, place.path, month)
                assert board(apis[who], procedure, place.code, month) == expected
                seen_over += sum(s["over_limit"] for s in expected.values())
    assert seen_over == 2  # h2 in the township review, on the city's and the township's board
    reviews = [direct("house_renovation", "/", m).get("township_review") for m in months]
    reviews = [r for r in reviews if r]
    assert sum(r["cases"] for r in reviews) == 2
    assert sum(r["over_limit"] for r in reviews) == 1
    assert step_times.differences() == []


def test_the_rebuilt_tallies_equal_those_kept_by_the_engine(app, apis, world):
    drive(apis, world)

    def snapshot():
        return (sorted(tuple(getattr(t, c) for c in step_times.COLUMNS)
                       for t in db.session.execute(db.select(StepTimeTally)).scalars()),
                step_stays.stored())

    kept = snapshot()
    assert kept[0] and kept[1]
    # One stay row per stay the trail gives, equal to it field by field.
    assert sorted(kept[1]) == sorted(step_times.trail_stays())
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "tallies"]).exit_code == 0
    db.session.execute(db.update(StepTimeTally).values(cases=StepTimeTally.cases + 1))
    db.session.commit()
    result = runner.invoke(args=["audit", "tallies"])
    assert result.exit_code == 1 and "用时统计" in result.output
    assert runner.invoke(args=["audit", "tallies", "--rebuild"]).exit_code == 0
    db.session.expire_all()
    assert snapshot() == kept
    # A stay row made shorter (a slow case hidden from the list) is noticed and rebuilt.
    db.session.execute(db.update(step_stays.StepStay).values(seconds=1))
    db.session.commit()
    result = runner.invoke(args=["audit", "tallies"])
    assert result.exit_code == 1 and "用时明细" in result.output
    assert runner.invoke(args=["audit", "tallies", "--rebuild"]).exit_code == 0
    db.session.expire_all()
    assert snapshot() == kept


def test_the_page_shows_steps_and_drills_down_to_the_slow_cases(apis, world, as_user):
    cases = drive(apis, world)
    month = f"{clock.today():%Y-%m}"
    township = as_user("township")
    page = township.get(f"/boards/steps?procedure=house_renovation&month={month}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "办理用时（堵点）" in html
    assert "乡镇审核" in html and "超时件数" in html and "90%用时" in html
    assert step_times.bucket_text(step_times.bucket_of(27 * 86400)) in html
    detail = township.get(f"/boards/steps/township_review?procedure=house_renovation"
                          f"&month={month}").get_data(as_text=True)
    slow = detail.index(f'data-case="{cases["h2"]}"')
    assert "超时" in detail[slow:] and f"/cases/{cases['h2']}" in detail
    h1_left = db.session.execute(db.select(AuditEvent.at).where(
        AuditEvent.case_id == cases["h1"], AuditEvent.from_state == "township_review")
    ).scalar_one()
    h1_month = f"{clock.to_local(h1_left):%Y-%m}"
    earlier = township.get(f"/boards/steps/township_review?procedure=house_renovation"
                           f"&month={h1_month}").get_data(as_text=True)
    quick = earlier.index(f'data-case="{cases["h1"]}"')
    assert "未超时" in earlier[quick:]
    if h1_month == month:  # longest first
        assert slow < quick
    city = as_user("city")
    above = city.get(f"/boards/steps/township_review?procedure=house_renovation"
                     f"&place={world.places['city'].code}&month={month}").get_data(as_text=True)
    # The city sees its counties and, from the stay rows, the slow cases too.
    assert "岫岩满族自治县" in above and f'data-case="{cases["h2"]}"' in above
    assert step_stays.count("house_renovation", month, "township_review",
                            world.places["city"].path) == above.count("data-case=")
    board_page = township.get("/boards?procedure=house_renovation").get_data(as_text=True)
    assert 'id="step-times-link"' in board_page


def test_another_township_sees_none_of_it(apis, world, as_user):
    drive(apis, world)
    month = f"{clock.today():%Y-%m}"
    pianling = world.places["pianling"].code
    other = as_user("other_township")
    assert other.get(f"/boards/steps?procedure=house_renovation&place={pianling}"
                     f"&month={month}").status_code == 404
    assert other.get(f"/boards/steps/township_review?procedure=house_renovation"
                     f"&place={pianling}").status_code == 404
    assert apis["other_township"].get(
        f"/api/v1/boards/step-times?procedure=house_renovation&jurisdiction={pianling}"
    ).status_code == 404
    own = ok(apis["other_township"].get(
        "/api/v1/boards/step-times?procedure=house_renovation"))
    assert own["place"] == world.places["yanggu"].code
    assert all(s["cases"] == 0 for s in own["steps"])
    html = other.get("/boards/steps?procedure=house_renovation").get_data(as_text=True)
    assert "杨家堡镇" in html and "偏岭镇" not in html


@pytest.mark.parametrize("month", ["2020-13", "abc", "2020-00", "9999-01", "2020-06'"])
def test_a_bad_month_is_a_chinese_400_never_a_500(apis, world, as_user, month):
    page = as_user("township").get(f"/boards/steps?month={month}")
    assert page.status_code == 400
    assert "月份" in page.get_data(as_text=True)
    detail = as_user("township").get(f"/boards/steps/township_review?procedure="
                                     f"house_renovation&month={month}")
    assert detail.status_code == 400
    api = apis["township"].get(f"/api/v1/boards/step-times?month={month}")
    assert api.status_code == 422 and "月份" in api.get_json()["errors"]["month"][0]
