"""API shapes of cases, events and requests (also the source of the OpenAPI document)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy.orm.util import identity_key

from workflow import clock
from workflow.audit.models import AuditEvent
from workflow.auth.models import ROLES, User
from workflow.cases.applied import reader
from workflow.cases.context import load_subject, load_subjects, subject_model
from workflow.cases.deadlines import due_date, is_overdue
from workflow.cases.models import Case
from workflow.cases.operations import open_actions
from workflow.engine import store
from workflow.engine.fields import Id, StrictInteger, StrictString, UtcDateTime
from workflow.extensions import db


def _msgs(label: str) -> dict[str, str]:
    return {"required": f"「{label}」为必填项", "null": f"「{label}」不能为空",
            "invalid": f"「{label}」格式不正确", "nul": f"「{label}」不能含有空字符"}


class CaseCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    procedure = StrictString(required=True, error_messages=_msgs("流程"))
    subject_id = Id(required=True, error_messages=_msgs("对象编号"))
    role = StrictString(load_default=None, error_messages=_msgs("角色"))
    data = fields.Dict(load_default=dict)


class ActionRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    version = StrictInteger(required=True, minimum=0, error_messages={
        **_msgs("版本号"), "invalid": "「版本号」必须是整数"})
    opinion = StrictString(load_default="", allow_none=True, error_messages={
        "invalid": "「意见」必须是文字", "nul": "「意见」不能含有空字符"})
    data = fields.Dict(load_default=dict, allow_none=True,
                       error_messages={"invalid": "「表单数据」必须是对象"})
    role = StrictString(load_default=None, validate=validate.OneOf(
        list(ROLES), error="「角色」不存在"), error_messages=_msgs("角色"))


class ActionSchema(Schema):
    name = fields.String()
    title = fields.String()
    kind = fields.String()
    form = fields.String(allow_none=True)
    allowed = fields.Boolean()
    reason = fields.String()
    cosign = fields.List(fields.String())
    signed = fields.List(fields.String())
    evidence = fields.List(fields.String())
    on_behalf_of = fields.String(allow_none=True)  # 授权代办: whom the reader would sign for


class SubjectSchema(Schema):
    type = fields.String()
    id = fields.Integer()
    name = fields.String()
    masked_id = fields.String()


class CaseSchema(Schema):
    id = fields.Integer()
    procedure = fields.String()
    procedure_title = fields.String()
    definition_version = fields.String()
    version = fields.Integer()
    state = fields.String()
    state_title = fields.String()
    title = fields.String()
    year = fields.Integer()
    village = fields.Dict()
    subject = fields.Nested(SubjectSchema)
    data = fields.Dict()
    cosigns = fields.Dict()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    due_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    # 办理时限: the worst running limit (status 正常/临期/超期, due date) and all of them.
    time_limit = fields.Dict(allow_none=True)
    time_limits = fields.List(fields.Dict())
    actions = fields.List(fields.Nested(ActionSchema))


class EventSchema(Schema):
    seq = fields.Integer()
    action = fields.String()
    action_title = fields.String()
    actor = fields.String(attribute="actor_name")
    # 代签: whom the actor signed for (授权代办), and the name as printed, 张三（代李四）.
    on_behalf_of = fields.Function(lambda e: {"id": e.on_behalf_of_id,
                                              "name": e.on_behalf_of_name}
                                   if e.on_behalf_of_id is not None else None)
    signed_as = fields.String()
    role = fields.String()
    role_title = fields.Function(lambda e: ROLES.get(e.role, e.role))
    jurisdiction = fields.Function(lambda e: {"code": e.jurisdiction_code,
                                              "name": e.jurisdiction_name})
    level = fields.String()
    from_state = fields.String()
    to_state = fields.String()
    decision = fields.String()
    opinion = fields.String()
    data = fields.Dict()
    at = UtcDateTime()
    prev_hash = fields.String()
    hash = fields.String()


def case_summary(case: Case) -> dict:
    """The case without per-user actions (lists)."""
    definition = store.by_version(case.definition_version)
    subject = load_subject(case.subject_type, case.subject_id)
    return {
        "id": case.id, "procedure": case.procedure, "procedure_title": definition.title,
        "definition_version": case.definition_version, "version": case.version,
        "state": case.state, "state_title": definition.state_title(case.state),
        "title": case.title, "year": case.year,
        "village": {"code": case.village.code, "name": case.village.name},
        "subject": {"type": case.subject_type, "id": case.subject_id,
                    "name": subject.head_name, "masked_id": subject.masked_id},
        "data": case.data, "cosigns": case.cosigns,
        "created_at": case.created_at, "updated_at": case.updated_at,
        "due_on": due_date(definition, case.year, reader(case.jurisdiction_path)),
        "overdue": is_overdue(case, definition, clock.today()),
    }


def case_summaries(cases: list[Case]) -> list[dict]:
    """``case_summary`` of a page of cases, their subjects loaded with one query per kind."""
    # Those the caller already loaded (the to-do list holds its candidates') stay.
    missing = [c for c in cases if db.session.identity_map.get(
        identity_key(subject_model(c.subject_type), c.subject_id)) is None]
    loaded = load_subjects(missing)  # noqa: F841 - held while the summaries read them
    return [case_summary(case) for case in cases]


def case_detail(case: Case, user: User, *, limits: bool = False) -> dict:
    """The case with the actions ``user`` may take; with its time limits if asked."""
    return _CASE.dump({**case_summary(case), "actions": open_actions(case, user),
                       **(limit_fields([case])[case.id] if limits else {})})


def limit_fields(cases: list[Case]) -> dict[int, dict]:
    """Case id -> ``time_limit`` (the worst) and ``time_limits`` as the API gives them
    (two queries for all the cases)."""
    from workflow.cases import timelimits

    found = timelimits.for_cases(cases)
    return {case_id: {"time_limit": statuses[0].as_dict() if statuses else None,
                      "time_limits": [s.as_dict() for s in statuses]}
            for case_id, statuses in found.items()}


_CASE = CaseSchema()  # built once: a schema's construction cost more than its dump


def dump_events(events: list[AuditEvent]) -> list[dict]:
    return EventSchema(many=True).dump(events)
