"""Changes to the register made through the application (scope-checked, committed)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError

from workflow.audit import register
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.jurisdictions.models import closed_refusal
from workflow.jurisdictions.scope import place_by_code
from workflow.registry.models import Household, Member
from workflow.registry.schemas import HouseholdCreateSchema

REGISTER_EDITORS = {"village_clerk", "helper", "township_reviewer", "admin"}


def load_payload(schema: Schema, payload: Any, message: str) -> dict[str, Any]:
    """``payload`` validated by ``schema``, or Invalid with every field's Chinese message."""
    try:
        return schema.load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid(message, flatten_errors(exc.normalized_messages())) from exc


def save(row: Any) -> Any:
    """Add ``row`` and commit, rolling back on any failure; returns the row."""
    db.session.add(row)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return row


def save_registered(row: Any, village_id: int, action: str, actor: User, summary: str,
                    data: dict[str, Any], roles: set[str]) -> Any:
    """Add ``row`` (a household, house or project registered outside any case) and its
    event on the village's register chain (``audit.register``), in one transaction."""
    db.session.add(row)
    try:
        db.session.flush()
        register.record(village_id, action, actor, summary, {"id": row.id, **data}, roles)
    except Exception:
        db.session.rollback()
        raise
    return save(row)


def create_household(payload: Any, actor: User) -> Household:
    """Register a household in a village within the actor's scope."""
    values = load_payload(HouseholdCreateSchema(), payload, "登记信息有误，请按提示修改")
    village = place_by_code(values["village"], actor)
    if village is None or village.level != "village":
        raise Invalid("登记信息有误", {"village": ["「所属村（代码）」不存在或不在您的管辖范围内"]})
    if refusal := closed_refusal(village):  # 撤并: the old village takes no new households
        raise Invalid("登记信息有误", {"village": [f"「所属村（代码）」{refusal}"]})
    if not any(a.role in REGISTER_EDITORS for a in actor.roles_over(village)):
        raise Forbidden("您的角色不能登记农户")
    taken = db.session.execute(
        db.select(Household.id).filter_by(id_number=values["id_number"])).first()
    if taken:
        raise Invalid("登记信息有误", {"id_number": ["「户主身份证号」已登记，不能重复建档"]})
    members = [Member(**m) for m in values["members"]]
    if not any(m.id_number == values["id_number"] for m in members):
        members.insert(0, Member(name=values["head_name"], relation="户主",
                                 id_number=values["id_number"]))
    household = Household(
        head_name=values["head_name"], id_number=values["id_number"], phone=values["phone"],
        address=values.get("address"), village=village, jurisdiction_path=village.path,
        status=values["status"], registered_year=values["registered_year"], members=members,
        dibao=values["dibao"], tekun=values["tekun"], bank_account=values["bank_account"])
    return save_registered(household, village.id, "household_registered", actor,
                           f"登记农户 {household.head_name}（{household.masked_id}），"
                           f"家庭人口 {len(members)} 人，{household.status_title}",
                           {"id_number": household.masked_id, "members": len(members),
                            "status": household.status}, REGISTER_EDITORS)


def flatten_errors(messages: dict) -> dict[str, list[str]]:
    """Nested marshmallow errors as ``{"members.0.name": [...]}``."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[prefix] = list(value)
        else:
            out[prefix] = [str(value)]

    walk("", messages)
    for key, msgs in out.items():
        out[key] = [m.replace("Unknown field.", f"不认识的字段「{key}」") for m in msgs]
    return out
