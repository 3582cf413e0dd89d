"""办理用时（堵点） pages on the boards and their JSON API: per step of a procedure the
stays that ended in a month in a place (median, 90th percentile, over the limit), and per
step the places below and the slow cases (workflow/oversight/bottlenecks.py)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, g, jsonify, render_template, request
from flask_login import current_user, login_required

from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import token_required
from workflow.cases import step_times
from workflow.engine import store
from workflow.engine.errors import Invalid, NotFound, WorkflowError
from workflow.extensions import csrf
from workflow.jurisdictions.scope import place_by_code
from workflow.oversight import bottlenecks
from workflow.oversight.blueprint import oversight

bottlenecks_api = Blueprint("bottlenecks_api", __name__, url_prefix="/api/v1")
csrf.exempt(bottlenecks_api)


def _args(user, place_arg: str = "place"):
    """(definition, place, month) from the query: a known procedure, a place in the
    user's scope (their own first place when none is named) and a valid month."""
    procedures = store.catalog().procedures
    definition = procedures.get(request.args.get("procedure", "household_exit"))
    if definition is None:
        raise NotFound("没有这一流程")
    code = request.args.get(place_arg, "")[:12]
    if code:
        place = place_by_code(code, user)
        if place is None:
            raise NotFound("该地区不存在或不在您的管辖范围内")
    else:
        mine = sorted((a.jurisdiction for a in user.assignments), key=lambda p: p.path)
        if not mine:
            raise NotFound("您没有管辖的地区")
        place = mine[0]
    try:
        month = bottlenecks.parse_month(request.args.get("month"))
    except WorkflowError as exc:
        if place_arg == "jurisdiction":  # the API reports a bad query parameter as 422
            raise Invalid(exc.message, {"month": [exc.message]}) from exc
        raise
    return definition, place, month


@oversight.route("/boards/steps")
@login_required
def board_steps() -> str:
    """办理用时（堵点）: one row per step, the slowest highlighted."""
    definition, place, month = _args(current_user)
    rows = bottlenecks.by_step(definition, place, month)
    slowest = max((r for r in rows if r.stats.cases), default=None,
                  key=lambda r: (r.stats.p90, r.stats.over_limit))
    return render_template("oversight/steps.html", definition=definition, place=place,
                           month=month, rows=rows, months=bottlenecks.months_back(),
                           slowest=slowest, text=step_times.bucket_text,
                           duration=step_times.duration_text,
                           procedures=list(store.catalog().procedures.values()))


@oversight.route("/boards/steps/<state>")
@login_required
def board_step(state: str) -> str:
    """One step: the places below with their figures, and the slowest cases."""
    definition, place, month = _args(current_user)
    if state not in bottlenecks.steps(definition):
        abort(404)
    total = bottlenecks.by_step(definition, place, month)
    row = next(r for r in total if r.state == state)
    return render_template(
        "oversight/step.html", definition=definition, place=place, month=month, row=row,
        places=bottlenecks.by_place(definition, place, month, state),
        slow=bottlenecks.slow_cases(definition, place, month, state, row.stats.cases),
        months=bottlenecks.months_back(), text=step_times.bucket_text,
        duration=step_times.duration_text, slow_limit=bottlenecks.SLOW_LIMIT)


@bottlenecks_api.get("/boards/step-times")
@token_required
def api_step_times():
    definition, place, month = _args(g.user, "jurisdiction")
    return jsonify(bottlenecks.as_json(definition, place, month))


def _operations() -> dict[str, dict]:
    return {"/api/v1/boards/step-times": {
        "get": op("办理用时（堵点）：某地某月各环节的办结件数、平均、中位数、90%用时和超时件数",
                  "200", errors=("401", "404"),
                  params=("procedure", "jurisdiction", "month"))}}


# The same ``month`` as the support board's (one query parameter, one schema).
openapi.document(_operations, query={"month": {
    "type": "string", "pattern": r"^\d{4}-\d{1,2}$",
    "description": "年-月，如 2020-06；不填为本月"}})


def init_app(app: Flask) -> None:
    app.register_blueprint(bottlenecks_api)
