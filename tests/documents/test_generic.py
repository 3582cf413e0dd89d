"""A procedure written only as YAML (no sheet_row, no template of its own) gets a sheet."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from tests.documents.helpers import pdf_text
from tests.factories import Api
from workflow import clock, create_app
from workflow.engine.definitions import load_catalog
from workflow.engine.errors import DefinitionError

PROCEDURE = """
key: hardship_relief
title: 临时救助
subject: household
initial: application
start_roles: [village_clerk]
copies: [乡镇人民政府, 村委会]
states:
  application: {title: 救助申请}
  village_review:
    title: 村级评议公示
    notice: {setting: hardship_relief.village_notice, min_days: 5, title: 村级公示}
  township_check: {title: 乡镇审批}
  granted: {title: 已救助, final: true}
actions:
  - {name: apply, title: 提交救助申请, from: [application], to: village_review,
     level: village, roles: [village_clerk], form: hardship_application}
  - {name: village_agree, title: 村级评议同意, from: [village_review], to: township_check,
     level: village, cosign: [village_clerk, work_team], guards: [notice_period_over]}
  - {name: township_grant, title: 乡镇审批同意救助, from: [township_check], to: granted,
     level: township, roles: [township_reviewer]}
  - {name: township_refuse, title: 乡镇不同意，退回申请, kind: reject, from: [township_check],
     to: application, level: township, roles: [township_reviewer]}
"""
FORM = """
key: hardship_application
title: 临时救助申请表
fields:
  - {name: reason, label: 困难类型, type: choice, required: true,
     choices: {illness: 因病, disaster: 因灾, accident: 意外事故}}
  - {name: amount, label: 申请金额（元）, type: decimal, required: true, min: 0, max: 50000}
  - {name: household_size, label: 家庭人口（人）, type: integer, required: true, min: 1}
  - {name: lost_harvest, label: 当年绝收, type: boolean, required: true, must_be: true}
  - {name: occurred_on, label: 发生日期, type: date, required: true}
  - {name: notes, label: 情况说明, type: text}
"""
APPLICATION = {"reason": "disaster", "amount": "3500.00", "household_size": 3,
               "lost_harvest": True, "occurred_on": "2020-07-21", "notes": "暴雨冲毁玉米地"}


@pytest.fixture
def generic_app(app, tmp_path):
    """The app with one more procedure and form, in folders of their own."""
    states, forms = tmp_path / "states", tmp_path / "forms"
    states.mkdir()
    forms.mkdir()
    for folder, key in ((states, "STATES_FOLDER"), (forms, "FORMS_FOLDER")):
        for path in sorted(__import__("pathlib").Path(app.config[key]).glob("*.yaml")):
            (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (states / "hardship_relief.yaml").write_text(PROCEDURE, encoding="utf-8")
    (forms / "hardship_application.yaml").write_text(FORM, encoding="utf-8")
    return create_app({**app.config, "STATES_FOLDER": str(states),
                       "FORMS_FOLDER": str(forms)})


def test_generic_procedure_sheet_has_a_row_per_step_filled_from_the_trail(generic_app,
                                                                             world):
    with generic_app.app_context():
        client = generic_app.test_client()
        api = {name: Api(client, name) for name in ("clerk", "team", "township")}
        household = world.households[0]
        made = api["clerk"].post("/api/v1/cases", json={
            "procedure": "hardship_relief", "subject_id": household.id})
        assert made.status_code == 201, made.get_json()
        case_id = made.get_json()["id"]

        def act(who, action, data=None, opinion="同意"):
            response = api[who].act(case_id, action, data, opinion=opinion)
            assert response.status_code == 200, response.get_json()

        act("clerk", "apply", APPLICATION, "情况属实，申请救助")
        clock.travel(dt.timedelta(days=6))
        act("clerk", "village_agree", opinion="村委会评议同意")
        act("team", "village_agree", opinion="工作队核实同意")
        act("township", "township_refuse", opinion="缺少受灾证明")
        act("clerk", "apply", {**APPLICATION, "amount": "3000.00"}, "补交受灾证明")
        clock.travel(dt.timedelta(days=6))
        act("clerk", "village_agree", opinion="再次评议同意")
        act("team", "village_agree", opinion="再次核实同意")
        act("township", "township_grant", opinion="同意救助3000元")
        response = api["township"].get(f"/cases/{case_id}/sheet.pdf")
        assert response.status_code == 200, response.data[:300]
        text = re.sub(r"\s+", "", pdf_text(response.data))
        laid_out = re.sub(r"\s+", "", pdf_text(response.data, layout=True))

    assert "临时救助审批表" in text
    # The long form prints as the assessment block, with labels and readable values.
    assert "临时救助申请表" in text
    for printed in ("困难类型", "因灾", "申请金额（元）", "3000.00", "当年绝收☑是☐否",
                    "发生日期", "2020年07月21日", "暴雨冲毁玉米地", "家庭人口（人）"):
        assert printed in text, printed
    # One row per forward step, titled by it; the reject joins the township's row. Within
    # a row the entries follow the trail; co-signatures sit side by side.
    assert text.count("提交救助申请") == 3  # the row and its two entries
    assert text.count("乡镇审批同意救助") == 2
    assert text.count("乡镇不同意，退回申请") == 1 and "【乡镇不同意，退回申请】" in text
    rows = [["（已退回重办）情况属实，申请救助", "补交受灾证明"],
            ["村委会评议同意工作队核实同意", "再次评议同意再次核实同意"],
            ["缺少受灾证明", "同意救助3000元"]]
    position = 0
    for row in rows:
        for opinion in row:
            position = laid_out.find(opinion, position)
            assert position >= 0, (opinion, laid_out)
    assert "李秀英（村两委）" in text and "赵第一书记（驻村工作队/第一书记）" in text
    assert "本表一式二份，乡镇人民政府、村委会各存一份" in text
    assert "村级公示" in text and "（5天）" in text


def test_a_named_sheet_template_must_exist(app, tmp_path):
    states, forms = tmp_path / "states", tmp_path / "forms"
    states.mkdir()
    forms.mkdir()
    (forms / "hardship_application.yaml").write_text(FORM, encoding="utf-8")
    body = yaml.safe_load(PROCEDURE)
    (states / "a.yaml").write_text(yaml.safe_dump(
        {**body, "sheet_template": "no_such_sheet.html"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_catalog(states, forms)
    assert "templates/pdf/no_such_sheet.html does not exist" in str(refused.value.problems)
    (states / "a.yaml").write_text(yaml.safe_dump(
        {**body, "sheet_template": "../sheet.html"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError):
        load_catalog(states, forms)
    (states / "a.yaml").write_text(yaml.safe_dump(
        {**body, "sheet_template": "sheet.html"}, allow_unicode=True), encoding="utf-8")
    catalog = load_catalog(states, forms)
    assert catalog.procedures["hardship_relief"].body["procedure"]["sheet_template"] == \
        "sheet.html"
