"""Validation of register edits (household, members), with Chinese messages by label.

Every edit names the ``version`` of the record it was based on (optimistic concurrency);
fields left out are not changed. Which role may change which field is not a question of
shape and lives in ``registry.editing``.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow import clock
from workflow.engine.fields import MAX_ID, StrictInteger, StrictString
from workflow.registry.models import HOUSEHOLD_STATUSES
from workflow.registry.schemas import IdNumberField, _msgs, _text
from workflow.support.catalog import catalog


def version_field() -> fields.Integer:
    """The version the edit was based on (shown by GET and on the edit form)."""
    return StrictInteger(required=True, minimum=1, maximum=MAX_ID, error_messages=_msgs(
        "版本", invalid="「版本」必须是整数（取自查询结果的 version）"),
        metadata={"description": "所依据的版本（查询结果中的 version）；他人已修改时返回 409"})


def _optional_text(label: str, max_len: int) -> fields.String:
    return StrictString(allow_none=True, error_messages=_msgs(label), validate=validate.Length(
        max=max_len, error=f"「{label}」不能超过 {max_len} 个字"))


def _flag(label: str) -> fields.Boolean:
    return fields.Boolean(error_messages=_msgs(label, invalid=f"「{label}」必须是“是”或“否”"))


def _choice(label: str, options: dict[str, str], **kwargs) -> fields.String:
    """One of a catalog list (workflow/support/catalog.yaml), by key."""
    return StrictString(error_messages=_msgs(label), validate=validate.OneOf(
        list(options), error=f"「{label}」必须是：" + "、".join(options.values())), **kwargs)


class ChangeBasis(Schema):
    """What every edit carries besides its fields: version, reason, document."""

    class Meta:
        unknown = RAISE

    version = version_field()
    reason = _optional_text("变更原因", 200)
    document_no = _optional_text("依据文号", 64)


class HouseholdEditSchema(ChangeBasis):
    """PATCH /api/v1/households/<id>: any of these fields; the rest stay as they are."""

    address = _optional_text("住址", 200)
    phone = StrictString(allow_none=True, error_messages=_msgs("联系电话"),
                         validate=validate.Regexp(r"^1\d{10}$",
                                                  error="「联系电话」应为 11 位手机号码"))
    bank_account = StrictString(allow_none=True, error_messages=_msgs("一卡通账号"),
                                validate=validate.Regexp(
                                    r"^\d{12,24}$", error="「一卡通账号」应为 12 至 24 位数字"))
    dibao = _flag("低保户")
    tekun = _flag("特困供养")
    status = StrictString(error_messages=_msgs("户状态"), validate=validate.OneOf(
        list(HOUSEHOLD_STATUSES), error="「户状态」必须是：" + "、".join(HOUSEHOLD_STATUSES)))
    main_cause = _choice("主要致贫原因", catalog().causes, allow_none=True)
    other_causes = fields.List(_choice("其他致贫原因", catalog().causes), allow_none=True,
                               error_messages=_msgs("其他致贫原因",
                                                    invalid="「其他致贫原因」必须是列表"))

    @validates_schema
    def causes_once(self, data, **_):
        others = data.get("other_causes") or []
        if len(set(others)) != len(others) or (data.get("main_cause") in others):
            raise ValidationError({"other_causes": [
                "「其他致贫原因」有重复项或与主要致贫原因重复"]})


class MemberAddSchema(ChangeBasis):
    """POST /api/v1/households/<id>/members: a new member (birth, marriage, moving in)."""

    name = _text("成员姓名", 64)
    relation = _text("与户主关系", 16)
    id_number = IdNumberField("成员身份证号", required=False, allow_none=True)
    disabled = _flag("是否残疾")

    @validates_schema
    def not_a_second_head(self, data, **_):
        if data.get("relation") == "户主":
            raise ValidationError({"relation": ["「与户主关系」一户只能有一名户主"]})


class MemberEditSchema(ChangeBasis):
    """PATCH /api/v1/households/<id>/members/<member_id>: relation and the other fields."""

    name = StrictString(error_messages=_msgs("成员姓名"), validate=validate.Length(
        min=1, max=64, error="「成员姓名」应为 1 至 64 个字"))
    relation = StrictString(error_messages=_msgs("与户主关系"), validate=validate.Length(
        min=1, max=16, error="「与户主关系」应为 1 至 16 个字"))
    id_number = IdNumberField("成员身份证号", allow_none=True)
    disabled = _flag("是否残疾")
    labour_capacity = _choice("劳动能力", catalog().labour, allow_none=True)
    schooling = _choice("在校生情况", catalog().schooling, allow_none=True)


class MemberRemovalSchema(ChangeBasis):
    """POST .../members/<member_id>/removal: the member left; the row stays as history."""

    reason = _text("减少原因", 200)
    removed_on = fields.Date(load_default=None, error_messages=_msgs(
        "减少日期", invalid="「减少日期」必须是日期（年-月-日）"),
        metadata={"description": "不填为今天（北京时间），不能晚于今天"})

    @validates_schema
    def not_in_future(self, data, **_):
        if data.get("removed_on") and data["removed_on"] > clock.today():
            raise ValidationError({"removed_on": ["「减少日期」不能晚于今天"]})
