"""What a running case will meet at its next step: for each action open in its state, the
policy settings its guards will read (``registry.GUARD_READS``) and the notice length
of the state it leads to, as they stand now at the case's place.

The values are read, not judged: the step itself reads them again when it is performed
and records what it applied in its event (cases/applied.py).
"""
from __future__ import annotations

from typing import Any

from workflow.auth.models import User
from workflow.cases.applied import describe
from workflow.cases.context import Context
from workflow.cases.models import Case
from workflow.engine import registry
from workflow.engine.definitions import Definition
from workflow.notices.operations import notice_days


def upcoming_settings(case: Case, definition: Definition, user: User) -> list[dict[str, Any]]:
    """[{"action": title, "settings": [「2026 年贫困线 7,600 元（…）」, ...]}] for the
    actions open in the case's state that read any setting (none once it is final)."""
    if definition.is_final(case.state):
        return []
    out = []
    for action in definition.actions_in(case.state):
        ctx = Context(case=case, definition=definition, action=action, actor=user,
                      assignment=None, values={}, opinion="")
        for name in action.guards:
            reads = registry.GUARD_READS.get(name)
            if reads is not None:
                reads(ctx)
        target = definition.states.get(action.to) if action.to else None
        if target and target.get("notice"):
            notice_days(target["notice"], ctx.setting)
        if ctx.applied:
            out.append({"action": action.title,
                        "settings": [describe(r) for r in ctx.records()]})
    return out
