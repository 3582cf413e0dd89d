"""Registering projects (scope-checked, committed, on the village's register trail)."""
from __future__ import annotations

from typing import Any

from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid
from workflow.jurisdictions.scope import place_by_code
from workflow.projects.models import Project
from workflow.projects.schemas import ProjectCreateSchema
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
