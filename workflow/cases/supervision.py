"""督办: the cases over a time limit (超期) in the user's jurisdiction that wait on a level
below the user's (a township sees its villages' late checks, a county its townships'),
so that the level above can press them, and issuing a 督办 from the list (the form) or
the API (/api/v1/cases/<id>/supervision; operations in supervising.py). Thin."""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import and_, false, or_

from workflow.api import openapi
from workflow.api.views import token_required
from workflow.auth.models import User
from workflow.cases import supervising, timelimits
from workflow.cases.models import Case
from workflow.cases.presenters import Attempt, case_page
from workflow.cases.queries import paginate
from workflow.cases.schemas import case_summaries
from workflow.engine import store
from workflow.engine.errors import Conflict, Invalid
from workflow.engine.fields import parse_int
from workflow.extensions import db
from workflow.jurisdictions.models import LEVELS
from workflow.jurisdictions.scope import get_in_scope, scope_filter

supervision = Blueprint("supervision", __name__)
supervision_api = Blueprint("supervision_api", __name__, url_prefix="/api/v1")


def top_level(user: User) -> str | None:
    """The highest level the user holds a role at (city above county ...)."""
    levels = [a.jurisdiction.level for a in user.assignments if a.jurisdiction.level in LEVELS]
    return min(levels, key=LEVELS.index) if levels else None


def waiting_below(level: str):
    """A WHERE clause: the case's current step is acted on at a level below ``level``."""
    below = set(LEVELS[LEVELS.index(level) + 1:])
    clauses = []
    for definition in store.catalog().procedures.values():
        states = sorted({s for a in definition.actions.values() if a.level in below
                         for s in a.source})
        if states:
            clauses.append(and_(Case.procedure == definition.key, Case.state.in_(states)))
    return or_(*clauses) if clauses else false()


def supervision_query(user: User):
    """The over-limit cases in the user's scope waiting on a level below the user's,
    longest in their step first."""
    level = top_level(user)
    if level is None or level == LEVELS[-1]:
        return db.select(Case).where(false())
    definitions = list(store.catalog().procedures.values())
    return (db.select(Case)
            .where(scope_filter(Case.jurisdiction_path, user), waiting_below(level),
                   timelimits.level_clause(definitions, "red", pressed=False))
            .order_by(Case.state_entered_at, Case.id))


@supervision.get("/supervision")
@login_required
def index(status: int = 200, errors: dict | None = None, failed: int | None = None,
          values: dict | None = None):
    """督办: the page (re-rendered with the errors of a refused 督办 of case ``failed``)."""
    from workflow.cases.views import _per_page, page_number

    page = paginate(supervision_query(current_user), page_number(), _per_page())
    return render_template("cases/supervision.html", page=page,
                           rows=case_summaries(page.items),
                           limits=timelimits.for_cases(page.items),
                           pressed=supervising.latest(page.items),
                           level=top_level(current_user), errors=errors or {},
                           failed=failed, values=values or {}), status


@supervision.post("/supervision/<int:case_id>")
@login_required
def issue(case_id: int):
    """Issue a 督办 (text, 限办日期) from the list, or from the case page when the form
    says ``back=case``: errors are shown again beside the fields of the page it came from."""
    case = get_in_scope(Case, case_id, current_user)
    values = {"text": request.form.get("text", ""), "due_on": request.form.get("due_on", "")}
    from_case = request.form.get("back") == "case"
    version = parse_int(request.form.get("version", "").strip()) if from_case else None
    try:
        supervising.issue(case, current_user, values, version)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        if not from_case:
            return index(exc.status, exc.errors, case_id, values)
        db.session.expire_all()
        attempt = Attempt(supervising.ACTION, exc.message, exc.errors, values)
        return render_template("cases/show.html", **case_page(case, current_user, attempt)), \
            exc.status
    flash(f"已督办案件 {case.id}：限 {values['due_on'].strip()} 前办结", "success")
    if from_case:
        return redirect(url_for("cases.show", case_id=case.id))
    return redirect(url_for("supervision.index"))


@supervision_api.post("/cases/<int:case_id>/supervision")
@token_required
def api_issue(case_id: int):
    """Body {"text", "due_on", "version" (optional)}: 201 with the case's new version."""
    case = get_in_scope(Case, case_id, g.user)
    body = request.get_json(silent=True)
    version = body.get("version") if isinstance(body, dict) else None
    supervising.issue(case, g.user, body,
                      version if isinstance(version, int) and not isinstance(version, bool)
                      and version > 0 else None)
    return jsonify({"id": case.id, "version": case.version,
                    "supervision": {"due_on": body["due_on"].strip(),
                                    "text": body["text"].strip()}}), 201


def _operations() -> dict[str, dict]:
    body = {"type": "object", "required": ["text", "due_on"], "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": supervising.MAX_TEXT,
                 "description": "督办意见"},
        "due_on": {"type": "string", "format": "date", "description": "限办日期（新的办结日期）"},
        "version": {"type": "integer", "minimum": 1, "description": "案件版本号（可选）"}}}
    return {"/api/v1/cases/<int:case_id>/supervision": {
        "post": openapi.op("督办：当前环节的上级人员督促办理，记入留痕并通知当前办理人", "201",
                           body=body, errors=("401", "403", "404", "409", "422"))}}


openapi.document(_operations)
