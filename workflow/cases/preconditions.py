"""What must hold before a step: the rules a step's form is checked against, and the
subject-only guards (``registry.SUBJECT_GUARDS``) that decide whether a case may be
opened and which buttons a case page offers."""
from __future__ import annotations

import datetime as dt
from typing import Any

from workflow import clock
from workflow.cases.context import SubjectContext
from workflow.cases.models import Case
from workflow.engine import registry
from workflow.engine.definitions import Action, Definition
from workflow.engine.forms import Rules


def subject_refusals(definition: Definition, subject: Any, guards: list[str],
                     ctx: SubjectContext | None = None) -> list[str]:
    """The reasons the subject-only guards among ``guards`` give (empty: none objects);
    ``ctx`` (made here when not given) keeps the settings they read."""
    ctx = ctx or SubjectContext(subject=subject, definition=definition)
    return [r for g in guards if g in registry.SUBJECT_GUARDS for r in registry.GUARDS[g](ctx)]


def start_refusals(definition: Definition, subject: Any,
                   ctx: SubjectContext | None = None) -> list[str]:
    """Why a case of ``definition`` may not be opened for ``subject`` (its start guards),
    for the start itself and for whether a page offers the start button."""
    return subject_refusals(definition, subject, definition.start_guards, ctx)


def form_rules(case: Case, definition: Definition, action: Action) -> Rules:
    """The rules a step's form is checked against: check items bind on forward actions;
    dates are compared with today and with the anchors the form names (see FieldSchema)."""

    def anchor(ref: str) -> tuple[dt.date | None, str]:
        if ref == "case_created":
            return clock.to_local(case.created_at).date(), "案件发起日期"
        form_key, name = ref.split(".")
        found: list[tuple[dt.date, str]] = []
        for other in definition.actions.values():
            value = case.data.get(other.name, {}).get(name)
            if other.name == action.name or not other.form or other.form.key != form_key \
                    or not isinstance(value, str):
                continue
            label = next((f.label for f in other.form.fields if f.name == name), name)
            found.append((dt.date.fromisoformat(value), f"“{other.title}”的「{label}」"))
        return max(found) if found else (None, "")

    return Rules(forward=action.kind == "forward", today=clock.today(), anchor=anchor)
