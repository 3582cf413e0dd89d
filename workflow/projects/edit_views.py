"""Editing a project's proposal and proposing it again, in the browser and the API
(thin: parse, call ``projects.operations``, render). Routes join the projects
blueprints (imported by the app factory before it registers them)."""
from __future__ import annotations

from typing import Any

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from workflow.api import openapi
from workflow.api.openapi import op
from workflow.api.views import json_body, token_required
from workflow.cases.schemas import case_detail
from workflow.engine.errors import WorkflowError
from workflow.jurisdictions.scope import get_in_scope
from workflow.projects.models import CATEGORIES, NATURES, Project
from workflow.projects.operations import (
    edit_project,
    history,
    project_payload,
    resubmit_project,
)
from workflow.projects.schemas import ProjectCreateSchema, ResubmissionSchema
from workflow.projects.views import form_payload, project_json, projects, projects_api
from workflow.registry.edit_views import event_json


def _values(project: Project) -> dict[str, Any]:
    """The edit form's initial values: the project as it stands, targets one per line."""
    values = {k: v for k, v in project_payload(project).items() if k != "performance_targets"}
    values["targets"] = "\n".join(f"{t.get('indicator', '')}：{t.get('target', '')}"
                                  for t in project.performance_targets or [])
    values["version"] = project.version
    return values


@projects.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    """修改项目: every entry field but the village, for a proposal no one is reviewing."""
    project = get_in_scope(Project, project_id, current_user)
    errors: dict[str, list[str]] = {}
    values: Any = _values(project)
    status = 200
    if request.method == "POST":
        values = request.form
        payload = form_payload(request.form)
        payload.pop("village", None)
        try:
            edit_project(project.id, payload, current_user)
        except WorkflowError as exc:
            status = exc.status
            for key, messages in (exc.errors or {"_": [exc.message]}).items():
                field = "performance_targets" if key.startswith("performance_targets") else key
                errors.setdefault(field, []).extend(messages)
            project = get_in_scope(Project, project_id, current_user)
        else:
            flash(f"已保存项目信息：{project.name}", "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/new.html", errors=errors, values=values, project=project,
                           villages=[], categories=CATEGORIES, natures=NATURES), status


@projects_api.patch("/projects/<int:project_id>")
@token_required
def api_edit(project_id: int):
    return jsonify(project_json(edit_project(project_id, json_body(), g.user)))


@projects_api.post("/projects/<int:project_id>/resubmission")
@token_required
def api_resubmit(project_id: int):
    case = resubmit_project(project_id, json_body(), g.user)
    return jsonify(case_detail(case, g.user))


@projects_api.get("/projects/<int:project_id>/history")
@token_required
def api_history(project_id: int):
    return jsonify([event_json(e) for e in history(get_in_scope(Project, project_id, g.user))])


def _operations() -> dict[str, dict]:
    rule = "/api/v1/projects/<int:project_id>"
    errors = ("401", "403", "404", "409", "422")
    edit_doc = op("修改项目申报信息（补填绩效目标等；申报中、未进入审核时）", "200",
                  body="ProjectEdit", errors=errors)
    return {rule: {"patch": edit_doc},
            f"{rule}/resubmission": {"post": op(
                "补正后重新申报入库（经项目入库流程：村级申报→村级公示→乡镇审核…）", "200",
                body="Resubmission", response="Case", errors=errors)},
            f"{rule}/history": {"get": op("项目的申报和修改记录（逐字段修改前后）", "200",
                                          errors=("401", "404"))}}


def _edit_schema() -> type:
    """PATCH /api/v1/projects/<id>: the version, and any entry field but the village."""
    import copy

    from workflow.registry.edit_schemas import ChangeBasis

    fields = {}
    for name, field in ProjectCreateSchema._declared_fields.items():
        if name != "village":
            fields[name] = copy.deepcopy(field)
            fields[name].required = False
    return type("ProjectEditSchema", (ChangeBasis,), fields)


openapi.document(_operations, schemas={"ProjectEdit": _edit_schema(),
                                       "Resubmission": ResubmissionSchema})
