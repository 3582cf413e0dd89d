"""Houses in the browser (危房 register, start a renovation) and in the JSON API."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import _int_arg, _page_json, api_page, json_body, token_required
from workflow.auth.titles import actor_titles
from workflow.cases.models import Case
from workflow.cases.preconditions import start_refusals
from workflow.cases.queries import paginate
from workflow.cases.views import start_case
from workflow.engine import store
from workflow.engine.errors import Invalid, WorkflowError
from workflow.engine.fields import utc_iso
from workflow.extensions import csrf, db
from workflow.housing.models import GRADES, STRUCTURES, House
from workflow.housing.operations import PROCEDURE, archive_of, edit_house, register_house
from workflow.housing.schemas import HouseEditSchema
from workflow.jurisdictions.scope import get_in_scope, place_by_code, scope_filter
from workflow.registry import editing
from workflow.registry.edit_views import event_json
from workflow.registry.models import Household

housing = Blueprint("housing", __name__)
housing_api = Blueprint("housing_api", __name__, url_prefix="/api/v1")
csrf.exempt(housing_api)


def _houses_query(user, village_code: str | None, problems: list[str]):
    query = db.select(House).where(scope_filter(House.jurisdiction_path, user))
    if village_code:
        place = place_by_code(village_code, user)
        if place is None:
            problems.append("所选「村」不存在或不在您的管辖范围内；已忽略此条件")
        else:
            query = query.where(House.jurisdiction_path.startswith(place.path, autoescape=True))
    return query.order_by(House.id)


def _running_cases(house_ids: list[int]) -> dict[int, Case]:
    if not house_ids:
        return {}
    definition = store.current(PROCEDURE)
    finals = [s for s in definition.states if definition.is_final(s)]
    rows = db.session.execute(db.select(Case).where(
        Case.procedure == PROCEDURE, Case.subject_type == "house",
        Case.subject_id.in_(house_ids), Case.state.not_in(finals))).scalars()
    return {c.subject_id: c for c in rows}


@housing.route("/houses")
@login_required
def houses() -> str:
    """危房: houses in scope with their latest grade and running renovation case."""
    problems: list[str] = []
    query = _houses_query(current_user, request.args.get("village", "").strip(), problems)
    page = paginate(query, _int_arg("page", 1), current_app.config["PAGE_SIZE"])
    definition = store.current(PROCEDURE)
    starters = set(definition.body["procedure"]["start_roles"])
    running = _running_cases([h.id for h in page.items])
    rows = [{"house": h, "case": running.get(h.id),
             "can_start": any(a.role in starters for a in current_user.roles_over(h.village))
             and not start_refusals(definition, h)}
            for h in page.items]
    return render_template("housing/list.html", page=page, rows=rows, problems=problems,
                           grades=GRADES, procedure_title=definition.title)


@housing.route("/households/<int:household_id>/houses/new", methods=["GET", "POST"])
@login_required
def new_house(household_id: int) -> str | Response:
    """登记房屋 for one household; field errors are shown beside the fields."""
    household = get_in_scope(Household, household_id, current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in
                ("address", "structure", "year_built", "area")}
        payload = {**{k: v for k, v in form.items() if v != ""}, "household_id": household.id}
        try:
            house = register_house(payload, current_user)
        except Invalid as exc:
            errors = exc.errors or {"_": [exc.message]}
        except WorkflowError as exc:
            errors = {"_": [exc.message]}
        else:
            flash(f"已登记房屋：{house.address}", "success")
            return redirect(url_for("housing.houses", village=household.village.code))
    return render_template("housing/new.html", household=household, errors=errors,
                           values=request.form, structures=STRUCTURES)


def house_page(house: House, errors: dict | None = None, values=None, status: int = 200):
    """One house: its facts and appraisals, the edit form for the roles that may edit
    (``registry.editing.HOUSE_FIELDS``) and its history from the register chain."""
    events = editing.history(house.village_id, "house_id", house.id, "house_registered")
    editable = editing.may_edit(current_user, house.village, editing.HOUSE_FIELDS)
    return render_template(
        "housing/show.html", house=house, errors=errors or {}, values=values or {},
        editable=editable, structures=STRUCTURES, events=events, titles=actor_titles(events),
        labels={k: f.label for k, f in editing.HOUSE_FIELDS.items()},
        show_form=bool(editable) and (request.args.get("edit") == "1" or errors)), status


@housing.route("/houses/<int:house_id>")
@login_required
def show_house(house_id: int):
    return house_page(get_in_scope(House, house_id, current_user))


@housing.post("/houses/<int:house_id>/edit")
@login_required
def edit_house_form(house_id: int):
    house = get_in_scope(House, house_id, current_user)
    payload = {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}
    if payload.get("year_built") == "":
        payload["year_built"] = None  # emptied: not known
    try:
        edit_house(house.id, payload, current_user)
    except WorkflowError as exc:
        return house_page(get_in_scope(House, house_id, current_user),
                          exc.errors or {"_": [exc.message]}, request.form, exc.status)
    flash("已保存房屋信息", "success")
    return redirect(url_for("housing.show_house", house_id=house_id))


@housing.post("/houses/<int:house_id>/renovation")
@login_required
def start_renovation(house_id: int) -> Response:
    """发起农村危房改造 for one house."""
    return start_case(PROCEDURE, house_id, url_for("housing.houses"))


def house_json(h: House) -> dict:
    latest = h.latest_appraisal
    return {"id": h.id, "household_id": h.household_id, "head_name": h.head_name,
            "masked_id": h.masked_id, "address": h.address, "structure": h.structure,
            "structure_title": h.structure_title, "year_built": h.year_built,
            "area": str(h.area), "village": {"code": h.village.code, "name": h.village.name},
            "appraisals": [{"grade": a.grade, "grade_title": a.grade_title,
                            "appraised_on": a.appraised_on.isoformat(),
                            "appraiser": a.appraiser, "certificate_no": a.certificate_no,
                            "case_id": a.case_id} for a in h.appraisals],
            "grade": latest.grade if latest else None, "version": h.version}


@housing_api.get("/houses")
@token_required
def api_list_houses():
    problems: list[str] = []
    query = _houses_query(g.user, request.args.get("village"), problems)
    if problems:
        raise Invalid("查询参数有误", {"village": problems})
    page = api_page(query)
    return jsonify(_page_json(page, [house_json(h) for h in page.items]))


@housing_api.post("/houses")
@token_required
def api_post_house():
    return jsonify(house_json(register_house(json_body(), g.user))), 201


@housing_api.get("/houses/<int:house_id>")
@token_required
def api_get_house(house_id: int):
    return jsonify(house_json(get_in_scope(House, house_id, g.user)))


@housing_api.patch("/houses/<int:house_id>")
@token_required
def api_edit_house(house_id: int):
    return jsonify(house_json(edit_house(house_id, json_body(), g.user)))


@housing_api.get("/houses/<int:house_id>/history")
@token_required
def api_house_history(house_id: int):
    house = get_in_scope(House, house_id, g.user)
    return jsonify([event_json(e) for e in editing.history(
        house.village_id, "house_id", house.id, "house_registered")])


def _edit_operations() -> dict[str, dict]:
    rule = "/api/v1/houses/<int:house_id>"
    return {rule: {"patch": op("修改房屋信息（地址、结构、面积、建造年份；改造案件办理中不能改）",
                               "200", body="HouseEdit",
                               errors=("401", "403", "404", "409", "422"))},
            f"{rule}/history": {"get": op("房屋的登记和修改记录（逐字段修改前后）", "200",
                                          errors=("401", "404"))}}


openapi.document(_edit_operations, schemas={"HouseEdit": HouseEditSchema})


@housing_api.get("/cases/<int:case_id>/archive")
@token_required
def api_get_archive(case_id: int):
    archive = archive_of(get_in_scope(Case, case_id, g.user))
    if archive is None:
        return jsonify({"message": "该案件尚未建档（县级审批同意时建档立号）"}), 404
    return jsonify({**archive, "opened_at": utc_iso(archive["opened_at"]),
                    "closed_at": utc_iso(archive["closed_at"])})
