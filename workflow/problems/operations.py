"""Recording a problem (问题登记) or converting a confirmed audit finding, each in one
transaction with its register event and its rectification case; and the problem ledger
(问题台账): the problems in a user's scope with where each stands and the counts per place.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from workflow import clock
from workflow.audit import register
from workflow.auth.models import RoleAssignment, User
from workflow.cases.models import Case
from workflow.cases.operations import create_cases
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import place_by_code, scope_filter
from workflow.oversight.models import Finding
from workflow.problems.models import RECORDING_ROLES, SOURCES, Problem
from workflow.problems.schemas import FindingProblemSchema, ProblemSchema
from workflow.registry.operations import load_payload

PROCEDURE = "problem_rectification"
MESSAGE = "问题登记信息有误，请按提示修改"
ACTIONS = {"problem_recorded": "登记整改问题"}
STATES = {"rectifying": "整改中", "verifying": "待核验", "closed": "已销号"}
RECORDERS = set(RECORDING_ROLES.values()) | {"auditor"}
DEFAULT_DAYS = 30  # the deadline a converted finding is offered with (the auditor may change it)


def snapshot(problem: Problem) -> dict[str, Any]:
    """The recorded values of a problem, as its register event holds them."""
    return {name: (value.isoformat() if isinstance(value := getattr(problem, name), dt.date)
                   else value) for name in Problem.RECORDED}


def _recorder(actor: User, place: Jurisdiction, levels: tuple[str, ...]) -> RoleAssignment:
    """The actor's assignment that may record a problem of a source at ``place``."""
    for assignment in actor.roles_over(place):
        level = assignment.jurisdiction.level
        if RECORDING_ROLES.get(level) == assignment.role and level in levels:
            return assignment
    titles = "、".join({"city": "市扶贫办", "county": "县扶贫办", "township": "乡镇"}[lv]
                      for lv in levels)
    raise Forbidden(f"该来源的问题须由{titles}登记，且责任单位须在其管辖范围内")


def _responsible_place(code: str, actor: User) -> Jurisdiction:
    place = place_by_code(code, actor)
    if place is None or place.level == "city":
        raise Invalid(MESSAGE, {"place": ["「责任单位」须是您管辖范围内的县、乡镇或村"]})
    return place


def _open(problem: Problem, assignment: RoleAssignment, actor: User) -> Problem:
    """Add the problem, its register event and its case; commit all or nothing."""
    try:
        db.session.add(problem)
        db.session.flush()
        register.record(problem.place_id, "problem_recorded", actor,
                        f"登记整改问题 {problem.id}：{problem.title}（{problem.source_title}，"
                        f"整改时限 {problem.deadline}）",
                        {"problem_id": problem.id, "values": snapshot(problem)}, RECORDERS)
    except Exception:
        db.session.rollback()
        raise
    create_cases(PROCEDURE, [problem.id], actor, role=assignment.role)  # commits
    return problem


def record_problem(payload: Any, actor: User) -> Problem:
    """问题登记: a problem found by the actor's level in a place under it."""
    values = load_payload(ProblemSchema(), payload, MESSAGE)
    place = _responsible_place(values["place"], actor)
    assignment = _recorder(actor, place, SOURCES[values["source"]][1])
    return _open(Problem(
        title=values["title"].strip(), description=values["description"].strip(),
        source=values["source"], category=values["category"], place_id=place.id,
        jurisdiction_path=place.path, department=values.get("department"),
        found_place_id=assignment.jurisdiction.id, found_level=assignment.jurisdiction.level,
        deadline=values["deadline"], recorded_by_id=actor.id,
        recorded_by_name=actor.display_name), assignment, actor)


def from_finding(finding_id: int, payload: Any, actor: User) -> Problem:
    """转为整改问题: a confirmed audit finding becomes a problem the auditor's level
    verifies; the finding names the case, its rule and the auditor's note."""
    from workflow.oversight.rules import RULES

    finding = db.session.execute(select(Finding).where(
        Finding.id == finding_id, scope_filter(Finding.jurisdiction_path, actor))
    ).scalar_one_or_none()
    if finding is None:
        raise NotFound("核查事项不存在或不在您的管辖范围内")
    if finding.outcome != "confirmed":
        raise Invalid("只有核查属实的事项才能转为整改问题", {})
    if (done := db.session.execute(select(Problem.id).where(
            Problem.finding_id == finding.id)).scalar()) is not None:
        raise Invalid(f"该核查事项已转为整改问题（编号 {done}）", {})
    values = load_payload(FindingProblemSchema(), payload, MESSAGE)
    place = _responsible_place(values["place"], actor)
    case = db.session.get(Case, finding.case_id)
    if not place.contains(case.village):
        raise Invalid(MESSAGE, {"place": ["「责任单位」须是该案件所在的村、乡镇或县"]})
    auditor = next((a for a in actor.roles_over(place) if a.role == "auditor"
                    and a.jurisdiction.level != "village"), None)
    if auditor is None:
        raise Forbidden("只有县、乡镇或市的审计、纪检人员可以把核查事项转为整改问题")
    title = f"{RULES[finding.rule][0]}（案件 {case.id}）" if finding.rule in RULES \
        else f"审计发现（案件 {case.id}）"
    return _open(Problem(
        title=title[:100], description=f"{finding.reason}\n核查说明：{finding.note}",
        source="audit", category=values["category"], place_id=place.id,
        jurisdiction_path=place.path, department=values.get("department"),
        found_place_id=auditor.jurisdiction.id, found_level=auditor.jurisdiction.level,
        deadline=values["deadline"], finding_id=finding.id, recorded_by_id=actor.id,
        recorded_by_name=actor.display_name), auditor, actor)


