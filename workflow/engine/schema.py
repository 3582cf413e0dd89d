"""Marshmallow schemas for the YAML files: the shape check before the graph check."""
from __future__ import annotations

import re
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow.engine.forms import FIELD_TYPES
from workflow.jurisdictions.models import LEVELS

NAME = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be lower_snake_case")
ACTION_KINDS = ("forward", "reject", "record")


class FieldSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=NAME)
    label = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    min = fields.Float(load_default=None)
    max = fields.Float(load_default=None)
    max_length = fields.Integer(load_default=None, validate=validate.Range(min=1))
    choices = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    help = fields.String(load_default="")
    # Choices that follow another field's value, e.g. the renovation method offered
    # follows the appraisal grade: {field: grade, options: {C: [repair], D: [rebuild]}}.
    choices_by = fields.Dict(load_default=None)
    # A boolean check item that must hold ("must be yes") for a forward action to pass;
    # or, for a boolean that is not a condition of moving on, ``informational: true``.
    # A criterion a named guard of the action judges with its own message and bar (the
    # two assurances of an income survey, say) declares ``checked_by: <guard>`` instead.
    must_be = fields.Boolean(load_default=None)
    informational = fields.Boolean(load_default=False)
    checked_by = fields.String(load_default=None, validate=NAME)
    # Dates: never after today unless allowed (a deadline set for later); never before
    # the dates named here: ``case_created`` (the day the case was opened), ``<field>``
    # of this form, or ``<form>.<field>``: that date as entered at the case's latest
    # other step that used ``<form>``.
    allow_future = fields.Boolean(load_default=False)
    not_before = fields.List(fields.String(validate=validate.Regexp(
        r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$",
        error="case_created, <field> or <form>.<field>")), load_default=list)

    @validates_schema
    def flags_fit_type(self, data, **_):
        marks = [data["must_be"] is not None, data["informational"], bool(data["checked_by"])]
        if data["type"] != "boolean" and any(marks):
            raise ValidationError("must_be, checked_by and informational are for boolean "
                                  "fields", "must_be")
        if sum(marks) > 1:
            raise ValidationError("a boolean is one of: must_be, checked_by, informational",
                                  "informational")
        if data["type"] != "date" and (data["allow_future"] or data["not_before"]):
            raise ValidationError("allow_future and not_before are for date fields",
                                  "not_before")

    @validates_schema
    def choices_for_choice(self, data, **_):
        if data["type"] == "choice" and not data["choices"]:
            raise ValidationError("a choice field needs choices", "choices")
        by = data.get("choices_by")
        if by is None:
            return
        if data["type"] != "choice" or set(by) != {"field", "options"} \
                or not isinstance(by["options"], dict):
            raise ValidationError("choices_by needs a choice field, 'field' and 'options'",
                                  "choices_by")
        for allowed in by["options"].values():
            if not isinstance(allowed, list) or not set(allowed) <= set(data["choices"]):
                raise ValidationError("choices_by options must list this field's choices",
                                      "choices_by")



class FormSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=NAME)
    title = fields.String(required=True)
    fields = fields.List(fields.Nested(FieldSchema), required=True,
                         validate=validate.Length(min=1))

    @validates_schema
    def choices_by_names_a_field(self, data, **_):
        by_name = {f["name"]: f for f in data["fields"]}
        for f in data["fields"]:
            by = f.get("choices_by")
            if by and (by["field"] not in by_name or by_name[by["field"]]["type"] != "choice"):
                raise ValidationError(f"{f['name']}.choices_by names no choice field "
                                      f"{by['field']}", "fields")
            for ref in f.get("not_before", []):
                if "." not in ref and ref != "case_created" and (
                        ref == f["name"] or by_name.get(ref, {}).get("type") != "date"):
                    raise ValidationError(f"{f['name']}.not_before names no other date field "
                                          f"{ref}", "fields")


class NoticeSchema(Schema):
    class Meta:
        unknown = RAISE

    setting = fields.String(required=True)
    min_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    title = fields.String(load_default="公示")


TITLE = validate.Length(min=1, max=64)
PDF_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "pdf"


def pdf_template(name: str) -> None:
    """A sheet template is a plain file name under templates/pdf/ that exists."""
    if not re.fullmatch(r"[a-z0-9_]+\.html", name):
        raise ValidationError("a file name under templates/pdf/, like my_sheet.html")
    if not (PDF_TEMPLATES / name).is_file():
        raise ValidationError(f"templates/pdf/{name} does not exist")


class DeadlineSchema(Schema):
    """A completion deadline per case year (a setting), met once the case reaches a state."""

    class Meta:
        unknown = RAISE

    setting = fields.String(required=True)
    title = fields.String(load_default="完成期限")
    met_in = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    # Shown among the time limits (办理时限): 临期 from this many calendar days before it
    # (timelimits.DEADLINE_WARN_DAYS when absent: no default here, so that definitions
    # without it keep their version hash).
    warn_days = fields.Integer(strict=True, validate=validate.Range(
        min=0, max=365, error="must be a number of days between 0 and 365"))


