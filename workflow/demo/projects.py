"""Demo project library and funds: the seed's county budgets (岫岩县 15 million yuan,
台安县 10 million yuan), projects at each stage, one accepted with its asset."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from workflow import clock
from workflow.cases.operations import create_case, perform
from workflow.extensions import db
from workflow.funds.models import FundSource
from workflow.jurisdictions.models import Jurisdiction
from workflow.projects.models import Project

SOURCES = (("210323", "县级财政专项扶贫资金", "15000000"),
           ("210321", "县级财政专项扶贫资金", "10000000"))
PROJECTS = (  # name, category, budget, how far it gets
    ("香菇大棚产业项目", "industry", "800000", "completed"),
    ("村组道路硬化工程", "infrastructure", "1200000", "implementation"),
    ("集中供水改造工程", "water", "450000", "in_library"),
    ("光伏扶贫电站", "industry", "600000", "township_review"),
)


def _day(offset: int = 0) -> str:
    return (clock.today() - dt.timedelta(days=offset)).isoformat()


def _library_steps(department_user: str) -> list[tuple[str, str, dict | None, int]]:
    return [
        ("clerk", "submit_proposal", {"meeting_date": _day(), "attendees": 38,
                                      "votes_for": 35, "votes_against": 1,
                                      "minutes": "村民代表大会同意申报"}, 0),
        ("clerk", "close_village_notice", None, 8),
        ("township", "township_approve", {"authentic": True, "necessary": True,
                                          "feasible": True, "budget_reasonable": True}, 2),
        ("township", "close_township_notice", None, 8),
        (department_user, "sector_approve", {"appraised_on": _day(),
                                             "conclusion": "技术可行，效益明显"}, 3),
        ("leading", "leading_group_approve", {"meeting_no": "岫扶领〔{y}〕4号",
                                              "decided_on": _day()}, 4),
        ("county", "announce_entry", {"announcement_no": "岫扶公告〔{y}〕9号",
                                      "announced_on": _day()}, 2),
    ]


def seed_projects(actor: Callable[[str, Jurisdiction], object],
                  villages: list[Jurisdiction]) -> int:
    """Fund sources and projects; returns the number of projects."""
    year = clock.today().year
    sources = []
    for code, name, budget in SOURCES:
        county = db.session.execute(db.select(Jurisdiction).filter_by(code=code)).scalar_one()
        source = FundSource(county=county, year=year, name=name, level="county",
                            budget=Decimal(budget), jurisdiction_path=county.path)
        db.session.add(source)
        sources.append(source)
    for index, (name, category, budget, stop) in enumerate(PROJECTS):
        village = villages[index % len(villages)]
        clock.reset()
        clock.travel(-dt.timedelta(days=140))
        project = Project(
            name=f"{village.name}{name}", category=category, nature="new", year=year,
            location=f"{village.name}{index + 1}组", starts_on=clock.today(),
            ends_on=clock.today() + dt.timedelta(days=150),
            responsible_unit=f"{village.parent.name}人民政府", budget=Decimal(budget),
            planned_sources="县级财政专项扶贫资金", beneficiary_households=40 + index * 10,
            beneficiary_poor_households=12 + index, beneficiary_poor_people=27 + index * 2,
            benefit_mechanism="村集体所有，合作社经营，收益优先用于贫困户分红和公益岗位",
            performance_targets=[{"indicator": "受益贫困户", "target": f"{12 + index} 户"},
                                 {"indicator": "户均增收", "target": "1500 元"}],
            village=village, jurisdiction_path=village.path)
        db.session.add(project)
        db.session.commit()
        case = create_case("project_library", project.id, actor("clerk", village))
        steps = _library_steps("sector_" + project.department)
        if stop == "township_review":
            steps = steps[:2]
        _run(case, steps, actor, village, year)
        if stop in ("implementation", "completed"):
            _fund_use(project, sources[0], stop, actor, village, year)
    clock.reset()
    return len(PROJECTS)


def _run(case, steps, actor, village, year) -> None:
    for who, action, data, wait in steps:
        clock.travel(dt.timedelta(days=wait, hours=1))
        if data:
            data = {k: v.format(y=year) if isinstance(v, str) else v for k, v in data.items()}
        perform(case, action, actor(who, village), version=case.version, opinion="同意",
                data=data)


def _fund_use(project, source, stop, actor, village, year) -> None:
    case = create_case("fund_use", project.id, actor("county", village))
    amount = str(project.budget - Decimal("20000"))
    steps = [
        ("county", "publish_plan", {"plan_no": "岫扶计〔{y}〕1号", "planned_amount": amount}, 1),
        ("county", "close_plan_notice", None, 11),
        ("county", "allocate_funds", {"source_id": source.id, "amount": amount,
                                      "document_no": "岫财扶〔{y}〕12号",
                                      "dated_on": _day()}, 1),
    ]
    if stop == "completed":
        steps += [
            ("clerk", "report_completion", {"started_on": _day(30), "finished_on": _day(),
                                            "summary": "按设计建成"}, 35),
            ("clerk", "village_self_check", {"checked_on": _day(), "targets_met": True,
                                             "findings": "验收合格"}, 2),
            ("clerk", "close_acceptance_notice", None, 8),
            ("township", "township_accept", {"accepted_on": _day(), "quality_ok": True,
                                             "targets_met": True}, 2),
            ("county", "county_accept", {
                "checked_on": _day(), "asset_name": project.name, "asset_class": "operating",
                "value": amount, "owner": f"{village.name}股份经济合作社",
                "manager": f"{village.name}专业合作社", "maintainer": f"{village.name}村委会",
                "income_sharing": "年收益 60% 用于贫困户分红，40% 留村集体"}, 3),
            ("county", "disburse", {"source_id": source.id, "amount": amount,
                                    "voucher_no": "岫财报〔{y}〕88号", "paid_on": _day(),
                                    "payee": f"{village.name}专业合作社"}, 5),
        ]
    _run(case, steps, actor, village, year)