@dataclass
class LedgerRow:
    """One problem in the ledger, with its case and where it stands."""

    problem: Problem
    case_id: int
    state: str
    closed_on: dt.date | None

    @property
    def state_title(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def overdue(self) -> bool:
        """Past its deadline and not closed, or closed after it."""
        if self.closed_on is not None:
            return self.closed_on > self.problem.deadline
        return clock.today() > self.problem.deadline


@dataclass
class Tally:
    """Counts of one place's problems (a ledger's summary row)."""

    place: Jurisdiction | None
    total: int = 0
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    overdue: int = 0

    def add(self, row: LedgerRow) -> None:
        self.total += 1
        self.by_state[row.state] = self.by_state.get(row.state, 0) + 1
        self.overdue += row.overdue

    @property
    def closed_rate(self) -> str:
        return f"{self.by_state['closed'] / self.total:.1%}" if self.total else "—"


def ledger(actor: User, *, place: Jurisdiction | None = None, state: str = "",
           source: str = "", overdue_only: bool = False, problem_id: int | None = None
           ) -> list[LedgerRow]:
    """The problems in the actor's scope (under ``place``), newest first."""
    query = (select(Problem, Case.id, Case.state, Case.state_entered_at)
             .join(Case, (Case.subject_type == "problem") & (Case.subject_id == Problem.id)
                   & (Case.procedure == PROCEDURE))
             .where(scope_filter(Problem.jurisdiction_path, actor))
             .order_by(Problem.id.desc()))
    if place is not None:
        query = query.where(Problem.jurisdiction_path.startswith(place.path, autoescape=True))
    if state:
        query = query.where(Case.state == state)
    if source:
        query = query.where(Problem.source == source)
    if problem_id is not None:
        query = query.where(Problem.id == problem_id)
    rows = [LedgerRow(p, case_id, st, clock.to_local(entered).date() if st == "closed" else None)
            for p, case_id, st, entered in db.session.execute(query)]
    return [r for r in rows if r.overdue] if overdue_only else rows


def tallies(rows: list[LedgerRow], place: Jurisdiction | None, actor: User) -> list[Tally]:
    """Counts per place one level below ``place`` (or below the actor's own places),
    then the total."""
    tops = [place] if place else sorted({a.jurisdiction for a in actor.assignments},
                                        key=lambda j: j.path)
    children = [c for top in tops for c in db.session.execute(
        select(Jurisdiction).where(Jurisdiction.parent_id == top.id)
        .order_by(Jurisdiction.code)).scalars()]
    by_child = {c.path: Tally(c) for c in children}
    total = Tally(None)
    for row in rows:
        total.add(row)
        path = row.problem.jurisdiction_path
        for child_path, tally in by_child.items():
            if path.startswith(child_path):
                tally.add(row)
                break
    return [t for t in by_child.values() if t.total] + [total]


def recording_sources(actor: User) -> dict[str, str]:
    """The sources the actor's levels may record (问题来源 offered on the form)."""
    levels = {a.jurisdiction.level for a in actor.assignments
              if RECORDING_ROLES.get(a.jurisdiction.level) == a.role}
    return {k: title for k, (title, lv) in SOURCES.items() if levels & set(lv)}


@dataclass
class FindingOffer:
    """A confirmed finding not yet handed over, with the places it may be assigned to
    (the case's village and the township and county above it)."""

    finding: Finding
    places: list[Jurisdiction]
    deadline: dt.date


def findings_to_rectify(actor: User, limit: int = 100) -> list[FindingOffer]:
    """The auditor's confirmed findings that are not yet problems (转为整改问题)."""
    if not any(a.role == "auditor" for a in actor.assignments):
        return []
    rows = db.session.execute(
        select(Finding, Case).join(Case, Case.id == Finding.case_id)
        .outerjoin(Problem, Problem.finding_id == Finding.id)
        .where(Finding.outcome == "confirmed", Problem.id.is_(None),
               scope_filter(Finding.jurisdiction_path, actor))
        .order_by(Finding.id.desc()).limit(limit)).all()
    deadline = clock.today() + dt.timedelta(days=DEFAULT_DAYS)
    offers = []
    for finding, case in rows:
        places, node = [], case.village
        while node is not None and node.level != "city":
            places.append(node)
            node = node.parent
        offers.append(FindingOffer(finding, places, deadline))
    return offers
