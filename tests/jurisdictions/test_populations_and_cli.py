"""Rural population per village and year, the `flask places` commands, tamper evidence."""
from __future__ import annotations

import io

import pytest

from tests.audit.test_verify import run_verify, tamper
from tests.factories import Api
from tests.jurisdictions.helpers import NEW, WORLD, csv_file
from tests.web.test_pages import csrf
from workflow.audit import admin
from workflow.audit.models import AdminEvent
from workflow.engine.errors import Invalid
from workflow.evidence.samples import blank_pdf
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction, recorded_population
from workflow.jurisdictions.operations import record_population


def _events(action):
    return db.session.execute(db.select(AdminEvent).filter_by(action=action)
                              .order_by(AdminEvent.id)).scalars().all()


def test_population_is_recorded_and_on_the_trail(client, world):
    api = Api(client, "admin")
    response = api.post("/api/v1/admin/places/210323106201/populations", json={
        "year": 2026, "people": 412, "source": "公安户籍", "document": "岫公户〔2026〕2号"})
    assert response.status_code == 201
    again = api.post("/api/v1/admin/places/210323106201/populations", json={
        "year": 2026, "people": 420, "source": "统计年报", "document": "岫统〔2026〕1号"})
    assert again.status_code == 201
    v1 = world.places["v1"]
    assert recorded_population(v1.id, 2026).people == 420
    first, second = _events("population_recorded")
    assert first.data["people"] == 412 and second.data["people"] == {"before": 412, "after": 420}
    assert second.place_id == v1.id and admin.verify() == (2, [])


@pytest.mark.parametrize("body, field", [
    ({"year": 2026, "people": 0, "source": "公安户籍", "document": "文"}, "people"),
    ({"year": 1990, "people": 10, "source": "公安户籍", "document": "文"}, "year"),
    ({"year": 2026, "people": 10, "source": "", "document": "文"}, "source"),
    ({"year": 2026, "people": 10, "source": "公安户籍"}, "document"),
    ({"year": 2026, "people": "十", "source": "=HYPERLINK(1)", "document": "文"}, "people")])
def test_bad_population_input_is_refused_by_label(client, world, body, field):
    response = Api(client, "admin").post("/api/v1/admin/places/210323106201/populations",
                                         json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert _events("population_recorded") == []


def test_population_only_for_villages_and_evidence_is_content_checked(world):
    with pytest.raises(Invalid):
        record_population("210323106", 2026, 400, "公安户籍", "文", world.users["admin"])
    with pytest.raises(Invalid) as caught:
        record_population("210323106201", 2026, 400, "公安户籍", "", world.users["admin"],
                          (b"not a pdf", "户籍.pdf", "application/pdf"))
    assert "「文件」" in caught.value.message or caught.value.errors
    row = record_population("210323106201", 2026, 400, "公安户籍", "", world.users["admin"],
                            (blank_pdf(), "户籍.pdf", "application/pdf"))
    assert row.evidence_mime == "application/pdf" and len(row.evidence_sha256) == 64


def test_place_page_records_population_and_renames(as_user, world):
    browser = as_user("admin")
    token = csrf(browser, "/admin/places/210323106201")
    response = browser.post("/admin/places/210323106201", data={
        "csrf_token": token, "what": "population", "year": "2026", "people": "398",
        "source": "公安户籍", "document": "",
        "evidence": (io.BytesIO(blank_pdf()), "户籍.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = browser.get("/admin/places/210323106201").get_data(as_text=True)
    assert "398" in page and "登记农村人口" in page
    bad = browser.post("/admin/places/210323106201", data={
        "csrf_token": token, "what": "rename", "name": "新名", "document": "", "on": "2026-01-01"})
    assert bad.status_code == 200 and "「文号」为必填项" in bad.get_data(as_text=True)


def test_cli_commands_act_as_the_server_command_line(app, world, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "岫岩县.csv"
    path.write_bytes(csv_file(WORLD + NEW))
    result = runner.invoke(args=["places", "import", str(path)])
    assert result.exit_code == 0 and "新增 2 个地区" in result.output, result.output
    result = runner.invoke(args=["places", "import", str(path)])
    assert result.exit_code == 0 and "无变化" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([("210323106209", "", "村", "210323106000")]))
    result = runner.invoke(args=["places", "import", str(bad)])
    assert result.exit_code == 1 and "第 2 行（210323106209）" in result.output
    result = runner.invoke(args=["places", "rename", "210323106202", "小房身新村",
                                 "--document", "岫政发〔2026〕8号", "--on", "2026-06-01"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["places", "merge", "210323106203", "--into", "210323106202",
                                 "--on", "2026-06-01", "--document", "岫政发〔2026〕9号"])
    assert result.exit_code == 0 and "已撤并，并入 小房身新村" in result.output
    result = runner.invoke(args=["places", "population", "210323106202", "--year", "2026",
                                 "--people", "350", "--source", "统计年报",
                                 "--document", "岫统〔2026〕2号"])
    assert result.exit_code == 0 and "350 人" in result.output
    result = runner.invoke(args=["places", "population", "210323106202", "--year", "2026",
                                 "--people", "-3", "--source", "统计年报", "--document", "文"])
    assert result.exit_code == 1 and "农业户籍人口" in result.output
    events = db.session.execute(db.select(AdminEvent).order_by(AdminEvent.id)).scalars().all()
    assert [e.action for e in events] == ["places_imported", "place_renamed", "place_merged",
                                          "population_recorded"]
    assert {e.actor_name for e in events} == {"服务器命令行"}
    assert db.session.execute(db.select(Jurisdiction.name).filter_by(
        code="210323106202")).scalar_one() == "小房身新村"
    assert run_verify(app).exit_code == 0


def test_tampering_with_a_place_event_fails_verify(app, world):
    record_population("210323106201", 2026, 400, "公安户籍", "文", world.users["admin"])
    assert run_verify(app).exit_code == 0
    tamper("UPDATE admin_events SET summary = '篡改' WHERE action = 'population_recorded'")
    result = run_verify(app)
    assert result.exit_code == 1 and "内容哈希不符" in result.output
