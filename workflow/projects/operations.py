"""Registering and editing projects (scope-checked, committed, on the village's register
trail), and proposing a completed proposal again through its case."""
from __future__ import annotations

from typing import Any

from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.cases.operations import create_case, perform
from workflow.engine.errors import Conflict, Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.scope import get_in_scope, place_by_code
from workflow.projects.models import Project
from workflow.projects.schemas import ProjectCreateSchema, ResubmissionSchema
from workflow.registry import editing
from workflow.registry.edit_schemas import ChangeBasis
from workflow.registry.editing import PROJECT_FIELDS
from workflow.registry.operations import load_payload, save_registered

PROPOSERS = {"village_clerk", "township_reviewer", "county_poverty_office", "admin"}


def register_project(payload: Any, actor: User) -> Project:
    """A project proposed for a village of the actor's scope (not yet in the library)."""
    values = load_payload(ProjectCreateSchema(), payload, "项目信息有误，请按提示修改")
    village = place_by_code(values.pop("village"), actor)
    if village is None or village.level != "village":
        raise Invalid("项目信息有误",
                      {"village": ["「实施地点（村代码）」不存在或不在您的管辖范围内"]})
    if not any(a.role in PROPOSERS for a in actor.roles_over(village)):
        raise Forbidden("您的角色不能申报项目")
    project = Project(**values, village=village, jurisdiction_path=village.path,
                      library_status="proposed")
    return save_registered(project, village.id, "project_proposed", actor,
                           f"申报项目：{project.name}，概算 {project.budget:,.2f} 元",
                           {"name": project.name, "budget": str(project.budget)}, PROPOSERS)


EDIT_MESSAGE = "项目信息有误，请按提示修改"
LIBRARY = "project_library"
PROPOSAL_STATE = "village_proposal"


def project_payload(project: Project) -> dict[str, Any]:
    """The project's entry fields as a registration payload (what an edit merges into)."""
    return {"name": project.name, "category": project.category, "nature": project.nature,
            "village": project.village.code, "year": project.year,
            "location": project.location, "starts_on": project.starts_on.isoformat(),
            "ends_on": project.ends_on.isoformat(),
            "responsible_unit": project.responsible_unit, "budget": str(project.budget),
            "planned_sources": project.planned_sources,
            "beneficiary_households": project.beneficiary_households,
            "beneficiary_poor_households": project.beneficiary_poor_households,
            "beneficiary_poor_people": project.beneficiary_poor_people,
            "benefit_mechanism": project.benefit_mechanism,
            "performance_targets": list(project.performance_targets or [])}


def history(project: Project) -> list:
    """The project's register events: its proposal and every edit, newest first."""
    return editing.history(project.village_id, "project_id", project.id, "project_proposed")


def editable_refusal(project: Project) -> str | None:
    """Why a project cannot be edited now, or None: only a proposal (申报中) that no
    official is reviewing — never proposed, or back at 村级申报 (refused for missing
    targets, returned by the township) — so no one signs something else than was shown."""
    if project.library_status != "proposed":
        return f"项目{project.status_title}，不能修改申报信息（已入库项目的调整须走项目出库等流程）"
    for case in editing.open_cases([("project", project.id)]):
        if case.procedure != LIBRARY or case.state != PROPOSAL_STATE:
            return (f"项目正在办理「{case.title}」（案件编号 {case.id}），"
                    "退回村级申报后才能修改")
    return None


def edit_project(project_id: Any, payload: Any, actor: User) -> Project:
    """Fill in or correct what a proposal lacked (PATCH): any entry field of
    ``ProjectCreateSchema`` but the village; the merged record is checked as a whole."""
    project = get_in_scope(Project, project_id, actor)
    raw_basis, fields = editing.split_basis(payload)
    basis = load_payload(ChangeBasis(), raw_basis, EDIT_MESSAGE)
    if "village" in fields:
        raise Invalid(EDIT_MESSAGE, {"village": [
            "「实施地点（村代码）」不能修改：请在实施村重新申报"]})
    values = load_payload(ProjectCreateSchema(), {**project_payload(project), **fields},
                          EDIT_MESSAGE)
    values.pop("village")
    version = basis.pop("version")
    try:
        project = editing.lock(Project, project.id, project.village_id)
        editing.check_version(project, version, "项目信息")
        if refusal := editable_refusal(project):
            raise Conflict(refusal)
        changes = editing.diff(project, PROJECT_FIELDS, values)
        if not changes:
            db.session.rollback()
            return project
        editing.check_roles(actor, project.village, PROJECT_FIELDS, list(changes))
        for name in changes:
            setattr(project, name, values[name])
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    editing.commit_edit(project.village_id, "project_edited", actor,
                        f"修改项目：{project.name}：{editing.described(PROJECT_FIELDS, changes)}",
                        {"project_id": project.id, "version": project.version,
                         "changes": changes, **{k: v for k, v in basis.items() if v}},
                        editing.PROJECT)
    return project


def resubmit_project(project_id: Any, payload: Any, actor: User) -> Case:
    """申报入库 again after the proposal was completed: the project_library case at
    村级申报 (opened now when none runs) performs ``submit_proposal`` through the case
    operations, with every guard of the procedure (targets, the villagers' vote)."""
    project = get_in_scope(Project, project_id, actor)
    values = load_payload(ResubmissionSchema(), payload, "重新申报信息有误，请按提示修改")
    editing.check_version(project, values["version"], "项目信息")
    if refusal := editable_refusal(project):
        raise Conflict(refusal)
    case = next((c for c in editing.open_cases([("project", project.id)])
                 if c.procedure == LIBRARY), None)
    if case is None:
        case = create_case(LIBRARY, project.id, actor)
    return perform(case, "submit_proposal", actor, version=case.version,
                   opinion=values["opinion"] or "", data=values["data"])
