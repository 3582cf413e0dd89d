"""Check items (是否项) that must be yes to move forward are a rule of the form, and
``procedures check`` refuses a forward action whose booleans do not say what they are."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from workflow.config import ROOT
from workflow.engine.definitions import load_catalog
from workflow.engine.errors import DefinitionError
from workflow.engine.forms import Rules, build_form
from workflow.engine.schema import FormSchema


@pytest.fixture
def dirs(tmp_path: Path):
    states, forms = tmp_path / "states", tmp_path / "forms"
    shutil.copytree(ROOT / "states", states)
    shutil.copytree(ROOT / "forms", forms)
    return states, forms


def _edit_form(forms: Path, key: str, name: str, **changes) -> None:
    path = forms / f"{key}.yaml"
    body = yaml.safe_load(path.read_text(encoding="utf-8"))
    field = next(f for f in body["fields"] if f["name"] == name)
    for k, v in changes.items():
        if v is None:
            field.pop(k, None)
        else:
            field[k] = v
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")


def test_an_unflagged_check_item_on_a_forward_action_is_reported(dirs):
    states, forms = dirs
    _edit_form(forms, "township_review", "spot_checked", must_be=None)
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    problems = exc.value.problems
    # Every procedure whose forward action uses the form is named, with its file.
    assert any(p.startswith("household_exit.yaml: 动作 township_approve: 表单 "
                            "township_review 的是否项「已入户抽查」(spot_checked) 未标注 must_be")
               for p in problems)
    assert any(p.startswith("house_renovation.yaml: 动作 township_approve:") for p in problems)


def test_checked_by_must_name_a_guard_of_the_action(dirs):
    states, forms = dirs
    _edit_form(forms, "home_check", "only_house", informational=None,
               checked_by="renovation_eligible_elsewhere")
    with pytest.raises(DefinitionError) as exc:
        load_catalog(states, forms)
    assert any("house_renovation.yaml: 动作 record_home_check:" in p
               and "checked_by names a guard the action does not run" in p
               for p in exc.value.problems)


def test_procedures_check_exits_1_with_file_and_reason(app, dirs, monkeypatch):
    states, forms = dirs
    _edit_form(forms, "project_review", "feasible", must_be=None)
    # monkeypatch: the app is shared by the session; later tests read the real folders.
    monkeypatch.setitem(app.config, "STATES_FOLDER", str(states))
    monkeypatch.setitem(app.config, "FORMS_FOLDER", str(forms))
    result = app.test_cli_runner().invoke(args=["procedures", "check"])
    assert result.exit_code == 1
    assert "project_library.yaml: 动作 township_approve: 表单 project_review 的是否项" \
           "「切实可行」(feasible)" in result.output


def test_must_be_is_only_for_booleans():
    body = {"key": "x", "title": "x", "fields": [
        {"name": "d", "label": "日期", "type": "date", "must_be": True}]}
    with pytest.raises(Exception, match="must_be"):
        FormSchema().load(body)


def test_every_forward_check_item_of_the_catalog_is_required(app):
    """Each boolean of each form a forward action uses is a required check item, a
    criterion judged by one of the action's guards, or declared informational."""
    catalog = app.extensions["workflow.catalog"]
    seen = 0
    for definition in catalog.procedures.values():
        for action in definition.actions.values():
            if action.kind != "forward" or not action.form:
                continue
            for f in action.form.fields:
                if f.type != "boolean":
                    continue
                seen += 1
                assert f.must_be is True or f.informational or f.checked_by in action.guards, \
                    (definition.key, action.name, f.name)
    assert seen >= 20
    # The review boxes of every procedure bind on their forward actions.
    for key in ("township_review", "project_review", "project_acceptance",
                "completion_inspection", "household_consent", "data_consent"):
        form = catalog.forms[key]
        assert all(f.must_be for f in form.fields if f.type == "boolean"), key


def test_must_be_binds_on_forward_actions_only():
    form = build_form("township_review", FormSchema().load(
        yaml.safe_load((ROOT / "forms" / "township_review.yaml").read_text(encoding="utf-8"))))

    def rules(forward):
        return Rules(forward=forward, today=dt.date(2020, 5, 1), anchor=lambda _: (None, ""))
    data = {"files_complete": False, "spot_checked": True}
    _, errors = form.validate(data, rules(True))
    assert errors == {"files_complete": ["「档案资料齐全」须为“是”方可通过"]}
    assert form.validate(data, rules(False))[1] == {}
