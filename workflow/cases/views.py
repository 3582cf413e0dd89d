"""Browser pages for cases (to-do, lists, case page) and the household register.

Thin over ``cases.operations`` (the only code that changes a case) and the scoped queries:
a view parses the request, calls one of them, and renders. Bad filter values become a
Chinese message on the page, never an error.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.cases import timelimits
from workflow.cases.models import Case
from workflow.cases.operations import create_case, open_actions, perform
from workflow.cases.preconditions import start_refusals
from workflow.cases.presenters import Attempt, case_page, read_action_form
from workflow.cases.queries import case_query, paginate, todo_page
from workflow.cases.schemas import case_summaries
from workflow.cases.starts import start_pages
from workflow.engine import store
from workflow.engine.errors import Conflict, Forbidden, Invalid, NotFound, WorkflowError
from workflow.engine.fields import parse_int
from workflow.extensions import db
from workflow.jurisdictions.models import LEVEL_TITLES
from workflow.jurisdictions.scope import (
    filter_places,
    get_in_scope,
    paths_filter,
    place_by_code,
    scope_filter,
    with_predecessors,
)
from workflow.registry.models import HOUSEHOLD_STATUSES, Household, head_name_matches
from workflow.registry.operations import REGISTER_EDITORS

cases = Blueprint("cases", __name__)

EXIT_PROCEDURE = "household_exit"


def page_url(number: int) -> str:
    """The current page with the same query and another page number."""
    # Underscore names are url_for's own switches (_external, _scheme...): never pass them.
    args = {k: v for k, v in request.args.items() if not k.startswith("_")}
    args["page"] = str(number)
    return url_for(request.endpoint or "cases.todo", **(request.view_args or {}), **args)


@cases.record_once
def _template_globals(state) -> None:
    # Globals, not a context processor: macros imported with {% from ... import %} see
    # globals but not the request context (a list with a second page failed otherwise).
    state.app.jinja_env.globals.update(page_url=page_url, LEVEL_TITLES=LEVEL_TITLES)


def page_number() -> int:
    """The ``page`` argument, or 1 when it is missing or not a sensible page number."""
    value = request.args.get("page", "")
    return parse_int(value, 1, 10**6 - 1) or 1  # "²" is a digit to isdigit(), not to int()


def _per_page() -> int:
    return int(current_app.config.get("PAGE_SIZE", 20))


@cases.route("/")
@login_required
def todo() -> str:
    """待办: cases waiting on an action the current user may take now."""
    page = todo_page(current_user, page_number(), _per_page(),
                     lambda case: [a for a in open_actions(case, current_user) if a["allowed"]])
    rows = [{"summary": summary, "case": case, "actions": allowed} for summary, (case, allowed)
            in zip(case_summaries([c for c, _ in page.items]), page.items, strict=True)]
    limits = timelimits.for_cases([c for c, _ in page.items])  # two queries a page
    return render_template("cases/todo.html", page=page, rows=rows, limits=limits,
                           start_pages=start_pages(current_user))


@cases.route("/home")
def home() -> Response:
    """Old bookmark address of the start page."""
    return redirect(url_for("cases.todo"))


def _date(name: str, label: str, problems: list[str]) -> dt.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"「{label}」应为日期，如 2020-06-30；已忽略此条件")
        return None


def case_filters(problems: list[str]) -> dict[str, Any]:
    """The list filters from the query string; each bad value adds a message and is dropped."""
    catalog = store.catalog()
    filters: dict[str, Any] = {}
    if code := request.args.get("jurisdiction", "").strip():
        place = place_by_code(code, current_user)
        if place is None:
            problems.append("所选「地区」不存在或不在您的管辖范围内；已忽略此条件")
        else:
            filters["jurisdiction_path"] = place.path
    procedure = request.args.get("procedure", "").strip()
    if procedure:
        if procedure in catalog.procedures:
            filters["procedure"] = procedure
        else:
            problems.append("所选「流程」不存在；已忽略此条件")
    if state := request.args.get("state", "").strip():
        known = {s for d in catalog.procedures.values() for s in d.states
                 if not filters.get("procedure") or d.key == filters["procedure"]}
        if state in known:
            filters["state"] = state
        else:
            problems.append("所选「环节」不属于该流程；已忽略此条件")
    filters["date_from"] = _date("from", "日期从", problems)
    filters["date_to"] = _date("to", "日期到", problems)
    if filters["date_from"] and filters["date_to"] and filters["date_from"] > filters["date_to"]:
        problems.append("「日期从」晚于「日期到」，没有符合的案件")
    filters["overdue"] = request.args.get("overdue") == "1"
    if limit := request.args.get("limit", "").strip():
        if limit in timelimits.LEVELS and limit != "green":
            filters["limit"] = limit
        else:
            problems.append("所选「办理时限」不正确；已忽略此条件")
    return filters


@cases.route("/cases")
@login_required
def case_list() -> str:
    """案件列表: every case in scope, filtered by place, procedure, step and date."""
    problems: list[str] = []
    filters = case_filters(problems)
    page = paginate(case_query(current_user, **filters), page_number(), _per_page())
    return render_template(
        "cases/list.html", page=page, rows=case_summaries(page.items), problems=problems,
        limits=timelimits.for_cases(page.items),
        args=request.args, places=filter_places(current_user, request.args.get("jurisdiction", "")),
        procedures=list(store.catalog().procedures.values()))


@cases.route("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> str:
    """The case page: subject, collected data, notices, trail and the user's actions."""
    case = get_in_scope(Case, case_id, current_user)
    return render_template("cases/show.html", **case_page(case, current_user))


