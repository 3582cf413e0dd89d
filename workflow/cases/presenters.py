"""What the browser pages show: form input read from a request, and a case laid out for a page.

Views stay thin: they call operations and queries, and these helpers turn the results
into plain values the templates print (labels instead of field names, 是/否 instead of
booleans, state titles instead of state names).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from workflow.audit.chain import SETTINGS_KEY, trail
from workflow.audit.models import AuditEvent
from workflow.auth.models import READ_ONLY_ROLES, User
from workflow.auth.titles import signer_titles
from workflow.cases import supervising, timelimits
from workflow.cases.applied import describe
from workflow.cases.context import load_subject
from workflow.cases.models import Case
from workflow.cases.operations import open_actions
from workflow.cases.schemas import case_summary
from workflow.cases.upcoming import upcoming_settings
from workflow.documents.figures import case_figures
from workflow.engine import store
from workflow.engine.definitions import Definition
from workflow.engine.forms import FieldDef, FormDef
from workflow.evidence.operations import attachments_of
from workflow.housing.operations import archive_of
from workflow.notices.operations import notices_of
from workflow.oversight.boards import declined_states
from workflow.registry.disclosure import form_value

FIELD_PREFIX = "f_"
"""Form inputs are named ``f_<field>`` so no field can clash with version/opinion/csrf_token."""



def number_text(value: float | None) -> str:
    """A bound as people write it: 10000000, not 1e+07; 0.5 stays 0.5."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:f}".rstrip("0")


def bounds_hint(f: FieldDef) -> str:
    """「0 至 10000000」for a number field with bounds, else ""."""
    if f.type not in ("integer", "decimal") or (f.min is None and f.max is None):
        return ""
    return f"{number_text(f.min) or '不限'} 至 {number_text(f.max) or '不限'}"


@dataclass
class Attempt:
    """A submission of one action that failed, to be shown again beside its form."""

    action: str
    message: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    opinion: str = ""


def read_action_form(form: FormDef | None, posted: MultiDict) -> dict[str, Any]:
    """The ``data`` of an action from a posted HTML form (a missing checkbox means 否)."""
    data: dict[str, Any] = {}
    for f in form.fields if form else []:
        key = FIELD_PREFIX + f.name
        if f.type == "boolean":
            data[f.name] = key in posted and posted.get(key) not in ("", "0", "false")
        else:
            value = posted.get(key, "")
            data[f.name] = value if f.type == "text" else value.strip()
    return data


def display_value(f: FieldDef | None, value: Any) -> str:
    """A stored form value as a clerk reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if f is not None and f.type == "choice":
        return f.choices.get(str(value), str(value))
    return str(value)


# Events written outside a form carry data of their own. Each key: its label, and how
# its value reads (None: as it is). The area writing such an event names its data here
# (the upload below; oversight adds the auditor's finding).
ValueTitle = Callable[[Any, Definition], str] | None
EVENT_DATA: dict[str, dict[str, tuple[str, ValueTitle]]] = {
    "attach": {"kind": ("材料种类", lambda v, d: d.evidence_kinds.get(v, str(v))),
               "filename": ("文件名", None), "sha256": ("SHA-256 摘要", None),
               "size": ("大小（字节）", None)},
}


def event_value(definition: Definition, action: str, key: str, value: Any) -> tuple[str, str]:
    """One value an event carried as (label, text): the label and the value as the form
    of ``action`` defines them in ``definition`` (the version the case was made with:
    ``store.by_version``), personal fields masked; a key no form or event names reads as
    it is."""
    step = definition.actions.get(action)
    form = step.form if step else None
    f = next((f for f in form.fields if f.name == key), None) if form else None
    if f is not None:
        return f.label, display_value(f, form_value(key, value))
    label, title = EVENT_DATA.get(action, {}).get(key, (key, None))
    if title is not None and value is not None and value != "":
        return label, title(value, definition)
    return label, display_value(None, form_value(key, value))


def event_values(definition: Definition, action: str,
                 data: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Everything an event carried, in the form's field order, as (label, text) pairs."""
    data = data or {}
    step = definition.actions.get(action)
    order = [f.name for f in step.form.fields if f.name in data] if step and step.form else []
    order += [k for k in data if k not in order and k != SETTINGS_KEY]
    out = [event_value(definition, action, k, data[k]) for k in order]
    if data.get(SETTINGS_KEY):
        out.append(("适用设置", "；".join(applied_texts(data))))
    return out


def applied_texts(data: dict[str, Any] | None) -> list[str]:
    """The settings an event recorded as applied, each as read on paper."""
    return [describe(r) for r in (data or {}).get(SETTINGS_KEY, [])]


def collected_steps(case: Case, definition: Definition) -> list[dict[str, Any]]:
    """The data each step recorded, in the definition's action order, with field labels."""
    steps = []
    ordered = [name for name in definition.actions if name in case.data]
    ordered += [name for name in case.data if name not in definition.actions]
    for name in ordered:
        values = case.data.get(name) or {}
        action = definition.actions.get(name)
        form = action.form if action else None
        fields_by_name = {f.name: f for f in form.fields} if form else {}
        # Personal fields (the 一卡通 account) masked, as everywhere on pages.
        rows = [{"label": f.label, "value": display_value(f, form_value(f.name,
                                                                         values.get(f.name))),
                 "long": f.type == "text"}
                for f in fields_by_name.values() if f.name in values]
        rows += [{"label": k, "value": display_value(None, v), "long": False}
                 for k, v in values.items() if k not in fields_by_name]
        if rows:
            steps.append({"title": action.title if action else name,
                          "form_title": form.title if form else "", "rows": rows})
    return steps


