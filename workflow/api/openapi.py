"""The OpenAPI 3 document of /api/v1, built with apispec from the marshmallow schemas."""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from workflow.cases.schemas import ActionRequestSchema, CaseCreateSchema, CaseSchema, EventSchema
from workflow.housing.schemas import HouseCreateSchema
from workflow.projects.schemas import ProjectCreateSchema
from workflow.registry.schemas import HouseholdCreateSchema

ERRORS = {
    "401": "未登录或令牌失效",
    "403": "角色无权办理",
    "404": "不存在或不在管辖范围内",
    "409": "版本已变化，或当前状态不能办理此操作",
    "422": "表单错误 {errors: {字段: [信息]}} 或 {errors: {_guards: [原因]}}",
}


def _op(summary: str, ok: str, body: str | None = None, response: str | None = None,
        errors: tuple[str, ...] = ("401",), params: tuple[str, ...] = ()) -> dict:
    op: dict = {"summary": summary, "security": [{"bearer": []}],
                "responses": {ok: {"description": "成功"}}}
    if response:
        op["responses"][ok]["content"] = {"application/json": {"schema": response}}
    if body:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    for code in errors:
        op["responses"][code] = {"description": ERRORS[code]}
    if params:
        op["parameters"] = [{"name": p, "in": "query", "required": False,
                             "schema": {"type": "string"}} for p in params]
    return op


def spec() -> dict:
    """Build the document (cheap; built on request so it always matches the code)."""
    doc = APISpec(title="农村扶贫审批引擎 API", version="1.0.0", openapi_version="3.0.3",
                  plugins=[MarshmallowPlugin()])
    doc.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (("CaseCreate", CaseCreateSchema), ("ActionRequest", ActionRequestSchema),
                         ("Case", CaseSchema), ("Event", EventSchema),
                         ("HouseholdCreate", HouseholdCreateSchema),
                         ("HouseCreate", HouseCreateSchema),
                         ("ProjectCreate", ProjectCreateSchema)):
        doc.components.schema(name, schema=schema)
    token_body = {"type": "object", "required": ["username", "password"],
                  "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    login = _op("获取令牌", "200", body=token_body, errors=())
    login["security"] = []
    login["responses"]["401"] = {"description": "用户名或密码错误"}
    login["responses"]["429"] = {"description": "失败次数过多"}
    doc.path("/api/v1/auth/token", operations={"post": login})
    doc.path("/api/v1/procedures", operations={"get": _op("已加载的流程定义", "200")})
    doc.path("/api/v1/forms/{key}",
             operations={"get": _op("表单字段", "200", errors=("401", "404"))})
    doc.path("/api/v1/jurisdictions", operations={"get": _op("管辖范围内的行政区划", "200")})
    doc.path("/api/v1/households", operations={
        "get": _op("建档立卡户列表", "200", params=("village", "status", "q", "page", "per_page")),
        "post": _op("登记农户", "201", body="HouseholdCreate", errors=("401", "403", "422"))})
    doc.path("/api/v1/cases", operations={
        "get": _op("案件列表", "200", params=("procedure", "state", "jurisdiction", "from", "to",
                                           "overdue", "page", "per_page")),
        "post": _op("发起案件", "201", body="CaseCreate", response="Case",
                    errors=("401", "403", "404", "409", "422"))})
    doc.path("/api/v1/cases/{id}", operations={
        "get": _op("案件详情", "200", response="Case", errors=("401", "404"))})
    doc.path("/api/v1/cases/{id}/actions/{name}", operations={
        "post": _op("办理（签署）", "200", body="ActionRequest", response="Case",
                    errors=("401", "403", "404", "409", "422"))})
    doc.path("/api/v1/cases/{id}/trail", operations={
        "get": _op("审计留痕", "200", errors=("401", "404"))})
    doc.path("/api/v1/register/trail", operations={
        "get": _op("建档留痕（登记农户、房屋、项目，导入名册；按村哈希链）", "200",
                   errors=("401", "422"), params=("village", "page", "per_page"))})
    doc.path("/api/v1/houses", operations={
        "get": _op("房屋列表（危房改造）", "200", params=("village", "page", "per_page")),
        "post": _op("登记房屋", "201", body="HouseCreate", errors=("401", "403", "404", "422"))})
    doc.path("/api/v1/houses/{id}", operations={
        "get": _op("房屋及鉴定记录", "200", errors=("401", "404"))})
    doc.path("/api/v1/cases/{id}/archive", operations={
        "get": _op("档案（批准一户、建档一户）", "200", errors=("401", "404"))})
    upload = _op("上传证明材料（JPEG、PNG、PDF，按内容核验）", "201",
                 errors=("401", "403", "404", "409", "422"))
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["kind", "file"],
        "properties": {"kind": {"type": "string"}, "version": {"type": "integer"},
                       "file": {"type": "string", "format": "binary"}}}}}}
    doc.path("/api/v1/cases/{id}/evidence", operations={
        "get": _op("证明材料列表", "200", errors=("401", "404")), "post": upload})
    doc.path("/api/v1/cases/{id}/evidence/{attachment_id}", operations={
        "get": _op("下载证明材料", "200", errors=("401", "404"))})
    doc.path("/api/v1/projects", operations={
        "get": _op("扶贫项目列表", "200", params=("village", "page", "per_page")),
        "post": _op("登记项目", "201", body="ProjectCreate", errors=("401", "403", "422"))})
    doc.path("/api/v1/projects/{id}", operations={
        "get": _op("项目详情（含已安排、已拨付）", "200", errors=("401", "404"))})
    allocation = {"type": "object", "required": ["source_id", "amount", "document_no"],
                  "properties": {"source_id": {"type": "integer"},
                                 "amount": {"type": "string", "example": "12000.50"},
                                 "document_no": {"type": "string"}}}
    doc.path("/api/v1/projects/{id}/allocations", operations={
        "post": _op("安排资金（未入库项目、超预算均被拒绝）", "201", body=allocation,
                    errors=("401", "403", "404", "422"))})
    doc.path("/api/v1/fund-sources", operations={"get": _op("资金来源及预算余额", "200")})
    doc.path("/api/v1/assets", operations={
        "get": _op("扶贫资产登记", "200", params=("jurisdiction", "class", "page", "per_page"))})
    _document_paths(doc)
    return doc.to_dict()


