"""Validation of house registration, with Chinese messages naming each field."""
from __future__ import annotations

import copy

from marshmallow import RAISE, Schema, validate

from workflow import clock
from workflow.engine.fields import BoundedDecimal, Id, StrictInteger, StrictString
from workflow.housing.models import STRUCTURES
from workflow.registry.edit_schemas import ChangeBasis


def _msgs(label: str, kind: str = "格式不正确") -> dict[str, str]:
    return {"required": f"「{label}」为必填项", "null": f"「{label}」不能为空",
            "invalid": f"「{label}」{kind}", "nul": f"「{label}」不能含有空字符"}


class HouseCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    household_id = Id(required=True, error_messages=_msgs("农户", "必须是农户编号"))
    address = StrictString(required=True, error_messages=_msgs("房屋地址"), validate=[
        validate.Length(min=1, error="「房屋地址」为必填项"),
        validate.Length(max=200, error="「房屋地址」不能超过 200 个字")])
    structure = StrictString(required=True, error_messages=_msgs("结构类型"),
                              validate=validate.OneOf(
                                  list(STRUCTURES),
                                  error="「结构类型」必须是：" + "、".join(STRUCTURES.values())))
    year_built = StrictInteger(load_default=None, allow_none=True,
                               error_messages=_msgs("建造年份", "必须是整数"),
                                validate=validate.Range(
                                    1900, clock.today().year + 1,
                                    error="「建造年份」应在 1900 年至今之间"))
    area = BoundedDecimal(required=True, places=2,
                          error_messages={**_msgs("建筑面积", "必须是数字"),
                                          "special": "「建筑面积」必须是数字"},
                          validate=validate.Range(
                              5, 1000, error="「建筑面积」应在 5 至 1000 平方米之间"))



def _optional(name: str):
    """A registration field, not required (an edit gives only what changes)."""
    field = copy.deepcopy(HouseCreateSchema._declared_fields[name])
    field.required = False
    return field


class HouseEditSchema(ChangeBasis):
    """PATCH /api/v1/houses/<id>: any of these fields and the version it was based on
    (the operation checks the merged house with ``HouseCreateSchema``)."""

    address = _optional("address")
    structure = _optional("structure")
    year_built = _optional("year_built")
    area = _optional("area")
