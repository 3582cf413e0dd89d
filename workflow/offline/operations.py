"""What the offline page keeps on the phone, and a draft sent back from it.

The package is the user's own scope only: the households of their villages and the open
cases waiting on an action they may do that the page can capture offline. A draft goes
through ``cases.operations.perform`` like any sign-off, with the case version it was
based on: a case that moved on meanwhile refuses it (stale version) and the draft comes
back to the helper with what changed. Its idempotency key is checked in the same
transaction as the event (``DraftReceipt``), so a draft sent twice is applied once.
Which actions and which photos may be captured is data: ``offline: true`` on an action
and ``offline_photos`` of a procedure in its YAML (states/).
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.auth.models import User
from workflow.cases.context import load_subject
from workflow.cases.models import Case
from workflow.cases.operations import create_cases, open_actions, perform
from workflow.cases.queries import case_query
from workflow.engine import store
from workflow.engine.errors import Conflict, Invalid, NotFound, WorkflowError
from workflow.engine.fields import parse_int
from workflow.evidence.capture import read_capture
from workflow.evidence.operations import attach, uploader
from workflow.extensions import db
from workflow.jurisdictions.scope import get_in_scope, scope_filter
from workflow.offline.models import DraftReceipt
from workflow.registry.models import Household

MAX_CASES = 200
MAX_HOUSEHOLDS = 2000
KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def offline_actions() -> dict[str, set[str]]:
    """Procedure -> the actions its current definition marks ``offline: true`` (YAML).
    A case on an older version may capture the same actions where that version has them;
    each is still checked by perform like any sign-off."""
    return {key: names for key, d in store.catalog().procedures.items()
            if (names := {a.name for a in d.actions.values() if a.offline})}


def offline_photos() -> dict[str, dict[str, str]]:
    """Procedure -> the evidence kinds its current definition lets 外业采集 photograph."""
    return {key: d.offline_photos for key, d in store.catalog().procedures.items()
            if d.offline_photos}


def _household(case: Case) -> dict[str, Any] | None:
    subject = load_subject(case.subject_type, case.subject_id)
    if case.subject_type == "house" and subject is not None:
        subject = subject.household
    if subject is None:
        return None
    return {"head_name": subject.head_name, "masked_id": subject.masked_id,
            "size": subject.size}


def _running(procedures: list[str]):
    finals = [name for key in procedures for name, s in
              store.catalog().procedures[key].states.items() if s.get("final")]
    return Case.procedure.in_(procedures), Case.state.not_in(finals)


def package(user: User) -> dict[str, Any]:
    """The user's households, the open cases they can capture offline (with each
    action's field definitions, the same ``describe()`` the API serves), and the cases
    they can photograph evidence for."""
    capturable = offline_actions()
    query = case_query(user).where(*_running(sorted(capturable)))
    cases = []
    for case in db.session.execute(query.limit(MAX_CASES)).scalars():
        definition = store.by_version(case.definition_version)
        for item in open_actions(case, user):
            if not item["allowed"] or item["name"] not in capturable[case.procedure]:
                continue
            action = definition.actions[item["name"]]
            cases.append({
                "id": case.id, "version": case.version, "title": case.title,
                "state_title": definition.state_title(case.state),
                "household": _household(case),
                "village": case.village.name, "action": action.name,
                "action_title": action.title, "forward": action.kind == "forward",
                "form": _form(action.form) if action.form else None})
    households = db.session.execute(
        select(Household).where(scope_filter(Household.jurisdiction_path, user))
        .order_by(Household.id).limit(MAX_HOUSEHOLDS)).scalars().all()
    starts = _start_forms(user)
    open_now = _open_cases([h.id for h in households], [s["procedure"] for s in starts])
    return {"user": user.username, "today": clock.today().isoformat(), "cases": cases,
            "photo_cases": _photo_cases(user), "starts": starts,
            "households": [{"id": h.id, "head_name": h.head_name, "masked_id": h.masked_id,
                            "size": h.size, "village": h.village.name,
                            "status": h.status_title,
                            "startable": [s["procedure"] for s in starts
                                          if (h.id, s["procedure"]) not in open_now]}
                           for h in households]}


def _start_forms(user: User) -> list[dict[str, Any]]:
    """The cases the user may open offline (offline_starts) with their first form."""
    roles = {a.role for a in user.assignments}
    out = []
    for key, name in sorted(offline_starts().items()):
        definition = store.current(key)
        action = definition.actions[name]
        if roles & set(definition.body["procedure"]["start_roles"]) \
                and roles & set(action.eligible_roles):
            out.append({"procedure": key, "title": definition.title, "action": name,
                        "action_title": action.title,
                        "form": _form(action.form) if action.form else None})
    return out


def _open_cases(household_ids: list[int], procedures: list[str]) -> set[tuple[int, str]]:
    """(household, procedure) pairs with a running case (one query)."""
    if not household_ids or not procedures:
        return set()
    return {(hid, key) for hid, key in db.session.execute(
        select(Case.subject_id, Case.procedure).where(
            Case.subject_type == "household", Case.subject_id.in_(household_ids),
            *_running(procedures)))}


def _photo_cases(user: User) -> list[dict[str, Any]]:
    """The running cases whose evidence the user may photograph, with the kinds."""
    kinds = offline_photos()
    if not kinds:
        return []
    out = []
    query = case_query(user).where(*_running(sorted(kinds)))
    for case in db.session.execute(query.limit(MAX_CASES)).scalars():
        try:
            uploader(case, user)
        except WorkflowError:
            continue  # a read-only role here
        definition = store.by_version(case.definition_version)
        offered = {k: t for k, t in kinds[case.procedure].items()
                   if k in definition.evidence_kinds}
        if offered:
            out.append({"id": case.id, "title": case.title, "village": case.village.name,
                        "state_title": definition.state_title(case.state),
                        "household": _household(case), "kinds": offered})
    return out


def _form(form) -> dict[str, Any]:
    """The form's public description plus each field's input type and phone keyboard
    (engine/forms.py), so the page builds the same inputs as the case page."""
    return {**form.describe(), "inputs": {f.name: {"type": f.input_type,
                                                    "inputmode": f.inputmode}
                                          for f in form.fields}}


class DraftSchema(Schema):
    """A draft as the page sends it."""

    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=validate.Regexp(
        KEY, error="草稿编号格式不正确"), error_messages={"required": "缺少草稿编号"})
    case_id = fields.Integer(load_default=None, strict=True,
                             error_messages={"invalid": "案件编号必须是整数"})
    # A draft that opens a case (a monitoring alert for a household with none open):
    # the procedure and the household instead of a case.
    procedure = fields.String(load_default=None, validate=validate.Length(max=48))
    subject_id = fields.Integer(load_default=None, strict=True,
                                error_messages={"invalid": "农户编号必须是整数"})
    action = fields.String(required=True, validate=validate.Length(max=64))
    version = fields.Integer(required=True, strict=True,
                             error_messages={"required": "缺少案件版本号",
                                             "invalid": "案件版本号必须是整数"})
    data = fields.Dict(load_default=dict)
    opinion = fields.String(load_default="", validate=validate.Length(
        max=2000, error="「意见」不能超过 2000 个字"))


_DRAFT = DraftSchema()


def _receipt(user: User, key: str) -> DraftReceipt | None:
    return db.session.execute(select(DraftReceipt).where(
        DraftReceipt.user_id == user.id, DraftReceipt.key == key)).scalar_one_or_none()


def _applied(receipt: DraftReceipt, outcome: str) -> dict[str, Any]:
    return {"outcome": outcome, "key": receipt.key, "case_id": receipt.case_id,
            "version": receipt.new_version}


def submit(user: User, payload: Any) -> dict[str, Any]:
    """Apply one draft: ``applied`` (the event is written), ``duplicate`` (this key was
    applied before; nothing happens), or ``returned`` (the case moved on since the draft's
    version; nothing is written). Form and guard errors raise Invalid as for any sign-off."""
    if not isinstance(payload, dict):
        raise Invalid("草稿内容格式不正确")
    try:
        values = _DRAFT.load(payload)
    except ValidationError as exc:
        raise Invalid("草稿内容有误", {k: [str(m) for m in v] if isinstance(v, list) else
                                     [str(v)] for k, v in exc.normalized_messages().items()}
                      ) from exc
    if (receipt := _receipt(user, values["key"])) is not None:
        return _applied(receipt, "duplicate")
    if values["case_id"] is None:
        if values["procedure"] is None or values["subject_id"] is None:
            raise Invalid("草稿内容有误", {"case_id": ["缺少案件编号"]})
        return _start(user, values)
    case = get_in_scope(Case, values["case_id"], user)
    if values["action"] not in offline_actions().get(case.procedure, ()):
        raise NotFound("该操作不能离线填写")
    # Added before perform: flushed and committed with the event, or rolled back with it.
    db.session.add(DraftReceipt(user_id=user.id, key=values["key"], case_id=case.id,
                                action=values["action"], based_on_version=values["version"],
                                new_version=values["version"] + 1))
    try:
        perform(case, values["action"], user, version=values["version"],
                data=values["data"], opinion=values["opinion"])
    except Conflict as exc:
        db.session.rollback()
        if (receipt := _receipt(user, values["key"])) is not None:  # a concurrent copy won
            return _applied(receipt, "duplicate")
        return _returned(case.id, values["version"], exc.message)
    receipt = _receipt(user, values["key"])
    return {**_applied(receipt, "applied"), "state_title": store.by_version(
        case.definition_version).state_title(case.state)}


def offline_starts() -> dict[str, str]:
    """Procedure -> the offline action taken in its initial state by whoever opens a
    case, for the procedures whose YAML says ``offline_start: true`` (the monitoring
    alert): 外业采集 can open such a case for a household."""
    out = {}
    for key, d in store.catalog().procedures.items():
        first = [a for a in d.actions_in(d.initial) if a.offline and a.kind == "forward"]
        if first and d.body["procedure"].get("offline_start") \
                and d.body["procedure"]["subject"] == "household":
            out[key] = first[0].name
    return out


def _start(user: User, values: dict[str, Any]) -> dict[str, Any]:
    """Open the case and take its first step in one transaction with the receipt: a
    refused step leaves no case behind; a household that has an open case meanwhile
    sends the draft back."""
    procedure = values["procedure"]
    if offline_starts().get(procedure) != values["action"]:
        raise NotFound("该操作不能离线填写")
    get_in_scope(Household, values["subject_id"], user)
    try:
        [case] = create_cases(procedure, [values["subject_id"]], user, commit=False)
    except Conflict as exc:  # the household got an open case since the package was made
        db.session.rollback()
        return {"outcome": "returned", "case_id": None, "message": exc.message,
                "version": None, "state_title": "", "changes": []}
    db.session.add(DraftReceipt(user_id=user.id, key=values["key"], case_id=case.id,
                                action=values["action"], based_on_version=0,
                                new_version=case.version + 1))
    try:
        perform(case, values["action"], user, version=case.version, data=values["data"],
                opinion=values["opinion"])
    except IntegrityError:  # a concurrent copy of the same draft won the key
        db.session.rollback()
        if (receipt := _receipt(user, values["key"])) is not None:
            return _applied(receipt, "duplicate")
        raise
    except Conflict as exc:  # a concurrent copy opened its case first
        if (receipt := _receipt(user, values["key"])) is not None:
            return _applied(receipt, "duplicate")
        raise Conflict(exc.message) from exc
    receipt = _receipt(user, values["key"])
    return {**_applied(receipt, "applied"), "state_title": store.by_version(
        case.definition_version).state_title(case.state)}


def _returned(case_id: int, version: int, message: str) -> dict[str, Any]:
    """The draft comes back with what happened to the case since its version."""
    case = db.session.get(Case, case_id)
    definition = store.by_version(case.definition_version)
    events = db.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.seq > version)
        .order_by(AuditEvent.seq)).scalars()
    return {"outcome": "returned", "case_id": case_id, "message": message,
            "version": case.version, "state_title": definition.state_title(case.state),
            "changes": [{"at": clock.to_local(e.at).strftime("%Y-%m-%d %H:%M"),
                         "actor": e.actor_name, "action": e.action_title} for e in events]}


def submit_photo(user: User, form: Any, file: Any) -> dict[str, Any]:
    """Attach one photo taken in 外业采集 (multipart: key, case_id, kind, captured_at,
    latitude, longitude, file): ``applied`` or ``duplicate`` as for a draft. The photo
    is evidence like any upload (checked by content, hash in the trail) with its
    capture time and place; the case's state does not matter unless it has ended."""
    key = (form.get("key") or "").strip()
    if not KEY.match(key):
        raise Invalid("草稿内容有误", {"key": ["草稿编号格式不正确"]})
    case_id = parse_int(form.get("case_id"))
    if case_id is None:
        raise Invalid("草稿内容有误", {"case_id": ["案件编号必须是整数"]})
    if (receipt := _receipt(user, key)) is not None:
        return _applied(receipt, "duplicate")
    case = get_in_scope(Case, case_id, user)
    kind = form.get("kind") or ""
    if kind not in offline_photos().get(case.procedure, {}):
        raise NotFound("该材料不能在外业采集中拍摄")
    if file is None or not file.filename:
        raise Invalid("请选择要上传的照片", {"file": ["「照片」为必填项"]})
    capture = read_capture(form)
    # Added before the attachment's event: committed with it, or rolled back with it.
    db.session.add(DraftReceipt(user_id=user.id, key=key, case_id=case.id,
                                action=f"photo:{kind}"[:64], based_on_version=case.version,
                                new_version=case.version + 1))
    try:
        attach(case, kind, file.read(), file.filename, file.mimetype, user, capture=capture)
    except IntegrityError:  # a concurrent copy of the same photo won the key
        db.session.rollback()
        if (receipt := _receipt(user, key)) is not None:
            return _applied(receipt, "duplicate")
        raise
    return _applied(_receipt(user, key), "applied")
