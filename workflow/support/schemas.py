"""Validation of support measures and of causes / labour / schooling, with Chinese
messages naming each field by its label. Which role may do what is in operations."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow.engine.fields import BoundedDecimal, Id
from workflow.registry.edit_schemas import version_field
from workflow.registry.schemas import _choice, _msgs, _text
from workflow.support.catalog import catalog

MAX_AMOUNT = 10_000_000  # yuan for one measure: above this is a typing error
LABELS = {"household_id": "农户", "member_id": "帮扶对象", "kind": "措施类型",
          "action": "专项行动", "department": "责任部门", "starts_on": "开始日期",
          "ends_on": "结束日期", "amount": "金额", "note": "备注", "reason": "终止原因",
          "main_cause": "主要致贫原因", "other_causes": "其他致贫原因",
          "labour_capacity": "劳动能力", "schooling": "在校生情况"}


def _date(label: str, **kwargs) -> fields.Date:
    return fields.Date(error_messages=_msgs(label, invalid=f"「{label}」必须是日期（年-月-日）"),
                       **kwargs)


def _cents(value: Decimal) -> None:
    """Exact yuan: more than two decimals is a typing error, never rounded away."""
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("「金额」最多两位小数（元、角、分）")


def _amount() -> BoundedDecimal:
    return BoundedDecimal(places=None, load_default=None, allow_none=True, error_messages={
        **_msgs("金额", invalid="「金额」必须是数字（元，最多两位小数）"),
        "special": "「金额」必须是数字"}, validate=[validate.Range(
            0, MAX_AMOUNT, error=f"「金额」应在 0 至 {MAX_AMOUNT:,} 元之间"), _cents])


def check_kind(data: dict) -> None:
    """The kind must belong to the action (when both are given)."""
    cat = catalog()
    kind, action = data.get("kind"), data.get("action")
    if kind and action and cat.kind_action[kind] != action:
        raise ValidationError({"kind": [
            f"「措施类型」{cat.kinds[kind]}属于{cat.actions[cat.kind_action[kind]]}，"
            f"不属于{cat.actions[action]}"]})


def check_dates(starts: dt.date | None, ends: dt.date | None) -> None:
    if starts and ends and ends < starts:
        raise ValidationError({"ends_on": ["「结束日期」不能早于「开始日期」"]})


class MeasureCreateSchema(Schema):
    """POST /api/v1/households/<id>/measures: one measure for the household or a member."""

    class Meta:
        unknown = RAISE

    member_id = Id(load_default=None, allow_none=True, error_messages=_msgs(
        "帮扶对象", invalid="「帮扶对象」必须是家庭成员编号"),
        metadata={"description": "家庭成员编号；不填为全户措施"})
    action = _choice("专项行动", catalog().actions, load_default=None,
                     metadata={"description": "不填时按措施类型确定"})
    kind = _choice("措施类型", catalog().kinds, required=True)
    department = _choice("责任部门", catalog().departments, required=True)
    starts_on = _date("开始日期", required=True)
    ends_on = _date("结束日期", load_default=None, allow_none=True)
    amount = _amount()
    note = _text("备注", 200, required=False)

    @validates_schema
    def consistent(self, data, **_):
        check_kind(data)
        check_dates(data.get("starts_on"), data.get("ends_on"))


class MeasureEditSchema(Schema):
    """PATCH /api/v1/measures/<id>: any of these and the version it was based on."""

    class Meta:
        unknown = RAISE

    version = version_field()
    kind = _choice("措施类型", catalog().kinds)
    department = _choice("责任部门", catalog().departments)
    starts_on = _date("开始日期")
    ends_on = _date("结束日期", allow_none=True)
    amount = _amount()
    note = _text("备注", 200, required=False)


class MeasureEndSchema(Schema):
    """POST /api/v1/measures/<id>/end: the measure stops (终止) on a day, with a reason."""

    class Meta:
        unknown = RAISE

    version = version_field()
    ends_on = _date("终止日期", load_default=None, metadata={"description": "不填为今天"})
    reason = _text("终止原因", 200)
