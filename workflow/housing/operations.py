"""Registering houses (scope-checked, committed) and reading a case's archive file."""
from __future__ import annotations

from typing import Any

from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.engine import store
from workflow.engine.errors import Forbidden, NotFound
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.housing.models import ArchiveFile, House
from workflow.housing.schemas import HouseCreateSchema
from workflow.registry.models import Household
from workflow.registry.operations import REGISTER_EDITORS, load_payload, save_registered

PROCEDURE = "house_renovation"


def register_house(payload: Any, actor: User) -> House:
    """Add a house to a household of the actor's villages."""
    values = load_payload(HouseCreateSchema(), payload, "房屋信息有误，请按提示修改")
    household = db.session.get(Household, values["household_id"])
    if household is None or not any(a.jurisdiction.contains(household.village)
                                     for a in actor.assignments):
        raise NotFound("农户不存在或不在您的管辖范围内")
    if not any(a.role in REGISTER_EDITORS for a in actor.roles_over(household.village)):
        raise Forbidden("您的角色不能登记房屋")
    house = House(household=household, address=values["address"].strip(),
                  structure=values["structure"], year_built=values["year_built"],
                  area=values["area"], village_id=household.village_id,
                  jurisdiction_path=household.jurisdiction_path)
    return save_registered(house, household.village_id, "house_registered", actor,
                           f"登记房屋：{household.head_name}（{household.masked_id}）"
                           f"{house.address}，{house.structure_title}，{house.area} 平方米",
                           {"household_id": household.id, "structure": house.structure,
                            "area": str(house.area)}, REGISTER_EDITORS)


def archive_of(case: Case) -> dict[str, Any] | None:
    """The case's archive file with its contents: each kind of document held or missing."""
    archive = db.session.execute(db.select(ArchiveFile).where(
        ArchiveFile.case_id == case.id)).scalar_one_or_none()
    if archive is None:
        return None
    definition = store.by_version(case.definition_version)
    counts: dict[str, int] = {}
    for kind in db.session.execute(db.select(Attachment.kind).where(
            Attachment.case_id == case.id)).scalars():
        counts[kind] = counts.get(kind, 0) + 1
    contents = [{"kind": k, "title": t, "count": counts.get(k, 0)}
                for k, t in definition.evidence_kinds.items()]
    contents.insert(4, {"kind": "approval_sheet", "title": "审批表（系统生成）", "count": 1})
    return {"number": archive.number, "year": archive.year, "seq": archive.seq,
            "opened_at": archive.opened_at, "closed_at": archive.closed_at,
            "certificate_copies": archive.certificate_copies, "contents": contents}
