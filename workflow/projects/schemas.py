"""Validation of project registration, with Chinese messages naming each field."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow.engine.fields import BoundedDecimal, Id, StrictInteger, StrictString
from workflow.projects.models import CATEGORIES, NATURES

DATE = "必须是日期（年-月-日）"


def _msgs(label: str, kind: str = "格式不正确") -> dict[str, str]:
    return {"required": f"「{label}」为必填项", "null": f"「{label}」不能为空",
            "invalid": f"「{label}」{kind}", "nul": f"「{label}」不能含有空字符"}


def _text(label: str, max_len: int) -> fields.String:
    return StrictString(required=True, error_messages=_msgs(label), validate=[
        validate.Length(min=1, error=f"「{label}」为必填项"),
        validate.Length(max=max_len, error=f"「{label}」不能超过 {max_len} 个字")])


def _count(label: str) -> fields.Integer:
    return StrictInteger(
        required=True, error_messages=_msgs(label, "必须是整数"),
        validate=validate.Range(0, 100000, error=f"「{label}」应在 0 至 100000 之间"))


class TargetSchema(Schema):
    class Meta:
        unknown = RAISE

    indicator = _text("绩效指标", 100)
    target = _text("目标值", 100)


class ProjectCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = _text("项目名称", 100)
    category = StrictString(
        required=True, error_messages=_msgs("项目类别"), validate=validate.OneOf(
            list(CATEGORIES),
            error="「项目类别」必须是：" + "、".join(t for t, _ in CATEGORIES.values())))
    nature = StrictString(
        required=True, error_messages=_msgs("建设性质"), validate=validate.OneOf(
            list(NATURES), error="「建设性质」必须是：" + "、".join(NATURES.values())))
    village = StrictString(required=True, error_messages=_msgs("实施地点（村代码）"))
    year = StrictInteger(
        required=True, error_messages=_msgs("年度", "必须是整数"),
        validate=validate.Range(2014, 2035, error="「年度」应在 2014 至 2035 之间"))
    location = _text("建设地点", 200)
    starts_on = fields.Date(required=True, error_messages=_msgs("开工时间", DATE))
    ends_on = fields.Date(required=True, error_messages=_msgs("完工时间", DATE))
    responsible_unit = _text("责任单位", 100)
    budget = BoundedDecimal(required=True, places=2, error_messages={
        **_msgs("概算投资", "必须是金额（元）"), "special": "「概算投资」必须是金额（元）"},
        validate=validate.Range(1, 1_000_000_000, error="「概算投资」应在 1 至 10 亿元之间"))
    planned_sources = _text("资金来源", 200)
    beneficiary_households = _count("受益户数")
    beneficiary_poor_households = _count("受益贫困户数")
    beneficiary_poor_people = _count("受益贫困人口")
    benefit_mechanism = _text("带贫减贫机制", 2000)
    performance_targets = fields.List(
        fields.Nested(TargetSchema), load_default=list,
        validate=validate.Length(max=20, error="「绩效目标」最多 20 项"))

    # Runs even when single fields failed (skip_on_field_errors=False), so every problem
    # is reported at once; a check runs only when both of its fields loaded.
    @validates_schema(skip_on_field_errors=False)
    def coherent(self, data, **_):
        errors = {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts is not None and ends is not None and ends < starts:
            errors["ends_on"] = ["「完工时间」不能早于「开工时间」"]
        poor, households = (data.get("beneficiary_poor_households"),
                            data.get("beneficiary_households"))
        if poor is not None and households is not None and poor > households:
            errors["beneficiary_poor_households"] = ["「受益贫困户数」不能多于「受益户数」"]
        people = data.get("beneficiary_poor_people")
        if poor is not None and people is not None and people < poor:
            errors["beneficiary_poor_people"] = ["「受益贫困人口」不能少于「受益贫困户数」"]
        if errors:
            raise ValidationError(errors)


class AllocationRequestSchema(Schema):
    """POST /api/v1/projects/<id>/allocations; the money rules stay in funds.allocate."""

    class Meta:
        unknown = RAISE

    source_id = Id(required=True, error_messages=_msgs("资金来源", "必须是资金来源编号"))
    amount = BoundedDecimal(required=True, places=None, error_messages={
        **_msgs("安排金额", "必须是金额（元），如 12000.50"),
        "special": "「安排金额」必须是金额（元），如 12000.50"},
        metadata={"description": "元，最多两位小数；用字符串传递以免浮点误差，如 \"12000.50\""})
    document_no = _text("资金下达文号", 64)
    dated_on = fields.Date(load_default=None, error_messages=_msgs("下达日期", DATE), metadata={
        "description": "资金下达文件的日期（年-月-日）；不填为今天（北京时间），不能晚于今天"})


class ResubmissionSchema(Schema):
    """POST /api/v1/projects/<id>/resubmission: 申报入库 again after the proposal was
    completed; ``data`` is the 村级申报 form (project_proposal: the villagers' vote)."""

    class Meta:
        unknown = RAISE

    version = StrictInteger(required=True, minimum=1, error_messages=_msgs(
        "版本", "必须是整数（取自项目详情的 version）"), metadata={
        "description": "所依据的项目版本（项目详情中的 version）；他人已修改时返回 409"})
    opinion = StrictString(load_default="", allow_none=True, error_messages=_msgs("意见"),
                           validate=validate.Length(max=2000,
                                                    error="「意见」不能超过 2000 个字"))
    data = fields.Dict(load_default=dict, error_messages=_msgs("村级申报表", "必须是对象"),
                       metadata={"description": "村级申报表（project_proposal）的字段"})
