"""低收入村 designations: by an administrator over the village, on the trail; a file of
codes is all or nothing; the read functions answer within scope."""
from __future__ import annotations

import pytest

from workflow.audit.models import AdminEvent
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.villages.designations import designation_of, low_income_villages
from workflow.villages.operations import designate, import_designations

DOC = "庄委办发〔2019〕59号"


def test_an_administrator_designates_a_village_on_the_trail(world):
    v1 = world.places["v1"]
    row = designate(v1.code, "2019", DOC, world.users["admin"])
    assert designation_of(v1) is row and row.describe == "低收入村，计划 2019 年退出"
    event = db.session.execute(db.select(AdminEvent).filter_by(
        action="village_designated")).scalar_one()
    assert event.data["planned_exit_year"] == 2019 and event.data["document"] == DOC
    designate(v1.code, "2020", DOC, world.users["admin"])
    assert designation_of(v1).planned_exit_year == 2020
    latest = db.session.execute(db.select(AdminEvent).filter_by(
        action="village_designated").order_by(AdminEvent.id.desc())).scalars().first()
    assert latest.data["planned_exit_year"] == {"before": 2019, "after": 2020}
    assert [v.code for v in low_income_villages([world.places["county"].path])] == [v1.code]
    assert low_income_villages([world.places["yanggu"].path]) == []


def test_refusals_name_the_field(world):
    with pytest.raises(Forbidden):
        designate(world.places["v1"].code, "2019", DOC, world.users["county"])
    with pytest.raises(Invalid) as exc:
        designate(world.places["v1"].code, "2021", DOC, world.users["admin"])
    assert "计划退出年度" in exc.value.errors["plan_year"][0]
    with pytest.raises(Invalid) as exc:
        designate(world.places["pianling"].code, "2019", DOC, world.users["admin"])
    assert "应为一个村" in exc.value.errors["code"][0]


def test_a_file_is_all_or_nothing(world):
    admin_user = world.users["admin"]
    bad = "区划代码,计划退出年度\n210323106201,2018\n210323107201,2030\n".encode()
    report = import_designations("d.csv", bad, DOC, admin_user)
    assert report.problems and "第 3 行" in report.problems[0]
    assert designation_of(world.places["v1"]) is None
    good = "区划代码,计划退出年度,文号\n# 注释行\n210323106201,2018,\n210323107201,2019,X号\n"
    report = import_designations("d.csv", good.encode(), DOC, admin_user)
    assert not report.problems and report.designated == 2
    assert designation_of(world.places["v2"]).document == "X号"


def test_the_command_line_designates(app, world):
    result = app.test_cli_runner().invoke(args=[
        "places", "designate", world.places["v2"].code, "--low-income", "--plan-year", "2018",
        "--document", DOC])
    assert result.exit_code == 0, result.output
    assert "计划 2018 年退出" in result.output
    assert designation_of(world.places["v2"]).planned_exit_year == 2018
