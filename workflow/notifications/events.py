"""What a case event tells whom: a new to-do for the users whose role and place act on the
state the case entered, 退回 to the case's submitter, an objection to the state's
handlers and the submitter. Registered as a hook of ``cases.operations`` (the engine
knows nothing of it); each runs in the sign-off's transaction, one statement per kind."""
from __future__ import annotations

from typing import Any

from workflow.cases import operations as case_operations
from workflow.cases.models import Case
from workflow.engine import store
from workflow.engine.definitions import Definition
from workflow.notifications.operations import Handlers, notify, settle_todos

OBJECTION_EFFECTS = {"record_objection"}


def register() -> None:
    """Hook ``after_events`` into the case operations (once)."""
    if after_events not in case_operations.AFTER_EVENTS:
        case_operations.AFTER_EVENTS.append(after_events)


def handlers(case: Case, definition: Definition, state: str, *,
             but: int | None = None) -> Handlers | None:
    """Who may act in ``state`` on ``case`` (see ``Handlers``), or None when no role may."""
    roles = tuple(sorted({r for a in definition.actions_in(state) for r in a.eligible_roles}))
    return Handlers(roles, case.jurisdiction_path, but) if roles else None


def after_events(cases: list[Case], events: list[dict[str, Any]]) -> None:
    """Notify what each new event of ``cases`` means to others (see the module doc)."""
    by_id = {case.id: case for case in cases}
    for event in events:
        case = by_id[event["case_id"]]
        definition = store.by_version(case.definition_version)
        key = f"case:{case.id}:{event['seq']}"
        link = f"/cases/{case.id}"
        actor = event["actor_id"]
        to_state = event["to_state"]
        moved = event["from_state"] != to_state
        if moved and event["seq"] > 1:
            settle_todos(case.id)
        if moved and (users := handlers(case, definition, to_state, but=actor)) is not None:
            notify(users, "todo", key, f"新的待办：{case.title}，"
                   f"待「{definition.state_title(to_state)}」", case_id=case.id, link=link)
        action = definition.actions.get(event["action"]) if event["seq"] > 1 else None
        if action is None:
            continue
        if action.decision == "disagree" and case.created_by_id != actor:
            opinion = event["opinion"][:80]
            notify([case.created_by_id], "returned", key,
                   f"案件被退回：{case.title}，退回至「{definition.state_title(to_state)}」"
                   f"（{event['actor_name']}：{opinion}）", case_id=case.id, link=link)
        if OBJECTION_EFFECTS & set(action.effects):
            users = handlers(case, definition, to_state, but=actor)
            ids = [case.created_by_id] if case.created_by_id != actor else []
            text = f"公示收到异议：{case.title}（{event['actor_name']}登记）"
            if users is not None:
                notify(users, "objection", key, text, case_id=case.id, link=link)
            notify(ids, "objection", key, text, case_id=case.id, link=link)
