"""Editing a household and its members (scope- and role-checked, versioned, committed
with one register-chain event each; the rules are in ``registry.editing``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow import clock
from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.engine.errors import Conflict, Invalid, NotFound
from workflow.engine.registry import SUBJECTS
from workflow.extensions import db
from workflow.jurisdictions.scope import get_in_scope
from workflow.registry import disclosure, editing
from workflow.registry.edit_schemas import (
    HouseholdEditSchema,
    MemberAddSchema,
    MemberEditSchema,
    MemberRemovalSchema,
)
from workflow.registry.editing import HOUSEHOLD_FIELDS, MEMBER_EDITORS, MEMBER_FIELDS
from workflow.registry.models import HOUSEHOLD_STATUSES, Household, Member
from workflow.registry.operations import load_payload

MESSAGE = "修改信息有误，请按提示修改"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Text trimmed; an emptied optional text is None (cleared)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        out[key] = value
    return out


def _basis(values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    version = values.pop("version")
    basis = {k: v for k in ("reason", "document_no") if (v := values.pop(k, None))}
    return version, basis


def _subjects(household: Household) -> list[tuple[str, int]]:
    """The household and its houses: the subjects whose cases judge its facts."""
    subjects = [("household", household.id)]
    house = SUBJECTS.get("house")
    if house is not None:
        subjects += [("house", hid) for hid in db.session.execute(
            select(house.id).where(house.household_id == household.id)).scalars()]
    return subjects


def _guard_facts(household: Household, fields: dict, names: list[str]) -> None:
    """No edit of a fact a running case judges (see ``registry.editing``)."""
    labels = [fields[n].label for n in names if fields[n].facts]
    if labels:
        editing.refuse_open_cases(editing.open_cases(_subjects(household)), labels)


def _guard_status(household: Household, after: str) -> None:
    """A direct status edit corrects a registration error only (``registry.editing``)."""
    if after == "exited":
        raise Invalid(MESSAGE, {"status": [
            "「户状态」不能直接改为已脱贫：销号须经「贫困户退出」流程办理"
            "（民主评议、公示、乡镇审核、县级审定）"]})
    decided = db.session.execute(select(Case).where(
        Case.subject_type == "household", Case.subject_id == household.id,
        Case.procedure.in_(editing.STATUS_PROCEDURES)).order_by(Case.id.desc())).scalars().first()
    if decided is not None:
        raise Conflict(f"「户状态」由流程决定：该户有案件「{decided.title}」"
                       f"（案件编号 {decided.id}），状态只能通过流程变更，不能直接修改")


def edit_household(household_id: Any, payload: Any, actor: User) -> Household:
    """Change a household's contact details, flags, account or status (PATCH)."""
    household = get_in_scope(Household, household_id, actor)
    values = _clean(load_payload(HouseholdEditSchema(), payload, MESSAGE))
    version, basis = _basis(values)
    try:
        household = editing.lock(Household, household.id, household.village_id)
        editing.check_version(household, version, "农户信息")
        changes = editing.diff(household, HOUSEHOLD_FIELDS, values)
        if not changes:
            db.session.rollback()
            return household
        names = list(changes)
        editing.check_roles(actor, household.village, HOUSEHOLD_FIELDS, names)
        editing.require_reason(HOUSEHOLD_FIELDS, names, basis)
        if "status" in changes:
            _guard_status(household, values["status"])
        _guard_facts(household, HOUSEHOLD_FIELDS, names)
        for name in names:
            setattr(household, name, values[name])
        if "status" in changes:
            changes["status"].update(before_title=HOUSEHOLD_STATUSES.get(
                changes["status"]["before"]), after_title=household.status_title)
        db.session.flush()  # raises the version (models.versioned)
    except Exception:
        db.session.rollback()
        raise
    roles = frozenset().union(*(HOUSEHOLD_FIELDS[n].roles for n in names))
    editing.commit_edit(household.village_id, "household_edited", actor,
                        f"修改农户 {household.head_name}（{household.masked_id}）："
                        f"{editing.described(HOUSEHOLD_FIELDS, changes)}",
                        {"household_id": household.id, "version": household.version,
                         "changes": changes, **basis}, roles)
    return household


def _member_facts(household: Household, version: int) -> Household:
    """The household locked, at ``version``, free of running cases; members are facts."""
    household = editing.lock(Household, household.id, household.village_id)
    editing.check_version(household, version, "农户信息")
    editing.refuse_open_cases(editing.open_cases(_subjects(household)), ["家庭成员"])
    return household


def _member_data(member: Member) -> dict[str, Any]:
    return {"name": member.name, "relation": member.relation,
            "id_number": disclosure.masked("id_number", member.id_number),
            "id_number_sha256": editing.fingerprint(member.id_number),
            "disabled": member.disabled}


def _check_member_id(household: Household, number: str | None, member_id: int | None) -> None:
    if number and any(m.id_number == number and m.id != member_id for m in household.members):
        raise Invalid(MESSAGE, {"id_number": ["「成员身份证号」与本户其他成员重复"]})


