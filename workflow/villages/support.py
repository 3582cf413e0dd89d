"""A low-income village's page (/villages/<code>): its designation and plan year, its
exit case with each indicator of its latest self-assessment against the profile's bar,
and its projects with the funds allocated and disbursed to them against its exit plan
(the Zhuanghe plan puts low-income villages' exit plans first for projects and funds and
lets sector support standards rise by up to 30 %: ``low_income_support_uplift``)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select

from workflow.cases.applied import reader
from workflow.cases.models import Case
from workflow.engine import store
from workflow.extensions import db
from workflow.funds.models import Allocation, Disbursement
from workflow.jurisdictions.models import Jurisdiction
from workflow.projects.models import Project
from workflow.settings import lookup
from workflow.villages.designations import VillageDesignation, designation_of
from workflow.villages.rules import ASSESSMENT, indicator_values, profile_for

UPLIFT = "low_income_support_uplift"
GRADES = {"C": ("repair",), "D": ("rebuild", "new_build")}


@dataclass
class Indicator:
    title: str
    value: str
    bar: str
    met: bool
    source: str     # 登记数据 / 村填报: where the value comes from


@dataclass
class ProjectLine:
    project: Project
    allocated: Decimal
    disbursed: Decimal
    in_plan: bool   # the project's year falls within the village's exit plan


def latest_case(village: Jurisdiction) -> Case | None:
    return db.session.execute(select(Case).where(
        Case.procedure == "village_exit", Case.subject_type == "village",
        Case.subject_id == village.id).order_by(Case.id.desc()).limit(1)).scalar_one_or_none()


def indicators(village: Jurisdiction, case: Case | None) -> tuple[str, list[Indicator]]:
    """The profile's title and each bar with the latest self-assessment's value (the
    values the exit guard itself reads, villages/rules.py); no values before one."""
    year = case.year if case is not None else None
    title, bars = profile_for(village, reader(village.path), year)
    if case is None or not case.data.get(ASSESSMENT):
        return title, []
    values = indicator_values(SimpleNamespace(
        subject=village, step_values=lambda name: case.data.get(name, {})))
    rows = []
    for bar in bars:
        actual = values.get(bar.key)
        rows.append(Indicator(bar.title, bar.shown(actual), bar.describe(), bar.met(actual),
                              bar.source_title))
    return title, rows


def projects(village: Jurisdiction, plan: VillageDesignation | None) -> list[ProjectLine]:
    """The village's projects by year with what was allocated to and disbursed for each."""
    found = db.session.execute(select(Project).where(Project.village_id == village.id)
                               .order_by(Project.year, Project.id)).scalars().all()
    ids = [p.id for p in found]
    allocated = dict(db.session.execute(
        select(Allocation.project_id, func.sum(Allocation.amount))
        .where(Allocation.project_id.in_(ids)).group_by(Allocation.project_id)).all()) \
        if ids else {}
    disbursed = dict(db.session.execute(
        select(Disbursement.project_id, func.sum(Disbursement.amount))
        .where(Disbursement.project_id.in_(ids)).group_by(Disbursement.project_id)).all()) \
        if ids else {}
    return [ProjectLine(p, Decimal(allocated.get(p.id) or 0), Decimal(disbursed.get(p.id) or 0),
                        plan is not None and p.year <= plan.planned_exit_year) for p in found]


def raised_standards(village: Jurisdiction, year: int) -> tuple[int, list[dict]]:
    """The uplift set for low-income villages (percent, at most 30) and the renovation
    subsidy standards it raises for ``year``: [{title, base, raised}]."""
    found = lookup(UPLIFT, place=village.path, year=year)
    percent = int(found.value) if found is not None else 0
    rows = []
    for grade, methods in GRADES.items():
        for method in methods:
            base = lookup(f"renovation_subsidy.{grade}.{method}", place=village.path, year=year)
            if base is None:
                continue
            value = Decimal(str(base.value))
            rows.append({"title": base.title, "base": value,
                         "raised": (value * (100 + percent) / 100).quantize(Decimal("1"))})
    return percent, rows


def village_page(village: Jurisdiction) -> dict:
    """Everything the page shows, read once."""
    plan = designation_of(village)
    case = latest_case(village)
    profile, rows = indicators(village, case)
    lines = projects(village, plan)
    planned = [line for line in lines if line.in_plan]
    definition = store.catalog().procedures["village_exit"]
    year = plan.planned_exit_year if plan else (case.year if case else None)
    uplift, standards = raised_standards(village, year) if plan and year else (0, [])
    return {"village": village, "plan": plan, "case": case, "profile": profile,
            "state_title": definition.state_title(case.state) if case else "未启动",
            "indicators": rows, "projects": lines,
            "planned_budget": sum((line.project.budget for line in planned), Decimal(0)),
            "planned_allocated": sum((line.allocated for line in planned), Decimal(0)),
            "planned_disbursed": sum((line.disbursed for line in planned), Decimal(0)),
            "uplift": uplift, "standards": standards, "year": year}
