"""Progress entries on the register chain: the actions' titles, and ``audit verify``'s
comparison of every entry with the last event that wrote it.

Each entry and each change is an event holding the row's recorded values after it
(``operations.snapshot``). A row that differs from its last event (an UPDATE of the
income behind the application), a row no event wrote (an INSERT) and an entry whose row
is gone (a DELETE) are reported, naming the entry and the field.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.audit import register
from workflow.audit.chain import Problem
from workflow.audit.models import RegisterEvent
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter
from workflow.progress.models import HouseholdProgress
from workflow.progress.schemas import LABELS

ACTIONS = {"progress_recorded": "录入帮扶进展", "progress_edited": "修改帮扶进展"}


def init() -> None:
    """Name the actions on the register chain and add the row check (once)."""
    register.REGISTER_ACTIONS.update(ACTIONS)
    if problems not in register.ROW_CHECKS:
        register.ROW_CHECKS.append(problems)


def _expected(scope_paths: list[str] | None) -> dict[int, tuple[dict[str, Any], RegisterEvent]]:
    """entry id -> (its values after its last event, that event)."""
    query = select(RegisterEvent).where(RegisterEvent.action.in_(list(ACTIONS))) \
        .order_by(RegisterEvent.id)
    if scope_paths is not None:
        query = query.where(paths_filter(RegisterEvent.jurisdiction_path, scope_paths))
    return {(e.data or {}).get("progress_id"): ((e.data or {}).get("values") or {}, e)
            for e in db.session.execute(query).scalars()}


def problems(scope_paths: list[str] | None) -> list[Problem]:
    """Entry rows that differ from, lack, or outlived their events."""
    from workflow.progress.operations import snapshot

    expected = _expected(scope_paths)
    rows = select(HouseholdProgress).execution_options(populate_existing=True)
    if scope_paths is not None:
        rows = rows.where(paths_filter(HouseholdProgress.jurisdiction_path, scope_paths))
    out: list[Problem] = []
    for entry in db.session.execute(rows).scalars():
        found = expected.pop(entry.id, None)
        if found is None:
            out.append(Problem(f"{entry.household.village.name} 建档留痕", None,
                               f"帮扶进展 {entry.id} 没有留痕记录：未经系统录入"))
            continue
        values, event = found
        stored = snapshot(entry)
        changed = [LABELS.get(k, k) for k in HouseholdProgress.RECORDED
                   if stored.get(k) != values.get(k)]
        if changed:
            out.append(Problem(f"{event.village.name} 建档留痕", event.seq,
                               f"帮扶进展 {entry.id} 的「{'」「'.join(changed)}」与留痕记录不符："
                               "记录被直接修改"))
    for entry_id, (_, event) in expected.items():
        out.append(Problem(f"{event.village.name} 建档留痕", event.seq,
                           f"帮扶进展 {entry_id} 已不存在：记录被删除"))
    return out
