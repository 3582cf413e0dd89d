"""Registering houses (scope-checked, committed) and reading a case's archive file."""
from __future__ import annotations

from typing import Any

from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.engine import store
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.housing.models import ArchiveFile, House
from workflow.housing.schemas import HouseCreateSchema
from workflow.jurisdictions.scope import get_in_scope
from workflow.registry import editing
from workflow.registry.edit_schemas import ChangeBasis
from workflow.registry.editing import HOUSE_FIELDS
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


def edit_house(house_id: Any, payload: Any, actor: User) -> House:
    """Correct a house's address, structure, area or year built (PATCH): the merged
    record is checked like a registration; not while a renovation case is open on it."""
    house = get_in_scope(House, house_id, actor)
    raw_basis, fields = editing.split_basis(payload)
    message = "房屋信息有误，请按提示修改"
    basis = load_payload(ChangeBasis(), raw_basis, message)
    if "household_id" in fields:
        raise Invalid(message, {"household_id": ["「农户」不能修改：请在该户名下重新登记房屋"]})
    merged = {"household_id": house.household_id, "address": house.address,
              "structure": house.structure, "year_built": house.year_built,
              "area": str(house.area), **fields}
    values = load_payload(HouseCreateSchema(), merged, message)
    values.pop("household_id")
    values["address"] = values["address"].strip()
    version = basis.pop("version")
    try:
        house = editing.lock(House, house.id, house.village_id)
        editing.check_version(house, version, "房屋信息")
        changes = editing.diff(house, HOUSE_FIELDS, values)
        if not changes:
            db.session.rollback()
            return house
        editing.check_roles(actor, house.village, HOUSE_FIELDS, list(changes))
        editing.refuse_open_cases(editing.open_cases([("house", house.id)]),
                                  [HOUSE_FIELDS[n].label for n in changes if HOUSE_FIELDS[n].facts])
        for name in changes:
            setattr(house, name, values[name])
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    editing.commit_edit(house.village_id, "house_edited", actor,
                        f"修改房屋：{house.household.head_name}（{house.household.masked_id}）"
                        f"{house.address}：{editing.described(HOUSE_FIELDS, changes)}",
                        {"house_id": house.id, "household_id": house.household_id,
                         "version": house.version, "changes": changes,
                         **{k: v for k, v in basis.items() if v}}, editing.HOUSING)
    return house


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
