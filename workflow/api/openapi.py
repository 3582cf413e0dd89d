"""The OpenAPI 3 document of /api/v1, built with apispec from the marshmallow schemas.

Operations are keyed by the Flask rule they document (``/api/v1/cases/<int:case_id>``),
so path parameters and their bounds come from the route itself, and tests compare the
document with ``app.url_map`` both ways (every documented path served, every served
/api/v1 route documented).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from workflow.api.inputs import MAX_JSON_DEPTH
from workflow.cases.schemas import ActionRequestSchema, CaseCreateSchema, CaseSchema, EventSchema
from workflow.engine.fields import MAX_ID
from workflow.housing.schemas import HouseCreateSchema
from workflow.projects.models import ASSET_CLASSES
from workflow.projects.schemas import AllocationRequestSchema, ProjectCreateSchema
from workflow.registry.models import HOUSEHOLD_STATUSES
from workflow.registry.roster import EXPORT_FILES
from workflow.registry.schemas import HouseholdCreateSchema

ERRORS = {
    "400": f"请求体不是合法的 JSON，或嵌套超过 {MAX_JSON_DEPTH} 层",
    "401": "未登录或令牌失效",
    "403": "角色无权办理",
    "404": "不存在或不在管辖范围内",
    "409": "版本已变化，或当前状态不能办理此操作",
    "413": "请求内容过大",
    "422": "表单或查询参数错误 {errors: {字段: [信息]}} 或 {errors: {_guards: [原因]}}；"
           "任何文字含空字符（\\x00）亦同",
}
UTC = "UTC 时间（ISO 8601，以 Z 结尾）；北京时间为其加 8 小时"
STRING = {"type": "string"}
QUERY = {  # every query parameter a /api/v1 view reads, as the view checks it
    "village": {**STRING, "description": "村（或乡镇）代码，须在管辖范围内"},
    "jurisdiction": {**STRING, "description": "行政区划代码，须在管辖范围内"},
    "status": {"type": "string", "enum": list(HOUSEHOLD_STATUSES)},
    "q": {**STRING, "description": "户主姓名（开头或结尾）"},
    "procedure": {**STRING, "description": "流程标识，如 household_exit"},
    "state": STRING,
    "from": {"type": "string", "format": "date", "description": "起始日期（北京时间）"},
    "to": {"type": "string", "format": "date", "description": "截止日期（北京时间）"},
    "overdue": {"type": "string", "enum": ["1", "true", "0", "false"]},
    "class": {"type": "string", "enum": list(ASSET_CLASSES)},
    "page": {"type": "integer", "minimum": 1, "maximum": 10**9},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "year": {"type": "integer", "minimum": 2014, "maximum": 2035},
}
PATH = {  # string path parameters whose values are a closed set
    "fmt": {"type": "string", "enum": list(EXPORT_FILES)},
}
PAGE = ("page", "per_page")
# What each area adds (``document``): operations, request/response schemas, query params.
AREA_OPERATIONS: list[Callable[[], dict[str, dict]]] = []
AREA_SCHEMAS: dict[str, type] = {}


def document(operations: Callable[[], dict[str, dict]], schemas: dict[str, type] | None = None,
             query: dict[str, dict] | None = None) -> None:
    """Add an area's /api/v1 routes to the document: ``operations()`` returns
    {Flask rule: {method: op}} built with ``op``; ``schemas`` names marshmallow schemas
    ops refer to; ``query`` the schema of each query parameter an area's views read."""
    AREA_OPERATIONS.append(operations)
    AREA_SCHEMAS.update(schemas or {})
    for name, schema in (query or {}).items():
        if QUERY.get(name, schema) != schema:
            raise ValueError(f"query parameter {name} already documented differently")
        QUERY[name] = schema


def op(summary: str, ok: str, body: str | dict | None = None, response: str | None = None,
       errors: tuple[str, ...] = ("401",), params: tuple[str, ...] = ()) -> dict:
    """One documented operation: bearer-secured, its errors described in Chinese."""
    doc: dict = {"summary": summary, "security": [{"bearer": []}],
                 "responses": {ok: {"description": "成功"}}}
    if response:
        doc["responses"][ok]["content"] = {"application/json": {"schema": response}}
    if body:
        doc["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": body}}}
        errors = tuple(dict.fromkeys(("400", "413", *errors)))
    if params:
        errors = tuple(dict.fromkeys((*errors, "422")))
    for code in errors:
        doc["responses"][code] = {"description": ERRORS[code]}
    if params:
        doc["parameters"] = [{"name": p, "in": "query", "required": False,
                              "schema": QUERY[p]} for p in params]
    return doc