def trail_rows(events: list[AuditEvent], definition: Definition) -> list[dict[str, Any]]:
    """The audit events as table rows, state names replaced by their titles."""
    roles = signer_titles(events)  # 县行业部门（县水利局）: the department shows
    return [{"seq": e.seq, "at": e.at, "actor": e.signed_as, "role": roles[e.seq],
             "place": e.jurisdiction_name, "action": e.action_title, "opinion": e.opinion,
             "decision": e.decision,
             "from": definition.state_title(e.from_state) if e.from_state else "",
             "to": definition.state_title(e.to_state) if e.to_state else "",
             "settings": applied_texts(e.data), "hash": e.hash}
            for e in events]


def progress(case: Case, definition: Definition,
             events: list[AuditEvent]) -> list[dict[str, Any]]:
    """The states in definition order, each marked done (passed through), current or todo.

    Optional steps the case skipped (a second notice) stay unmarked. A declined end
    (不予纳入改造) is shown only for a case that ended there, in place of the steps it
    never reached, so it never follows the successful end.
    """
    visited = {s for e in events for s in (e.from_state, e.to_state) if s}
    declined = set(declined_states(definition))
    if case.state in declined:
        names = [n for n in definition.states if n in visited and n not in declined]
        names.append(case.state)
    else:
        names = [n for n in definition.states if n not in declined]
    return [{"title": definition.state_title(n),
             "mark": "current" if n == case.state else "done" if n in visited else "todo"}
            for n in names]


def is_read_only(user: User) -> bool:
    """True for users whose every role only reads (auditors)."""
    return bool(user.assignments) and all(a.role in READ_ONLY_ROLES for a in user.assignments)


def action_panels(case: Case, definition: Definition, user: User,
                  attempt: Attempt | None) -> list[dict[str, Any]]:
    """Each action of the current state: allowed or not, its fields, values and errors."""
    panels = []
    for item in open_actions(case, user):
        action = definition.actions[item["name"]]
        mine = attempt is not None and attempt.action == action.name
        errors = attempt.errors if mine else {}
        # A step done again (after a return) starts from what was recorded last time;
        # a record (an objection) always starts empty.
        previous = case.data.get(action.name, {}) if action.kind != "record" else {}
        values = attempt.values if mine else dict(previous)
        fields = []
        for f in action.form.fields if action.form else []:
            fields.append({"def": f, "name": FIELD_PREFIX + f.name,
                           "id": f"{action.name}-{f.name}",
                           "input": f.input_type, "inputmode": f.inputmode,
                           "step": "1" if f.type == "integer" else "0.01",
                           "min": number_text(f.min), "max": number_text(f.max),
                           "hint": f.help or bounds_hint(f),
                           "value": values.get(f.name), "errors": errors.get(f.name, [])})
        known = {f.name for f in action.form.fields} if action.form else set()
        other = [m for k, msgs in errors.items() if k not in known | {"opinion", "_guards"}
                 for m in msgs]
        panels.append({
            **item, "kind": action.kind, "fields": fields,
            "form_title": action.form.title if action.form else "",
            "opinion_required": action.opinion_required,
            "guards": errors.get("_guards", []), "other_errors": other,
            "opinion": attempt.opinion if mine else "",
            "opinion_errors": errors.get("opinion", []),
            "failed": mine,
            "evidence_titles": [definition.evidence_kinds.get(k, k) for k in action.evidence],
        })
    return panels


def evidence_panel(case: Case, definition: Definition, actions: list[dict[str, Any]],
                   can_upload: bool) -> dict[str, Any] | None:
    """The case's evidence by kind, marking the kinds the open steps still need."""
    kinds = definition.evidence_kinds
    if not kinds:
        return None
    files = attachments_of(case.id)
    needed = {k for a in actions for k in a.get("evidence", [])}
    return {"kinds": [{"key": k, "title": t, "needed": k in needed,
                       "files": [f for f in files if f.kind == k]} for k, t in kinds.items()],
            "can_upload": can_upload}


def case_page(case: Case, user: User, attempt: Attempt | None = None) -> dict[str, Any]:
    """Everything the case page template needs."""
    definition = store.by_version(case.definition_version)
    read_only = is_read_only(user)
    events = trail(case)
    subject = load_subject(case.subject_type, case.subject_id)
    actions = [] if read_only else action_panels(case, definition, user, attempt)
    final = definition.is_final(case.state)
    return {
        "case": case, "summary": case_summary(case), "definition": definition,
        "subject": subject,
        "household": subject.household if case.subject_type == "house" else
        subject if case.subject_type == "household" else None,
        "house": subject if case.subject_type == "house" else None,
        "project": subject if case.subject_type == "project" else None,
        "evidence": evidence_panel(case, definition, actions, not (read_only or final)),
        "archive": archive_of(case),
        "final": definition.is_final(case.state),
        "progress": progress(case, definition, events),
        "steps": collected_steps(case, definition),
        "figures": case_figures(case, definition, events),
        "notices": notices_of(case),
        "events": trail_rows(events, definition),
        "read_only": read_only,
        "actions": actions,
        "upcoming": upcoming_settings(case, definition, user),
        "limits": timelimits.for_cases([case])[case.id],
        "supervision": supervising.latest([case]).get(case.id),
        # A 督办 may be pressed from the case page too, by the level above the step.
        "can_supervise": not read_only and supervising.supervising_assignment(case, user)
        is not None,
        "attempt": attempt,
    }
