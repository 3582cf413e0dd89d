"""A proposal refused for missing targets is completed through an edit (on the register
chain, field by field) and proposed again through its case, which then goes on through
the procedure; edits are versioned, role-checked, validated whole, and closed once the
proposal is under review."""
from __future__ import annotations

import datetime as dt

from tests.audit.test_verify import run_verify
from tests.projects.helpers import PROPOSAL, REVIEW, TARGETS, ok, register
from workflow import clock
from workflow.audit.models import RegisterEvent
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.projects.models import Project


def patch(api, project_id: int, body: dict):
    return api.client.patch(f"/api/v1/projects/{project_id}", json=body, headers=api.headers)


def edits() -> list[RegisterEvent]:
    db.session.expire_all()
    return db.session.execute(db.select(RegisterEvent).where(
        RegisterEvent.action == "project_edited").order_by(RegisterEvent.id)).scalars().all()


def refused_for_targets(apis) -> tuple[int, int]:
    project_id = register(apis["clerk"], performance_targets=[])
    case_id = ok(apis["clerk"].post("/api/v1/cases", json={
        "procedure": "project_library", "subject_id": project_id}), 201)["id"]
    refused = apis["clerk"].act(case_id, "submit_proposal", PROPOSAL)
    assert refused.status_code == 422
    assert "未填写绩效目标" in refused.get_json()["errors"]["_guards"][0]
    return project_id, case_id


def test_a_refused_proposal_is_completed_resubmitted_and_goes_on(app, apis):
    project_id, case_id = refused_for_targets(apis)
    body = ok(apis["clerk"].get(f"/api/v1/projects/{project_id}"))
    assert body["version"] == 1 and body["performance_targets"] == []
    edited = ok(patch(apis["clerk"], project_id, {
        "version": 1, "performance_targets": TARGETS, "budget": "820000",
        "reason": "补填绩效目标"}))
    assert edited["version"] == 2 and edited["performance_targets"] == TARGETS
    [event] = edits()
    assert event.action_title == "修改项目信息" and event.role == "village_clerk"
    assert event.data["changes"]["budget"] == {"before": "800000.00", "after": "820000.00"}
    assert event.data["changes"]["performance_targets"] == {"before": [], "after": TARGETS}
    assert event.data["reason"] == "补填绩效目标" and event.data["project_id"] == project_id
    # Proposed again: the same case, through submit_proposal and its guards.
    case = ok(apis["clerk"].post(f"/api/v1/projects/{project_id}/resubmission",
                                 json={"version": 2, "data": PROPOSAL}))
    assert case["id"] == case_id and case["state"] == "village_notice"
    clock.travel(dt.timedelta(days=8))
    ok(apis["clerk"].act(case_id, "close_village_notice"))
    assert ok(apis["township"].act(case_id, "township_approve", REVIEW))["state"] == (
        "township_notice")
    # Under review no one edits what the officials are signing.
    frozen = patch(apis["clerk"], project_id, {"version": 2, "name": "改名"})
    assert frozen.status_code == 409
    assert "退回村级申报后才能修改" in frozen.get_json()["message"]
    history = ok(apis["clerk"].get(f"/api/v1/projects/{project_id}/history"))
    assert [e["action"] for e in history] == ["project_edited", "project_proposed"]
    assert run_verify(app).exit_code == 0


def test_a_proposal_the_township_returned_is_edited_and_proposed_again(apis):
    project_id = register(apis["clerk"])
    case_id = ok(apis["clerk"].post("/api/v1/cases", json={
        "procedure": "project_library", "subject_id": project_id}), 201)["id"]
    ok(apis["clerk"].act(case_id, "submit_proposal", PROPOSAL))
    clock.travel(dt.timedelta(days=8))
    ok(apis["clerk"].act(case_id, "close_village_notice"))
    ok(apis["township"].act(case_id, "township_reject", opinion="受益户数与名单不符"))
    ok(patch(apis["clerk"], project_id, {"version": 1, "beneficiary_households": 58}))
    case = ok(apis["clerk"].post(f"/api/v1/projects/{project_id}/resubmission",
                                 json={"version": 2, "data": PROPOSAL}))
    assert case["state"] == "village_notice"