def _path_parameters(rule: str) -> tuple[str, list[dict]]:
    """``/cases/<int:case_id>`` -> ``/cases/{case_id}`` and its parameters, integer ones
    bounded as the route's converter bounds them (0..MAX_ID: beyond that, 404)."""
    parameters = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = ({"type": "integer", "minimum": 0, "maximum": MAX_ID} if converter == "int"
                  else PATH.get(name, {"type": "string", "minLength": 1}))
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), parameters


def operations() -> dict[str, dict[str, dict]]:
    """{Flask rule: {method: operation}} for every documented route."""
    token_body = {"type": "object", "required": ["username", "password"],
                  "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    login = op("获取令牌", "200", body=token_body, errors=("422",))
    login["security"] = []
    login["responses"]["200"]["content"] = {"application/json": {"schema": {
        "type": "object", "properties": {"token": STRING, "expires_at": {
            "type": "string", "format": "date-time", "description": UTC}}}}}
    login["responses"]["401"] = {"description": "用户名或密码错误"}
    login["responses"]["429"] = {"description": "失败次数过多"}
    upload = op("上传证明材料（JPEG、PNG、PDF，按内容核验）", "201",
                 errors=("401", "403", "404", "409", "413", "422"))
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["kind", "file"],
        "properties": {"kind": {"type": "string"},
                       "version": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                       "file": {"type": "string", "format": "binary"}}}}}}
    roster = op("导入建档立卡名册（一个 .xlsx，或一至两个 .csv）", "200",
                 errors=("401", "403", "413", "422"))
    roster["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {"file": {
            "type": "array", "items": {"type": "string", "format": "binary"}}}}}}}
    v1 = "/api/v1"
    out = {
        f"{v1}/auth/token": {"post": login},
        f"{v1}/procedures": {"get": op("已加载的流程定义", "200")},
        f"{v1}/forms/<key>": {"get": op("表单字段", "200", errors=("401", "404"))},
        f"{v1}/jurisdictions": {"get": op("管辖范围内的行政区划", "200")},
        f"{v1}/households": {
            "get": op("建档立卡户列表", "200", params=("village", "status", "q", *PAGE)),
            "post": op("登记农户", "201", body="HouseholdCreate",
                        errors=("401", "403", "422"))},
        f"{v1}/households/<int:household_id>": {
            "get": op("建档立卡户", "200", errors=("401", "404"))},
        f"{v1}/households/export.<fmt>": {
            "get": op("导出建档立卡名册（按角色脱敏，导出完整信息留痕）", "200",
                       errors=("401", "403", "422"))},
        f"{v1}/households/import": {"post": roster},
        f"{v1}/cases": {
            "get": op("案件列表", "200", params=("procedure", "state", "jurisdiction", "from",
                                               "to", "overdue", *PAGE)),
            "post": op("发起案件", "201", body="CaseCreate", response="Case",
                        errors=("401", "403", "404", "409", "422"))},
        f"{v1}/cases/<int:case_id>": {
            "get": op("案件详情", "200", response="Case", errors=("401", "404"))},
        f"{v1}/cases/<int:case_id>/actions/<name>": {"post": _sign_off()},
        f"{v1}/cases/<int:case_id>/trail": {
            "get": op("审计留痕", "200", errors=("401", "404"))},
        f"{v1}/register/trail": {
            "get": op("建档留痕（登记农户、房屋、项目，导入名册；按村哈希链）", "200",
                       errors=("401", "422"), params=("village", *PAGE))},
        f"{v1}/houses": {
            "get": op("房屋列表（危房改造）", "200", params=("village", *PAGE)),
            "post": op("登记房屋", "201", body="HouseCreate",
                        errors=("401", "403", "404", "422"))},
        f"{v1}/houses/<int:house_id>": {
            "get": op("房屋及鉴定记录", "200", errors=("401", "404"))},
        f"{v1}/cases/<int:case_id>/archive": {
            "get": op("档案（批准一户、建档一户）", "200", errors=("401", "404"))},
        f"{v1}/cases/<int:case_id>/evidence": {
            "get": op("证明材料列表", "200", errors=("401", "404")), "post": upload},
        f"{v1}/cases/<int:case_id>/evidence/<int:attachment_id>": {
            "get": op("下载证明材料", "200", errors=("401", "404"))},
        f"{v1}/projects": {
            "get": op("扶贫项目列表", "200", params=("village", *PAGE)),
            "post": op("登记项目", "201", body="ProjectCreate", errors=("401", "403", "422"))},
        f"{v1}/projects/<int:project_id>": {
            "get": op("项目详情（含已安排、已拨付）", "200", errors=("401", "404"))},
        f"{v1}/projects/<int:project_id>/allocations": {
            "post": op("安排资金（未入库项目、超预算均被拒绝）", "201",
                        body="AllocationRequest", errors=("401", "403", "404", "422"))},
        f"{v1}/fund-sources": {"get": op("资金来源及预算余额", "200")},
        f"{v1}/assets": {
            "get": op("扶贫资产登记", "200", params=("jurisdiction", "class", *PAGE))},
        f"{v1}/monitoring/flags": {
            "get": op("收入低于监测标准、尚未纳入监测的农户", "200", params=("year",))},
        f"{v1}/openapi.json": {"get": {"summary": "本文档", "security": [],
                                       "responses": {"200": {"description": "成功"}}}},
        f"{v1}/docs": {"get": {"summary": "本文档的网页版（Swagger UI）", "security": [],
                               "responses": {"200": {"description": "成功", "content": {
                                   "text/html": {"schema": {"type": "string"}}}}}}},
        **_document_operations(),
    }
    for area in AREA_OPERATIONS:  # an area may add a method to a rule documented here
        for rule, ops in area().items():
            out.setdefault(rule, {}).update(ops)
    return out


