"""GET/POST /api/v1/settings: the values that apply at a place and year (with a key's
history), and setting one; documented through ``openapi.document``."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields

from workflow.api import openapi
from workflow.api.openapi import QUERY, STRING, op
from workflow.api.views import json_body, token_required
from workflow.engine.errors import Invalid
from workflow.engine.fields import StrictInteger, StrictString, parse_int
from workflow.extensions import csrf
from workflow.jurisdictions.scope import place_by_code
from workflow.settings import operations as ops
from workflow.settings import queries
from workflow.settings.keys import spec

settings_api = Blueprint("settings_api", __name__, url_prefix="/api/v1")
csrf.exempt(settings_api)
YEAR_QUERY = QUERY["year"]  # the documented bounds every /api/v1 year parameter shares


class SettingSetSchema(Schema):
    """POST /api/v1/settings (documentation; set_setting checks every field itself)."""

    key = StrictString(required=True, metadata={"description": "参数键，如 poverty_line"})
    value = fields.Raw(required=True, metadata={
        "description": "数值：整数、小数文字、“月-日”、选项或选项列表（视参数而定）"})
    year = StrictInteger(minimum=ops.YEARS[0], maximum=ops.YEARS[1],
                         metadata={"description": "年度（按年度设置的参数；缺省为本年）"})
    on = fields.Date(metadata={"description": "施行日期（按施行日期设置的参数）"})
    place = StrictString(metadata={"description": "地区代码；缺省为全系统"})
    document = StrictString(required=True, metadata={"description": "文号，如 岫政办发〔2026〕3号"})
    reason = StrictString(metadata={"description": "说明"})


def _query():
    """place (``jurisdiction``), year and key of a GET, or 422."""
    errors: dict[str, list[str]] = {}
    place = None
    if code := request.args.get("jurisdiction", ""):
        place = place_by_code(code, g.user)
        if place is None:
            errors["jurisdiction"] = ["「jurisdiction」不存在或不在您的管辖范围内"]
    from workflow import clock

    year = clock.today().year
    if (raw := request.args.get("year")) is not None:
        year = parse_int(raw, YEAR_QUERY["minimum"], YEAR_QUERY["maximum"])
        if year is None:
            errors["year"] = [f"「year」须为 {YEAR_QUERY['minimum']} 至 "
                              f"{YEAR_QUERY['maximum']} 之间的年份"]
    key = request.args.get("key") or None
    if key is not None and spec(key) is None:
        errors["key"] = ["「key」不是已知的参数"]
    if errors:
        raise Invalid("查询参数有误", errors)
    return place, year, key


@settings_api.get("/settings")
@token_required
def api_settings():
    place, year, key = _query()
    body = {"year": year, "place_code": place.code if place else None,
            "place_name": place.name if place else "全系统",
            "settings": [row.as_json() for row in queries.overview(place, year, key=key)]}
    if key:
        one = spec(key)
        body["history"] = [queries.history_json(r, one) for r in queries.history(g.user, key)]
    return jsonify(body)


@settings_api.post("/settings")
@token_required
def api_set_setting():
    body = json_body()
    row = ops.set_setting(g.user, body.get("key"), body.get("value"), year=body.get("year"),
                          on=body.get("on"), place=body.get("place"),
                          document=body.get("document"), reason=body.get("reason", ""))
    return jsonify(queries.history_json(row, spec(row.key))), 201


def _operations() -> dict[str, dict]:
    return {"/api/v1/settings": {
        "get": op("参数设置：某地区某年度适用的各项参数（数值、来源、文号）；"
                  "指定 key 时附其设置历史", "200", params=("jurisdiction", "year", "key")),
        "post": op("设置参数（系统管理员，本级及下级地区；文号必填；下级只能更严格，"
                   "公示天数不少于流程规定）", "201", body="SettingSet",
                   errors=("401", "403", "422"))}}


openapi.document(_operations, schemas={"SettingSet": SettingSetSchema},
                 query={"key": {**STRING, "description": "参数键，如 poverty_line"}})
