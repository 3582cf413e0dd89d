"""The opinion rows of an approval sheet, laid out from a definition and filled from a trail.

Rows come from the definition, never from template code:

- a definition whose actions carry ``sheet_row`` labels gets one row per distinct label,
  in the order the actions are written (several actions may share a label, e.g.
  ``township_approve`` and ``township_approve_with_notice``);
- an action without a label joins the row of a labelled action that leaves the same
  state (a reject joins the row of the approval it replaces), else the last labelled row
  of its level; records (objections) belong to the notice record, not to a row;
- a definition without any label gets one row per forward action, titled by it.

Each audit event of the trail lands in its action's row, in trail order. The events of
one co-signed step (``cosign``) are printed side by side. An entry whose step was done
again after a return is kept, marked as superseded, so the paper tells the whole story.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.auth.models import ROLES
from workflow.auth.titles import signer_titles
from workflow.engine.definitions import Action, Definition
from workflow.engine.forms import FieldDef
from workflow.registry.disclosure import form_value

DECISIONS = {"agree": "同意", "disagree": "不同意"}
# Forms with this many fields or more are printed as a block of their own (the
# assessment); shorter ones are printed inside the opinion row of their step.
ASSESSMENT_MIN_FIELDS = 6


@dataclass
class Signature:
    """One person's sign-off: what they wrote and decided, who they are, when."""

    seq: int
    actor: str
    role_key: str
    role: str
    place: str
    decision: str
    opinion: str
    date: dt.date

    @property
    def decision_title(self) -> str:
        return DECISIONS.get(self.decision, self.decision)


@dataclass
class Detail:
    """A form value as printed: its label, its text, or a tick (True/False) for yes/no."""

    label: str
    text: str = ""
    tick: bool | None = None
    long: bool = False  # free text (printed after the short values)


@dataclass
class Entry:
    """One step done once: its signature(s) and the small form values it recorded."""

    action: str
    title: str
    signatures: list[Signature]
    details: list[Detail] = field(default_factory=list)
    superseded: bool = False
    waiting: list[str] = field(default_factory=list)  # co-signing roles yet to sign


@dataclass
class Row:
    label: str
    level: str
    signers: list[str]  # role titles expected to sign, for an empty row
    cosign: bool = False
    entries: list[Entry] = field(default_factory=list)


def row_labels(definition: Definition) -> dict[str, str | None]:
    """The row label of every action of ``definition`` (None: printed in no row)."""
    actions = list(definition.actions.values())
    labelled = [a for a in actions if a.sheet_row]
    if not labelled:
        forward = [a for a in actions if a.kind == "forward"]
        labels: dict[str, str | None] = {a.name: a.title for a in forward}
        for action in actions:
            if action.name not in labels:
                sibling = _sibling(action, forward)
                labels[action.name] = (sibling.title if sibling else
                                       action.title if action.kind == "reject" else None)
        return labels
    labels = {}
    for action in actions:
        if action.sheet_row:
            labels[action.name] = action.sheet_row
        elif action.kind == "record":
            labels[action.name] = None
        else:
            sibling = _sibling(action, labelled)
            same_level = [a for a in labelled if a.level == action.level]
            labels[action.name] = (sibling.sheet_row if sibling else
                                   same_level[-1].sheet_row if same_level else None)
    return labels


def _sibling(action: Action, candidates: list[Action]) -> Action | None:
    """A candidate leaving one of ``action``'s states, preferably at the same level."""
    sharing = [a for a in candidates if a is not action and set(a.source) & set(action.source)]
    same_level = [a for a in sharing if a.level == action.level]
    return (same_level or sharing or [None])[0]


def empty_rows(definition: Definition) -> list[Row]:
    """The rows of ``definition`` in order, none filled yet."""
    labels = row_labels(definition)
    rows: dict[str, Row] = {}
    for action in definition.actions.values():
        label = labels.get(action.name)
        if label is None or label in rows:
            continue
        owner = _row_owner(definition, labels, label)
        rows[label] = Row(label=label, level=owner.level, cosign=bool(owner.cosign),
                          signers=[ROLES.get(r, r) for r in owner.eligible_roles])
    return list(rows.values())


