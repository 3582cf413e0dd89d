"""Places for administrators: the tree, division import, rename, 撤并, rural population
(pages under /admin/places and /api/v1/admin/places; thin over ``operations``)."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from workflow.api import openapi
from workflow.api.views import token_required
from workflow.audit import admin
from workflow.engine.errors import Invalid, WorkflowError
from workflow.extensions import csrf, db
from workflow.jurisdictions import operations as places
from workflow.jurisdictions.models import LEVEL_TITLES, Jurisdiction
from workflow.jurisdictions.scope import forget_mergers, scope_filter

places_pages = Blueprint("places", __name__)
places_api = Blueprint("places_api", __name__, url_prefix="/api/v1/admin/places")
csrf.exempt(places_api)


def _require_admin_role(user) -> None:
    if not places.admin_places(user):
        abort(403)


def _tree(user) -> list[Jurisdiction]:
    """The places in the user's scope, in tree order (with merged-in predecessors)."""
    return db.session.execute(
        db.select(Jurisdiction).where(scope_filter(Jurisdiction.path, user))
        .order_by(Jurisdiction.path)).scalars().all()


def place_json(place: Jurisdiction) -> dict:
    return {"code": place.code, "name": place.name, "level": place.level,
            "level_title": LEVEL_TITLES[place.level],
            "parent": place.parent.code if place.parent else None,
            "merged_into": place.merged_into.code if place.merged_into else None,
            "merged_on": place.merged_on.isoformat() if place.merged_on else None,
            "merge_document": place.merge_document, "note": place.merger_note}


def report_json(report) -> dict:
    return {"rows": report.rows, "created": report.created, "unchanged": report.unchanged,
            "written": report.written, "sha256": report.sha256, "summary": report.summary,
            "problems": report.problems, "problem_count": len(report.problems)}


def _message(exc: WorkflowError) -> str:
    return "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message])


def _upload(name: str = "file") -> tuple[str, bytes]:
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        raise Invalid("请选择要导入的文件", {"file": ["「文件」为必填项：一个 .csv 或 .xlsx"]})
    return upload.filename, upload.read()


# --- pages -----------------------------------------------------------------------------

@places_pages.route("/admin/places", methods=["GET", "POST"])
@login_required
def index():
    """行政区划: the tree in scope, and the division import with its report."""
    _require_admin_role(current_user)
    report, error = None, None
    if request.method == "POST":
        try:
            report = places.import_places(*_upload(), current_user)
        except WorkflowError as exc:
            error = _message(exc)
    return render_template("places/index.html", places=_tree(current_user), report=report,
                           error=error, titles=LEVEL_TITLES)


@places_pages.route("/admin/places/<code>", methods=["GET", "POST"])
@login_required
def show(code: str):
    """One place: rename, 撤并, and (a village) its rural population by year."""
    _require_admin_role(current_user)
    try:
        place = places.find_place(code, current_user)
    except WorkflowError:
        abort(404)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            what = form.get("what", "")
            if what == "rename":
                places.rename_place(code, form.get("name", ""), form.get("document", ""),
                                    form.get("on", ""), current_user)
                flash("已更名", "success")
            elif what == "merge":
                places.merge_place(code, form.get("into", ""), form.get("on", ""),
                                   form.get("document", ""), current_user)
                flash("已登记撤并", "success")
            elif what == "population":
                upload = request.files.get("evidence")
                evidence = (upload.read(), upload.filename, upload.mimetype) \
                    if upload and upload.filename else None
                places.record_population(code, form.get("year"), form.get("people"),
                                         form.get("source", ""), form.get("document", ""),
                                         current_user, evidence)
                flash("已登记农村人口", "success")
            else:
                raise Invalid("填写有误", {"what": ["未知的操作"]})
            return redirect(url_for("places.show", code=place.code))
        except WorkflowError as exc:
            db.session.rollback()
            error = _message(exc)
    events = db.session.execute(admin.events_in_scope(current_user, target=f"place:{place.code}")
                                .limit(50)).scalars().all()
    return render_template("places/show.html", place=place, error=error, events=events,
                           populations=places.populations(place), titles=LEVEL_TITLES,
                           same_level=[p for p in _tree(current_user)
                                       if p.level == place.level and p.id != place.id
                                       and not p.merged_into_id])