def test_resubmission_without_a_case_opens_one(apis):
    project_id = register(apis["clerk"], performance_targets=[])
    ok(patch(apis["clerk"], project_id, {"version": 1, "performance_targets": TARGETS}))
    case = ok(apis["clerk"].post(f"/api/v1/projects/{project_id}/resubmission",
                                 json={"version": 2, "data": PROPOSAL}))
    assert case["procedure"] == "project_library" and case["state"] == "village_notice"
    # Still without targets, the procedure's own guard refuses it (422), nothing moves.
    other = register(apis["clerk"], performance_targets=[])
    refused = apis["clerk"].post(f"/api/v1/projects/{other}/resubmission",
                                 json={"version": 1, "data": PROPOSAL})
    assert refused.status_code == 422 and "绩效目标" in str(refused.get_json())


def test_edits_are_versioned_role_checked_and_validated_whole(apis, world):
    project_id, _ = refused_for_targets(apis)
    stale = patch(apis["clerk"], project_id, {"version": 1, "name": "新名称"})
    assert stale.status_code == 200
    conflict = patch(apis["clerk"], project_id, {"version": 1, "name": "又一个名称"})
    assert conflict.status_code == 409 and "已被他人修改" in conflict.get_json()["message"]
    bad = patch(apis["clerk"], project_id, {
        "version": 2, "name": "", "ends_on": "2019-01-01", "budget": "很多",
        "performance_targets": [{"indicator": "产值"}]})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert "「项目名称」" in errors["name"][0] and "「概算投资」" in errors["budget"][0]
    assert "「完工时间」" in errors["ends_on"][0]
    assert "「目标值」" in errors["performance_targets.0.target"][0]
    village = patch(apis["clerk"], project_id, {"version": 2, "village": "210323107201"})
    assert village.status_code == 422 and "实施地点" in village.get_json()["errors"]["village"][0]
    from tests.factories import Api

    helper = patch(Api(apis["clerk"].client, "helper"), project_id,
                   {"version": 2, "performance_targets": TARGETS})
    assert helper.status_code == 403 and "「绩效目标」" in helper.get_json()["message"]
    outside = patch(Api(apis["clerk"].client, "other_clerk"), project_id,
                    {"version": 2, "performance_targets": TARGETS})
    assert outside.status_code == 404
    project = db.session.get(Project, project_id)
    db.session.refresh(project)
    assert project.name == "新名称" and project.performance_targets == [] and len(edits()) == 1
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.state == "village_proposal"


def test_the_project_page_offers_the_edit_and_the_way_back_into_the_procedure(app, apis):
    from tests.documents.helpers import browser, csrf_of

    project_id, case_id = refused_for_targets(apis)
    clerk = browser(app, "clerk")
    page = clerk.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "修改</a>" in page and f"案件 {case_id}" in page and "申报项目" in page
    assert "修改</a>" not in browser(app, "auditor").get(
        f"/projects/{project_id}").get_data(as_text=True)
    form = clerk.get(f"/projects/{project_id}/edit").get_data(as_text=True)
    assert "大房身村香菇大棚" in form and 'name="version" value="1"' in form
    token = csrf_of(clerk, f"/projects/{project_id}/edit")
    values = {k: str(v) for k, v in {
        "name": "大房身村香菇大棚", "category": "industry", "nature": "new", "year": 2020,
        "location": "大房身村二组", "starts_on": "2020-04-01", "ends_on": "2020-09-30",
        "responsible_unit": "偏岭镇人民政府", "budget": "800000",
        "planned_sources": "县级财政专项扶贫资金", "beneficiary_households": 60,
        "beneficiary_poor_households": 23, "beneficiary_poor_people": 51,
        "benefit_mechanism": "村集体所有，合作社经营"}.items()}
    saved = clerk.post(f"/projects/{project_id}/edit", data={
        **values, "csrf_token": token, "version": "1",
        "targets": "新增年产值：60 万元\n带动贫困户增收：户均 2000 元"}, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "已保存项目信息" in text and "户均 2000 元" in text
    assert "修改项目信息" in text  # the history on the page
    ok(apis["clerk"].act(case_id, "submit_proposal", PROPOSAL))