def add_member(household_id: Any, payload: Any, actor: User) -> Member:
    """A new member of the household (birth, marriage, moving in)."""
    household = get_in_scope(Household, household_id, actor)
    values = _clean(load_payload(MemberAddSchema(), payload, MESSAGE))
    version, basis = _basis(values)
    try:
        editing.check_roles(actor, household.village, {"members": editing.Field(
            "家庭成员", MEMBER_EDITORS)}, ["members"])
        if values.get("id_number"):
            editing.check_roles(actor, household.village, MEMBER_FIELDS, ["id_number"])
        household = _member_facts(household, version)
        _check_member_id(household, values.get("id_number"), None)
        member = Member(name=values["name"], relation=values["relation"],
                        id_number=values.get("id_number"),
                        disabled=bool(values.get("disabled")))
        before = household.size
        household.members.append(member)
        household.version += 1
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    editing.commit_edit(household.village_id, "member_added", actor,
                        f"农户 {household.head_name}（{household.masked_id}）增加家庭成员 "
                        f"{member.name}（{member.relation}），"
                        f"家庭人口 {before} → {household.size} 人",
                        {"household_id": household.id, "member_id": member.id,
                         "version": household.version, "member": _member_data(member),
                         "changes": {"size": {"before": before, "after": household.size}},
                         **basis}, MEMBER_EDITORS)
    return member


def _member(household: Household, member_id: Any) -> Member:
    member = next((m for m in household.members if m.id == member_id), None)
    if member is None:
        raise NotFound("该户没有这名家庭成员（或已减少）")
    return member


def remove_member(household_id: Any, member_id: Any, payload: Any, actor: User) -> Member:
    """Mark a member as having left, with the reason and date; the row is kept."""
    household = get_in_scope(Household, household_id, actor)
    values = _clean(load_payload(MemberRemovalSchema(), payload, MESSAGE))
    version, basis = _basis(values)
    try:
        editing.check_roles(actor, household.village, {"members": editing.Field(
            "家庭成员", MEMBER_EDITORS)}, ["members"])
        household = _member_facts(household, version)
        member = _member(household, member_id)
        if member.relation == "户主" or member.id_number == household.id_number:
            raise Invalid(MESSAGE, {"member": ["户主不能减少：请先变更户主，或办理销户"]})
        before = household.size
        member.removed_on = values.get("removed_on") or clock.today()
        member.removal_reason = basis["reason"]
        household.version += 1
        db.session.flush()
        db.session.expire(household, ["members", "former_members"])
    except Exception:
        db.session.rollback()
        raise
    editing.commit_edit(household.village_id, "member_removed", actor,
                        f"农户 {household.head_name}（{household.masked_id}）减少家庭成员 "
                        f"{member.name}（{member.relation}）：{member.removal_reason}，"
                        f"家庭人口 {before} → {household.size} 人",
                        {"household_id": household.id, "member_id": member.id,
                         "version": household.version, "member": _member_data(member),
                         "removed_on": member.removed_on.isoformat(),
                         "changes": {"size": {"before": before, "after": household.size}},
                         **basis}, MEMBER_EDITORS)
    return member


def edit_member(household_id: Any, member_id: Any, payload: Any, actor: User) -> Member:
    """Change a member's relation, name, ID number or disability certificate."""
    household = get_in_scope(Household, household_id, actor)
    values = _clean(load_payload(MemberEditSchema(), payload, MESSAGE))
    version, basis = _basis(values)
    try:
        household = editing.lock(Household, household.id, household.village_id)
        editing.check_version(household, version, "农户信息")
        member = _member(household, member_id)
        changes = editing.diff(member, MEMBER_FIELDS, values)
        if not changes:
            db.session.rollback()
            return member
        editing.check_roles(actor, household.village, MEMBER_FIELDS, list(changes))
        is_head = member.id_number == household.id_number
        if is_head and ("relation" in changes or "id_number" in changes):
            raise Invalid(MESSAGE, {"relation" if "relation" in changes else "id_number": [
                "户主的「与户主关系」和身份证号不能在此修改"]})
        if values.get("relation") == "户主" and not is_head:
            raise Invalid(MESSAGE, {"relation": ["「与户主关系」一户只能有一名户主"]})
        _check_member_id(household, values.get("id_number"), member.id)
        editing.refuse_open_cases(editing.open_cases(_subjects(household)),
                                  [MEMBER_FIELDS[n].label for n in changes
                                   if MEMBER_FIELDS[n].facts])
        for name in changes:
            setattr(member, name, values[name])
        household.version += 1
    except Exception:
        db.session.rollback()
        raise
    editing.commit_edit(household.village_id, "member_edited", actor,
                        f"修改农户 {household.head_name}（{household.masked_id}）家庭成员 "
                        f"{member.name}：{editing.described(MEMBER_FIELDS, changes)}",
                        {"household_id": household.id, "member_id": member.id,
                         "version": household.version, "changes": changes, **basis},
                        MEMBER_EDITORS)
    return member
