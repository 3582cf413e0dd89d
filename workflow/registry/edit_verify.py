"""``audit verify`` compares edited register rows with the events that edited them.

An edit's event (sealed, on the village's chain) holds each field's value after the edit
(a personal one as its SHA-256). Where no later change could have come through the
application, the row must still hold it: an UPDATE behind the application (a new
account number written into ``households``) is reported, as is a removed member's row
deleted (the history the removal promised to keep). A household's status is left out
(cases change it), and a household's fields after a later roster import of its village
(an import rewrites rows and records the file, not each field).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.audit import register
from workflow.audit.chain import Problem
from workflow.audit.models import RegisterEvent
from workflow.engine.registry import SUBJECTS
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter
from workflow.registry import editing
from workflow.registry.models import Member

# edit action -> (subject type, id key in the event's data, fields, what the page calls it)
EDITED = {
    "household_edited": ("household", "household_id", editing.HOUSEHOLD_FIELDS, "农户"),
    "house_edited": ("house", "house_id", editing.HOUSE_FIELDS, "房屋"),
    "project_edited": ("project", "project_id", editing.PROJECT_FIELDS, "项目"),
}
SKIPPED = {"status"}


def _stored(field: editing.Field, value: Any) -> Any:
    """A row's value as the event holds it (a personal one: its fingerprint)."""
    return editing.fingerprint(value) if field.personal else editing.plain(value)


def _recorded(field: editing.Field, change: dict) -> Any:
    return change.get("after_sha256") if field.personal else change.get("after")


def problems(scope_paths: list[str] | None) -> list[Problem]:
    """Rows that differ from their last edit, and removed members whose row is gone."""
    query = select(RegisterEvent).where(RegisterEvent.action.in_(
        [*EDITED, "member_removed", "roster_imported"])).order_by(RegisterEvent.id)
    if scope_paths is not None:
        query = query.where(paths_filter(RegisterEvent.jurisdiction_path, scope_paths))
    expected: dict[tuple[str, int], dict[str, tuple[Any, RegisterEvent]]] = {}
    villages: dict[tuple[str, int], int] = {}
    removed: dict[int, RegisterEvent] = {}
    for event in db.session.execute(query).scalars():
        data = event.data or {}
        if event.action == "roster_imported":  # its households' fields may change
            for key in [k for k, v in villages.items()
                        if k[0] == "household" and v == event.village_id]:
                expected.pop(key, None)
                villages.pop(key)
            continue
        if event.action == "member_removed":
            removed[data.get("member_id")] = event
            continue
        subject, id_key, fields, _ = EDITED[event.action]
        slot = expected.setdefault((subject, data.get(id_key)), {})
        villages[(subject, data.get(id_key))] = event.village_id
        for name, change in (data.get("changes") or {}).items():
            if name in fields and name not in SKIPPED and isinstance(change, dict):
                slot[name] = (_recorded(fields[name], change), event)
    out: list[Problem] = []
    for (subject, row_id), values in expected.items():
        model = SUBJECTS.get(subject)
        fields, title = EDITED[f"{subject}_edited"][2], EDITED[f"{subject}_edited"][3]
        row = db.session.execute(select(model).where(model.id == row_id).execution_options(
            populate_existing=True)).scalar_one_or_none() if model and row_id else None
        for name, (value, event) in values.items():
            if row is None or _stored(fields[name], getattr(row, name)) != value:
                out.append(Problem(f"{event.village.name} 建档留痕", event.seq,
                                   f"{title} {row_id} 的「{fields[name].label}」与修改记录不符："
                                   "记录被直接修改" if row is not None else
                                   f"{title} {row_id} 已不存在：记录被删除"))
                if row is None:
                    break
    kept = set(db.session.execute(select(Member.id).where(
        Member.id.in_([k for k in removed if k]))).scalars()) if removed else set()
    for member_id, event in removed.items():
        if member_id not in kept:
            out.append(Problem(f"{event.village.name} 建档留痕", event.seq,
                               f"已减少的家庭成员（成员 {member_id}）记录被删除"))
    return out


register.ROW_CHECKS.append(problems)