def _row_owner(definition: Definition, labels: dict[str, str | None], label: str) -> Action:
    """The forward action that names a row (its roles sign the empty row)."""
    members = [a for a in definition.actions.values() if labels.get(a.name) == label]
    return next((a for a in members if a.kind == "forward"), members[0])


def fill_rows(definition: Definition, events: list[AuditEvent]) -> list[Row]:
    """The rows of ``definition`` holding every event of ``events`` that belongs to one."""
    labels = row_labels(definition)
    rows = {row.label: row for row in empty_rows(definition)}
    superseded = superseded_events(events)
    open_cosign: dict[str, Entry] = {}
    roles = signer_titles(events)  # 县行业部门（县水利局）
    for event in events:
        moved = event.to_state != event.from_state
        action = definition.actions.get(event.action)
        label = labels.get(event.action)
        if action is None or label is None:
            if moved:
                open_cosign.clear()
            continue
        signature = Signature(seq=event.seq, actor=event.signed_as, role_key=event.role,
                              role=roles[event.seq],
                              place=event.jurisdiction_name, decision=event.decision,
                              opinion=event.opinion or "", date=clock.to_local(event.at).date())
        pending = open_cosign.get(action.name)
        if action.cosign and pending is not None:
            pending.signatures.append(signature)
        else:
            entry = Entry(action=action.name, title=action.title, signatures=[signature],
                          details=row_details(action, event.data or {}),
                          superseded=event.seq in superseded)
            rows[label].entries.append(entry)
            if action.cosign:
                open_cosign[action.name] = entry
        if moved:
            open_cosign.clear()  # every role has signed, or the case went back: step over
    for entry in open_cosign.values():
        signed = {s.role_key for s in entry.signatures}
        entry.waiting = [ROLES.get(r, r) for r in definition.actions[entry.action].cosign
                         if r not in signed]
    return list(rows.values())


def superseded_events(events: list[AuditEvent]) -> set[int]:
    """Sequence numbers of sign-offs whose step was done again after a later return."""
    out: set[int] = set()
    for i, event in enumerate(events):
        later = events[i + 1:]
        for j, other in enumerate(later):
            if other.decision == "disagree" and other.to_state != other.from_state:
                if any(e.from_state == event.from_state and e.action == event.action
                       for e in later[j + 1:]):
                    out.add(event.seq)
                break
    return out


def row_details(action: Action, values: dict[str, Any]) -> list[Detail]:
    """A short form's values, printed inside the opinion row of its step."""
    if action.form is None or len(action.form.fields) >= ASSESSMENT_MIN_FIELDS:
        return []
    return [field_detail(f, values[f.name]) for f in action.form.fields if f.name in values]


def field_detail(f: FieldDef, value: Any) -> Detail:
    """A form field's stored value as paper prints it: personal fields (the subsidy's
    收款账号) masked like on every page, since paper leaves the system's access control."""
    return detail(f.label, f.type, form_value(f.name, value), f.choices)


def detail(label: str, kind: str, value: Any, choices: dict[str, str] | None = None) -> Detail:
    """A stored form value as printed: a tick for yes/no, the text otherwise."""
    if kind == "boolean" or isinstance(value, bool):
        return Detail(label, tick=bool(value))
    return Detail(label, text=format_value(kind, value, choices), long=kind == "text")


def format_value(kind: str, value: Any, choices: dict[str, str] | None = None) -> str:
    """A stored form value as text: dates in Chinese, choices by their label."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == "date":
        try:
            return chinese_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind == "choice" and choices:
        return choices.get(str(value), str(value))
    return str(value)


def chinese_date(day: dt.date | None) -> str:
    """2020-04-12 → 2020年04月12日."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日" if day else ""
