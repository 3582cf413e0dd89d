"""Validation of a month's progress entry, with Chinese messages naming each field by its
label. Who may enter and which months are open is in operations."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, validate

from workflow.engine.fields import BoundedDecimal, StrictInteger
from workflow.registry.schemas import _msgs, _text

MAX_INCOME = 10_000_000  # yuan so far this year for one household: above is a typing error
MAX_SIZE = 30
LABELS = {"household_id": "农户", "year": "年度", "month": "月份",
          "income_to_date": "本年累计纯收入", "household_size": "家庭人口",
          "per_capita": "人均纯收入", "household_status": "农户状态",
          "measures": "本月帮扶措施", "note": "帮扶进展", "entered_by_id": "录入人",
          "version": "版本"}


def _cents(value: Decimal) -> None:
    """Exact yuan: more than two decimals is a typing error, never rounded away."""
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("「本年累计纯收入」最多两位小数（元、角、分）")


def _int(label: str, low: int, high: int, text: str, **kwargs) -> StrictInteger:
    return StrictInteger(minimum=low, maximum=high, error_messages=_msgs(
        label, invalid=f"「{label}」必须是 {low} 至 {high} 的整数{text}"), **kwargs)


class ProgressSchema(Schema):
    """POST /api/v1/households/<id>/progress: the household's figures for one month.

    A second entry for the same month replaces the first (a recorded change); with
    ``version`` it is refused (409) when someone changed the entry meanwhile."""

    class Meta:
        unknown = RAISE

    year = _int("年度", 2014, 2035, "（如 2020）", load_default=None, allow_none=True,
                metadata={"description": "不填为今年"})
    month = _int("月份", 1, 12, "", required=True)
    income_to_date = BoundedDecimal(
        places=None, required=True, error_messages={
            **_msgs("本年累计纯收入", invalid="「本年累计纯收入」必须是数字（元，最多两位小数）"),
            "special": "「本年累计纯收入」必须是数字"},
        validate=[validate.Range(0, MAX_INCOME, error=(
            f"「本年累计纯收入」应在 0 至 {MAX_INCOME:,} 元之间")), _cents],
        metadata={"description": "本年 1 月至本月的家庭纯收入（元）"})
    household_size = _int("家庭人口", 1, MAX_SIZE, "（人）", load_default=None,
                          allow_none=True, metadata={"description": "不填为现有家庭成员人数"})
    measures = _text("本月帮扶措施", 500, required=False)
    note = _text("帮扶进展", 500, required=False)
    version = _int("版本", 1, 2**31 - 1, "（取自查询结果的 version）", load_default=None,
                   allow_none=True, metadata={
                       "description": "修改本月已录入的进展时所依据的版本；他人已修改时返回 409"})
