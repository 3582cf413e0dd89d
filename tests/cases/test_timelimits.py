"""Time limits (办理时限): declared in the YAML and checked on load, counted in working
days over the holidays, shown as 正常/临期/超期 beside the case."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event

from tests.factories import Api
from tests.web.test_pages import login
from workflow import clock
from workflow.cases import timelimits
from workflow.cases.models import Case
from workflow.cases.operations import create_case
from workflow.config import ROOT
from workflow.engine.definitions import load_catalog
from workflow.engine.errors import DefinitionError
from workflow.extensions import db

MONITORING = yaml.safe_load((ROOT / "states" / "monitoring_entry.yaml").read_text("utf-8"))
ALERT = {"source": "cadre_visit", "risk": "illness", "description": "户主突发重病，医疗支出大"}


def _travel_to(day: dt.date, hour: int = 10) -> None:
    """Move the clock to ``hour`` o'clock China time on ``day``."""
    clock.travel(clock.day_start(day) + dt.timedelta(hours=hour) - clock.utcnow())


def _limits(case_id: int) -> dict[str, timelimits.LimitStatus]:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return {s.name: s for s in timelimits.for_cases([case])[case.id]}


def test_an_alert_not_checked_in_two_working_days_turns_red(client, world):
    _travel_to(dt.date(2026, 2, 12))  # Thursday before the 2026 Spring Festival
    case = create_case("monitoring_entry", world.households[0].id, world.users["clerk"])
    seen = {}
    for day in (dt.date(2026, 2, 13), dt.date(2026, 2, 14), dt.date(2026, 2, 20),
                dt.date(2026, 2, 24)):
        _travel_to(day)
        seen[day] = _limits(case.id)["village_check"]
    assert (seen[dt.date(2026, 2, 13)].level, seen[dt.date(2026, 2, 13)].text) == \
        ("green", "剩余1个工作日")
    # Saturday 14 February is a make-up working day: the second and last.
    assert (seen[dt.date(2026, 2, 14)].level, seen[dt.date(2026, 2, 14)].text) == \
        ("yellow", "今日到期")
    assert seen[dt.date(2026, 2, 14)].due_on == dt.date(2026, 2, 14)
    # The festival (15-23 February) counts no day; on the 24th it is one over.
    assert seen[dt.date(2026, 2, 20)].level == "red"
    assert (seen[dt.date(2026, 2, 24)].level, seen[dt.date(2026, 2, 24)].text) == \
        ("red", "超期1个工作日")
    whole = _limits(case.id)["whole_procedure"]
    assert (whole.level, whole.days_left, whole.due_on) == ("green", 17, dt.date(2026, 3, 18))

    login(client, "clerk")
    todo = client.get("/").get_data(as_text=True)
    assert 'data-limit="village_check"' in todo and "超期·超期1个工作日" in todo
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="time-limits"' in page and "村级核实：超期·超期1个工作日" in page
    assert "纳入办结：正常·剩余17个工作日" in page
    listed = client.get("/cases").get_data(as_text=True)
    assert "limit-red" in listed

    # Checked: the village's limit stops, the whole procedure's still runs.
    Api(client, "clerk").act(case.id, "record_alert", ALERT)
    limits = _limits(case.id)
    assert "village_check" in limits  # at home_check: not checked yet
    assert limits["village_check"].started_on == dt.date(2026, 2, 12)


def test_a_list_costs_two_queries_whatever_its_length(world):
    _travel_to(dt.date(2026, 2, 12))
    cases = [create_case("monitoring_entry", h.id, world.users["clerk"])
             for h in world.households[:2]]
    db.session.expire_all()
    cases = db.session.execute(db.select(Case)).scalars().all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        found = timelimits.for_cases(cases)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 2 and all(len(v) == 2 for v in found.values())


def test_a_year_without_holiday_data_is_marked_provisional(world):
    from workflow.calendar.workdays import WorkCalendar

    limit = {"name": "x", "title": "核实", "days": 2, "unit": "working"}
    st = timelimits.status(limit, dt.date(2027, 2, 5), dt.date(2027, 2, 8), WorkCalendar())
    assert st.provisional and st.due_on == dt.date(2027, 2, 9)
    assert (st.level, st.text) == ("green", "剩余1个工作日")
    calendar_days = timelimits.status({**limit, "unit": "calendar", "days": 3},
                                      dt.date(2026, 2, 12), dt.date(2026, 2, 16),
                                      WorkCalendar())
    assert (calendar_days.level, calendar_days.text) == ("red", "超期1天")


@pytest.fixture
def dirs(tmp_path: Path):
    states, forms = tmp_path / "states", tmp_path / "forms"
    states.mkdir()
    shutil.copytree(ROOT / "forms", forms)
    return states, forms


