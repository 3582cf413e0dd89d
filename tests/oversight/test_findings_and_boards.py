"""Finding rules fire on a case built to break them and stay silent on a clean one; the
auditor changes nothing and sees only its county; boards and monthly reports count right."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.cases.test_household_exit import pass_notice, start, to_notice
from tests.factories import Api, make_household, make_user
from tests.web.test_pages import csrf, login
from workflow import clock
from workflow.auth.models import RoleAssignment, User
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db
from workflow.jurisdictions.models import add_place
from workflow.notices.models import Notice, Objection
from workflow.oversight import boards
from workflow.oversight.models import Finding
from workflow.oversight.operations import decide, facts_for, findings_for, scan
from workflow.registry.models import Member

REVIEW = {"files_complete": True, "spot_checked": True}


@pytest.fixture
def apis(client, world):
    return {n: Api(client, n) for n in ("clerk", "team", "helper", "township", "county",
                                         "city", "auditor")}


def rules_for(case_id: int) -> dict[str, list[str]]:
    db.session.expire_all()  # the API wrote through other sessions
    case = db.session.get(Case, case_id)
    out: dict[str, list[str]] = {}
    for rule, reason in findings_for(facts_for([case])[0]):
        out.setdefault(rule, []).append(reason)
    return out


def filed(apis, world, index: int = 0) -> int:
    case_id = start(apis, world, index)
    to_notice(apis, case_id)
    pass_notice(apis, case_id)
    for who, action, data in (("township", "township_approve", REVIEW),
                              ("county", "county_approve", {}),
                              ("county", "announce_strike_off",
                               {"announcement_no": "岫扶公告〔2020〕3号",
                                "announced_on": "2020-05-20"}),
                              ("city", "city_file", {})):
        assert apis[who].act(case_id, action, data).status_code == 200, action
    return case_id


def test_a_clean_filed_case_raises_no_finding(apis, world):
    assert rules_for(filed(apis, world)) == {}


def test_each_rule_fires_on_a_case_built_to_break_it(apis, world, client):
    case_id = filed(apis, world)
    case = db.session.get(Case, case_id)
    # 1. the register's income changed after approval, and is now below the line
    record = world.households[0].income_for(2020)
    record.wages = Decimal("1000")
    # 2. a notice closed early, with an objection left unanswered
    notice = db.session.execute(db.select(Notice).where(Notice.case_id == case_id)).scalar()
    notice.closed_at = dt.datetime.combine(notice.starts_on, dt.time(3))
    db.session.add(Objection(notice=notice, content="有异议", raised_by="匿名", outcome="open"))
    db.session.commit()
    found = rules_for(case_id)
    assert "少于规定的 7 天" in found["notice_irregular"][0]
    assert "未答复的异议" in found["notice_irregular"][1]
    assert "登记系统现为" in found["changed_after_approval"][0]
    assert "未超过贫困线" in found["struck_off_below_line"][0]
    # 3. one person at two adjacent levels; 4. a signer outside the place
    grantee = world.users["township"]
    db.session.add(RoleAssignment(user=grantee, role="village_clerk",
                                  jurisdiction=world.places["v1"]))
    db.session.commit()
    other = start(apis, world, 1)
    sneaky = Api(client, "township")
    assert sneaky.act(other, "submit_appraisal", {}).status_code in (409, 422)
    from workflow.audit.models import AuditEvent

    db.session.execute(db.update(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "submit_appraisal").values(
        actor_id=grantee.id, actor_name=grantee.display_name))
    db.session.execute(db.update(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "city_file").values(
        jurisdiction_code="210323107", jurisdiction_name="杨家堡镇"))
    db.session.commit()
    found = rules_for(case_id)
    assert "既在村级又在乡镇级签署" in found["same_person_adjacent_levels"][0]
    assert "杨家堡镇" in found["outside_jurisdiction"][0]
    # 5. a case stalled beyond the threshold
    clock.travel(dt.timedelta(days=61))
    assert "已 61 天" in rules_for(other)["stalled"][0] or "天（超过 60 天）" in rules_for(
        other)["stalled"][0]
    assert case.id == case_id


def test_missing_evidence_fires_when_a_step_ran_without_it(apis, world):
    from tests.housing.helpers import (
        APPLICATION,
        housing_users,
        make_house,
        ok,
        upload,
    )
    from tests.housing.helpers import start as start_house
    from workflow.evidence.models import Attachment

    housing_users(world)
    hapis = {"clerk": apis["clerk"]}
    case_id = start_house(hapis, make_house(world.households[0]))
    ok(upload(apis["clerk"], case_id, "application_form"), 201)
    ok(apis["clerk"].act(case_id, "submit_application", APPLICATION))
    assert "missing_evidence" not in rules_for(case_id)
    db.session.execute(db.update(Attachment).values(uploaded_at=clock.utcnow()
                                                    + dt.timedelta(hours=1)))
    db.session.commit()
    assert "没有“改造申请书”" in rules_for(case_id)["missing_evidence"][0]


def test_scan_stores_findings_and_an_outcome_enters_the_trail(apis, world):
    case_id = filed(apis, world)
    world.households[0].income_for(2020).wages = Decimal("1000")
    db.session.commit()
    db.session.expire_all()  # as a request would: the API wrote through other sessions
    auditor = world.users["auditor"]
    assert scan(auditor) == 2
    assert scan(auditor) == 0  # the same findings are not stored twice
    finding = db.session.execute(db.select(Finding).filter_by(
        rule="struck_off_below_line")).scalar_one()
    decide(finding.id, "confirmed", "入户核实，收入确实下降", auditor)
    trail = apis["auditor"].get(f"/api/v1/cases/{case_id}/trail").get_json()["events"]
    assert trail[-1]["action"] == "finding" and trail[-1]["data"]["outcome"] == "confirmed"
    from workflow.audit.chain import verify

    assert verify()[1] == []
    with pytest.raises(Exception) as exc:
        decide(finding.id, "confirmed", "", auditor)
    assert "核查说明" in str(exc.value.errors)


def test_the_auditor_changes_nothing_and_sees_only_its_county(apis, world, client, as_user):
    case_id = start(apis, world)
    taian = add_place("210321", "台安县", "county", world.places["city"])
    other_county_auditor = make_user("far_auditor", ("auditor", taian))
    db.session.commit()
    auditor = apis["auditor"]
    assert auditor.act(case_id, "submit_survey", {}).status_code == 403
    assert auditor.get(f"/api/v1/cases/{case_id}").status_code == 200
    far = Api(client, "far_auditor")
    assert far.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert scan(other_county_auditor) == 0
    assert as_user("far_auditor").get(f"/oversight/cases/{case_id}").status_code == 404
    assert as_user("clerk").get("/oversight").status_code == 403


def test_workspace_search_and_chain_check_in_the_browser(apis, world, client):
    case_id = start(apis, world)
    assert login(client, "auditor").status_code == 302
    page = client.get("/oversight?person=李秀英").get_data(as_text=True)
    assert f"/oversight/cases/{case_id}" in page
    assert f"/oversight/cases/{case_id}" not in client.get(
        "/oversight?person=无此人").get_data(as_text=True)
    # a member's name from its first character, and the official who signed
    member = db.session.execute(db.select(Member).where(
        Member.household_id == world.households[0].id, Member.relation != "户主")).scalars().first()
    clerk_name = db.session.execute(db.select(User.display_name).where(
        User.username == "clerk")).scalar_one()
    for person in (member.name, clerk_name):
        assert f"/oversight/cases/{case_id}" in client.get(
            f"/oversight?person={person}").get_data(as_text=True), person
    result = client.post("/oversight/verify", data={"csrf_token": csrf(client, "/oversight")})
    assert "留痕完整" in result.get_data(as_text=True)


def test_board_counts_equal_a_direct_count_and_past_reports_do_not_change(apis, world,
                                                                          client):
    definition = store.current("household_exit")
    filed(apis, world, 0)
    world.households.append(make_household(world.places["v1"], "三口之家", size=3))
    make_household(world.places["v2"], "外村户")
    db.session.commit()
    second = start(apis, world, 3)
    county = world.places["county"]
    rows = {r.place.name: r for r in boards.board(definition, county)}
    direct = dict(db.session.execute(db.select(Case.state, db.func.count()).where(
        Case.jurisdiction_path.startswith(world.places["pianling"].path)).group_by(
        Case.state)).all())
    assert rows["偏岭镇"].by_state == direct == {"filed": 1, "income_survey": 1}
    assert rows["偏岭镇"].completed_in_month == 1 and rows["杨家堡镇"].total == 0
    month = f"{clock.today():%Y-%m}"
    report = {r.place.name: r.by_state for r in boards.monthly_report(definition, county, month)}
    # Next month the second case moves on; this month's report stays as it was.
    clock.travel(dt.timedelta(days=40))
    to_notice(apis, second)
    later = {r.place.name: r.by_state for r in boards.monthly_report(definition, county, month)}
    assert later == report == {"偏岭镇": {"filed": 1, "income_survey": 1}, "杨家堡镇": {}}
    assert login(client, "county").status_code == 302
    page = client.get(f"/boards?place={county.code}&procedure=household_exit").get_data(
        as_text=True)
    assert "偏岭镇" in page and "<svg" in page
    xlsx = client.get(f"/boards/report.xlsx?place={county.code}&procedure=household_exit"
                      f"&month={month}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.values)
    assert rows[2][0] == "偏岭镇" and rows[2][-1] == 1
    from tests.documents.helpers import pdf_text

    pdf = client.get(f"/boards/report.pdf?place={county.code}&procedure=household_exit"
                     f"&month={month}")
    text = "".join(pdf_text(pdf.data).split())
    assert "贫困户退出月报告" in text and "偏岭镇" in text and month in text


def test_trail_exports_carry_the_verification_code(apis, world, as_user):
    from tests.documents.helpers import pdf_text
    from workflow.documents import verify

    case_id = filed(apis, world)
    auditor = as_user("auditor")
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    code = verify.display(verify.case_code(case))
    text = "".join(pdf_text(auditor.get(f"/oversight/trail.pdf?case={case_id}").data).split())
    assert "审批留痕" in text and code in text and "李秀英" in text and "市级备案" in text
    book = load_workbook(io.BytesIO(auditor.get(f"/oversight/trail.xlsx?case={case_id}").data))
    rows = list(book.active.values)
    assert len(rows) == 1 + case.event_count and rows[1][1] == code
    everything = load_workbook(io.BytesIO(auditor.get(
        "/oversight/trail.xlsx?procedure=household_exit").data))
    assert len(list(everything.active.values)) == 1 + case.event_count
    assert as_user("clerk").get(f"/oversight/trail.pdf?case={case_id}").status_code == 403


def test_workspace_dates_and_person_narrow_the_search_and_its_export(apis, world, as_user):
    first, second = start(apis, world, 0), start(apis, world, 1)
    names = [h.head_name for h in world.households[:2]]
    auditor = as_user("auditor")
    today = clock.today().isoformat()

    def listed(query: str) -> set[int]:
        page = auditor.get(f"/oversight?{query}").get_data(as_text=True)
        return {c for c in (first, second) if f"/oversight/cases/{c}\"" in page}

    assert listed(f"from={today}&to={today}") == {first, second}
    assert listed("to=2020-01-01") == set()
    assert listed(f"person={names[1]}") == {second}
    assert "「日期从」应为日期" in auditor.get("/oversight?from=2020-13-45").get_data(as_text=True)
    export = load_workbook(io.BytesIO(auditor.get(
        f"/oversight/trail.xlsx?person={names[1]}&from={today}").data))
    assert {row[0] for row in list(export.active.values)[1:]} == {second}
