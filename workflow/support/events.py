"""Support measures on the register chain: the actions' titles, and ``audit verify``'s
comparison of every measure row with the last event that wrote it.

Each add, change and end is an event holding the row's recorded values after it
(``operations.snapshot``); an import holds the values of every measure it created. A
row that differs from its last event (an UPDATE of the amount behind the application),
a row no event wrote (an INSERT) and a measure whose row is gone (a DELETE) are reported.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.audit import register
from workflow.audit.chain import Problem
from workflow.audit.models import RegisterEvent
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter
from workflow.support.models import SupportMeasure
from workflow.support.schemas import LABELS

ACTIONS = {"measure_added": "新增帮扶措施", "measure_edited": "修改帮扶措施",
           "measure_ended": "终止帮扶措施", "measures_imported": "导入帮扶措施"}


def init() -> None:
    """Name the actions on the register chain and add the row check (once)."""
    register.REGISTER_ACTIONS.update(ACTIONS)
    if problems not in register.ROW_CHECKS:
        register.ROW_CHECKS.append(problems)


def _expected(scope_paths: list[str] | None) -> dict[int, tuple[dict[str, Any], RegisterEvent]]:
    """measure id -> (its values after its last event, that event)."""
    query = select(RegisterEvent).where(RegisterEvent.action.in_(list(ACTIONS))) \
        .order_by(RegisterEvent.id)
    if scope_paths is not None:
        query = query.where(paths_filter(RegisterEvent.jurisdiction_path, scope_paths))
    out: dict[int, tuple[dict, RegisterEvent]] = {}
    for event in db.session.execute(query).scalars():
        data = event.data or {}
        if event.action == "measures_imported":
            for item in data.get("measures") or []:
                out[item.get("id")] = (item.get("values") or {}, event)
        else:
            out[data.get("measure_id")] = (data.get("values") or {}, event)
    return out


def problems(scope_paths: list[str] | None) -> list[Problem]:
    """Measure rows that differ from, lack, or outlived their events."""
    from workflow.support.operations import snapshot

    expected = _expected(scope_paths)
    rows = select(SupportMeasure).execution_options(populate_existing=True)
    if scope_paths is not None:
        rows = rows.where(paths_filter(SupportMeasure.jurisdiction_path, scope_paths))
    out: list[Problem] = []
    for measure in db.session.execute(rows).scalars():
        found = expected.pop(measure.id, None)
        if found is None:
            out.append(Problem(f"{measure.household.village.name} 建档留痕", None,
                               f"帮扶措施 {measure.id} 没有留痕记录：未经系统录入"))
            continue
        values, event = found
        stored = snapshot(measure)
        changed = [LABELS.get(k, k) for k in SupportMeasure.RECORDED
                   if stored.get(k) != values.get(k) and k not in ("version", "entered_by_id")]
        if stored.get("entered_by_id") != values.get("entered_by_id"):
            changed.append("录入人")
        if stored.get("version") != values.get("version"):
            changed.append("版本")
        if changed:
            out.append(Problem(f"{event.village.name} 建档留痕", event.seq,
                               f"帮扶措施 {measure.id} 的「{'」「'.join(changed)}」与留痕记录不符："
                               "记录被直接修改"))
    for measure_id, (_, event) in expected.items():
        out.append(Problem(f"{event.village.name} 建档留痕", event.seq,
                           f"帮扶措施 {measure_id} 已不存在：记录被删除"))
    return out
