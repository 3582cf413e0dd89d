"""The household page with its edit forms and field-level history, and the edit API
(thin: parse, call ``registry.edits``, render or dump)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import _household_json, json_body, token_required
from workflow.auth.titles import actor_titles
from workflow.engine.errors import WorkflowError
from workflow.extensions import csrf
from workflow.jurisdictions.scope import get_in_scope
from workflow.registry import editing, edits
from workflow.registry.edit_schemas import (
    HouseholdEditSchema,
    MemberAddSchema,
    MemberEditSchema,
    MemberRemovalSchema,
)
from workflow.registry.models import HOUSEHOLD_STATUSES, Household, mask_phone

# House fields appear in the household's history too (a house registered or edited).
HOUSE_LABELS = {"structure": "结构类型", "area": "建筑面积", "year_built": "建造年份"}
register_edits = Blueprint("register_edits", __name__)
register_edits_api = Blueprint("register_edits_api", __name__, url_prefix="/api/v1")
csrf.exempt(register_edits_api)


def event_json(e) -> dict:
    """One register event as the history lists it."""
    return {"seq": e.seq, "action": e.action, "action_title": e.action_title,
            "actor_name": e.actor_name, "role": e.role, "summary": e.summary,
            "changes": (e.data or {}).get("changes", {}), "reason": (e.data or {}).get("reason"),
            "document_no": (e.data or {}).get("document_no"),
            "at": e.at.isoformat(timespec="seconds") + "Z", "hash": e.hash}


def _form() -> dict[str, Any]:
    """The posted form as an edit payload: checkboxes as booleans, empty text as cleared."""
    values: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
    for name in ("phone", "bank_account", "id_number", "reason", "document_no", "removed_on"):
        if not str(values.get(name, "x")).strip():
            values.pop(name)  # left empty: not changed (phone, account) or not given
    for flag in ("dibao", "tekun", "disabled"):
        if f"{flag}_shown" in values:
            values.pop(f"{flag}_shown")
            values[flag] = flag in request.form
    return values


def _errors(exc: WorkflowError) -> dict[str, list[str]]:
    return exc.errors or {"_": [exc.message]}


def household_page(household: Household, errors: dict | None = None,
                   values: dict | None = None, status: int = 200, form: str = "") -> Any:
    """The page of one household: facts, members (and former members), the edit forms
    the user may use, and the field-level history from the register chain."""
    village = household.village
    events = editing.history(household.village_id, "household_id", household.id,
                             "household_registered")
    return render_template(
        "households/show.html", h=household, errors=errors or {}, values=values or {},
        form=form, events=events, titles=actor_titles(events),
        editable=editing.may_edit(current_user, village, editing.HOUSEHOLD_FIELDS),
        labels={**{k: f.label for k, f in editing.MEMBER_FIELDS.items()},
                **{k: f.label for k, f in editing.HOUSEHOLD_FIELDS.items()},
                **HOUSE_LABELS, "size": "家庭人口"},
        masked_phone=mask_phone(household.phone), statuses=HOUSEHOLD_STATUSES,
        choice_title=editing.choice_title,
        member_editor=bool(editing.roles_here(current_user, village) & editing.MEMBER_EDITORS),
    ), status


@register_edits.route("/households/<int:household_id>")
@login_required
def show(household_id: int):
    return household_page(get_in_scope(Household, household_id, current_user))


def _post(household_id: int, form: str, run) -> Any:
    household = get_in_scope(Household, household_id, current_user)
    try:
        message = run(household.id, _form())
    except WorkflowError as exc:
        household = get_in_scope(Household, household_id, current_user)
        return household_page(household, _errors(exc), request.form, exc.status, form)
    flash(message, "success")
    return redirect(url_for("register_edits.show", household_id=household_id))


@register_edits.post("/households/<int:household_id>/edit")
@login_required
def edit(household_id: int) -> Response:
    return _post(household_id, "household", lambda hid, values: (
        edits.edit_household(hid, values, current_user) and "已保存农户信息"))


@register_edits.post("/households/<int:household_id>/members")
@login_required
def add_member(household_id: int) -> Response:
    return _post(household_id, "add_member", lambda hid, values: (
        f"已增加家庭成员：{edits.add_member(hid, values, current_user).name}"))


@register_edits.post("/households/<int:household_id>/members/<int:member_id>/removal")
@login_required
def remove_member(household_id: int, member_id: int) -> Response:
    return _post(household_id, f"remove_{member_id}", lambda hid, values: (
        f"已减少家庭成员：{edits.remove_member(hid, member_id, values, current_user).name}"))


@register_edits.post("/households/<int:household_id>/members/<int:member_id>/edit")
@login_required
def edit_member(household_id: int, member_id: int) -> Response:
    return _post(household_id, f"member_{member_id}", lambda hid, values: (
        f"已修改家庭成员：{edits.edit_member(hid, member_id, values, current_user).name}"))


# --- API --------------------------------------------------------------------------------

@register_edits_api.patch("/households/<int:household_id>")
@token_required
def api_edit(household_id: int):
    return jsonify(_household_json(edits.edit_household(household_id, json_body(), g.user)))


@register_edits_api.post("/households/<int:household_id>/members")
@token_required
def api_add_member(household_id: int):
    edits.add_member(household_id, json_body(), g.user)
    return jsonify(_household_json(get_in_scope(Household, household_id, g.user))), 201


@register_edits_api.patch("/households/<int:household_id>/members/<int:member_id>")
@token_required
def api_edit_member(household_id: int, member_id: int):
    edits.edit_member(household_id, member_id, json_body(), g.user)
    return jsonify(_household_json(get_in_scope(Household, household_id, g.user)))


@register_edits_api.post("/households/<int:household_id>/members/<int:member_id>/removal")
@token_required
def api_remove_member(household_id: int, member_id: int):
    edits.remove_member(household_id, member_id, json_body(), g.user)
    return jsonify(_household_json(get_in_scope(Household, household_id, g.user)))


@register_edits_api.get("/households/<int:household_id>/history")
@token_required
def api_history(household_id: int):
    household = get_in_scope(Household, household_id, g.user)
    return jsonify([event_json(e) for e in editing.history(
        household.village_id, "household_id", household.id, "household_registered")])


EDIT_ERRORS = ("401", "403", "404", "409", "422")


def _operations() -> dict[str, dict]:
    v1 = "/api/v1/households/<int:household_id>"
    return {
        v1: {"patch": op("修改农户信息（住址、电话、低保/特困、一卡通、户状态；按角色）", "200",
                         body="HouseholdEdit", errors=EDIT_ERRORS)},
        f"{v1}/members": {"post": op("增加家庭成员", "201", body="MemberAdd",
                                     errors=EDIT_ERRORS)},
        f"{v1}/members/<int:member_id>": {"patch": op(
            "修改家庭成员（与户主关系等）", "200", body="MemberEdit", errors=EDIT_ERRORS)},
        f"{v1}/members/<int:member_id>/removal": {"post": op(
            "减少家庭成员（保留记录，注明原因和日期）", "200", body="MemberRemoval",
            errors=EDIT_ERRORS)},
        f"{v1}/history": {"get": op("农户的登记和修改记录（建档留痕，逐字段修改前后）", "200",
                                    errors=("401", "404"))},
    }


openapi.document(_operations, schemas={
    "HouseholdEdit": HouseholdEditSchema, "MemberAdd": MemberAddSchema,
    "MemberEdit": MemberEditSchema, "MemberRemoval": MemberRemovalSchema})


def init_app(app: Flask) -> None:
    app.register_blueprint(register_edits)
    app.register_blueprint(register_edits_api)
