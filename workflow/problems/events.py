"""Problems on the register chain: ``audit verify`` compares every problem row with the
event that recorded it (the values ``operations.snapshot`` wrote), so a deadline moved
or a description softened behind the application, an inserted or a deleted problem, is
reported."""
from __future__ import annotations

from sqlalchemy import select

from workflow.audit import register
from workflow.audit.chain import Problem as ChainProblem
from workflow.audit.models import RegisterEvent
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter
from workflow.problems.models import Problem
from workflow.problems.operations import ACTIONS, snapshot
from workflow.problems.schemas import LABELS

FIELD_TITLES = {**LABELS, "place_id": "责任单位", "found_place_id": "发现单位",
                "found_level": "发现单位层级", "finding_id": "审计核查事项",
                "recorded_by_id": "登记人"}


def init() -> None:
    """Name the action on the register chain and add the row check (once)."""
    register.REGISTER_ACTIONS.update(ACTIONS)
    if row_problems not in register.ROW_CHECKS:
        register.ROW_CHECKS.append(row_problems)


def row_problems(scope_paths: list[str] | None) -> list[ChainProblem]:
    """Problem rows that differ from, lack, or outlived the event that recorded them."""
    events = select(RegisterEvent).where(RegisterEvent.action.in_(list(ACTIONS)))
    rows = select(Problem).execution_options(populate_existing=True)
    if scope_paths is not None:
        events = events.where(paths_filter(RegisterEvent.jurisdiction_path, scope_paths))
        rows = rows.where(paths_filter(Problem.jurisdiction_path, scope_paths))
    expected = {(e.data or {}).get("problem_id"): e
                for e in db.session.execute(events).scalars()}
    out: list[ChainProblem] = []
    for problem in db.session.execute(rows).scalars():
        event = expected.pop(problem.id, None)
        if event is None:
            out.append(ChainProblem(f"{problem.place.name} 建档留痕", None,
                                    f"整改问题 {problem.id} 没有登记留痕：未经系统登记"))
            continue
        recorded = (event.data or {}).get("values") or {}
        changed = [FIELD_TITLES.get(k, k) for k, v in snapshot(problem).items()
                   if recorded.get(k) != v]
        if changed:
            out.append(ChainProblem(
                f"{event.village.name} 建档留痕", event.seq,
                f"整改问题 {problem.id} 的「{'」「'.join(changed)}」与登记留痕不符："
                "记录被直接修改"))
    for problem_id, event in expected.items():
        out.append(ChainProblem(f"{event.village.name} 建档留痕", event.seq,
                                f"整改问题 {problem_id} 已不存在：记录被删除"))
    return out
