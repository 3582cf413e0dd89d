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

    @validates_schema
    def choices_for_choice(self, data, **_):
        if data["type"] == "choice" and not data["choices"]:
            raise ValidationError("a choice field needs choices", "choices")


class FormSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=NAME)
    title = fields.String(required=True)
    fields = fields.List(fields.Nested(FieldSchema), required=True,
                         validate=validate.Length(min=1))


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
    subject = fields.String(required=True, validate=validate.OneOf(["household"]))
    initial = fields.String(required=True)
    start_roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    copies = fields.List(fields.String(), load_default=list)
    # The approval sheet template under templates/pdf/ (default: the generic sheet.html).
    sheet_template = fields.String(load_default=None, validate=pdf_template)
    states = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(StateSchema),
                         required=True, validate=validate.Length(min=2))
    actions = fields.List(fields.Nested(ActionSchema), required=True,
                          validate=validate.Length(min=1))
