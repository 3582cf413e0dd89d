"""The settings page, API and CLI, the banner, and the trail they write."""
from __future__ import annotations

import datetime as dt

from tests.audit.test_verify import run_verify, tamper
from tests.factories import Api
from tests.web.test_pages import csrf, text
from workflow import clock
from workflow.audit.models import AdminEvent
from workflow.extensions import db
from workflow.settings import lookup
from workflow.settings.models import SettingValue
from workflow.settings.operations import set_setting

THIS_YEAR = clock.today().year


def test_cli_sets_lists_and_shows_history_on_the_trail(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["settings", "set", "poverty_line", "7600", "--year", "2026",
                                 "--document", "国开发〔2026〕1号", "--reason", "年度调整"])
    assert result.exit_code == 0, result.output
    assert "poverty_line = 7,600 元/人·年 (2026, installation-wide, 国开发〔2026〕1号)" in \
        result.output
    db.session.expire_all()
    applied = lookup("poverty_line", place=world.places["v1"], year=2026)
    assert applied.value == 7600 and applied.document == "国开发〔2026〕1号"
    event = db.session.execute(db.select(AdminEvent)).scalar_one()
    assert event.actor_name == "服务器命令行" and event.place_id == world.places["city"].id
    assert event.data["value"] == {"before": None, "after": 7600}
    assert event.target == "setting:poverty_line"
    result = runner.invoke(args=["settings", "set", "poverty_line", "7800", "--year", "2026",
                                 "--place", "210323", "--document", "岫政办发〔2026〕3号"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["settings", "list", "--year", "2026", "--place", "210323106201"])
    assert "7,800 元/人·年\t岫岩满族自治县 2026 年设置（岫政办发〔2026〕3号）" in listed.output
    history = runner.invoke(args=["settings", "history", "poverty_line"])
    lines = history.output.strip().splitlines()
    assert len(lines) == 2 and "岫岩满族自治县" in lines[0] and "全系统" in lines[1]
    assert run_verify(app).exit_code == 0


def test_cli_refusals_are_chinese_and_write_nothing(app, world):
    result = app.test_cli_runner().invoke(args=[
        "settings", "set", "notice_days.household_exit.village_notice", "3", "--on",
        "2026-01-01", "--place", "210323", "--document", "岫政办发〔2026〕3号"])
    assert result.exit_code == 1 and "「贫困户退出村级公示天数」" in result.output
    assert db.session.query(SettingValue).count() == 0


def test_a_tampered_settings_event_fails_audit_verify(app, world):
    set_setting(world.users["admin"], "poverty_line", 7600, year=2026,
                place=world.places["county"], document="岫政办发〔2026〕3号")
    assert run_verify(app).exit_code == 0
    tamper("UPDATE admin_events SET summary = '设置岫岩满族自治县2026 年「贫困线」为 3,000'")
    result = run_verify(app)
    assert result.exit_code == 1 and "内容哈希不符" in result.output


def test_the_banner_shows_administrators_a_year_without_a_line(world, as_user):
    admin = as_user("admin")
    page = text(admin.get("/cases/todo"))
    assert 'id="settings-banner"' in page and f"尚未设置 {THIS_YEAR} 年贫困线" in page
    assert "/admin/settings?year=" in page
    assert 'id="settings-banner"' not in text(as_user("clerk").get("/cases/todo"))
    set_setting(world.users["admin"], "poverty_line", 7600, year=THIS_YEAR,
                place=world.places["county"], document="岫政办发〔2026〕3号")
    assert 'id="settings-banner"' not in text(admin.get("/cases/todo"))


def test_the_banner_is_gone_when_a_line_is_set_above_or_by_default(app, world, as_user):
    admin = as_user("admin")
    app.config["POVERTY_LINES"] = {**app.config["POVERTY_LINES"], THIS_YEAR: 7000}
    try:
        assert 'id="settings-banner"' not in text(admin.get("/cases/todo"))
    finally:
        app.config["POVERTY_LINES"] = {y: v for y, v in app.config["POVERTY_LINES"].items()
                                       if y != THIS_YEAR}
    set_setting(world.users["admin"], "poverty_line", 7600, year=THIS_YEAR,
                place=world.places["v1"], document="偏岭〔2026〕1号")  # one village only
    assert 'id="settings-banner"' in text(admin.get("/cases/todo"))


def test_the_page_shows_values_and_an_admin_sets_one(world, as_user):
    admin = as_user("admin")
    page = text(admin.get("/admin/settings?place=210323&year=2019"))
    assert "岫岩满族自治县 2019 年适用的参数" in page and "3,747 元/人·年" in page
    assert "系统默认值" in page and 'id="s-document"' in page
    token = csrf(admin, "/admin/settings")
    form = {"csrf_token": token, "key": "poverty_line", "value": "7600", "year": "2026",
            "place": "210323", "document": "", "reason": ""}
    refused = admin.post("/admin/settings", data=form)
    assert refused.status_code == 422 and "请填写「文号」" in text(refused)
    assert db.session.query(SettingValue).count() == 0
    done = admin.post("/admin/settings", data=form | {"document": "岫政办发〔2026〕3号"})
    assert done.status_code == 302
    page = text(admin.get(done.headers["Location"]))
    assert "已设置「贫困线」为 7,600 元/人·年（岫政办发〔2026〕3号）" in page
    assert "岫岩满族自治县 2026 年设置（岫政办发〔2026〕3号）" in page
    history = text(admin.get("/admin/settings/poverty_line"))
    assert "岫政办发〔2026〕3号" in history and "陈管理员" in history
    assert admin.get("/admin/settings/no_such_key").status_code == 404


def test_others_read_the_page_without_the_form(world, as_user):
    clerk = as_user("clerk")
    page = text(clerk.get("/admin/settings"))
    assert "大房身村" in page and 'id="s-document"' not in page
    assert clerk.post("/admin/settings", data={"csrf_token": csrf(clerk, "/admin/settings"),
                                               "key": "poverty_line", "value": "1"}
                      ).status_code == 403
    outside = text(clerk.get("/admin/settings?place=210323107201"))
    assert "「地区」不存在或不在您的管辖范围内" in outside


def test_api_lists_and_sets(client, world):
    admin = Api(client, "admin")
    response = admin.post("/api/v1/settings", json={
        "key": "notice_days.household_exit.village_notice", "value": 10, "on": "2026-03-01",
        "place": "210323", "document": "岫政办发〔2026〕4号", "reason": "延长公示"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["shown"] == "10 天"
    body = admin.get("/api/v1/settings?jurisdiction=210323106201&year=2026"
                     "&key=notice_days.household_exit.village_notice").get_json()
    (row,) = body["settings"]
    assert row["title"] == "贫困户退出村级公示天数" and row["minimum"] == 7
    assert body["history"][0]["document"] == "岫政办发〔2026〕4号"
    assert lookup("notice_days.household_exit.village_notice", place=world.places["v1"],
                  on=dt.date(2026, 3, 2)).value == 10
    whole = admin.get("/api/v1/settings?year=2019").get_json()
    line = next(r for r in whole["settings"] if r["key"] == "poverty_line")
    assert line["value"] == 3747 and line["source"] == "系统默认值"


def test_api_refusals(client, world):
    admin = Api(client, "admin")
    bad = admin.post("/api/v1/settings", json={"key": "poverty_line", "value": "1e9",
                                               "year": 2026, "document": "x"})
    assert bad.status_code == 422 and "「贫困线」" in bad.get_json()["errors"]["value"][0]
    other = admin.post("/api/v1/settings", json={"key": "poverty_line", "value": 9000,
                                                 "year": 2026, "document": "x"})
    assert other.status_code == 403  # installation-wide: not a county administrator's
    assert admin.get("/api/v1/settings?year=abc").status_code == 422
    assert admin.get("/api/v1/settings?key=nope").status_code == 422
    assert admin.get("/api/v1/settings?jurisdiction=999").status_code == 422
    assert db.session.query(SettingValue).count() == 0
