"""Projects driven into the library and through fund use via the API (fictional data)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.factories import Api, make_user
from workflow import clock
from workflow.auth.models import RoleAssignment
from workflow.extensions import db
from workflow.funds.models import FundSource

TARGETS = [{"indicator": "新增年产值", "target": "60 万元"},
           {"indicator": "带动贫困户增收", "target": "户均 2000 元"}]
PROJECT = {
    "name": "大房身村香菇大棚", "category": "industry", "nature": "new",
    "village": "210323106201", "year": 2020, "location": "大房身村二组",
    "starts_on": "2020-04-01", "ends_on": "2020-09-30", "responsible_unit": "偏岭镇人民政府",
    "budget": "800000", "planned_sources": "县级财政专项扶贫资金",
    "beneficiary_households": 60, "beneficiary_poor_households": 23,
    "beneficiary_poor_people": 51,
    "benefit_mechanism": "村集体所有，合作社经营，收益 60% 用于贫困户分红和公益岗位",
    "performance_targets": TARGETS,
}
PROPOSAL = {"meeting_date": "2020-03-01", "attendees": 40, "votes_for": 36,
            "votes_against": 2, "minutes": "村民代表大会一致同意申报"}
REVIEW = {"authentic": True, "necessary": True, "feasible": True,
          "budget_reasonable": True}
ASSET = {"checked_on": "2020-10-20", "asset_name": "香菇大棚 12 栋",
         "asset_class": "operating", "value": "780000",
         "owner": "大房身村股份经济合作社", "manager": "岫岩县绿源香菇专业合作社",
         "maintainer": "大房身村村委会",
         "income_sharing": "年收益 60% 分配给受益贫困户，40% 留村集体"}


def project_users(world) -> None:
    county = world.places["county"]
    agri = make_user("sector_agri", name="农业局论证员")
    water = make_user("sector_water", name="水利局论证员")
    db.session.add_all([
        RoleAssignment(user=agri, role="county_sector", jurisdiction=county,
                       department="agriculture"),
        RoleAssignment(user=water, role="county_sector", jurisdiction=county, department="water")])
    make_user("leading", ("county_leading_group", county), name="领导小组办公室")
    db.session.commit()


def fund_source(world, budget: str = "15000000", name: str = "县级财政专项扶贫资金",
                year: int = 2020) -> FundSource:
    county = world.places["county"]
    source = FundSource(county=county, year=year, name=name, level="county",
                        budget=Decimal(budget), jurisdiction_path=county.path)
    db.session.add(source)
    db.session.commit()
    return source


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def apis_for(client, *names) -> dict[str, Api]:
    return {n: Api(client, n) for n in names}


def register(api: Api, **overrides) -> int:
    return ok(api.post("/api/v1/projects", json={**PROJECT, **overrides}), 201)["id"]


def into_library(apis: dict[str, Api], project_id: int) -> int:
    """The whole project_library procedure; returns the case id."""
    case_id = ok(apis["clerk"].post("/api/v1/cases", json={
        "procedure": "project_library", "subject_id": project_id}), 201)["id"]
    ok(apis["clerk"].act(case_id, "submit_proposal", PROPOSAL))
    clock.travel(dt.timedelta(days=8))
    ok(apis["clerk"].act(case_id, "close_village_notice"))
    ok(apis["township"].act(case_id, "township_approve", REVIEW))
    clock.travel(dt.timedelta(days=8))
    ok(apis["township"].act(case_id, "close_township_notice"))
    ok(apis["sector_agri"].act(case_id, "sector_approve", {
        "appraised_on": "2020-03-25", "conclusion": "市场前景好，技术可行"}))
    ok(apis["leading"].act(case_id, "leading_group_approve", {
        "meeting_no": "岫扶领〔2020〕4号", "decided_on": "2020-03-30"}))
    ok(apis["county"].act(case_id, "announce_entry", {
        "announcement_no": "岫扶公告〔2020〕9号", "announced_on": "2020-04-01"}))
    return case_id


ALLOCATED_ON = "2020-04-05"  # 下达日期 of the helpers' allocations: before every payment


def to_allocation(apis: dict[str, Api], project_id: int) -> int:
    """fund_use up to the allocation step; returns the case id."""
    case_id = ok(apis["county"].post("/api/v1/cases", json={
        "procedure": "fund_use", "subject_id": project_id}), 201)["id"]
    ok(apis["county"].act(case_id, "publish_plan", {"plan_no": "岫扶计〔2020〕1号",
                                                    "planned_amount": "800000"}))
    clock.travel(dt.timedelta(days=11))
    ok(apis["county"].act(case_id, "close_plan_notice"))
    return case_id


def to_disbursement(apis: dict[str, Api], case_id: int, source_id: int) -> None:
    ok(apis["county"].act(case_id, "allocate_funds", {"source_id": source_id, "amount": "780000",
                                                      "document_no": "岫财扶〔2020〕12号",
                                                      "dated_on": ALLOCATED_ON}))
    ok(apis["clerk"].act(case_id, "report_completion", {
        "started_on": "2020-04-10", "finished_on": "2020-09-20", "summary": "建成大棚 12 栋"}))
    ok(apis["clerk"].act(case_id, "village_self_check", {
        "checked_on": "2020-09-25", "targets_met": True, "findings": "按设计建成"}))
    clock.travel(dt.timedelta(days=8))
    ok(apis["clerk"].act(case_id, "close_acceptance_notice"))
    ok(apis["township"].act(case_id, "township_accept", {
        "accepted_on": "2020-10-10", "quality_ok": True, "targets_met": True}))
    ok(apis["county"].act(case_id, "county_accept", ASSET))
