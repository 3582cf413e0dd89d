"""Projects, fund sources and assets in the browser and in the JSON API (thin: parse, call
an operation or a scoped query, render)."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    current_app,
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
from sqlalchemy import func
from werkzeug.wrappers import Response

from workflow.api.views import (
    _int_arg,
    _page_json,
    api_page,
    in_village_arg,
    json_body,
    load,
    token_required,
)
from workflow.auth.titles import actor_titles
from workflow.cases.models import Case
from workflow.cases.preconditions import start_refusals
from workflow.cases.queries import paginate
from workflow.cases.views import start_case
from workflow.engine import store
from workflow.engine.errors import Invalid, WorkflowError
from workflow.extensions import csrf, db
from workflow.funds import operations as funds
from workflow.funds.models import Allocation, Disbursement, FundSource
from workflow.jurisdictions.scope import filter_places, get_in_scope, places_in_scope, scope_filter
from workflow.projects.assets import asset_query, assets_workbook
from workflow.projects.models import ASSET_CLASSES, CATEGORIES, NATURES, Project
from workflow.projects.operations import PROPOSERS, editable_refusal, history, register_project
from workflow.projects.schemas import AllocationRequestSchema
from workflow.registry import editing

projects = Blueprint("projects", __name__)
projects_api = Blueprint("projects_api", __name__, url_prefix="/api/v1")
csrf.exempt(projects_api)
PROCEDURES = ("project_library", "fund_use", "project_removal")


def project_json(p: Project) -> dict:
    return {"id": p.id, "name": p.name, "category": p.category,
            "category_title": p.category_title, "nature": p.nature, "year": p.year,
            "village": {"code": p.village.code, "name": p.village.name},
            "location": p.location, "starts_on": p.starts_on.isoformat(),
            "ends_on": p.ends_on.isoformat(), "responsible_unit": p.responsible_unit,
            "budget": str(p.budget), "planned_sources": p.planned_sources,
            "beneficiary_households": p.beneficiary_households,
            "beneficiary_poor_households": p.beneficiary_poor_households,
            "beneficiary_poor_people": p.beneficiary_poor_people,
            "benefit_mechanism": p.benefit_mechanism,
            "performance_targets": p.performance_targets, "library_status": p.library_status,
            "library_status_title": p.status_title,
            "entered_library_on": p.entered_library_on.isoformat()
            if p.entered_library_on else None,
            "accepted_on": p.accepted_on.isoformat() if p.accepted_on else None,
            "version": p.version}


def sources_in_scope(user) -> list[dict]:
    """Each fund source the user can see with its budget, allocated and remaining."""
    rows = db.session.execute(db.select(FundSource).where(
        scope_filter(FundSource.jurisdiction_path, user)).order_by(
        FundSource.year.desc(), FundSource.id)).scalars().all()
    return [{"source": s, "allocated": funds.allocated_total(s.id),
             "remaining": s.budget - funds.allocated_total(s.id)} for s in rows]


def _money_rows(project: Project) -> dict:
    allocations = db.session.execute(db.select(Allocation).where(
        Allocation.project_id == project.id).order_by(Allocation.id)).scalars().all()
    disbursements = db.session.execute(db.select(Disbursement).where(
        Disbursement.project_id == project.id).order_by(Disbursement.id)).scalars().all()
    return {"allocations": allocations, "disbursements": disbursements,
            "allocated": sum(a.amount for a in allocations),
            "disbursed": sum(d.amount for d in disbursements)}


# --- browser ---------------------------------------------------------------------------

@projects.route("/projects")
@login_required
def project_list() -> str:
    query = db.select(Project).where(scope_filter(Project.jurisdiction_path, current_user))
    if status := request.args.get("status"):
        query = query.where(Project.library_status == status)
    page = paginate(query.order_by(Project.id.desc()), _int_arg("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render_template("projects/list.html", page=page, args=request.args)


@projects.route("/projects/new", methods=["GET", "POST"])
@login_required
def new_project() -> str | Response:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        payload = form_payload(request.form)
        try:
            project = register_project(payload, current_user)
        except WorkflowError as exc:
            errors = {}
            for key, messages in (exc.errors or {"_": [exc.message]}).items():
                field = "performance_targets" if key.startswith("performance_targets") else key
                errors.setdefault(field, []).extend(messages)
        else:
            flash(f"已登记项目：{project.name}", "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/new.html", errors=errors, values=request.form,
                           villages=proposal_villages(current_user),
                           categories=CATEGORIES, natures=NATURES)


def form_payload(posted) -> dict:
    """The project form as a payload: text trimmed, empty fields left out, the targets
    textarea (one 指标：目标值 a line) as performance_targets."""
    form = {k: v.strip() for k, v in posted.items() if k != "csrf_token"}
    targets = [line.replace("：", ":").split(":", 1)
               for line in form.pop("targets", "").splitlines() if line.strip()]
    payload = {k: v for k, v in form.items() if v != ""}
    payload["performance_targets"] = [
        {"indicator": t[0].strip(), "target": t[1].strip() if len(t) > 1 else ""}
        for t in targets]
    return payload


def proposal_villages(user) -> list:
    """The villages of the user's scope where one of their roles may propose a project
    (the form's drop-down: chosen, not typed as a 12-digit code)."""
    return [p for p in places_in_scope(user) if p.level == "village"
            and any(a.role in PROPOSERS for a in user.roles_over(p))]


@projects.route("/projects/<int:project_id>")
@login_required
def show(project_id: int) -> str:
    project = get_in_scope(Project, project_id, current_user)
    cases = db.session.execute(db.select(Case).where(
        Case.subject_type == "project", Case.subject_id == project.id).order_by(Case.id)
    ).scalars().all()
    # A start the project's state forbids (入库 twice, 出库 before 入库) is not offered.
    refusals = {key: start_refusals(store.current(key), project) for key in PROCEDURES}
    events = history(project)
    can_edit = (bool(editing.may_edit(current_user, project.village, editing.PROJECT_FIELDS))
                and editable_refusal(project) is None)
    at_proposal = [c for c in cases if c.procedure == "project_library"
                   and c.state == "village_proposal"]
    return render_template("projects/show.html", project=project, cases=cases,
                           sources=sources_in_scope(current_user), refusals=refusals,
                           can_edit=can_edit, resubmit_case=at_proposal[-1] if can_edit
                           and at_proposal else None, events=events,
                           titles=actor_titles(events),
                           labels={k: f.label for k, f in editing.PROJECT_FIELDS.items()},
                           **_money_rows(project))


@projects.post("/projects/<int:project_id>/cases/<procedure>")
@login_required
def start(project_id: int, procedure: str) -> Response:
    if procedure not in PROCEDURES:
        flash("流程不存在", "error")
        return redirect(url_for("projects.show", project_id=project_id))
    return start_case(procedure, project_id, url_for("projects.show", project_id=project_id))


@projects.post("/projects/<int:project_id>/allocations")
@login_required
def allocate(project_id: int) -> Response:
    """安排资金 from the project page: the same operation as the API, CLI and import."""
    form = request.form
    try:
        row = funds.allocate(project_id, form.get("source_id", ""), form.get("amount", ""),
                             form.get("document_no", ""), current_user, channel="ui",
                             dated_on=form.get("dated_on") or None)
    except WorkflowError as exc:
        details = [m for msgs in exc.errors.values() for m in msgs]
        flash("资金安排未成功：" + "；".join(details or [exc.message]), "error")
    else:
        flash(f"已安排资金 {funds.yuan(row.amount)} 元", "success")
    return redirect(url_for("projects.show", project_id=project_id))


@projects.route("/funds")
@login_required
def fund_sources() -> str:
    return render_template("projects/funds.html", rows=sources_in_scope(current_user))


@projects.route("/assets")
@login_required
def assets() -> str:
    problems: list[str] = []
    query = asset_query(current_user, request.args, problems)
    page = paginate(query, _int_arg("page", 1), current_app.config["PAGE_SIZE"])
    total = db.session.execute(db.select(func.coalesce(func.sum(
        query.subquery().c.value), 0))).scalar_one()
    return render_template("projects/assets.html", page=page, problems=problems,
                           args=request.args, classes=ASSET_CLASSES, total=total,
                           places=filter_places(current_user,
                                                request.args.get("jurisdiction", "")))


@projects.route("/assets.xlsx")
@login_required
def assets_excel() -> Response:
    rows = db.session.execute(asset_query(current_user, request.args, [])).scalars().all()
    data = assets_workbook(rows)
    return send_file(io.BytesIO(data), download_name="扶贫资产登记表.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- JSON API --------------------------------------------------------------------------

@projects_api.get("/projects")
@token_required
def api_projects():
    query = in_village_arg(
        db.select(Project).where(scope_filter(Project.jurisdiction_path, g.user)),
        Project.jurisdiction_path, g.user)
    page = api_page(query.order_by(Project.id))
    return jsonify(_page_json(page, [project_json(p) for p in page.items]))


@projects_api.post("/projects")
@token_required
def api_post_project():
    return jsonify(project_json(register_project(json_body(), g.user))), 201


@projects_api.get("/projects/<int:project_id>")
@token_required
def api_project(project_id: int):
    project = get_in_scope(Project, project_id, g.user)
    money = _money_rows(project)
    return jsonify({**project_json(project), "allocated": str(money["allocated"]),
                    "disbursed": str(money["disbursed"])})


@projects_api.post("/projects/<int:project_id>/allocations")
@token_required
def api_allocate(project_id: int):
    body = load(AllocationRequestSchema(), json_body())  # types; the rules: funds.allocate
    row = funds.allocate(project_id, body["source_id"], body["amount"], body["document_no"],
                         g.user, channel="api", dated_on=body.get("dated_on"))
    return jsonify({"id": row.id, "project_id": row.project_id, "source_id": row.source_id,
                    "amount": str(row.amount), "document_no": row.document_no,
                    "dated_on": row.dated_on.isoformat()}), 201


@projects_api.get("/fund-sources")
@token_required
def api_sources():
    return jsonify([{"id": r["source"].id, "name": r["source"].name, "year": r["source"].year,
                     "county": r["source"].county.name, "level": r["source"].level,
                     "budget": str(r["source"].budget), "allocated": str(r["allocated"]),
                     "remaining": str(r["remaining"])} for r in sources_in_scope(g.user)])


@projects_api.get("/assets")
@token_required
def api_assets():
    problems: list[str] = []
    query = asset_query(g.user, request.args, problems)
    if problems:
        raise Invalid("查询参数有误", {"query": problems})
    page = api_page(query)
    return jsonify(_page_json(page, [
        {"id": a.id, "project_id": a.project_id, "name": a.name, "class": a.asset_class,
         "class_title": a.class_title, "value": str(a.value), "fund_sources": a.fund_sources,
         "owner": a.owner, "manager": a.manager, "maintainer": a.maintainer,
         "income_sharing": a.income_sharing, "registered_on": a.registered_on.isoformat(),
         "village": a.village.name} for a in page.items]))

