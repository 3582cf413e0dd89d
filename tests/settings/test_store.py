"""The settings store: which value applies (place, year, date), and what may be set."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import make_user
from workflow import clock
from workflow.audit.models import AdminEvent
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.models import add_place
from workflow.settings import lookup, who_can_set
from workflow.settings.models import SettingValue
from workflow.settings.operations import set_setting


def _set(actor, key, value, place=None, **kw):
    kw.setdefault("document", "测试〔2026〕1号")
    return set_setting(actor, key, value, place=place, **kw)


def test_the_most_specific_place_on_the_path_wins(world, city_admin):
    p = world.places
    assert lookup("poverty_line", place=p["v1"], year=2019).source == "系统默认值"
    steps = [(None, 5000), (p["city"], 5100), (p["county"], 5200), (p["pianling"], 5300),
             (p["v1"], 5400)]
    for place, value in steps:
        _set(city_admin, "poverty_line", value, place, year=2026)
        applied = lookup("poverty_line", place=p["v1"], year=2026)
        assert applied.value == value
        assert applied.place_code == (place.code if place else None)
    applied = lookup("poverty_line", place=p["v1"].path, year=2026)  # a path works too
    assert applied.source == "大房身村 2026 年设置（测试〔2026〕1号）"
    assert lookup("poverty_line", place=p["v2"], year=2026).value == 5200  # the county's
    assert lookup("poverty_line", year=2026).value == 5000
    assert lookup("poverty_line", year=2026).source == "全系统 2026 年设置（测试〔2026〕1号）"
    assert lookup("poverty_line", place=p["v1"], year=2025) is None  # no default for 2025
    assert lookup("poverty_line", place=p["v1"], year=2019).value == 3747


def test_a_newer_value_supersedes_and_history_is_kept(world, city_admin):
    _set(city_admin, "poverty_line", 5000, year=2026)
    _set(city_admin, "poverty_line", 5100, year=2026, document="新〔2026〕2号")
    assert lookup("poverty_line", year=2026).value == 5100
    assert db.session.query(SettingValue).count() == 2
    event = db.session.execute(
        db.select(AdminEvent).order_by(AdminEvent.id.desc())).scalars().first()
    assert event.data["value"] == {"before": 5000, "after": 5100}
    assert event.data["document"] == "新〔2026〕2号" and event.data["year"] == 2026


def test_values_by_effective_date(world, city_admin):
    key = "notice_days.household_exit.village_notice"
    _set(city_admin, key, 10, on="2026-03-01")
    _set(city_admin, key, 12, on="2026-06-01")
    assert lookup(key, on=dt.date(2026, 2, 28)).value == 7  # the default before
    assert lookup(key, on=dt.date(2026, 3, 1)).value == 10
    assert lookup(key, on=dt.date(2026, 5, 31)).value == 10
    applied = lookup(key, on=dt.date(2026, 7, 1))
    assert applied.value == 12 and applied.effective_on == dt.date(2026, 6, 1)
    assert applied.source == "全系统 自 2026-06-01 起施行（测试〔2026〕1号）"
    clock.travel(dt.date(2026, 7, 1) - clock.today())
    assert lookup(key).value == 12  # default date: today, China time


def test_defaults_follow_app_config(app, world):
    assert lookup("village_exit_profile", place="/210200/210283/210283100201/").value == \
        "zhuanghe"
    assert lookup("village_exit_profile", place=world.places["v1"]).value == "national"
    assert lookup("monitoring_factor").value == Decimal("1.5")
    assert lookup("board_target.household_exit", place=world.places["county"],
                  year=2020).value == 753
    old = app.config["POVERTY_LINES"]
    app.config["POVERTY_LINES"] = {**old, 2026: 7000}
    try:
        assert lookup("poverty_line", year=2026).value == 7000
    finally:
        app.config["POVERTY_LINES"] = old
    record = lookup("poverty_line", year=2019).as_record()
    assert record == {"key": "poverty_line", "title": "贫困线", "value": 3747, "year": 2019,
                      "place_code": None, "place_name": None, "document": "",
                      "source": "系统默认值"}
    with pytest.raises(KeyError):
        lookup("no_such_key")


def test_a_county_cannot_be_laxer_than_its_city(world, city_admin):
    p, admin = world.places, world.users["admin"]
    _set(city_admin, "poverty_line", 5000, p["city"], year=2026, document="鞍政发〔2026〕1号")
    with pytest.raises(Invalid) as refused:
        _set(admin, "poverty_line", 4800, p["county"], year=2026)
    message = refused.value.errors["value"][0]
    assert "「贫困线」不能低于上级" in message and "5,000" in message
    assert "鞍政发〔2026〕1号" in message
    _set(admin, "poverty_line", 5200, p["county"], year=2026)  # stricter: fine
    assert lookup("poverty_line", place=p["v1"], year=2026).value == 5200
    with pytest.raises(Invalid):  # and a village below the county's 5,200
        _set(admin, "poverty_line", 5100, p["v1"], year=2026)
    assert db.session.query(SettingValue).count() == 2


def test_a_city_that_later_raises_its_line_is_not_undercut_by_an_older_county_value(
        world, city_admin):
    p, admin = world.places, world.users["admin"]
    _set(city_admin, "poverty_line", 5000, p["city"], year=2026)
    _set(admin, "poverty_line", 5200, p["county"], year=2026)
    _set(city_admin, "poverty_line", 5500, p["city"], year=2026, document="鞍政发〔2026〕9号")
    applied = lookup("poverty_line", place=p["v1"], year=2026)
    assert (applied.value, applied.place_code) == (5500, "210300")  # the strictest applies
    assert "鞍政发〔2026〕9号" in applied.source
    _set(admin, "poverty_line", 5600, p["county"], year=2026)  # stricter again: the county's
    assert lookup("poverty_line", place=p["v1"], year=2026).place_code == "210323"


def test_notice_days_never_below_the_definitions_minimum(world):
    admin = world.users["admin"]
    with pytest.raises(Invalid) as refused:
        _set(admin, "notice_days.household_exit.village_notice", 5, world.places["county"],
             on="2026-01-01")
    message = refused.value.errors["value"][0]
    assert message.startswith("「贫困户退出村级公示天数」") and "最短 7 天" in message
    assert db.session.query(SettingValue).count() == 0
    assert db.session.query(AdminEvent).count() == 0


@pytest.mark.parametrize("key, value, words", [
    ("poverty_line", "七千", "「贫困线」须为整数"),
    ("poverty_line", "7600.5", "「贫困线」须为整数"),
    ("poverty_line", 7600.0, "「贫困线」须为整数"),
    ("poverty_line", True, "「贫困线」须为整数"),
    ("poverty_line", "9" * 40, "「贫困线」须在"),
    ("poverty_line", -1, "「贫困线」须在"),
    ("poverty_line", "76\x0000", "「贫困线」须为整数"),
    ("poverty_line", "\udcff\udcfe", "「贫困线」须为整数"),
    ("poverty_line", {"a": 1}, "「贫困线」须为整数"),
    ("village_exit_target", 101, "「贫困村累计退出比例目标」须在 0 至 100 之间"),
    ("board_target.household_exit", -3, "「贫困户退出年度目标数」须在"),
    ("monitoring_factor", "1e400", "「监测标准倍数」须为数字"),
    ("monitoring_factor", "NaN", "「监测标准倍数」须为数字"),
    ("monitoring_factor", "0.5", "「监测标准倍数」须在"),
    ("deadline.house_renovation.completion", "02-30", "「危房改造竣工期限」须为“月-日”"),
    ("deadline.house_renovation.completion", "6-30", "「危房改造竣工期限」须为“月-日”"),
    ("village_exit_profile", "mars", "「贫困村退出指标体系」须为以下之一"),
    ("renovation_methods.C", "repair,repair", "「C级危房可用改造方式」须为以下一项或多项"),
    ("renovation_methods.C", [1], "「C级危房可用改造方式」须为以下一项或多项"),
])
def test_bad_values_name_the_setting_and_write_nothing(world, city_admin, key, value, words):
    with pytest.raises(Invalid) as refused:
        _set(city_admin, key, value, year=2026)
    assert words in refused.value.errors["value"][0]
    assert db.session.query(SettingValue).count() == 0
    assert db.session.query(AdminEvent).count() == 0


@pytest.mark.parametrize("kw, field, words", [
    ({"document": ""}, "document", "请填写「文号」"),
    ({"document": "  "}, "document", "请填写「文号」"),
    ({"document": "文\x00号"}, "document", "控制字符"),
    ({"document": "号" * 129}, "document", "最多 128"),
    ({"document": 12}, "document", "须为文字"),
    ({"year": "1999"}, "year", "「年度」须为 2000 至 2100"),
    ({"year": 2**70}, "year", "「年度」"),
    ({"place": "999999"}, "place", "「地区」不存在"),
    ({"place": "２１０３"}, "place", "「地区」不存在"),
    ({"reason": "因" * 501}, "reason", "「说明」最多 500"),
])
def test_bad_fields_are_named_by_label(world, city_admin, kw, field, words):
    kw = {"year": 2026, "document": "测试〔2026〕1号"} | kw
    with pytest.raises(Invalid) as refused:
        set_setting(city_admin, "poverty_line", 7600, **kw)
    assert words in refused.value.errors[field][0]
    assert db.session.query(SettingValue).count() == 0


def test_list_and_decimal_values_are_stored_as_given(world, city_admin):
    _set(city_admin, "renovation_methods.C", "repair, rebuild", year=2026)
    assert lookup("renovation_methods.C", year=2026).value == ["repair", "rebuild"]
    _set(city_admin, "monitoring_factor", "1.55", year=2026)
    assert lookup("monitoring_factor", year=2026).value == Decimal("1.55")
    _set(city_admin, "deadline.house_renovation.completion", "09-30", year=2026)
    assert lookup("deadline.house_renovation.completion", year=2026).value == "09-30"


def test_a_county_admin_manages_its_county_only(world):
    p, admin = world.places, world.users["admin"]
    other = add_place("210283", "庄河市", "county", add_place("210200", "大连市", "city"))
    db.session.commit()
    for place in (other, p["city"], None):
        with pytest.raises(Forbidden):
            _set(admin, "poverty_line", 9000, place, year=2026)
    with pytest.raises(Forbidden):
        _set(world.users["county"], "poverty_line", 9000, p["county"], year=2026)
    _set(admin, "poverty_line", 9000, p["v2"], year=2026)  # under its county: fine
    assert db.session.query(SettingValue).count() == 1
    event = db.session.execute(db.select(AdminEvent)).scalar_one()
    assert event.place_id == p["v2"].id and event.role == "admin"


def test_an_installation_wide_value_lies_on_the_admins_top_place(world, city_admin):
    _set(city_admin, "poverty_line", 7000, year=2026)
    event = db.session.execute(db.select(AdminEvent)).scalar_one()
    assert event.place_id == world.places["city"].id
    assert event.summary == "设置全系统2026 年「贫困线」为 7,000 元/人·年（测试〔2026〕1号）"


def test_who_can_set_names_the_administrators_over_the_place(world, city_admin):
    p = world.places
    assert who_can_set("poverty_line", p["v1"]) == (
        "岫岩满族自治县系统管理员 陈管理员（admin）、鞍山市系统管理员 郑市管理员（city_admin）")
    assert who_can_set("poverty_line", None) == "鞍山市系统管理员 郑市管理员（city_admin）"
    make_user("gone", ("admin", p["pianling"])).active = False
    db.session.commit()
    assert "gone" not in who_can_set("poverty_line", p["v1"])


def test_nobody_to_ask_is_the_system_administrator(world):
    assert who_can_set("poverty_line", None) == "系统管理员"


def test_lookup_many_agrees_with_lookup(world, city_admin):
    from workflow.settings.keys import all_specs
    from workflow.settings.lookup import lookup_many

    p = world.places
    _set(city_admin, "poverty_line", 5000, p["city"], year=2026)
    _set(city_admin, "poverty_line", 5200, p["county"], year=2026)
    _set(city_admin, "notice_days.household_exit.village_notice", 9, p["county"],
         on="2026-02-01")
    _set(city_admin, "notice_days.household_exit.village_notice", 8, on="2026-01-01")
    _set(city_admin, "renovation_methods.D", "rebuild", p["pianling"], year=2025)
    specs = list(all_specs().values())
    for place in (None, p["v1"], p["v2"], p["pianling"]):
        for year, on in ((2026, dt.date(2026, 3, 1)), (2025, dt.date(2026, 1, 15)),
                         (2019, dt.date(2019, 5, 1))):
            many = lookup_many(specs, place=place, year=year, on=on)
            assert many == {s.key: lookup(s.key, place=place, year=year, on=on)
                            for s in specs}


def test_the_banner_costs_one_query_per_request(app, world):
    from flask_login import login_user
    from sqlalchemy import event

    from workflow.settings.views import banner

    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    admin = world.users["admin"]
    with app.test_request_context("/"):
        login_user(admin)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            first, second = banner(), banner()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert first == second and first["places"] == "岫岩满族自治县"
    assert len(statements) == 1
