"""问题排查整改: a problem recorded by a township check or converted from an auditor's
confirmed finding is reported by the responsible place, verified by the finder's level,
sent back once and closed (销号); the ledger counts it; bad input writes nothing; the
problem row is on the register chain, so an SQL edit of its deadline is reported."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from tests.audit.test_verify import run_verify, tamper
from tests.documents.helpers import pdf_text
from tests.factories import Api, make_user
from tests.housing.helpers import ok, upload
from tests.web.test_pages import csrf
from workflow import clock
from workflow.audit.models import RegisterEvent
from workflow.cases.models import Case
from workflow.cases.operations import create_case
from workflow.extensions import db
from workflow.oversight.models import Finding
from workflow.oversight.operations import decide
from workflow.problems.models import Problem

REPORT = {"measures": "补录收入台账，逐户核对", "result": "已整改到位",
          "completed_on": None, "responsible_person": "李秀英"}
VERIFY = {"method": "onsite", "verified_on": None, "rectified": True}


def _today() -> str:
    return clock.today().isoformat()


def problem_body(world, **over) -> dict:
    body = {"title": "收入台账不全", "description": "抽查 3 户，工资性收入无佐证",
            "source": "township_check", "category": "data",
            "place": world.places["v1"].code,
            "deadline": (clock.today() + dt.timedelta(days=30)).isoformat()}
    return {**body, **over}


def allowed(api: Api, case_id: int) -> list[str]:
    case = api.get(f"/api/v1/cases/{case_id}").get_json()
    return [a["name"] for a in case["actions"] if a["allowed"]]


def report(api: Api, case_id: int):
    assert upload(api, case_id, "rectification_proof").status_code == 201
    action = next(a for a in allowed(api, case_id) if a.startswith("report_by_"))
    return api.act(case_id, action, {**REPORT, "completed_on": _today()})


def test_a_township_problem_is_reported_sent_back_once_and_closed(client, world):
    township, clerk = Api(client, "township"), Api(client, "clerk")
    out = ok(township.post("/api/v1/problems", json=problem_body(world)), 201)
    assert (out["state"], out["state_title"], out["source_title"]) == (
        "rectifying", "整改中", "乡镇排查")
    case_id = out["case_id"]
    [event] = db.session.execute(db.select(RegisterEvent).where(
        RegisterEvent.action == "problem_recorded")).scalars().all()
    assert event.data["values"]["deadline"] == out["deadline"]
    assert allowed(clerk, case_id) == ["report_by_village"]  # not the township's or county's
    refused = clerk.act(case_id, "report_by_village", {**REPORT, "completed_on": _today()})
    assert refused.status_code == 422 and "整改佐证材料" in str(refused.get_json())
    ok(report(clerk, case_id))
    assert allowed(township, case_id) == ["close_by_township", "return_by_township"]
    no_opinion = township.act(case_id, "return_by_township", opinion="")
    assert no_opinion.status_code == 422
    ok(township.act(case_id, "return_by_township", opinion="佐证材料不全，补充银行流水"))
    assert db.session.get(Case, case_id).state == "rectifying"
    ok(report(clerk, case_id))
    ok(township.act(case_id, "close_by_township", {**VERIFY, "verified_on": _today()}))
    ledger = township.get("/api/v1/problems").get_json()
    assert [p["state_title"] for p in ledger["problems"]] == ["已销号"]
    total = ledger["tallies"][-1]
    assert (total["place"], total["total"], total["closed"], total["closed_rate"]) == (
        "合计", 1, 1, "100.0%")
    assert run_verify(client.application).exit_code == 0


def test_the_reporter_never_verifies_their_own_report(client, world):
    township = Api(client, "township")
    out = ok(township.post("/api/v1/problems", json=problem_body(
        world, source="self_check", place=world.places["pianling"].code)), 201)
    case_id = out["case_id"]
    # The township's own problem is not the village's to see.
    assert Api(client, "clerk").get(f"/api/v1/cases/{case_id}").status_code == 404
    ok(report(township, case_id))
    refused = township.act(case_id, "close_by_township", {**VERIFY, "verified_on": _today()})
    assert refused.status_code == 422
    assert "整改情况由您报送" in str(refused.get_json())
    make_user("township2", ("township_reviewer", world.places["pianling"]), name="钱审核")
    db.session.commit()
    ok(Api(client, "township2").act(case_id, "close_by_township",
                                    {**VERIFY, "verified_on": _today()}))


def test_a_confirmed_finding_becomes_a_problem_the_county_closes(client, world, as_user):
    case = create_case("household_exit", world.households[0].id, world.users["clerk"])
    finding = Finding(case_id=case.id, jurisdiction_path=case.jurisdiction_path,
                      rule="missing_evidence", reason="入户核查缺少照片")
    db.session.add(finding)
    db.session.commit()
    auditor = Api(client, "auditor")
    body = {"place": world.places["pianling"].code, "category": "assistance",
            "deadline": (clock.today() + dt.timedelta(days=20)).isoformat()}
    early = auditor.post(f"/api/v1/findings/{finding.id}/problem", json=body)
    assert early.status_code == 422 and "核查属实" in early.get_json()["message"]
    decide(finding.id, "confirmed", "属实，照片未上传", world.users["auditor"])
    pid = ok(auditor.post(f"/api/v1/findings/{finding.id}/problem", json=body), 201)["id"]
    twice = auditor.post(f"/api/v1/findings/{finding.id}/problem", json=body)
    assert twice.status_code == 422 and "已转为整改问题" in twice.get_json()["message"]
    problem = db.session.get(Problem, pid)
    assert (problem.source, problem.found_level, problem.place.name) == (
        "audit", "county", "偏岭镇")
    assert "入户核查缺少照片" in problem.description and "属实" in problem.description
    rectification = db.session.execute(db.select(Case).where(
        Case.subject_type == "problem", Case.subject_id == pid)).scalar_one()
    township, county = Api(client, "township"), Api(client, "county")
    ok(report(township, rectification.id))
    assert allowed(township, rectification.id) == []  # the county found it, not the township
    ok(county.act(rectification.id, "return_by_county", opinion="照片不清晰"))
    ok(report(township, rectification.id))
    ok(county.act(rectification.id, "close_by_county", {**VERIFY, "verified_on": _today()}))
    sheet = as_user("county").get(f"/cases/{rectification.id}/sheet.pdf")
    assert sheet.status_code == 200
    text = pdf_text(sheet.data)
    for expected in ("问题排查整改审批表", "审计发现", "入户核查缺少照片", "整改情况", "核验销号"):
        assert expected in text, expected


def test_bad_input_is_named_by_label_and_writes_nothing(client, world):
    township = Api(client, "township")
    bad = township.post("/api/v1/problems", json=problem_body(
        world, title="", source="audit", category="x", deadline="2020-02-30"))
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["title"] == ["「问题概述」为必填项"]
    assert errors["source"][0].startswith("「问题来源」必须是")
    assert errors["category"][0].startswith("「问题类别」必须是")
    assert errors["deadline"] == ["「整改时限」必须是日期（年-月-日）"]
    past = township.post("/api/v1/problems", json=problem_body(world, deadline="2019-01-01"))
    assert past.get_json()["errors"]["deadline"] == ["「整改时限」不能早于今天"]
    foreign = township.post("/api/v1/problems", json=problem_body(
        world, place=world.places["v2"].code))
    assert foreign.status_code == 422 and "「责任单位」" in foreign.get_json()["errors"]["place"][0]
    county_source = township.post("/api/v1/problems", json=problem_body(
        world, source="county_check"))
    assert county_source.status_code == 403
    clerk = Api(client, "clerk").post("/api/v1/problems", json=problem_body(world))
    assert clerk.status_code == 403
    assert db.session.query(Problem).count() == 0
    assert db.session.query(Case).count() == 0
    assert db.session.query(RegisterEvent).count() == 0


def test_the_ledger_is_scoped_and_an_sql_edit_is_reported(client, world):
    township = Api(client, "township")
    ok(township.post("/api/v1/problems", json=problem_body(world)), 201)
    county = Api(client, "county")
    ok(county.post("/api/v1/problems", json=problem_body(
        world, source="county_check", place=world.places["v2"].code, department="housing",
        deadline=_today())), 201)
    assert county.get("/api/v1/problems").get_json()["total"] == 2
    assert township.get("/api/v1/problems").get_json()["total"] == 1
    assert Api(client, "other_clerk").get("/api/v1/problems").get_json()["total"] == 1
    clock.travel(dt.timedelta(days=1))
    try:
        overdue = county.get("/api/v1/problems?overdue=1").get_json()
        assert [p["place"]["code"] for p in overdue["problems"]] == [world.places["v2"].code]
        by_place = {t["place"]: t for t in overdue["tallies"]}
        assert by_place["杨家堡镇"]["overdue"] == 1 and "偏岭镇" not in by_place
    finally:
        clock.reset()
    assert run_verify(client.application).exit_code == 0
    tamper("UPDATE problems SET deadline = :d WHERE place_id = :p", d="2030-01-01",
           p=world.places["v2"].id)
    result = run_verify(client.application)
    assert result.exit_code == 1 and "「整改时限」与登记留痕不符" in result.output


def test_the_ledger_pages_record_export_and_show_the_case(world, as_user):
    client = as_user("township")
    page = client.get("/problems/new")
    assert page.status_code == 200 and "乡镇排查" in page.get_data(as_text=True)
    assert "县级排查" not in page.get_data(as_text=True)
    token = csrf(client, "/problems/new")
    refused = client.post("/problems/new", data={**problem_body(world), "title": "",
                                                 "csrf_token": token})
    assert refused.status_code == 422 and "「问题概述」为必填项" in refused.get_data(as_text=True)
    done = client.post("/problems/new", data={**problem_body(world), "csrf_token": token})
    assert done.status_code == 302
    ledger = client.get("/problems").get_data(as_text=True)
    assert "收入台账不全" in ledger and "整改中" in ledger
    book = load_workbook(io.BytesIO(client.get("/problems/ledger.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "问题概述", "问题来源") and rows[1][1] == "收入台账不全"
    case_id = db.session.execute(db.select(Case.id)).scalar_one()
    shown = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "问题描述" in shown and "抽查 3 户" in shown and "大房身村" in shown


def test_the_auditor_hands_a_confirmed_finding_over_in_one_click(world, as_user):
    case = create_case("household_exit", world.households[0].id, world.users["clerk"])
    finding = Finding(case_id=case.id, jurisdiction_path=case.jurisdiction_path,
                      rule="notice_irregular", reason="公示不足 7 天")
    db.session.add(finding)
    db.session.commit()
    decide(finding.id, "confirmed", "公示照片显示仅张贴 3 天", world.users["auditor"])
    auditor = as_user("auditor")
    page = auditor.get("/oversight").get_data(as_text=True)
    assert "核查属实、待转整改的事项" in page and "公示不足 7 天" in page
    form = {"csrf_token": csrf(auditor, "/oversight"), "place": world.places["v1"].code,
            "category": "policy",
            "deadline": (clock.today() + dt.timedelta(days=30)).isoformat()}
    done = auditor.post(f"/problems/from-finding/{finding.id}", data=form)
    assert done.status_code == 302
    problem = db.session.execute(db.select(Problem)).scalar_one()
    assert (problem.finding_id, problem.place.name, problem.found_level) == (
        finding.id, "大房身村", "county")
    assert "核查属实、待转整改的事项" not in auditor.get("/oversight").get_data(as_text=True)