def _document_paths(doc: APISpec) -> None:
    """The printed documents (outside /api/v1, same bearer token) and the public check."""
    pdf = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    for path, summary, errors in (
            ("/cases/{id}/sheet.pdf", "审批表（A4，每个签署环节一行）", ("401", "404")),
            ("/cases/{id}/cover.pdf", "档案封面（含档案编号）", ("401", "404")),
            ("/cases/{id}/notice.pdf", "案件所在的公示（不含完整身份证号等个人信息）",
             ("401", "404")),
            ("/cases/{id}/announcement.pdf", "公告（县级审定后）", ("401", "404", "409")),
            ("/villages/{code}/notice.pdf", "村公示栏：本村公示中的案件", ("401", "404"))):
        op = _op(summary, "200", errors=errors)
        op["responses"]["200"]["content"] = pdf
        if "409" in errors:
            op["responses"]["409"] = {"description": "尚未经县级审定"}
        if path.startswith("/villages"):
            op["parameters"] = [{"name": "procedure", "in": "query", "required": False,
                                 "schema": {"type": "string"}}]
        doc.path(path, operations={"get": op})
    check = {"summary": "纸质文书核验（公开，不显示个人信息）：有效、已过期或无法识别",
             "security": [], "responses": {"200": {
                 "description": "核验结果页", "content": {"text/html": {}}}}}
    doc.path("/verify/{case_id}/{code}", operations={"get": check})
