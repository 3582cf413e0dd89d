"""Adding, changing and ending support measures (scope- and role-checked, versioned),
each committed with its event on the village's register chain.

Who may enter a measure (data below): the helper (帮扶责任人), the village clerk and the
work team in their own villages, and a county sector department for the actions it
leads (catalog.yaml ``departments``) in its county. The event holds every recorded
value of the row after the change (``snapshot``), so ``audit verify`` can compare.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from workflow import clock
from workflow.audit import register
from workflow.auth.models import User
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import get_in_scope
from workflow.registry import editing
from workflow.registry.models import Household
from workflow.registry.operations import load_payload
from workflow.support.catalog import catalog
from workflow.support.models import SupportMeasure
from workflow.support.schemas import (
    LABELS,
    MeasureCreateSchema,
    MeasureEditSchema,
    MeasureEndSchema,
)

VILLAGE_ROLES = frozenset({"helper", "village_clerk", "work_team"})
SECTOR_ROLE = "county_sector"
ENTRY_ROLES = VILLAGE_ROLES | {SECTOR_ROLE}
MESSAGE = "帮扶措施信息有误，请按提示修改"
CENT = Decimal("0.01")


def actions_for(actor: User, village: Jurisdiction) -> set[str]:
    """The special actions whose measures ``actor`` may enter in ``village``."""
    cat = catalog()
    out: set[str] = set()
    for a in actor.roles_over(village):
        if a.role in VILLAGE_ROLES:
            return set(cat.actions)
        if a.role == SECTOR_ROLE and a.department:
            out |= set(cat.department_actions.get(a.department, ()))
    return out


def sector_actions(actor: User) -> set[str] | None:
    """For a user who is only a county sector user: the actions their departments lead
    (their boards and gaps); None for everyone else (every action)."""
    if not actor.assignments or any(a.role != SECTOR_ROLE for a in actor.assignments):
        return None
    return {act for a in actor.assignments
            for act in catalog().department_actions.get(a.department or "", ())}


def check_may_enter(actor: User, village: Jurisdiction, action: str) -> None:
    """Forbidden unless ``actor`` may enter a measure of ``action`` in ``village``."""
    allowed = actions_for(actor, village)
    if action not in allowed:
        title = catalog().actions[action]
        raise Forbidden(f"您的角色不能录入「{title}」帮扶措施（可录入：帮扶责任人、村两委、"
                        "驻村工作队，或牵头该专项行动的县行业部门）")


def snapshot(m: SupportMeasure) -> dict[str, Any]:
    """The row's recorded values as its events hold them (dates ISO, money as text)."""
    return {k: editing.plain(getattr(m, k)) for k in SupportMeasure.RECORDED}


def describe(m: SupportMeasure) -> str:
    """「产业奖补（产业扶贫）1,500.00 元，2020-03-01 起」 for summaries and lists."""
    cat = catalog()
    whom = f"{m.member.name}" if m.member_id and m.member else "全户"
    until = f"至 {m.ends_on}" if m.ends_on else "起"
    return (f"{cat.kinds[m.kind]}（{cat.actions[m.action]}，{whom}）{m.amount:,.2f} 元，"
            f"{m.starts_on} {until}")


def _member_of(household: Household, member_id: int | None) -> None:
    if member_id is not None and member_id not in {m.id for m in household.members}:
        raise Invalid(MESSAGE, {"member_id": ["「帮扶对象」不是该户现有的家庭成员"]})


def _record(m: SupportMeasure, action: str, actor: User, summary: str,
            extra: dict | None = None) -> None:
    """The event, then commit: the change and its event land together."""
    try:
        db.session.flush()
        register.record(m.village_id, action, actor, summary,
                        {"measure_id": m.id, "household_id": m.household_id,
                         "values": snapshot(m), **(extra or {})}, set(ENTRY_ROLES))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def new_measure(household: Household, values: dict[str, Any], actor: User) -> SupportMeasure:
    """A measure row from checked values (not added to the session)."""
    action = values.get("action") or catalog().kind_action[values["kind"]]
    return SupportMeasure(
        household_id=household.id, member_id=values.get("member_id"),
        village_id=household.village_id, jurisdiction_path=household.jurisdiction_path,
        action=action, kind=values["kind"], department=values["department"],
        starts_on=values["starts_on"], ends_on=values.get("ends_on"),
        amount=(values.get("amount") or Decimal(0)).quantize(CENT),
        note=(values.get("note") or "").strip() or None,
        entered_by_id=actor.id, entered_by_name=actor.display_name, version=1)


def add_measure(household_id: Any, payload: Any, actor: User) -> SupportMeasure:
    """A new measure for a household or one of its members."""
    household = get_in_scope(Household, household_id, actor)
    values = load_payload(MeasureCreateSchema(), payload, MESSAGE)
    measure = new_measure(household, values, actor)
    check_may_enter(actor, household.village, measure.action)
    _member_of(household, measure.member_id)
    try:
        db.session.add(measure)
        db.session.flush()
        db.session.refresh(measure)  # its member, for the summary
    except Exception:
        db.session.rollback()
        raise
    _record(measure, "measure_added", actor,
            f"农户 {household.head_name}（{household.masked_id}）新增帮扶措施：{describe(measure)}")
    return measure


