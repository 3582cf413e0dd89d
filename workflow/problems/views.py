"""问题台账 pages (the ledger with its counts and export, 问题登记, 转为整改问题 from a
confirmed audit finding) and their JSON API. Thin: every change goes through
problems.operations; the case itself is worked on the case page like any other."""
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
from openpyxl import Workbook

from workflow import clock
from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import json_body, token_required
from workflow.engine.errors import WorkflowError
from workflow.extensions import csrf
from workflow.jurisdictions.models import LEVEL_TITLES
from workflow.jurisdictions.scope import filter_places, place_by_code
from workflow.problems import operations as ops
from workflow.problems.models import CATEGORIES, SOURCES
from workflow.problems.schemas import FindingProblemSchema, ProblemSchema
from workflow.projects.models import DEPARTMENTS
from workflow.spreadsheets import append_row

problems = Blueprint("problems", __name__, url_prefix="/problems")
problems_api = Blueprint("problems_api", __name__, url_prefix="/api/v1")
csrf.exempt(problems_api)
PAGE_ROWS = 500
COLUMNS = ("编号", "问题概述", "问题来源", "问题类别", "发现单位", "责任单位", "责任部门",
           "整改时限", "状态", "是否逾期", "登记人", "登记日期", "案件编号")


def _filters(user) -> dict:
    args = request.args
    code = args.get("jurisdiction", "")[:12]
    return {"place": place_by_code(code, user) if code else None,
            "state": args.get("state") if args.get("state") in ops.STATES else "",
            "source": args.get("source") if args.get("source") in SOURCES else "",
            "overdue_only": args.get("overdue") in ("1", "true")}


def _form_values() -> dict:
    return {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip()}


def row_json(row: ops.LedgerRow) -> dict:
    p = row.problem
    return {"id": p.id, "case_id": row.case_id, "title": p.title, "description": p.description,
            "source": p.source, "source_title": p.source_title, "category": p.category,
            "category_title": p.category_title, "found_by": p.found_by_title,
            "place": {"code": p.place.code, "name": p.place.full_name},
            "department": p.department, "department_title": p.department_title or None,
            "deadline": p.deadline.isoformat(), "state": row.state,
            "state_title": row.state_title, "overdue": row.overdue,
            "closed_on": row.closed_on.isoformat() if row.closed_on else None}


@problems.route("")
@login_required
def ledger():
    """问题台账: counts per place (open, to verify, closed, overdue, rate closed) and the
    problems themselves, filtered by place, state, source and overdue."""
    filters = _filters(current_user)
    rows = ops.ledger(current_user, **filters)
    return render_template(
        "problems/ledger.html", rows=rows[:PAGE_ROWS], shown=min(len(rows), PAGE_ROWS),
        total=len(rows), tallies=ops.tallies(rows, filters["place"], current_user),
        args=request.args, states=ops.STATES, sources=SOURCES, level_titles=LEVEL_TITLES,
        places=filter_places(current_user, request.args.get("jurisdiction", "")),
        may_record=bool(ops.recording_sources(current_user)))


@problems.route("/ledger.xlsx")
@login_required
def export():
    """The ledger as filtered, every row, as an Excel file."""
    rows = ops.ledger(current_user, **_filters(current_user))
    book = Workbook()
    sheet = book.active
    sheet.title = "问题台账"
    append_row(sheet, COLUMNS)
    for row in rows:
        p = row.problem
        append_row(sheet, (p.id, p.title, p.source_title, p.category_title, p.found_by_title,
                           p.place.full_name, p.department_title, p.deadline.isoformat(),
                           row.state_title, "是" if row.overdue else "否", p.recorded_by_name,
                           clock.to_local(p.recorded_at).date().isoformat(), row.case_id))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"问题台账-{clock.today()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _new_page(errors: dict | None = None, status: int = 200):
    return render_template(
        "problems/new.html", errors=errors or {}, values=request.form,
        sources=ops.recording_sources(current_user), categories=CATEGORIES,
        departments=DEPARTMENTS, places=[p for p in filter_places(current_user)
                                         if p.level != "city" and not p.merged_into_id],
        today=clock.today()), status


@problems.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """问题登记: the problem, its responsible place and department, and its deadline."""
    if request.method == "GET":
        return _new_page()
    try:
        problem = ops.record_problem(_form_values(), current_user)
    except WorkflowError as exc:
        return _new_page(exc.errors or {"_": [exc.message]}, exc.status)
    flash(f"已登记整改问题 {problem.id}，已交{problem.place.name}整改", "success")
    return redirect(url_for("problems.ledger"))


@problems.post("/from-finding/<int:finding_id>")
@login_required
def from_finding(finding_id: int):
    """转为整改问题 from the auditor's workspace (one click; the form gives the deadline)."""
    try:
        problem = ops.from_finding(finding_id, _form_values(), current_user)
    except WorkflowError as exc:
        flash("；".join([m for v in exc.errors.values() for m in v] or [exc.message]), "error")
        return redirect(url_for("oversight.workspace") + "#confirmed")
    flash(f"已转为整改问题 {problem.id}，已交{problem.place.name}整改", "success")
    return redirect(url_for("problems.ledger"))


@problems_api.get("/problems")
@token_required
def api_ledger():
    filters = _filters(g.user)
    rows = ops.ledger(g.user, **filters)
    return jsonify({"problems": [row_json(r) for r in rows[:PAGE_ROWS]], "total": len(rows),
                    "tallies": [{"place": t.place.name if t.place else "合计", "total": t.total,
                                 **t.by_state, "overdue": t.overdue,
                                 "closed_rate": t.closed_rate}
                                for t in ops.tallies(rows, filters["place"], g.user)]})


@problems_api.post("/problems")
@token_required
def api_record():
    problem = ops.record_problem(json_body(), g.user)
    return jsonify(row_json(ops.ledger(g.user, problem_id=problem.id)[0])), 201


@problems_api.post("/findings/<int:finding_id>/problem")
@token_required
def api_from_finding(finding_id: int):
    problem = ops.from_finding(finding_id, json_body(), g.user)
    return jsonify({"id": problem.id}), 201


def _operations() -> dict[str, dict]:
    v1 = "/api/v1"
    return {
        f"{v1}/problems": {
            "get": op("问题台账：整改问题及各地统计", "200",
                      params=("jurisdiction", "state", "source", "overdue")),
            "post": op("登记整改问题（同时发起问题排查整改案件）", "201", body="Problem",
                       errors=("401", "403", "422"))},
        f"{v1}/findings/<int:finding_id>/problem": {
            "post": op("核查属实的审计事项转为整改问题", "201", body="FindingProblem",
                       errors=("401", "403", "404", "422"))},
    }


openapi.document(_operations, schemas={"Problem": ProblemSchema,
                                       "FindingProblem": FindingProblemSchema},
                 query={"source": {"type": "string", "enum": list(SOURCES)}})


def init_app(app: Flask) -> None:
    from workflow.problems import events

    events.init()
    # The auditor's workspace lists confirmed findings to hand over (oversight knows no
    # problems: its template asks this global).
    app.jinja_env.globals["findings_to_rectify"] = lambda: ops.findings_to_rectify(current_user)
    app.jinja_env.globals["PROBLEM_CATEGORIES"] = CATEGORIES
    app.register_blueprint(problems)
    app.register_blueprint(problems_api)