# --- API -------------------------------------------------------------------------------

@places_api.get("")
@token_required
def api_list():
    _require_admin_role(g.user)
    return jsonify([place_json(p) for p in _tree(g.user)])


@places_api.post("/import")
@token_required
def api_import():
    _require_admin_role(g.user)
    report = places.import_places(*_upload(), g.user)
    return jsonify(report_json(report)), 422 if report.problems else 200


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("请求体有误", {"_body": ["请求体应为 JSON 对象"]})
    return {k: (v if isinstance(v, str | int) and not isinstance(v, bool) else "")
            for k, v in body.items()}


@places_api.post("/<code>/rename")
@token_required
def api_rename(code: str):
    _require_admin_role(g.user)
    body = _body()
    place = places.rename_place(code, str(body.get("name", "")), str(body.get("document", "")),
                                str(body.get("on", "")), g.user)
    return jsonify(place_json(place))


@places_api.post("/<code>/merge")
@token_required
def api_merge(code: str):
    _require_admin_role(g.user)
    body = _body()
    place = places.merge_place(code, str(body.get("into", "")), str(body.get("on", "")),
                               str(body.get("document", "")), g.user)
    return jsonify(place_json(place))


@places_api.post("/<code>/populations")
@token_required
def api_population(code: str):
    _require_admin_role(g.user)
    body = _body()
    row = places.record_population(code, body.get("year"), body.get("people"),
                                   str(body.get("source", "")), str(body.get("document", "")),
                                   g.user)
    return jsonify({"code": code, "year": row.year, "people": row.people,
                    "source": row.source, "document": row.document}), 201


def _operations() -> dict[str, dict]:
    errors = ("401", "403", "404", "422")
    upload = openapi.op("导入行政区划（一个 .csv 或 .xlsx；全部正确才写入，重复导入无变化）",
                        "200", errors=("401", "403", "413", "422"))
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    text = {"type": "string", "maxLength": 64}
    day = {"type": "string", "format": "date"}
    rename = {"type": "object", "required": ["name", "document", "on"],
              "properties": {"name": text, "document": text, "on": day}}
    merge = {"type": "object", "required": ["into", "document", "on"],
             "properties": {"into": text, "document": text, "on": day}}
    population = {"type": "object", "required": ["year", "people", "source"],
                  "properties": {"year": {"type": "integer", "minimum": 2014, "maximum": 2035},
                                 "people": {"type": "integer", "minimum": 1,
                                            "maximum": places.MAX_PEOPLE},
                                 "source": text, "document": text}}
    base = "/api/v1/admin/places"
    return {
        base: {"get": openapi.op("管辖范围内的地区（含撤并情况），仅系统管理员", "200",
                                 errors=("401", "403"))},
        f"{base}/import": {"post": upload},
        f"{base}/<code>/rename": {"post": openapi.op("地区更名（须有文号、生效日期）", "200",
                                                     body=rename, errors=errors)},
        f"{base}/<code>/merge": {"post": openapi.op("地区撤并（并入同级地区）", "200",
                                                    body=merge, errors=errors)},
        f"{base}/<code>/populations": {"post": openapi.op(
            "登记村农业户籍人口（按年度，贫困发生率的分母）", "201", body=population,
            errors=errors)},
    }


openapi.document(_operations)


def init_app(app: Flask) -> None:
    app.register_blueprint(places_pages)
    app.register_blueprint(places_api)
    # Mergers are cached per request (scope.mergers); a held-open app context (tests,
    # commands) must not carry them into the next request.
    app.before_request(forget_mergers)
    from workflow.jurisdictions.commands import places_cli

    app.cli.add_command(places_cli)
