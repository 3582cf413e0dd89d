"""/api/v1 endpoints; thin: parse, call an operation or a scoped query, dump."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import ValidationError

from workflow.api.inputs import BadRequest, request_json
from workflow.audit import register
from workflow.audit.chain import trail
from workflow.audit.models import RegisterEvent
from workflow.auth.models import ApiToken
from workflow.auth.operations import TooManyAttempts, attempt_login, user_for_token
from workflow.cases import operations
from workflow.cases.models import Case
from workflow.cases.queries import Page, case_query, paginate
from workflow.cases.schemas import (
    ActionRequestSchema,
    CaseCreateSchema,
    case_detail,
    case_summaries,
    dump_events,
)
from workflow.engine import store
from workflow.engine.errors import Invalid, NotFound
from workflow.engine.fields import parse_int
from workflow.extensions import db
from workflow.jurisdictions.scope import (
    get_in_scope,
    paths_filter,
    place_by_code,
    places_in_scope,
    scope_filter,
    with_predecessors,
)
from workflow.registry.models import (
    HOUSEHOLD_STATUSES,
    Household,
    head_name_matches,
    mask_phone,
)
from workflow.registry.operations import create_household

api = Blueprint("api", __name__, url_prefix="/api/v1")
_ACTION_REQUEST = ActionRequestSchema()  # built once per process (load keeps no state in it)


def json_body() -> dict:
    """The request's JSON object, or 400/413/422 with a Chinese message (the limits live
    in workflow/api/inputs.py, shared with the request check)."""
    body = request_json()
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    return body


def load(schema, body: dict) -> dict:
    try:
        return schema.load(body)
    except ValidationError as exc:
        errors = {k: [m.replace("Unknown field.", f"不认识的字段「{k}」") for m in v]
                  if isinstance(v, list) else [str(v)]
                  for k, v in exc.normalized_messages().items()}
        raise Invalid("请求内容有误", errors) from exc


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        user = user_for_token(header[7:].strip()) if header.startswith("Bearer ") else None
        if user is None:
            return jsonify({"message": "未登录或令牌已失效，请重新获取令牌"}), 401
        from workflow.admin.account import MUST_CHANGE, PASSWORD_CHANGE_ENDPOINTS, change_due

        if change_due(user) and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            # A one-time or demo password: nothing but changing it (POST /account/password).
            return jsonify({"message": MUST_CHANGE}), 403
        g.user = user
        return view(*args, **kwargs)
    return wrapper


def _int_arg(name: str, default: int, low: int = 1, high: int = 10**9) -> int:
    value = request.args.get(name, "")
    if not value:
        return default
    number = parse_int(value, low, high)
    if number is None:
        raise Invalid("查询参数有误", {name: [f"「{name}」应为 {low} 至 {high} 的整数"]})
    return number


def _date_arg(name: str) -> dt.date | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid("查询参数有误", {name: [f"「{name}」应为日期，如 2020-06-30"]}) from None


def api_page(query) -> Page:
    """The page of ``query`` the ``page`` and ``per_page`` arguments ask for (≤ 100 rows)."""
    return paginate(query, _int_arg("page", 1),
                    _int_arg("per_page", current_app.config["PAGE_SIZE"], high=100))


def in_village_arg(query, path_column, user):
    """``query`` narrowed to the place the ``village`` argument names, if any; 422 when
    that place is unknown or outside the user's scope."""
    if village := request.args.get("village"):
        place = place_by_code(village, user)
        if place is None:
            raise Invalid("查询参数有误", {"village": ["「village」不存在或不在您的管辖范围内"]})
        query = query.where(paths_filter(path_column, with_predecessors([place.path])))
    return query


def _page_json(page, items: list) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page,
            "total": page.total, "total_is_lower_bound": page.more, "pages": page.pages}


@api.post("/auth/token")
def issue_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise Invalid("请求内容有误", {k: [f"「{k}」为必填项"] for k in ("username", "password")
                                        if not isinstance(body.get(k), str)})
    try:  # the same throttled operation as the browser login
        user = attempt_login(username, password, request.remote_addr or "")
    except TooManyAttempts as exc:
        return jsonify(exc.to_dict()), 429, {"Retry-After": str(exc.seconds)}
    if user is None:
        return jsonify({"message": "用户名或密码错误"}), 401
    token, row = ApiToken.issue(user, current_app.config["API_TOKEN_HOURS"])
    db.session.commit()
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat() + "Z"})


@api.get("/procedures")
@token_required
def list_procedures():
    # The catalog is loaded once per process and never changes in it: so is its JSON.
    catalog = store.catalog()
    body = current_app.extensions.get("workflow.procedures_json")
    if body is None or body[0] is not catalog:
        body = (catalog, jsonify([d.describe() for d in catalog.procedures.values()])
                .get_data())
        current_app.extensions["workflow.procedures_json"] = body
    return current_app.response_class(body[1], mimetype="application/json")


@api.get("/forms/<key>")
@token_required
def get_form(key: str):
    form = store.catalog().forms.get(key)
    if form is None:
        raise NotFound(f"表单 {key} 不存在")
    return jsonify(form.describe())


@api.get("/jurisdictions")
@token_required
def list_jurisdictions():
    return jsonify([{"code": p.code, "name": p.name, "level": p.level,
                     "parent": p.parent.code if p.parent else None,
                     "merged_into": p.merged_into.code if p.merged_into else None,
                     "note": p.merger_note}
                    for p in places_in_scope(g.user)])


