"""Broken definitions are refused with file and reason; running cases keep their version."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from workflow.config import ROOT
from workflow.engine.definitions import load_catalog
from workflow.engine.errors import DefinitionError

GOOD = yaml.safe_load((ROOT / "states" / "household_exit.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def dirs(tmp_path: Path):
    states, forms = tmp_path / "states", tmp_path / "forms"
    states.mkdir()
    shutil.copytree(ROOT / "forms", forms)
    return states, forms


def write(states: Path, body: dict, name: str = "broken.yaml") -> None:
    (states / name).write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")


def problems_for(dirs, mutate) -> list[str]:
    states, forms = dirs
    body = yaml.safe_load(yaml.safe_dump(GOOD))
    mutate(body)
    write(states, body)
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    return exc.value.problems


def action(body: dict, name: str) -> dict:
    return next(a for a in body["actions"] if a["name"] == name)


def test_the_shipped_definitions_load(dirs):
    states, forms = dirs
    write(states, GOOD)
    catalog = load_catalog(states, forms)
    assert "household_exit" in catalog.procedures


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda b: action(b, "verify").update(cosign=["village_clerk", "mayor"]),
     "动作 verify: 未知角色 mayor"),
    (lambda b: action(b, "submit_survey")["guards"].append("looks_poor"),
     "动作 submit_survey: 未知条件 looks_poor"),
    (lambda b: action(b, "submit_survey")["effects"].append("send_money"),
     "动作 submit_survey: 未知处理 send_money"),
    (lambda b: action(b, "submit_survey").update(form="no_such_form"),
     "动作 submit_survey: 未知表单 no_such_form"),
    (lambda b: b["states"].update(orphan={"title": "孤立"}),
     "状态 orphan: 从初始状态无法到达"),
    (lambda b: action(b, "city_file").update(to="city_filing") or b["states"].update(
        dead_end={"title": "死路"}) or action(b, "announce_strike_off").update(to="dead_end"),
     "状态 dead_end: 非终止状态没有出路"),
    (lambda b: b["actions"].append(dict(action(b, "verify"))),
     "动作 verify: 动作名重复"),
    (lambda b: action(b, "township_reject").update(to="nowhere"),
     "动作 township_reject: 退回路径指向不存在的状态 nowhere"),
    (lambda b: action(b, "submit_survey").update({"from": ["limbo"]}),
     "起始状态 limbo 不存在"),
    (lambda b: b.update(initial="start"),
     "初始状态 start 不存在"),
    (lambda b: action(b, "submit_survey").update(evidence=["selfie"]),
     "动作 submit_survey: 未声明的证明材料种类 selfie"),
    (lambda b: b.update(deadline={"setting": "x", "met_in": ["limbo"]}),
     "deadline.met_in: 状态 limbo 不存在"),
    (lambda b: b.update(offline_photos=["selfie"]),
     "offline_photos: 未声明的证明材料种类 selfie"),
    (lambda b: action(b, "verify").update(offline=True),
     "动作 verify: 离线填写的操作须有表单"),
])
def test_broken_definitions_are_refused_with_file_and_reason(dirs, mutate, expected):
    problems = problems_for(dirs, mutate)
    assert any(p.startswith("broken.yaml: ") and expected in p for p in problems), problems


def test_schema_errors_name_the_file(dirs):
    states, forms = dirs
    (states / "bad.yaml").write_text("key: x\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    assert exc.value.problems[0].startswith("bad.yaml: YAML 无法解析")
    (states / "bad.yaml").write_text(yaml.safe_dump({"key": "x", "colour": "red"}))
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    assert "bad.yaml: 格式错误" in exc.value.problems[0]


def test_procedures_check_command(app, dirs, monkeypatch):
    states, forms = dirs
    write(states, GOOD)
    monkeypatch.setitem(app.config, "STATES_FOLDER", str(states))
    monkeypatch.setitem(app.config, "FORMS_FOLDER", str(forms))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["procedures", "check"])
    assert ok.exit_code == 0 and "ok  household_exit" in ok.output
    broken = yaml.safe_load(yaml.safe_dump(GOOD))
    action(broken, "township_reject")["to"] = "nowhere"
    write(states, broken, "household_exit.yaml")
    failed = runner.invoke(args=["procedures", "check"])
    assert failed.exit_code == 1
    assert "household_exit.yaml: 动作 township_reject: 退回路径指向不存在的状态" in failed.output


def test_version_is_the_content_hash(dirs):
    states, forms = dirs
    write(states, GOOD)
    first = load_catalog(states, forms).procedures["household_exit"].version
    assert load_catalog(states, forms).procedures["household_exit"].version == first
    changed = yaml.safe_load(yaml.safe_dump(GOOD))
    changed["states"]["village_notice"]["notice"]["min_days"] = 10
    write(states, changed)
    assert load_catalog(states, forms).procedures["household_exit"].version != first


def test_unknown_subject_and_bad_dependent_choices_are_refused(dirs):
    states, forms = dirs
    body = yaml.safe_load(yaml.safe_dump(GOOD))
    body["subject"] = "tractor"
    write(states, body)
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    assert "broken.yaml: 格式错误" in exc.value.problems[0] and "subject" in exc.value.problems[0]
    (states / "broken.yaml").unlink()
    form = yaml.safe_load((forms / "house_appraisal.yaml").read_text(encoding="utf-8"))
    form["fields"][4]["choices_by"]["options"]["C"] = ["demolish"]
    (forms / "house_appraisal.yaml").write_text(yaml.safe_dump(form, allow_unicode=True),
                                                encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    assert any("house_appraisal.yaml" in p and "choices_by" in p for p in exc.value.problems)


def test_dependent_choices_are_checked_with_a_chinese_message(app):
    from workflow.engine import store

    form = store.catalog().forms["house_appraisal"]
    base = {"grade": "C", "appraised_on": "2020-03-10", "appraiser": "王工",
            "certificate_no": "A1"}
    values, errors = form.validate({**base, "method": "repair"})
    assert errors == {} and values["method"] == "repair"
    _, errors = form.validate({**base, "method": "new_build"})
    assert errors["method"] == ["「改造方式」与「鉴定等级」不符：C级（局部危险）只能选择修缮加固"]
    _, errors = form.validate({**base, "grade": "D", "method": "repair"})
    assert "原址翻建、异地新建" in errors["method"][0]


def test_phone_keyboards_follow_the_field_types():
    """inputmode and input type come from the field definition, not from templates."""
    from workflow.engine.forms import FieldDef

    money = FieldDef(name="wages", label="工资性收入（元）", type="decimal", min=0)
    net = FieldDef(name="farm_net", label="农业经营净收入（元）", type="decimal", min=-10)
    count = FieldDef(name="size", label="家庭人口（人）", type="integer", min=1)
    unbounded = FieldDef(name="n", label="数", type="integer")
    day = FieldDef(name="on", label="日期", type="date")
    text = FieldDef(name="who", label="姓名", type="string")
    assert (money.inputmode, money.input_type) == ("decimal", "number")
    assert (count.inputmode, count.input_type) == ("numeric", "number")
    assert net.inputmode is None and unbounded.inputmode is None  # a minus sign is needed
    assert (day.inputmode, day.input_type) == (None, "date")
    assert (text.inputmode, text.input_type) == (None, "text")
