"""Validation of a problem as recorded (问题登记) and as converted from a confirmed audit
finding, with Chinese messages naming each field by its label."""
from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from workflow import clock
from workflow.engine.fields import StrictString
from workflow.problems.models import CATEGORIES, SOURCES
from workflow.projects.models import DEPARTMENTS
from workflow.registry.schemas import _choice, _msgs, _text

LABELS = {"title": "问题概述", "description": "问题描述", "source": "问题来源",
          "category": "问题类别", "place": "责任单位", "department": "责任部门",
          "deadline": "整改时限"}
MAX_YEARS = 3  # a rectification deadline further away is a typing error


class _Deadline(Schema):
    class Meta:
        unknown = RAISE

    deadline = fields.Date(required=True, error_messages=_msgs(
        "整改时限", invalid="「整改时限」必须是日期（年-月-日）"))
    category = _choice("问题类别", CATEGORIES, required=True)
    place = StrictString(required=True, error_messages=_msgs("责任单位"),
                         validate=validate.Length(min=1, max=12, error="「责任单位」为必填项"))
    department = _choice("责任部门", DEPARTMENTS, load_default=None, allow_none=True)

    @validates("deadline")
    def future(self, value: dt.date, **_) -> None:
        today = clock.today()
        if value < today:
            raise ValidationError("「整改时限」不能早于今天")
        if value > today + dt.timedelta(days=366 * MAX_YEARS):  # no replace(): 29 Feb
            raise ValidationError(f"「整改时限」不能晚于 {MAX_YEARS} 年以后")


class ProblemSchema(_Deadline):
    """问题登记 by a city, county or township official."""

    title = _text("问题概述", 100)
    description = _text("问题描述", 2000)
    source = _choice("问题来源", {k: v[0] for k, v in SOURCES.items() if k != "audit"},
                     required=True)


class FindingProblemSchema(_Deadline):
    """转为整改问题: the finding gives the title and the description."""