def _sign_off() -> dict:
    """The sign-off: the whole case, or with ``Prefer: return=minimal`` (RFC 7240) only the
    new version and state, as api/views.py post_action answers."""
    sign_off = op("办理（签署）", "200", body="ActionRequest",
                  errors=("401", "403", "404", "409", "422"))
    sign_off["parameters"] = [{
        "name": "Prefer", "in": "header", "required": False,
        "description": "return=minimal：只返回案件编号、新版本号和新状态（逐件签署时省去整个案件）",
        "schema": {"type": "string", "example": "return=minimal"}}]
    minimal = {"type": "object", "required": ["id", "version", "state", "state_title"],
               "properties": {"id": {"type": "integer"}, "version": {"type": "integer"},
                              "state": STRING, "state_title": STRING}}
    sign_off["responses"]["200"] = {
        "description": "成功：整个案件；带 Prefer: return=minimal 时只有 "
                       "{id, version, state, state_title}",
        "headers": {"Preference-Applied": {
            "description": "return=minimal：已按 Prefer 只返回简要结果",
            "schema": {"type": "string", "enum": ["return=minimal"]}}},
        "content": {"application/json": {"schema": {"anyOf": [
            {"$ref": "#/components/schemas/Case"}, minimal]}}}}
    return sign_off


def spec() -> dict:
    """Build the document (cheap; built on request so it always matches the code)."""
    doc = APISpec(title="农村扶贫审批引擎 API", version="1.0.0", openapi_version="3.0.3",
                  plugins=[MarshmallowPlugin()])
    doc.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (("CaseCreate", CaseCreateSchema), ("ActionRequest", ActionRequestSchema),
                         ("Case", CaseSchema), ("Event", EventSchema),
                         ("HouseholdCreate", HouseholdCreateSchema),
                         ("HouseCreate", HouseCreateSchema),
                         ("ProjectCreate", ProjectCreateSchema),
                         ("AllocationRequest", AllocationRequestSchema),
                         *AREA_SCHEMAS.items()):
        doc.components.schema(name, schema=schema)
    for rule, ops in operations().items():
        path, parameters = _path_parameters(rule)
        doc.path(path, operations=ops, parameters=parameters or None)
    return _plain_numbers(doc.to_dict())


def _plain_numbers(value):
    """Decimal bounds (apispec writes a Decimal field's Range as Decimal) as JSON numbers,
    not the strings Flask's JSON would make of them."""
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _document_operations() -> dict[str, dict]:
    """The printed documents (outside /api/v1, same bearer token) and the public check."""
    pdf = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    out: dict[str, dict] = {}
    for rule, summary, errors in (
            ("/cases/<int:case_id>/sheet.pdf", "审批表（A4，每个签署环节一行）", ("401", "404")),
            ("/cases/<int:case_id>/cover.pdf", "档案封面（含档案编号）", ("401", "404")),
            ("/cases/<int:case_id>/notice.pdf", "案件所在的公示（不含完整身份证号等个人信息）",
             ("401", "404")),
            ("/cases/<int:case_id>/announcement.pdf", "公告（县级审定后）",
             ("401", "404", "409")),
            ("/villages/<code>/notice.pdf", "村公示栏：本村公示中的案件", ("401", "404"))):
        printed = op(summary, "200", errors=errors, params=("procedure",)
                     if rule.startswith("/villages") else ())
        printed["responses"]["200"]["content"] = pdf
        if "409" in errors:
            printed["responses"]["409"] = {"description": "尚未经县级审定"}
        out[rule] = {"get": printed}
    check = {"summary": "纸质文书核验（公开，不显示个人信息）：有效、已过期或无法识别",
             "security": [], "responses": {"200": {
                 "description": "核验结果页", "content": {"text/html": {}}}}}
    out["/verify/<int:case_id>/<code>"] = {"get": check}
    return out
