"""流程版本迁移: a dry run over cases in every state of household_exit, the move, then
``audit verify`` passes and the moved cases go on along the new version's path."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml
from sqlalchemy import text

from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, Api, make_household
from workflow import clock
from workflow.audit.chain import verify
from workflow.cases import moving, step_times, tallies
from workflow.cases.models import Case
from workflow.engine.definitions import build, load_catalog
from workflow.engine.errors import DefinitionError
from workflow.extensions import db

APPROVE = {"files_complete": True, "spot_checked": True}
STRIKE_OFF = {"announcement_no": "岫扶公告〔2020〕3号", "announced_on": "2020-05-20"}
# The steps of household_exit's main path, each with the state it leaves the case in.
PATH = [
    ("helper", "submit_survey", GOOD_SURVEY, "democratic_appraisal"),
    ("clerk", "submit_appraisal", GOOD_APPRAISAL, "village_verification"),
    ("clerk", "verify", {}, "village_verification"),  # half co-signed
    ("team", "verify", {}, "household_consent"),
    ("clerk", "confirm_consent", GOOD_CONSENT, "village_notice"),
    ("clerk", "close_village_notice", {}, "township_review"),
    ("township", "township_approve_with_notice", APPROVE, "township_notice"),
    ("township", "close_township_notice", {}, "county_approval"),
    ("county", "county_approve", {}, "announcement"),
    ("county", "announce_strike_off", STRIKE_OFF, "city_filing"),
    ("city", "city_file", {}, "filed"),
]


@pytest.fixture
def apis(client, world):
    return {name: Api(client, name) for name in
            ("clerk", "team", "helper", "township", "county", "city", "admin")}


def drive(apis, world, steps: int) -> int:
    """A new case taken ``steps`` steps along PATH."""
    household = make_household(world.places["v1"], f"迁移户{steps}")
    db.session.commit()
    created = apis["clerk"].post("/api/v1/cases", json={"procedure": "household_exit",
                                                        "subject_id": household.id})
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    for who, action, data, _ in PATH[:steps]:
        if action.startswith("close_"):
            clock.travel(dt.timedelta(days=8))  # past the notice period
        response = apis[who].act(case_id, action, data)
        assert response.status_code == 200, (action, response.get_json())
    return case_id


def new_version(original):
    """The county's changed procedure: 民主评议 dropped (no map: those cases stay), 户认可
    renamed (mapped), a 乡镇备案 step added after the township's approval, the village
    notice lengthened and a third co-signer for the village verification."""
    body = yaml.safe_load(yaml.safe_dump(original.body))
    proc = body["procedure"]
    states = proc["states"]
    del states["democratic_appraisal"]
    states["household_confirmation"] = {**states.pop("household_consent"), "title": "户认可确认"}
    states["township_filing"] = {"title": "乡镇备案"}
    states["village_notice"]["notice"]["min_days"] = 10
    actions = [a for a in proc["actions"] if a["source"] != ["democratic_appraisal"]]
    for action in actions:
        action["source"] = ["household_confirmation" if s == "household_consent" else s
                          for s in action["source"]]
        if action["to"] == "household_consent":
            action["to"] = "household_confirmation"
        if action["name"] == "submit_survey":
            action["to"] = "village_verification"
        if action["name"] == "township_approve":
            action["to"] = "township_filing"
        if action["name"] == "verify":
            action["cosign"] = ["village_clerk", "work_team", "helper"]
    file_step = next(a for a in actions if a["name"] == "county_approve")
    actions.append({**file_step, "name": "township_file", "title": "乡镇备案",
                    "source": ["township_filing"], "to": "county_approval", "level": "township",
                    "roles": ["township_reviewer"], "effects": [], "guards": [],
                    "form": None, "sheet_row": None})
    proc["actions"] = actions
    return build(body)


@pytest.fixture
def changed(app):
    catalog = app.extensions["workflow.catalog"]
    original = catalog.procedures["household_exit"]
    catalog.procedures["household_exit"] = new_version(original)
    catalog.moves["household_exit"] = {"household_consent": "household_confirmation"}
    yield original, catalog.procedures["household_exit"]
    catalog.procedures["household_exit"] = original
    catalog.moves.pop("household_exit", None)


def test_dry_run_move_verify_and_go_on_along_the_new_path(app, apis, world, request):
    cases = {PATH[n - 1][3] if n else "income_survey": drive(apis, world, n)
             for n in (0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11)}
    fresh_verification = drive(apis, world, 2)  # in 村级核实 with no co-signature yet
    old, new = request.getfixturevalue("changed")

    the_plan = moving.plan("household_exit")
    groups = {g.state: g for g in the_plan.groups}
    assert "filed" not in groups  # finished cases are not running
    assert the_plan.cases == 11 and the_plan.movable == 9 and the_plan.blocked == 2
    assert "新版本中没有「民主评议」这一环节" in groups["democratic_appraisal"].reason
    consent = groups["household_consent"]
    assert consent.target == "household_confirmation"
    assert "环节「户认可」改为「户认可确认」" in consent.changes
    survey = groups["income_survey"].changes
    assert any("前方新增步骤" in c and "乡镇备案" in c for c in survey), survey
    assert any("前方不再有的步骤" in c and "提交民主评议" in c for c in survey), survey
    assert "「村级公示」公示至少 7 天 → 公示至少 10 天（已开始的公示按原期限结束）" in \
        groups["village_notice"].changes
    verification = groups["village_verification"]
    assert verification.cases == 2 and verification.movable == 1
    assert verification.blocked_ids == [cases["village_verification"]]
    assert db.session.get(Case, cases["income_survey"]).definition_version == old.version

    report = app.test_cli_runner().invoke(args=["procedures", "moves", "household_exit"])
    assert report.exit_code == 0, report.output
    assert "可迁移 9 件，不能迁移 2 件" in report.output

    result = moving.move("household_exit", world.users["admin"], batch=4)
    assert (result.moved, result.stayed) == (9, 2)
    db.session.expire_all()
    for state, case_id in cases.items():
        case = db.session.get(Case, case_id)
        stays = state in ("democratic_appraisal", "village_verification", "filed")
        assert case.definition_version == (old.version if stays else new.version), state
    moved = db.session.get(Case, cases["household_consent"])
    assert moved.state == "household_confirmation"
    last = apis["county"].get(f"/api/v1/cases/{moved.id}/trail").get_json()["events"][-1]
    assert last["action"] == "move_version" and last["actor"] == "陈管理员"
    assert last["data"] == {"from_version": old.version, "to_version": new.version}
    assert db.session.get(Case, fresh_verification).definition_version == new.version

    checked, problems = verify()
    assert checked == 12 and problems == [], [str(p) for p in problems]
    assert tallies.differences() == [] and step_times.differences() == []
    assert moving.move("household_exit", world.users["admin"]).moved == 0  # each moves once

    # On along the new path: the renamed step, the township's new 乡镇备案.
    assert apis["clerk"].act(moved.id, "confirm_consent", GOOD_CONSENT).status_code == 200
    township = cases["township_review"]
    response = apis["township"].act(township, "township_approve", APPROVE)
    assert response.get_json()["state"] == "township_filing", response.get_json()
    response = apis["township"].act(township, "township_file")
    assert response.get_json()["state"] == "county_approval", response.get_json()
    assert verify()[1] == []
    assert tallies.differences() == [] and step_times.differences() == []


def test_a_version_changed_behind_the_trail_is_reported(app, apis, world, request):
    case_id = drive(apis, world, 1)
    other = drive(apis, world, 0)
    old, _ = request.getfixturevalue("changed")
    assert moving.move("household_exit", world.users["admin"]).moved == 1  # 民主评议 stays
    db.session.execute(text("UPDATE cases SET definition_version = :v WHERE id = :id"),
                       {"v": old.version, "id": other})
    db.session.commit()
    problems = [str(p) for p in verify()[1]]
    assert problems == [f"案件 {other}: 案件流程版本 {old.version} 与留痕记录的 "
                        f"{app.extensions['workflow.catalog'].procedures['household_exit'].version}"
                        " 不符：记录被直接修改"], problems
    assert db.session.get(Case, case_id).definition_version == old.version


def test_the_state_map_is_checked_on_load(app, tmp_path):
    states = tmp_path / "states"
    shutil.copytree(app.config["STATES_FOLDER"], states)
    (states / "moves").mkdir(exist_ok=True)
    path = states / "moves" / "household_exit.yaml"
    path.write_text("procedure: household_exit\nstates:\n  old_consent: filed\n"
                    "  gone: nowhere\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_catalog(states, app.config["FORMS_FOLDER"])
    text_ = "\n".join(caught.value.problems)
    assert "moves/household_exit.yaml: 「old_consent」对应的「已销号备案」是办结状态" in text_
    assert "「gone」对应的 nowhere 不是当前版本的状态" in text_
    path.write_text("procedure: household_exit\nstates: {old_consent: household_consent}\n",
                    encoding="utf-8")
    catalog = load_catalog(states, app.config["FORMS_FOLDER"])
    assert catalog.moves == {"household_exit": {"old_consent": "household_consent"}}


def test_an_administrator_previews_and_moves_in_the_browser(app, apis, world, request,
                                                            as_user, job_worker):
    from tests.jobs.helpers import wait_for
    from tests.web.test_pages import csrf
    from workflow.jobs.models import Job

    waiting = drive(apis, world, 0)
    stays = drive(apis, world, 1)
    request.getfixturevalue("changed")
    township = as_user("township")
    assert township.get("/admin/procedures").status_code == 403
    assert apis["township"].get("/api/v1/admin/procedures/household_exit/moves"
                                ).status_code == 403
    assert apis["admin"].get("/api/v1/admin/procedures/无此流程/moves").status_code == 404

    admin = as_user("admin")
    index = admin.get("/admin/procedures").get_data(as_text=True)
    assert "贫困户退出" in index and "<b>2</b> 件" in index
    assert admin.get("/admin/procedures/nope/moves").status_code == 404
    preview = admin.get("/admin/procedures/household_exit/moves").get_data(as_text=True)
    assert "可迁移 <b id=\"movable\">1</b> 件，不能迁移 <b id=\"blocked\">1</b> 件" in preview
    assert "新版本中没有「民主评议」这一环节" in preview and "前方新增步骤" in preview
    plan = apis["admin"].get("/api/v1/admin/procedures/household_exit/moves").get_json()
    assert (plan["cases"], plan["movable"], plan["blocked"]) == (2, 1, 1)

    token = csrf(admin, "/admin/procedures/household_exit/moves")
    started = admin.post("/admin/procedures/household_exit/moves", data={"csrf_token": token})
    assert started.status_code == 302 and started.headers["Location"].endswith("/jobs")
    job = db.session.execute(db.select(Job).filter_by(kind="procedure_move")).scalar_one()
    job = wait_for(job.id)
    assert job.status == "done", job.error
    assert job.message.startswith("迁移完成：1 件迁移至版本")
    db.session.expire_all()
    current = app.extensions["workflow.catalog"].procedures["household_exit"].version
    assert db.session.get(Case, waiting).definition_version == current
    assert db.session.get(Case, stays).definition_version != current
    again = apis["admin"].post("/api/v1/admin/procedures/household_exit/moves")
    assert again.status_code == 422 and "没有可迁移" in str(again.get_json())
    assert verify()[1] == []
