"""Validation of register input, with Chinese messages naming each field."""
from __future__ import annotations

import re
from operator import mul

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from workflow.engine.fields import StrictInteger, StrictString
from workflow.registry.models import HOUSEHOLD_STATUSES

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_number_problem(number: str) -> str | None:
    """Why an 18-digit resident ID number (GB 11643) is malformed, or None."""
    if not ID_PATTERN.match(number or ""):
        return "应为 18 位，前 17 位为数字，末位为数字或 X"
    total = sum(map(mul, map(int, number[:17]), ID_WEIGHTS))
    if ID_CHECK[total % 11] != number[17]:
        return "校验位不正确"
    return None


def _msgs(label: str, **extra: str) -> dict[str, str]:
    base = {"required": f"「{label}」为必填项", "null": f"「{label}」不能为空",
            "invalid": f"「{label}」格式不正确", "nul": f"「{label}」不能含有空字符"}
    return {**base, **extra}


def _text(label: str, max_len: int, required: bool = True) -> fields.String:
    validators = [validate.Length(max=max_len, error=f"「{label}」不能超过 {max_len} 个字")]
    if required:
        validators.append(validate.Length(min=1, error=f"「{label}」为必填项"))
    return StrictString(required=required, error_messages=_msgs(label), validate=validators)


def _choice(label: str, options: dict[str, str], **kwargs) -> StrictString:
    """One of ``options`` (key -> title); the message lists the titles."""
    return StrictString(error_messages=_msgs(label), validate=validate.OneOf(
        list(options), error=f"「{label}」必须是：" + "、".join(options.values())), **kwargs)


class IdNumberField(StrictString):
    def __init__(self, label: str, **kwargs):
        super().__init__(error_messages=_msgs(label), **kwargs)
        self.label = label

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        problem = id_number_problem(number)
        if problem:
            raise ValidationError(f"「{self.label}」{problem}")
        return number


class MemberSchema(Schema):
    class Meta:
        unknown = RAISE

    name = _text("成员姓名", 64)
    relation = _text("与户主关系", 16)
    id_number = IdNumberField("成员身份证号", required=False, allow_none=True)
    disabled = fields.Boolean(load_default=False, error_messages=_msgs(
        "是否残疾", invalid="「是否残疾」必须是“是”或“否”"))


class HouseholdCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    head_name = _text("户主姓名", 64)
    id_number = IdNumberField("户主身份证号", required=True)
    village = StrictString(required=True, error_messages=_msgs("所属村（代码）"))
    phone = StrictString(load_default=None, error_messages=_msgs("联系电话"),
                         validate=validate.Regexp(r"^1\d{10}$",
                                                  error="「联系电话」应为 11 位手机号码"))
    address = _text("住址", 200, required=False)
    status = StrictString(load_default="registered_poor", error_messages=_msgs("户状态"),
                          validate=validate.OneOf(list(HOUSEHOLD_STATUSES),
                                                  error="「户状态」必须是：" + "、".join(
                                                      HOUSEHOLD_STATUSES)))
    registered_year = StrictInteger(load_default=None, validate=validate.Range(
        2014, 2035, error="「建档年度」应在 2014 至 2035 之间"),
        error_messages=_msgs("建档年度", invalid="「建档年度」必须是整数"))
    dibao = fields.Boolean(load_default=False,
                           error_messages=_msgs("低保户", invalid="「低保户」必须是“是”或“否”"))
    tekun = fields.Boolean(load_default=False,
                           error_messages=_msgs("特困供养", invalid="「特困供养」必须是“是”或“否”"))
    bank_account = StrictString(load_default=None, allow_none=True,
                               error_messages=_msgs("一卡通账号"), validate=validate.Regexp(
        r"^\d{12,24}$", error="「一卡通账号」应为 12 至 24 位数字"))
    members = fields.List(fields.Nested(MemberSchema), load_default=list,
                          validate=validate.Length(max=30, error="「家庭成员」最多 30 人"))

    @validates("head_name")
    def no_control_chars(self, value, **_):
        if any(ord(c) < 32 for c in value):
            raise ValidationError("「户主姓名」含有不可见字符")

    @validates_schema
    def one_head_and_distinct_ids(self, data, **_):
        """One 户主 per household, and that is the head; no ID number twice."""
        head_id, errors = data.get("id_number"), {}
        seen: dict[str, int] = {}
        for i, m in enumerate(data.get("members") or []):
            number = m.get("id_number")
            if number and number in seen:
                errors[i] = {"id_number": [f"「成员身份证号」与第 {seen[number] + 1} 名成员重复"]}
            elif number:
                seen[number] = i
            if number and number == head_id and m.get("relation") != "户主":
                errors[i] = {"id_number": ["「成员身份证号」与户主身份证号相同，"
                                           "该成员应为户主本人（与户主关系填“户主”）"]}
            elif m.get("relation") == "户主" and number != head_id:
                errors[i] = {"relation": ["「与户主关系」一户只能有一名户主：户主本人的"
                                          "身份证号应与「户主身份证号」相同"]}
        if errors:
            raise ValidationError({"members": errors})
