"""帮扶进展 pages (a household's 本月帮扶进展 with its year's months; the 月度进展 board per
place and month with the quarterly table) and their JSON API under /api/v1. Thin: every
entry goes through progress.operations."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from workflow import clock
from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import json_body, token_required
from workflow.engine.errors import Invalid, WorkflowError
from workflow.engine.fields import parse_int
from workflow.extensions import csrf
from workflow.jurisdictions.scope import filter_places, get_in_scope
from workflow.progress import board as boards
from workflow.progress import operations as ops
from workflow.progress.models import CATEGORIES
from workflow.progress.schemas import ProgressSchema
from workflow.registry import editing
from workflow.registry.models import Household
from workflow.support.board import QUERY_MESSAGE, month_of, month_text, place_of

progress = Blueprint("progress", __name__, url_prefix="/progress")
progress_api = Blueprint("progress_api", __name__, url_prefix="/api/v1")
csrf.exempt(progress_api)


def entry_json(e) -> dict:
    return {"id": e.id, "household_id": e.household_id, "year": e.year, "month": e.month,
            "income_to_date": f"{e.income_to_date:.2f}", "household_size": e.household_size,
            "per_capita": f"{e.per_capita:.2f}", "household_status": e.household_status,
            "category": e.category, "category_title": e.category_title,
            "reached_this_month": e.category == "reached", "measures": e.measures,
            "note": e.note, "entered_by": e.entered_by_name,
            "entered_at": e.entered_at.replace(microsecond=0).isoformat() + "Z",
            "version": e.version}


def _year(text: str | None) -> int:
    if not text:
        return clock.today().year
    year = parse_int(text, 2014, 2035)
    if year is None:
        raise Invalid(QUERY_MESSAGE, {"year": ["「年度」应为 2014 至 2035 的年份"]})
    return year


def household_page(household: Household, errors: dict | None = None, status: int = 200):
    """One household's year: each month's figures with 达标 marked, and the entry form."""
    try:
        year = _year(request.args.get("year"))
    except Invalid:
        year = clock.today().year
    today = clock.today()
    entries = ops.entries_of(household, year)
    month = parse_int(request.form.get("month") or request.args.get("month"), 1, 12) \
        or (today.month if year == today.year else 12)
    current = next((e for e in entries if e.month == month), None)
    return render_template(
        "progress/household.html", h=household, year=year, entries=entries,
        reached=ops.reached_month(entries), current=current, month=month,
        errors=errors or {}, values=request.form, may_enter=ops.may_enter(
            current_user, household), events=[
                e for e in editing.history(household.village_id, "household_id",
                                           household.id, "household_registered")
                if e.action.startswith("progress")][:50]), status


@progress.route("/households/<int:household_id>")
@login_required
def household(household_id: int):
    return household_page(get_in_scope(Household, household_id, current_user))


@progress.post("/households/<int:household_id>")
@login_required
def enter(household_id: int):
    household = get_in_scope(Household, household_id, current_user)
    values = {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}
    values = {k: v for k, v in values.items() if v != ""}
    try:
        entry, created = ops.record_progress(household.id, values, current_user)
    except WorkflowError as exc:
        household = get_in_scope(Household, household_id, current_user)
        return household_page(household, exc.errors or {"_": [exc.message]}, exc.status)
    mark = "，本月达标" if entry.category == "reached" else ""
    flash(f"已{'录入' if created else '修改'} {entry.year} 年 {entry.month} 月帮扶进展：人均纯收入 "
          f"{entry.per_capita:,.2f} 元{mark}", "success")
    return redirect(url_for("progress.household", household_id=household_id, year=entry.year))


def _board_args(user):
    place = place_of(user, request.args.get("place"))
    month = month_of(request.args.get("month"))
    return place, month.first.year, month.first.month


@progress.route("/board")
@login_required
def board():
    try:
        place, year, month = _board_args(current_user)
    except Invalid as exc:
        flash("；".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("progress.board"))
    category = request.args.get("category")
    listed = place.level == "village" or category in (*CATEGORIES, "out_all")
    return render_template(
        "progress/board.html", place=place, places=filter_places(current_user, place.code),
        month=f"{year}-{month:02d}", year=year, number=month,
        board=boards.month_board(current_user, place, year, month),
        quarters=boards.quarters(current_user, place, year), category=category,
        entries=boards.households(current_user, place, year, month, category)
        if listed else None, categories=CATEGORIES)


# --- API -------------------------------------------------------------------------------

@progress_api.get("/households/<int:household_id>/progress")
@token_required
def api_entries(household_id: int):
    household = get_in_scope(Household, household_id, g.user)
    year = _year(request.args.get("year"))
    entries = ops.entries_of(household, year)
    return jsonify({"year": year, "reached_month": ops.reached_month(entries),
                    "entries": [entry_json(e) for e in entries]})


@progress_api.post("/households/<int:household_id>/progress")
@token_required
def api_enter(household_id: int):
    entry, created = ops.record_progress(household_id, json_body(), g.user)
    return jsonify(entry_json(entry)), 201 if created else 200


@progress_api.get("/progress/board")
@token_required
def api_board():
    place, year, month = _board_args(g.user)
    return jsonify({"place": {"code": place.code, "name": place.name},
                    "month": month_text(month_of(f"{year}-{month}")),
                    **boards.month_board(g.user, place, year, month),
                    "quarters": boards.quarters(g.user, place, year)})


def _operations() -> dict[str, dict]:
    v1 = "/api/v1"
    return {
        f"{v1}/households/<int:household_id>/progress": {
            "get": op("农户本年各月帮扶进展（本月达标标注在达标当月）", "200",
                      errors=("401", "404"), params=("year",)),
            "post": op("录入本月帮扶进展（同一月份再次录入为修改，留痕）", "201",
                       body="ProgressEntry", errors=("401", "403", "404", "409", "422"))},
        f"{v1}/progress/board": {"get": op(
            "月度进展：未达标、本月达标、已脱贫（按下级地区），及低于质量目标的已脱贫户（按季度）",
            "200", params=("place", "month"))},
    }


openapi.document(_operations, schemas={"ProgressEntry": ProgressSchema})


def init_app(app: Flask) -> None:
    app.register_blueprint(progress)
    app.register_blueprint(progress_api)
