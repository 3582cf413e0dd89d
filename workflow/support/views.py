"""帮扶措施 pages (a household's causes, labour, schooling and measures; the import; the
special-action board with its drill-down) and their JSON API under /api/v1. Thin: every
change goes through support.operations or registry.edits."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from workflow import clock
from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import json_body, token_required
from workflow.engine.errors import Invalid, WorkflowError
from workflow.extensions import csrf
from workflow.jurisdictions.scope import filter_places, get_in_scope
from workflow.registry import editing, edits
from workflow.registry.models import Household
from workflow.support import board as boards
from workflow.support import operations as ops
from workflow.support.catalog import catalog
from workflow.support.imports import import_measures, template_csv
from workflow.support.rules import Month, household_gaps
from workflow.support.schemas import MeasureCreateSchema, MeasureEditSchema, MeasureEndSchema

support = Blueprint("support", __name__, url_prefix="/support")
support_api = Blueprint("support_api", __name__, url_prefix="/api/v1")
csrf.exempt(support_api)
NO_FILE = "「文件」为必填项：一个 .xlsx 或 .csv"


def measure_json(m) -> dict:
    cat = catalog()
    return {"id": m.id, "household_id": m.household_id, "member_id": m.member_id,
            "member_name": m.member.name if m.member else None,
            "action": m.action, "action_title": cat.actions[m.action],
            "kind": m.kind, "kind_title": cat.kinds[m.kind], "department": m.department,
            "department_title": cat.departments.get(m.department, m.department),
            "starts_on": m.starts_on.isoformat(),
            "ends_on": m.ends_on.isoformat() if m.ends_on else None,
            "amount": f"{m.amount:.2f}", "note": m.note, "entered_by": m.entered_by_name,
            "ended_reason": m.ended_reason, "in_force": m.in_force(clock.today()),
            "version": m.version}


def _this_month() -> Month:
    today = clock.today()
    return Month.of(today.year, today.month)


def household_page(household: Household, errors: dict | None = None, form: str = "",
                   status: int = 200):
    """One household's support: causes, members' labour and schooling, measures, gaps."""
    month = _this_month()
    return render_template(
        "support/household.html", household=household, cat=catalog(),
        measures=ops.measures_of(household), gaps=household_gaps(household, month),
        errors=errors or {}, form=form, values=request.form, today=clock.today(),
        may_enter=sorted(ops.actions_for(current_user, household.village)),
        may_edit=bool(editing.roles_here(current_user, household.village) & editing.SUPPORT),
        events=[e for e in editing.history(household.village_id, "household_id",
                                           household.id, "household_registered")
                if e.action.startswith("measure")][:50]), status


def _post(household_id: int, form: str, run):
    household = get_in_scope(Household, household_id, current_user)
    values = {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}
    try:
        message = run(household, {k: v for k, v in values.items() if v != ""})
    except WorkflowError as exc:
        household = get_in_scope(Household, household_id, current_user)
        return household_page(household, exc.errors or {"_": [exc.message]}, form, exc.status)
    flash(message, "success")
    return redirect(url_for("support.household", household_id=household_id))


@support.route("/households/<int:household_id>")
@login_required
def household(household_id: int):
    return household_page(get_in_scope(Household, household_id, current_user))


@support.post("/households/<int:household_id>/measures")
@login_required
def add_measure(household_id: int):
    return _post(household_id, "add", lambda h, v: (
        f"已新增帮扶措施：{ops.describe(ops.add_measure(h.id, v, current_user))}"))


@support.post("/households/<int:household_id>/measures/<int:measure_id>/end")
@login_required
def end_measure(household_id: int, measure_id: int):
    return _post(household_id, f"end_{measure_id}", lambda h, v: (
        f"已终止帮扶措施：{ops.describe(ops.end_measure(measure_id, v, current_user))}"))


@support.post("/households/<int:household_id>/causes")
@login_required
def causes(household_id: int):
    def run(h, values):
        others = request.form.getlist("other_causes")
        edits.edit_household(h.id, {"version": values.get("version"),
                                    "main_cause": values.get("main_cause"),
                                    "other_causes": [c for c in others if c]}, current_user)
        return "已保存致贫原因"
    return _post(household_id, "causes", run)


@support.post("/households/<int:household_id>/members/<int:member_id>")
@login_required
def member(household_id: int, member_id: int):
    def run(h, values):
        edits.edit_member(h.id, member_id, {
            "version": values.get("version"),
            "labour_capacity": values.get("labour_capacity") or None,
            "schooling": values.get("schooling") or None}, current_user)
        return "已保存劳动能力和在校生情况"
    return _post(household_id, f"member_{member_id}", run)


def _board_args(user) -> tuple:
    action = boards.action_of(user, request.args.get("special_action"))
    place = boards.place_of(user, request.args.get("place"))
    return action, place, boards.month_of(request.args.get("month"))


@support.route("/board")
@login_required
def board():
    try:
        action, place, month = _board_args(current_user)
    except Invalid as exc:
        flash("；".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("support.board"))
    return render_template("support/board.html", action=action, place=place,
                           places=filter_places(current_user, place.code),
                           month=boards.month_text(month), actions=boards.actions_shown(
                               current_user), rules=boards.board(current_user, action, place,
                                                                 month))


@support.route("/board/gaps")
@login_required
def gaps():
    action, place, month = _board_args(current_user)
    rule = request.args.get("rule")
    return render_template("support/gaps.html", action=action, place=place, rule=rule,
                           month=boards.month_text(month), rule_title=boards.RULES[
                               rule].title if rule in boards.RULES else "",
                           rows=boards.gaps(current_user, rule, place, month))


@support.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    report, error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise Invalid("请选择要导入的文件", {"file": [NO_FILE]})
            report = import_measures(upload.filename, upload.read(), current_user)
        except WorkflowError as exc:
            error = "；".join([m for msgs in exc.errors.values() for m in msgs] or [exc.message])
    return render_template("support/import.html", report=report, error=error)


@support.route("/import/template.csv")
@login_required
def import_template():
    return send_file(io.BytesIO(template_csv()), mimetype="text/csv", as_attachment=True,
                     download_name="帮扶措施导入模板.csv")


# --- API -------------------------------------------------------------------------------

@support_api.get("/support/catalog")
@token_required
def api_catalog():
    cat = catalog()
    return jsonify({"causes": cat.causes, "labour": cat.labour, "schooling": cat.schooling,
                    "actions": cat.actions,
                    "kinds": {k: {"title": t, "action": cat.kind_action[k]}
                              for k, t in cat.kinds.items()},
                    "departments": cat.departments})


@support_api.get("/households/<int:household_id>/measures")
@token_required
def api_measures(household_id: int):
    household = get_in_scope(Household, household_id, g.user)
    month = _this_month()
    return jsonify({"measures": [measure_json(m) for m in ops.measures_of(household)],
                    "gaps": [{"rule": r.name, "title": r.title, "count": n}
                             for r, n in household_gaps(household, month)]})


@support_api.post("/households/<int:household_id>/measures")
@token_required
def api_add_measure(household_id: int):
    return jsonify(measure_json(ops.add_measure(household_id, json_body(), g.user))), 201


@support_api.patch("/measures/<int:measure_id>")
@token_required
def api_edit_measure(measure_id: int):
    return jsonify(measure_json(ops.edit_measure(measure_id, json_body(), g.user)))


@support_api.post("/measures/<int:measure_id>/end")
@token_required
def api_end_measure(measure_id: int):
    return jsonify(measure_json(ops.end_measure(measure_id, json_body(), g.user)))


@support_api.post("/measures/import")
@token_required
def api_import():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("请选择要导入的文件", {"file": [NO_FILE]})
    report = import_measures(upload.filename, upload.read(), g.user)
    return jsonify({"created": report.created, "households": report.households,
                    "written": not report.problems, "problems": report.problems[:500],
                    "problem_count": len(report.problems)}), 200 if not report.problems else 422


@support_api.get("/support/board")
@token_required
def api_board():
    action, place, month = _board_args(g.user)
    return jsonify({"action": action, "place": {"code": place.code, "name": place.name},
                    "month": boards.month_text(month),
                    "rules": boards.board(g.user, action, place, month)})


@support_api.get("/support/gaps")
@token_required
def api_gaps():
    action, place, month = _board_args(g.user)
    rows = boards.gaps(g.user, request.args.get("rule"), place, month)
    return jsonify({"households": [{"id": r["household"].id,
                                    "head_name": r["household"].head_name,
                                    "masked_id": r["household"].masked_id,
                                    "village": r["household"].village.name,
                                    "gaps": r["gaps"]} for r in rows]})


def _operations() -> dict[str, dict]:
    v1 = "/api/v1"
    board_params = ("special_action", "place", "month")
    upload = op("导入帮扶措施（一个 .xlsx 或 .csv；全部无误才写入，逐行报告）", "200",
                errors=("401", "403", "413", "422"))
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    return {
        f"{v1}/support/catalog": {"get": op(
            "致贫原因、劳动能力、在校生、专项行动、措施类型、责任部门名录", "200")},
        f"{v1}/households/<int:household_id>/measures": {
            "get": op("农户的帮扶措施及未覆盖的规则", "200", errors=("401", "404")),
            "post": op("新增帮扶措施（全户或家庭成员）", "201", body="MeasureCreate",
                       errors=("401", "403", "404", "422"))},
        f"{v1}/measures/<int:measure_id>": {
            "patch": op("修改帮扶措施", "200", body="MeasureEdit",
                        errors=("401", "403", "404", "409", "422"))},
        f"{v1}/measures/<int:measure_id>/end": {
            "post": op("终止帮扶措施", "200", body="MeasureEnd",
                       errors=("401", "403", "404", "409", "422"))},
        f"{v1}/measures/import": {"post": upload},
        f"{v1}/support/board": {"get": op(
            "专项行动作战图：应覆盖、已覆盖、未覆盖（按下级地区）", "200", params=board_params)},
        f"{v1}/support/gaps": {"get": op("未覆盖的农户（按覆盖规则）", "200",
                                         params=(*board_params, "rule"))},
    }


openapi.document(_operations, schemas={"MeasureCreate": MeasureCreateSchema,
                                       "MeasureEdit": MeasureEditSchema,
                                       "MeasureEnd": MeasureEndSchema},
                 query={"special_action": {"type": "string", "enum": list(catalog().actions)},
                        "month": {"type": "string", "pattern": r"^\d{4}-\d{1,2}$",
                                  "description": "年-月，如 2020-06；不填为本月"},
                        "rule": {"type": "string", "enum": sorted(catalog().rules)}})


def init_app(app: Flask) -> None:
    app.register_blueprint(support)
    app.register_blueprint(support_api)