def _household_json(h: Household) -> dict:
    return {"id": h.id, "head_name": h.head_name, "masked_id": h.masked_id,
            "village": {"code": h.village.code, "name": h.village.name},
            "status": h.status, "status_title": h.status_title, "size": h.size,
            # The version an edit (PATCH) names; the editable fields as pages show them.
            "version": h.version, "address": h.address, "masked_phone": mask_phone(h.phone),
            "dibao": h.dibao, "tekun": h.tekun, "masked_account": h.masked_account,
            "main_cause": h.main_cause, "other_causes": h.other_causes or [],
            "members": [{"id": m.id, "name": m.name, "relation": m.relation,
                         "masked_id": m.masked_id, "disabled": m.disabled,
                         "labour_capacity": m.labour_capacity, "schooling": m.schooling}
                        for m in h.members]}


@api.get("/households")
@token_required
def list_households():
    query = in_village_arg(
        db.select(Household).where(scope_filter(Household.jurisdiction_path, g.user)),
        Household.jurisdiction_path, g.user)
    if status := request.args.get("status"):
        if status not in HOUSEHOLD_STATUSES:
            choices = "、".join(HOUSEHOLD_STATUSES)
            raise Invalid("查询参数有误", {"status": [f"「status」必须是：{choices}"]})
        query = query.where(Household.status == status)
    if q := request.args.get("q", "").strip():
        query = query.where(head_name_matches(q))
    page = api_page(query.order_by(Household.id))
    return jsonify(_page_json(page, [_household_json(h) for h in page.items]))


@api.post("/households")
@token_required
def post_household():
    household = create_household(json_body(), g.user)
    return jsonify(_household_json(household)), 201


@api.get("/households/<int:household_id>")
@token_required
def get_household(household_id: int):
    return jsonify(_household_json(get_in_scope(Household, household_id, g.user)))


@api.post("/cases")
@token_required
def post_case():
    values = load(CaseCreateSchema(), json_body())
    case = operations.create_case(values["procedure"], values["subject_id"], g.user,
                                  role=values["role"])
    return jsonify(case_detail(case, g.user)), 201


@api.get("/cases")
@token_required
def list_cases():
    place = None
    if code := request.args.get("jurisdiction"):
        place = place_by_code(code, g.user)
        if place is None:
            raise Invalid("查询参数有误",
                          {"jurisdiction": ["「jurisdiction」不存在或不在您的管辖范围内"]})
    query = case_query(g.user, procedure=request.args.get("procedure"),
                       state=request.args.get("state"),
                       jurisdiction_path=place.path if place else None,
                       date_from=_date_arg("from"), date_to=_date_arg("to"),
                       overdue=request.args.get("overdue") in ("1", "true"))
    page = api_page(query)
    from workflow.cases.schemas import CaseSchema, limit_fields
    limits = limit_fields(page.items)  # two queries for the page
    return jsonify(_page_json(page, CaseSchema(many=True).dump(
        [{**summary, **limits[case.id]}
         for case, summary in zip(page.items, case_summaries(page.items), strict=True)])))


@api.get("/cases/<int:case_id>")
@token_required
def get_case(case_id: int):
    return jsonify(case_detail(get_in_scope(Case, case_id, g.user), g.user, limits=True))


@api.post("/cases/<int:case_id>/actions/<name>")
@token_required
def post_action(case_id: int, name: str):
    body = json_body()
    case = get_in_scope(Case, case_id, g.user)
    values = load(_ACTION_REQUEST, body)
    operations.perform(case, name, g.user, version=values["version"],
                       opinion=values["opinion"] or "", data=values["data"] or {},
                       role=values["role"])
    if "return=minimal" in request.headers.get("Prefer", ""):
        # RFC 7240: a client signing off case after case needs only the new version and
        # state, not the whole case with the next actions worked out for it.
        definition = store.by_version(case.definition_version)
        return jsonify({"id": case.id, "version": case.version, "state": case.state,
                        "state_title": definition.state_title(case.state)}), 200, {
                            "Preference-Applied": "return=minimal"}
    return jsonify(case_detail(case, g.user))


@api.get("/cases/<int:case_id>/trail")
@token_required
def get_trail(case_id: int):
    case = get_in_scope(Case, case_id, g.user)
    return jsonify({"case_id": case.id, "head": case.trail_head,
                    "events": dump_events(trail(case))})


@api.get("/register/trail")
@token_required
def get_register_trail():
    """Changes to the register made outside cases, newest first, in the caller's scope."""
    query = in_village_arg(register.events_in_scope(g.user), RegisterEvent.jurisdiction_path,
                           g.user)
    page = api_page(query)
    return jsonify(_page_json(page, [{
        "village": e.village.code, "village_name": e.village.name, "seq": e.seq,
        "action": e.action, "action_title": e.action_title, "actor_name": e.actor_name,
        "role": e.role, "summary": e.summary, "data": e.data,
        "at": e.at.isoformat(timespec="seconds") + "Z", "prev_hash": e.prev_hash,
        "hash": e.hash} for e in page.items]))


@api.get("/openapi.json")
def openapi():
    from workflow.api.openapi import spec

    return jsonify(spec())