LIMIT_UNITS = ("working", "calendar")


class TimeLimitSchema(Schema):
    """A time limit (办理时限): a step (``state``) or a span of steps (``from`` a state
    until the case reaches one of ``to``), ``days`` working or calendar days, yellow
    (临期) once ``yellow_at`` of them have passed, red (超期) when over."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=NAME)
    title = fields.String(required=True, validate=TITLE)
    state = fields.String(load_default=None)
    source = fields.String(load_default=None, data_key="from")
    to = fields.List(fields.String(), load_default=None)
    days = fields.Integer(required=True, strict=True,
                          validate=validate.Range(min=1, max=3650,
                                                  error="must be a positive number of days"))
    unit = fields.String(load_default="working", validate=validate.OneOf(
        LIMIT_UNITS, error="must be working or calendar"))
    yellow_at = fields.Float(load_default=2 / 3, validate=validate.Range(
        min=0, max=1, min_inclusive=False, max_inclusive=False,
        error="must be a fraction of the limit between 0 and 1"))

    @validates_schema
    def step_or_span(self, data, **_):
        if data["state"] and (data["source"] or data["to"]):
            raise ValidationError("give either state (one step) or from and to (a span)",
                                  "state")
        if not data["state"] and not (data["source"] and data["to"]):
            raise ValidationError("give state (one step) or from and to (a span)", "state")


def subject_type(name: str) -> None:
    from workflow.engine.registry import SUBJECTS

    if name not in SUBJECTS:
        raise ValidationError(f"unknown subject; one of {sorted(SUBJECTS)}")


class StateSchema(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=TITLE)
    final = fields.Boolean(load_default=False)
    notice = fields.Nested(NoticeSchema, load_default=None)


class ActionSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=[NAME, validate.Length(max=48)])
    title = fields.String(required=True, validate=TITLE)
    source = fields.List(fields.String(), required=True, data_key="from",
                         validate=validate.Length(min=1))
    to = fields.String(load_default=None)
    kind = fields.String(load_default="forward", validate=validate.OneOf(ACTION_KINDS))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    roles = fields.List(fields.String(), load_default=list)
    cosign = fields.List(fields.String(), load_default=list)
    form = fields.String(load_default=None)
    guards = fields.List(fields.String(), load_default=list)
    effects = fields.List(fields.String(), load_default=list)
    opinion_required = fields.Boolean(load_default=None)
    sheet_row = fields.String(load_default=None)
    # Kinds of evidence (attachments) the case must hold before this action is performed.
    evidence = fields.List(fields.String(validate=NAME), load_default=list)
    # 外业采集: the form may be filled on a phone with no network (workflow/offline).
    # No default, so that definitions which do not say it keep their version hash.
    offline = fields.Boolean()

    @validates_schema
    def who(self, data, **_):
        if bool(data["roles"]) == bool(data["cosign"]):
            raise ValidationError("give exactly one of roles (any of) or cosign (all of)", "roles")
        if data["kind"] != "record" and not data["to"]:
            raise ValidationError("a forward or reject action needs 'to'", "to")


class ProcedureSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=NAME)
    title = fields.String(required=True)
    subject = fields.String(required=True, validate=subject_type)
    initial = fields.String(required=True)
    start_roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    # Subject-only guards a case must pass to be opened at all (a project already in the
    # library cannot be proposed again).
    start_guards = fields.List(fields.String(), load_default=list)
    copies = fields.List(fields.String(), load_default=list)
    # The approval sheet template under templates/pdf/ (default: the generic sheet.html).
    sheet_template = fields.String(load_default=None, validate=pdf_template)
    # Kinds of evidence this procedure collects: key -> title (e.g. 房屋安全鉴定证书).
    evidence = fields.Dict(keys=fields.String(validate=NAME),
                           values=fields.String(validate=TITLE), load_default=dict)
    # Evidence kinds a helper may photograph in 外业采集, offline (kinds of ``evidence``).
    offline_photos = fields.List(fields.String(validate=NAME))
    # 外业采集 may open a case for a household (its initial state's offline step taken
    # with the start, e.g. the monitoring alert). No default: older snapshots keep their hash.
    offline_start = fields.Boolean()
    deadline = fields.Nested(DeadlineSchema, load_default=None)
    time_limits = fields.List(fields.Nested(TimeLimitSchema), load_default=list)
    states = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(StateSchema),
                         required=True, validate=validate.Length(min=2))
    actions = fields.List(fields.Nested(ActionSchema), required=True,
                          validate=validate.Length(min=1))
