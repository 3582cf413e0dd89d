"""Verifying a discrepancy (核实): who may, what it needs, each one an event on the
county's sealed chain that `flask audit verify` checks; tampering is found; the exit
guard is refused while a department's data disagrees and passes once verified."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import GOOD_SURVEY, Api
from tests.sectors.helpers import AS_OF, give_ids, insured_rows, sector_csv
from workflow.audit import anchors
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.sectors import chain
from workflow.sectors.importer import import_file
from workflow.sectors.matching import run_matching
from workflow.sectors.models import Discrepancy, SectorEvent
from workflow.sectors.operations import verify_discrepancy


@pytest.fixture
def uninsured(world):
    """One member of household 0 missing from the 医保 list, matched: its discrepancy."""
    give_ids(world)
    missing = world.households[0].members[1]
    report = import_file("medical_insurance", "医保.csv", sector_csv(
        "medical_insurance", insured_rows(world, skip={missing.id_number})), AS_OF,
        world.users["county"])
    assert not report.problems
    run_matching(world.places["county"], world.users["county"])
    return db.session.query(Discrepancy).one()


def _verify_cli(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_only_the_village_verifies_and_says_why(world, uninsured):
    with pytest.raises(NotFound):
        verify_discrepancy(uninsured.id, world.users["other_clerk"], "corrected", evidence="x")
    with pytest.raises(Forbidden):
        verify_discrepancy(uninsured.id, world.users["township"], "corrected", evidence="x")
    with pytest.raises(Invalid) as missing:
        verify_discrepancy(uninsured.id, world.users["clerk"], "sector_wrong")
    assert "「核实说明」为必填项" in str(missing.value.errors)
    with pytest.raises(Invalid) as no_evidence:
        verify_discrepancy(uninsured.id, world.users["clerk"], "corrected")
    assert "「佐证材料」为必填项" in str(no_evidence.value.errors)
    with pytest.raises(Invalid):
        verify_discrepancy(uninsured.id, world.users["clerk"], "whatever", note="x")
    done = verify_discrepancy(uninsured.id, world.users["team"], "corrected",
                              evidence="参保缴费凭证照片", note="已补缴")
    assert done.status == "corrected"
    with pytest.raises(Invalid):
        verify_discrepancy(uninsured.id, world.users["clerk"], "sector_wrong", note="again")


def test_each_verification_is_on_the_chain_and_verify_passes(app, world, uninsured):
    verify_discrepancy(uninsured.id, world.users["clerk"], "sector_wrong", note="已在外地参保")
    events = db.session.query(SectorEvent).order_by(SectorEvent.seq).all()
    assert [e.action for e in events] == ["sector_imported", "discrepancy_verified"]
    assert events[1].prev_hash == events[0].hash
    assert events[1].data["status"] == "sector_wrong" and events[1].role == "village_clerk"
    assert chain.verify()[1] == []
    result = _verify_cli(app)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("tamper, expected", [
    ("UPDATE sector_discrepancies SET note = '改过'", "核实结果与留痕记录不符"),
    ("UPDATE sector_records SET fact = 'lapsed' WHERE id = (SELECT MIN(id) FROM sector_records)",
     "数据被直接修改"),
    ("UPDATE sector_imports SET sha256 = 'ab'", "数据被直接修改"),
    ("UPDATE sector_events SET summary = '改过' WHERE seq = 1", "内容哈希不符"),
    ("DELETE FROM sector_events WHERE seq = 2", "链尾"),
])
def test_tampering_is_found(app, world, uninsured, tamper, expected):
    verify_discrepancy(uninsured.id, world.users["clerk"], "sector_wrong", note="已在外地参保")
    with db.engine.begin() as conn:
        conn.execute(text(tamper))
    problems = [str(p) for p in chain.verify()[1]]
    assert any(expected in p for p in problems), problems
    assert _verify_cli(app).exit_code != 0


def test_a_status_set_without_verification_is_found(world, uninsured):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE sector_discrepancies SET status = 'sector_wrong'"))
    assert any("没有核实留痕记录" in str(p) for p in chain.verify()[1])


def test_exit_survey_refused_while_insurance_data_disagrees_then_passes(client, world,
                                                                         uninsured):
    clerk, helper = Api(client, "clerk"), Api(client, "helper")
    case = clerk.post("/api/v1/cases", json={"procedure": "household_exit",
                                             "subject_id": world.households[0].id})
    assert case.status_code == 201, case.get_json()
    case_id = case.get_json()["id"]
    refused = helper.act(case_id, "submit_survey", GOOD_SURVEY)
    assert refused.status_code == 422
    reasons = refused.get_json()["errors"]["_guards"]
    assert any("县医疗保障局" in r and "基本医疗有保障" in r for r in reasons), reasons
    verify_discrepancy(uninsured.id, world.users["clerk"], "corrected",
                       evidence="参保凭证", note="已补办参保")
    passed = helper.act(case_id, "submit_survey", GOOD_SURVEY)
    assert passed.status_code == 200, passed.get_json()


def test_renovation_eligibility_by_a_disputed_dibao_flag_waits(world):
    """A household eligible for renovation only by its 低保 flag, while 民政's roll does
    not list it: the guard names 民政 until the village verified the flag."""
    from types import SimpleNamespace

    from workflow.engine.registry import GUARDS
    from workflow.housing.models import House

    household = world.households[0]
    household.status, household.dibao = "monitored", True
    house = House(household=household, address="村里", structure="砖木", area=60,
                  village_id=household.village_id, jurisdiction_path=household.jurisdiction_path)
    db.session.add(house)
    db.session.commit()
    ctx = SimpleNamespace(subject=house, case=None,
                          setting=lambda key, year=None: None)
    assert GUARDS["renovation_eligible"](ctx) == []
    import_file("civil_affairs", "民政.csv", sector_csv(
        "civil_affairs", [[world.households[1].id_number, "张喆", "特困", ""]]), AS_OF,
        world.users["county"])
    run_matching(world.places["county"], world.users["county"])
    reasons = GUARDS["renovation_eligible"](ctx)
    assert len(reasons) == 1 and "县民政局" in reasons[0], reasons
    row = db.session.query(Discrepancy).filter_by(household_id=household.id).one()
    verify_discrepancy(row.id, world.users["clerk"], "sector_wrong", note="民政名册漏报")
    assert GUARDS["renovation_eligible"](ctx) == []


def test_a_checkpoint_finds_a_cut_tail_with_the_head_set_back(app, world, uninsured, tmp_path):
    before = app.config["AUDIT_ANCHOR_FOLDER"]
    app.config["AUDIT_ANCHOR_FOLDER"] = str(tmp_path / "anchors")
    try:
        verify_discrepancy(uninsured.id, world.users["clerk"], "sector_wrong", note="已在外地参保")
        written = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
        assert written.exit_code == 0 and "1 sectors" in written.output, written.output
        with db.engine.begin() as conn:  # the last event cut and the head set back
            conn.execute(text("DELETE FROM sector_events WHERE seq = 2"))
            conn.execute(text("UPDATE sector_chains SET seq = 1, head = "
                              "(SELECT hash FROM sector_events WHERE seq = 1)"))
        db.session.expire_all()
        problems = [str(p) for p in chain.verify(None, anchors.latest())[1]]
        assert any("少于检查点" in p for p in problems), problems
        assert _verify_cli(app).exit_code != 0
    finally:
        app.config["AUDIT_ANCHOR_FOLDER"] = before


def test_a_case_says_which_sector_data_each_step_was_judged_by(app, client, world, uninsured):
    from tests.documents.helpers import browser

    clerk = Api(client, "clerk")
    case_id = clerk.post("/api/v1/cases", json={
        "procedure": "household_exit", "subject_id": world.households[0].id}).get_json()["id"]
    page = browser(app, "county").get(f"/sectors/cases/{case_id}").get_data(as_text=True)
    assert "县医疗保障局（截至 2020-06-30" in page
    assert browser(app, "other_clerk").get(f"/sectors/cases/{case_id}").status_code == 404