@cases.post("/cases/<int:case_id>/actions/<name>")
@login_required
def act(case_id: int, name: str) -> Response | tuple[str, int]:
    """One sign-off from the case page; errors re-render the page beside the form."""
    case = get_in_scope(Case, case_id, current_user)
    action = store.by_version(case.definition_version).actions.get(name)
    if action is None:
        raise NotFound("该流程没有此项操作")
    data = read_action_form(action.form, request.form)
    opinion = request.form.get("opinion", "")
    version = request.form.get("version", "").strip()
    if parse_int(version) is None:
        attempt = Attempt(name, "页面缺少版本信息，请刷新页面后重新办理", values=data,
                          opinion=opinion)
        return _rerender(case, attempt, 400)
    try:
        perform(case, name, current_user, version=parse_int(version), opinion=opinion, data=data)
    except Invalid as exc:
        return _rerender(case, Attempt(name, exc.message, exc.errors, data, opinion), 422)
    except (Conflict, Forbidden) as exc:
        return _rerender(case, Attempt(name, exc.message, values=data, opinion=opinion),
                         exc.status)
    flash(f"已办理：{action.title}", "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _rerender(case: Case, attempt: Attempt, status: int) -> tuple[str, int]:
    # ``perform`` rolled back; reload so the page shows the case as it is now.
    db.session.expire_all()
    return render_template("cases/show.html", **case_page(case, current_user, attempt)), status


def _open_exit_cases(ids: list[int]) -> dict[int, int]:
    """Household id → id of its running exit case, for the households on one page."""
    if not ids:
        return {}
    definition = store.current(EXIT_PROCEDURE)
    finals = [s for s in definition.states if definition.is_final(s)]
    rows = db.session.execute(
        db.select(Case.subject_id, Case.id).where(
            Case.procedure == EXIT_PROCEDURE, Case.subject_type == "household",
            Case.subject_id.in_(ids), Case.state.not_in(finals),
            scope_filter(Case.jurisdiction_path, current_user))).all()
    return {subject_id: case_id for subject_id, case_id in rows}


@cases.route("/households")
@login_required
def households() -> str:
    """农户: the register in scope, searchable, with the button that starts an exit case."""
    problems: list[str] = []
    query = db.select(Household).where(scope_filter(Household.jurisdiction_path, current_user))
    if code := request.args.get("village", "").strip():
        place = place_by_code(code, current_user)
        if place is None:
            problems.append("所选「地区」不存在或不在您的管辖范围内；已忽略此条件")
        else:
            query = query.where(paths_filter(Household.jurisdiction_path,
                                             with_predecessors([place.path])))
    if status := request.args.get("status", "").strip():
        if status in HOUSEHOLD_STATUSES:
            query = query.where(Household.status == status)
        else:
            problems.append("所选「状态」不存在；已忽略此条件")
    if q := request.args.get("q", "").strip():
        query = query.where(head_name_matches(q))
    page = paginate(query.order_by(Household.id), page_number(), _per_page())
    definition = store.current(EXIT_PROCEDURE)
    starters = set(definition.body["procedure"]["start_roles"])
    rows = []
    open_cases = _open_exit_cases([h.id for h in page.items])
    for h in page.items:
        can_start = any(a.role in starters for a in current_user.roles_over(h.village))
        rows.append({"household": h, "open_case": open_cases.get(h.id),
                     "can_start": can_start and not start_refusals(definition, h),
                     "can_register_house": any(a.role in REGISTER_EDITORS
                                               for a in current_user.roles_over(h.village))})
    villages = filter_places(current_user, request.args.get("village", ""))
    return render_template("households/list.html", page=page, rows=rows, problems=problems,
                           args=request.args, villages=villages, statuses=HOUSEHOLD_STATUSES,
                           procedure_title=definition.title)


@cases.post("/households/<int:household_id>/exit")
@login_required
def start_exit(household_id: int) -> Response:
    """发起贫困户退出 for one household; refusals come back as a message on the register."""
    return start_case(EXIT_PROCEDURE, household_id, _back_to_households())


def _back_to_households() -> str:
    target = request.form.get("next", "")
    # Only the register itself, so the field cannot send the user to another site.
    if target.startswith("/households") and "//" not in target and "\\" not in target:
        return target
    return url_for("cases.households")


def start_case(procedure: str, subject_id: int, back: str) -> Response:
    """发起 a case from a browser button: to the new case's page, or back to ``back``
    with the refusal as a message."""
    try:
        case = create_case(procedure, subject_id, current_user)
    except WorkflowError as exc:
        flash(exc.message, "error")
        return redirect(back)
    flash(f"已发起：{case.title}（案件编号 {case.id}）", "success")
    return redirect(url_for("cases.show", case_id=case.id))
