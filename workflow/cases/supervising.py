"""Issuing a 督办 (supervision notice): an official of a level above the one a running case
waits on presses it with a text and a new date by which the step must be done.

The notice is an event on the case's trail (action ``supervise``, the text as its
opinion, the date and the step in its data), so it is hash-chained like every sign-off;
the case's current handlers are notified (kind ``supervision``) in the same transaction;
the time-limit badge counts to the new date while the case stays in that step
(timelimits.for_cases reads ``latest``).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.cases.operations import append_event
from workflow.engine import store
from workflow.engine.errors import Forbidden, Invalid
from workflow.jurisdictions.models import LEVELS
from workflow.notifications.operations import Handlers, kinds, notify

ACTION = "supervise"
TITLE = "督办"
LABELS = {"text": "督办意见", "due_on": "限办日期"}
MAX_TEXT = 500
MAX_AHEAD_DAYS = 180
NOT_SAVED = "督办未发出，请按提示修改"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

kinds({"supervision": "督办"})


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(NOT_SAVED, {field: [message]})


def _text(raw: Any) -> str:
    if not isinstance(raw, str) or _CONTROL.search(raw):
        raise _invalid("text", f"「{LABELS['text']}」须为文字，不能含有控制字符")
    text = raw.strip()
    if not text:
        raise _invalid("text", f"请填写「{LABELS['text']}」（如 请于限办日期前完成核查）")
    if len(text) > MAX_TEXT:
        raise _invalid("text", f"「{LABELS['text']}」最多 {MAX_TEXT} 个字")
    return text


def _due(raw: Any) -> dt.date:
    day = None
    if isinstance(raw, str):
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            day = None
    if day is None:
        raise _invalid("due_on", f"「{LABELS['due_on']}」须为日期，如 2027-03-01")
    today = clock.today()
    if day < today:
        raise _invalid("due_on", f"「{LABELS['due_on']}」不能早于今天")
    if day > today + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise _invalid("due_on", f"「{LABELS['due_on']}」最多为 {MAX_AHEAD_DAYS} 天以内")
    return day


def supervising_assignment(case: Case, actor: User):
    """The actor's assignment over the case at a level above every level the case's
    current step is acted on at, or None (then the actor may not issue a 督办)."""
    definition = store.by_version(case.definition_version)
    if definition.is_final(case.state):
        return None
    step_levels = {a.level for a in definition.actions_in(case.state) if a.level in LEVELS}
    if not step_levels:
        return None
    lowest_above = min(LEVELS.index(level) for level in step_levels)
    held = [a for a in actor.roles_over(case.village) if a.jurisdiction.level in LEVELS
            and LEVELS.index(a.jurisdiction.level) < lowest_above and a.role != "auditor"]
    return min(held, key=lambda a: -LEVELS.index(a.jurisdiction.level), default=None)


def issue(case: Case, actor: User, payload: Any, version: int | None = None) -> Case:
    """Record a 督办 on ``case`` and notify its current handlers (committed); Invalid
    naming the field, Forbidden for a user not of a level above the step."""
    if not isinstance(payload, dict):
        raise _invalid("text", f"请填写「{LABELS['text']}」")
    assignment = supervising_assignment(case, actor)
    if assignment is None:
        raise Forbidden("只有当前环节上级的人员可以督办本案件")
    text, due_on = _text(payload.get("text")), _due(payload.get("due_on"))
    definition = store.by_version(case.definition_version)
    roles = tuple(sorted({r for a in definition.actions_in(case.state)
                          for r in a.eligible_roles}))
    state_title = definition.state_title(case.state)
    notify(Handlers(roles, case.jurisdiction_path, actor.id), "supervision",
           f"case:{case.id}:{case.event_count + 1}",
           f"督办：{case.title}，「{state_title}」限 {due_on} 前办结（{actor.display_name}："
           f"{text[:60]}）", case_id=case.id, link=f"/cases/{case.id}")
    return append_event(case, actor, assignment, action=ACTION, action_title=TITLE,
                        data={"due_on": due_on.isoformat(), "state": case.state},
                        version=version, opinion=text)


def latest(cases: list[Case]) -> dict[int, dict[str, Any]]:
    """Case id -> the latest 督办 issued in the case's current step (its due date, text,
    who and when), for the cases that have one (one query)."""
    if not cases:
        return {}
    from workflow.extensions import db

    rows = db.session.execute(select(
        AuditEvent.case_id, AuditEvent.data, AuditEvent.opinion, AuditEvent.actor_name,
        AuditEvent.at).where(AuditEvent.case_id.in_(sorted({c.id for c in cases})),
                             AuditEvent.action == ACTION))
    return from_rows(cases, rows)


def from_rows(cases: list[Case], rows) -> dict[int, dict[str, Any]]:
    """``latest`` from rows (case id, data, opinion, actor name, at) of 督办 events
    already read (timelimits reads them with the span moments, in one query)."""
    by_id = {c.id: c for c in cases}
    out: dict[int, dict[str, Any]] = {}
    for case_id, data, opinion, actor, at in rows:
        case = by_id[case_id]
        data = data or {}
        if data.get("state") != case.state or at < case.state_entered_at:
            continue  # issued in an earlier step (or an earlier stay in this one)
        try:
            due = dt.date.fromisoformat(data.get("due_on", ""))
        except (TypeError, ValueError):
            continue
        if case_id not in out or at >= out[case_id]["at"]:
            out[case_id] = {"due_on": due, "text": opinion, "by": actor, "at": at}
    return out