def _locked(measure_id: Any, actor: User, version: int) -> SupportMeasure:
    measure = get_in_scope(SupportMeasure, measure_id, actor)
    measure = editing.lock(SupportMeasure, measure.id, measure.village_id)
    editing.check_version(measure, version, "帮扶措施")
    check_may_enter(actor, measure.household.village, measure.action)
    if measure.ended_reason:
        raise Invalid(MESSAGE, {"_": ["该帮扶措施已终止，不能再修改"]})
    return measure


def edit_measure(measure_id: Any, payload: Any, actor: User) -> SupportMeasure:
    """Change a measure's kind (within its action), department, dates, amount or note."""
    values = load_payload(MeasureEditSchema(), payload, MESSAGE)
    version = values.pop("version")
    if "note" in values:
        values["note"] = (values["note"] or "").strip() or None
    if "amount" in values:
        values["amount"] = (values["amount"] or Decimal(0)).quantize(CENT)
    try:
        measure = _locked(measure_id, actor, version)
        if "kind" in values and catalog().kind_action[values["kind"]] != measure.action:
            raise Invalid(MESSAGE, {"kind": [
                f"「措施类型」须属于{catalog().actions[measure.action]}；"
                "其他专项行动的措施请另行录入"]})
        starts, ends = (values.get("starts_on", measure.starts_on),
                        values.get("ends_on", measure.ends_on))
        if ends is not None and ends < starts:
            raise Invalid(MESSAGE, {"ends_on": ["「结束日期」不能早于「开始日期」"]})
        changes = {k: {"before": editing.plain(getattr(measure, k)),
                       "after": editing.plain(v)} for k, v in values.items()
                   if editing.plain(getattr(measure, k)) != editing.plain(v)}
        if not changes:
            db.session.rollback()
            return measure
        for name in changes:
            setattr(measure, name, values[name])
        measure.version += 1
    except Exception:
        db.session.rollback()
        raise
    text = "；".join(f"「{LABELS[k]}」由“{c['before'] or '空'}”改为“{c['after'] or '空'}”"
                    for k, c in changes.items())
    _record(measure, "measure_edited", actor,
            f"修改农户 {measure.household.head_name} 的帮扶措施 {measure.id}：{text}",
            {"changes": changes})
    return measure


def end_measure(measure_id: Any, payload: Any, actor: User) -> SupportMeasure:
    """End (终止) a measure on a day with a reason; the row stays as history."""
    values = load_payload(MeasureEndSchema(), payload, MESSAGE)
    try:
        measure = _locked(measure_id, actor, values["version"])
        ends_on = values.get("ends_on") or clock.today()
        if ends_on < measure.starts_on:
            raise Invalid(MESSAGE, {"ends_on": ["「终止日期」不能早于「开始日期」"]})
        measure.ends_on = ends_on
        measure.ended_reason = values["reason"].strip()
        measure.version += 1
    except Exception:
        db.session.rollback()
        raise
    _record(measure, "measure_ended", actor,
            f"终止农户 {measure.household.head_name} 的帮扶措施：{describe(measure)}，"
            f"原因：{measure.ended_reason}")
    return measure


def measures_of(household: Household) -> list[SupportMeasure]:
    """The household's measures, running first, newest first."""
    rows = db.session.execute(db.select(SupportMeasure).where(
        SupportMeasure.household_id == household.id)
        .order_by(SupportMeasure.starts_on.desc(), SupportMeasure.id.desc())).scalars().all()
    today = clock.today()
    return sorted(rows, key=lambda m: not m.in_force(today))


def in_force(household_id: int, on=None) -> list[SupportMeasure]:
    """The measures running on ``on`` (today by default), for the exit sheet."""
    on = on or clock.today()
    return [m for m in db.session.execute(db.select(SupportMeasure).where(
        SupportMeasure.household_id == household_id).order_by(SupportMeasure.id)).scalars()
        if m.in_force(on)]


def get_measure(measure_id: Any, actor: User) -> SupportMeasure:
    """One measure in the actor's scope (NotFound otherwise)."""
    try:
        return get_in_scope(SupportMeasure, measure_id, actor)
    except NotFound:
        raise NotFound("帮扶措施不存在或不在您的管辖范围内") from None


def sheet_measures(case, context: dict) -> dict:
    """For a household exit's approval sheet: the measures in force on the day of the
    trail's latest event (so the same trail prints the same sheet), one line each."""
    household = context.get("household")
    if case.procedure != "household_exit" or household is None:
        return {}
    events = context.get("events") or []
    on = clock.to_local(events[-1].at).date() if events else clock.today()
    return {"support_measures": [describe(m) for m in in_force(household.id, on)]}