def _problems(dirs, limits) -> list[str]:
    states, forms = dirs
    body = {**yaml.safe_load(yaml.safe_dump(MONITORING)), "time_limits": limits}
    (states / "monitoring_entry.yaml").write_text(yaml.safe_dump(body, allow_unicode=True),
                                                  encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    return exc.value.problems


def test_the_shipped_limits_load(dirs):
    states, forms = dirs
    for name in ("monitoring_entry.yaml", "house_renovation.yaml"):
        shutil.copy(ROOT / "states" / name, states / name)
    catalog = load_catalog(states, forms)
    assert [lim["days"] for lim in catalog.procedures["monitoring_entry"].time_limits] == \
        [2, 20]
    assert len(catalog.procedures["house_renovation"].time_limits) == 3


@pytest.mark.parametrize(("limit", "expected"), [
    ({"state": "nowhere"}, "time_limits[0] check.state: 状态 nowhere 不存在"),
    ({"from": "alert", "to": ["gone"]}, "time_limits[0] check.to: 状态 gone 不存在"),
    ({"from": "alfa", "to": ["monitored"]}, "time_limits[0] check.from: 状态 alfa 不存在"),
    ({"state": "monitored"}, "终止状态 monitored 不能设时限"),
    ({"from": "alert", "to": ["alert"]}, "时段的起止状态相同"),
    ({"state": "alert", "days": 0}, '"days": ["must be a positive number of days"]'),
    ({"state": "alert", "days": -3}, '"days": ["must be a positive number of days"]'),
    ({"state": "alert", "unit": "weeks"}, '"unit": ["must be working or calendar"]'),
    ({"state": "alert", "yellow_at": 1.5}, '"yellow_at"'),
    ({"state": "alert", "from": "alert", "to": ["monitored"]}, "either state"),
    ({}, "give state (one step) or from and to"),
])
def test_bad_limits_are_refused_naming_the_file_and_key(dirs, limit, expected):
    problems = _problems(dirs, [{"name": "check", "title": "核实", "days": 2, **limit}])
    assert any(p.startswith("monitoring_entry.yaml: ") and expected in p
               for p in problems), problems
    if "格式错误" in problems[0]:
        assert '"time_limits": {"0":' in problems[0]


def test_a_duplicate_limit_name_is_refused(dirs):
    limit = {"name": "check", "title": "核实", "state": "alert", "days": 2}
    assert any("时限名重复" in p for p in _problems(dirs, [limit, limit]))


def test_procedures_check_reports_a_bad_limit(app, dirs, monkeypatch):
    states, forms = dirs
    body = {**MONITORING, "time_limits": [{"name": "c", "title": "核实", "state": "nowhere",
                                           "days": 2}]}
    (states / "monitoring_entry.yaml").write_text(yaml.safe_dump(body, allow_unicode=True),
                                                  encoding="utf-8")
    monkeypatch.setitem(app.config, "STATES_FOLDER", str(states))
    monkeypatch.setitem(app.config, "FORMS_FOLDER", str(forms))
    result = app.test_cli_runner().invoke(args=["procedures", "check"])
    assert result.exit_code != 0 and "状态 nowhere 不存在" in result.output


def test_the_filter_and_the_supervision_list_find_the_late_alert(client, world):
    from workflow.cases.queries import case_query

    _travel_to(dt.date(2026, 2, 12))
    case = create_case("monitoring_entry", world.households[0].id, world.users["clerk"])
    other = create_case("monitoring_entry", world.households[2].id,
                        world.users["other_clerk"])

    def found(level: str, user: str = "county") -> set[int]:
        db.session.expire_all()
        query = case_query(world.users[user], limit=level)
        return {c.id for c in db.session.execute(query).scalars().unique().all()}

    for day, yellow, red in ((dt.date(2026, 2, 13), set(), set()),
                             (dt.date(2026, 2, 14), {case.id, other.id}, set()),
                             (dt.date(2026, 2, 24), set(), {case.id, other.id})):
        _travel_to(day)
        assert (found("yellow"), found("red")) == (yellow, red), day
        # The filter agrees with the badges.
        worst = {c: timelimits.worst(s).level
                 for c, s in timelimits.for_cases(db.session.execute(
                     db.select(Case)).scalars().all()).items()}
        assert {c for c, lv in worst.items() if lv == "red"} == red

    login(client, "township")  # 偏岭镇: its village's late alert, not 杨家堡镇's
    page = client.get("/supervision").get_data(as_text=True)
    assert f'data-case="{case.id}"' in page and f'data-case="{other.id}"' not in page
    assert "村级核实：超期·超期1个工作日" in page
    assert 'id="supervision-link"' in client.get("/").get_data(as_text=True)
    listed = client.get("/cases?limit=red").get_data(as_text=True)
    assert f"/cases/{case.id}\"" in listed
    bad = client.get("/cases?limit=purple").get_data(as_text=True)
    assert "所选「办理时限」不正确" in bad
    clerk = client.application.test_client()
    login(clerk, "clerk")  # the village itself has no level below
    assert 'id="supervision-empty"' in clerk.get("/supervision").get_data(as_text=True)


@pytest.mark.parametrize("limit", [
    {"name": "a", "title": "甲", "days": 2},
    {"name": "b", "title": "乙", "days": 20, "unit": "working"},
    {"name": "c", "title": "丙", "days": 3, "unit": "calendar"},
    {"name": "d", "title": "丁", "days": 10, "unit": "working", "yellow_at": 0.5},
])
def test_the_filter_bounds_invert_the_status_over_the_festival(limit):
    from workflow.calendar.workdays import WorkCalendar

    calendar = WorkCalendar()
    for today in (dt.date(2026, 1, 20) + dt.timedelta(days=i) for i in range(0, 60, 3)):
        red = timelimits._latest_start(limit, today, calendar, "red")
        warn = timelimits._latest_start(limit, today, calendar, "yellow")
        for back in range(0, 45):
            start = today - dt.timedelta(days=back)
            level = timelimits.status(limit, start, today, calendar).level
            assert (level == "red") == (start <= red), (today, start)
            assert (level == "yellow") == (red < start <= warn), (today, start)


def test_the_workday_test_agrees_with_the_package():
    import chinese_calendar

    from workflow.calendar.workdays import WorkCalendar

    calendar, day = WorkCalendar(), dt.date(2025, 1, 1)
    while day.year < 2027:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
