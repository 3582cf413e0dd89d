"""Creating and ending delegations (授权代办), and what a delegate may exercise today.

A user hands one of their own role assignments (a role in a place) to another user who
works in that same place, for a date range; an administrator over the place can do it
for them and end it. Refused: a delegation to oneself, to someone with no role in the
place, of the administrator's or auditor's role, of a role the user does not hold
directly (no chains: what a delegate received is not an assignment of theirs), and a
second delegation of the same role overlapping the first. Every input is checked before
anything is written; the row and its administration-trail event are committed together.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import g, has_app_context
from sqlalchemy import or_, select

from workflow import clock, generations
from workflow.audit import admin
from workflow.auth.models import ROLES, RoleAssignment, User
from workflow.cases.substitutes import Acting
from workflow.delegation.models import Delegation
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.engine.fields import parse_id
from workflow.extensions import db
from workflow.jurisdictions.scope import scope_filter

admin.actions({"delegation_created": "授权代办", "delegation_ended": "结束授权代办"})

LABELS = {"assignment_id": "授权的岗位", "delegator": "授权人", "delegate": "被授权人",
          "starts_on": "开始日期", "ends_on": "结束日期", "reason": "事由"}
NOT_DELEGABLE = {"admin", "auditor"}
MAX_DAYS = 366
MAX_REASON = 200
NOT_SAVED = "授权未保存，请按提示修改"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(NOT_SAVED, {field: [message]})


def _date(payload: dict, field: str) -> dt.date:
    raw = payload.get(field)
    day = None
    if isinstance(raw, str):
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise _invalid(field, f"「{LABELS[field]}」须为日期，如 2027-03-01")
    return day


def _user(payload: dict, field: str) -> User:
    """A user named by user name (or id) in ``payload[field]``."""
    raw = payload.get(field)
    user = None
    if isinstance(raw, str) and raw.strip() and not _CONTROL.search(raw):
        user = db.session.execute(select(User).where(
            User.username == raw.strip()[:64])).unique().scalar_one_or_none()
    elif (ident := parse_id(raw)) is not None and not isinstance(raw, bool):
        user = db.session.get(User, ident)
    if user is None or not user.active:
        raise _invalid(field, f"「{LABELS[field]}」不存在或已停用，请填写其用户名")
    return user


def _reason(payload: dict) -> str:
    raw = payload.get("reason")
    raw = "" if raw is None else raw
    if not isinstance(raw, str) or _CONTROL.search(raw):
        raise _invalid("reason", f"「{LABELS['reason']}」须为文字，不能含有控制字符")
    text = raw.strip()
    if len(text) > MAX_REASON:
        raise _invalid("reason", f"「{LABELS['reason']}」最多 {MAX_REASON} 个字")
    return text


def may_administer(actor: User, assignment: RoleAssignment) -> bool:
    """True when ``actor`` is an administrator over the assignment's place."""
    return any(a.role == "admin" and a.jurisdiction.contains(assignment.jurisdiction)
               for a in actor.assignments)


def _assignment(actor: User, payload: dict) -> RoleAssignment:
    """The assignment to hand over: the actor's own, or (for an administrator) the one
    of ``delegator`` picked by ``assignment_id``."""
    delegator = _user(payload, "delegator") if payload.get("delegator") not in (None, "") \
        else actor
    ident = parse_id(payload.get("assignment_id"))
    held = [a for a in delegator.assignments if a.role not in NOT_DELEGABLE]
    if ident is None and len(held) == 1:
        ident = held[0].id
    found = next((a for a in delegator.assignments if a.id == ident), None)
    if found is None:
        raise _invalid("assignment_id", f"请选择「{LABELS['assignment_id']}」：须为授权人本人"
                                        "担任的岗位")
    if found.role in NOT_DELEGABLE:
        raise _invalid("assignment_id", f"「{LABELS['assignment_id']}」"
                                        f"{ROLES[found.role]}不能授权他人代办")
    if delegator.id != actor.id and not may_administer(actor, found):
        raise Forbidden("只有本人或该地区的系统管理员可以授权代办")
    return found


def create(actor: User, payload: Any) -> Delegation:
    """Hand one assignment over for a date range (see the module docstring), committed."""
    if not isinstance(payload, dict):
        raise _invalid("delegate", f"请填写「{LABELS['delegate']}」")
    try:
        assignment = _assignment(actor, payload)
        delegate = _user(payload, "delegate")
        starts_on, ends_on = _date(payload, "starts_on"), _date(payload, "ends_on")
        reason = _reason(payload)
        _check(assignment, delegate, starts_on, ends_on)
        row = Delegation(delegator_id=assignment.user_id, delegate_id=delegate.id,
                         role=assignment.role, department=assignment.department,
                         jurisdiction_id=assignment.jurisdiction_id,
                         jurisdiction_path=assignment.jurisdiction.path,
                         starts_on=starts_on, ends_on=ends_on, reason=reason,
                         created_by_id=actor.id, created_at=clock.utcnow())
        db.session.add(row)
        db.session.flush()
        delegator = assignment.user
        admin.record(assignment.jurisdiction, "delegation_created", actor,
                     f"{delegator.display_name}将“{assignment.role_title}”"
                     f"（{assignment.jurisdiction.name}）授权{delegate.display_name}代办，"
                     f"{starts_on} 至 {ends_on}", {"after": row.recorded(), "reason": reason},
                     target=f"delegation:{row.id}", roles={"admin", assignment.role})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    forget()
    return row


def _check(assignment: RoleAssignment, delegate: User, starts_on: dt.date,
           ends_on: dt.date) -> None:
    if delegate.id == assignment.user_id:
        raise _invalid("delegate", f"「{LABELS['delegate']}」不能是授权人本人")
    place = assignment.jurisdiction
    if not any(a.jurisdiction_id == place.id and a.role not in NOT_DELEGABLE
               for a in delegate.assignments):
        raise _invalid("delegate", f"「{LABELS['delegate']}」须在{place.name}任职"
                                   "（同一地区、同一层级），不能授权给本地区以外的人员")
    if ends_on < starts_on:
        raise _invalid("ends_on", f"「{LABELS['ends_on']}」不能早于「{LABELS['starts_on']}」")
    if ends_on < clock.today():
        raise _invalid("ends_on", f"「{LABELS['ends_on']}」不能早于今天")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise _invalid("ends_on", f"一次授权最长 {MAX_DAYS} 天")
    overlapping = db.session.execute(select(Delegation).where(
        Delegation.delegator_id == assignment.user_id, Delegation.role == assignment.role,
        Delegation.jurisdiction_id == place.id, Delegation.ended_at.is_(None),
        Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on)).scalars().first()
    if overlapping is not None:
        raise _invalid("starts_on", f"该岗位在 {overlapping.starts_on} 至 {overlapping.ends_on}"
                                    f" 已授权{overlapping.delegate.display_name}代办，日期不能重叠")


def end(actor: User, delegation_id: Any) -> Delegation:
    """End a delegation now (the delegator, the delegate or an administrator over its
    place), committed with its administration-trail event."""
    ident = parse_id(delegation_id)
    row = db.session.get(Delegation, ident) if ident is not None else None
    if row is None or not _may_see(actor, row):
        raise NotFound("该授权不存在")
    if actor.id not in (row.delegator_id, row.delegate_id) and not any(
            a.role == "admin" and a.jurisdiction.contains(row.jurisdiction)
            for a in actor.assignments):
        raise Forbidden("只有授权人、被授权人或该地区的系统管理员可以结束授权")
    if row.status == "已结束":
        raise Invalid("该授权已结束", {"_": ["该授权已结束"]})
    try:
        before = row.recorded()
        row.ended_at, row.ended_by_id = clock.utcnow(), actor.id
        db.session.flush()
        admin.record(row.jurisdiction, "delegation_ended", actor,
                     f"结束{row.delegator.display_name}对{row.delegate.display_name}的授权代办"
                     f"（{ROLES.get(row.role, row.role)}，{row.jurisdiction.name}）",
                     {"before": before, "after": row.recorded()},
                     target=f"delegation:{row.id}", roles={"admin", row.role})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    forget()
    return row


def _may_see(user: User, row: Delegation) -> bool:
    return user.id in (row.delegator_id, row.delegate_id) or any(
        a.role in ("admin", "auditor") and a.jurisdiction.contains(row.jurisdiction)
        for a in user.assignments)


def mine(user: User) -> tuple[list[Delegation], list[Delegation]]:
    """(what the user handed over, what they received), newest first."""
    rows = db.session.execute(select(Delegation).where(or_(
        Delegation.delegator_id == user.id, Delegation.delegate_id == user.id))
        .order_by(Delegation.id.desc())).unique().scalars().all()
    return ([r for r in rows if r.delegator_id == user.id],
            [r for r in rows if r.delegate_id == user.id])


def in_scope(user: User, limit: int = 500) -> list[Delegation]:
    """The delegations of places in the user's jurisdictions (the administrators' page)."""
    return list(db.session.execute(select(Delegation).where(
        scope_filter(Delegation.jurisdiction_path, user))
        .order_by(Delegation.id.desc()).limit(limit)).unique().scalars())


_MEMO = "_delegation_acting"


def acting(user: User) -> list[Acting]:
    """The assignments ``user`` exercises today for others (the provider of
    workflow/cases/substitutes.py). One indexed query per request and user, asked only
    when the user holds no direct assignment for what they do (see cases.operations)."""
    memo = g.setdefault(_MEMO, {}) if has_app_context() else {}
    rows = memo.get(user.id)
    if rows is None and user.id not in delegates():
        rows = memo[user.id] = []  # most users never act for anyone: no query
    if rows is None:
        rows = memo[user.id] = db.session.execute(select(Delegation).where(
            Delegation.delegate_id == user.id, Delegation.ends_on >= clock.today(),
            Delegation.ended_at.is_(None))).unique().scalars().all()
    now = clock.utcnow()
    out = []
    for row in rows:
        if not row.active_on(now):
            continue
        # The delegator must still hold the role (a revoked role ends what was handed on).
        held = next((a for a in row.delegator.assignments if a.role == row.role
                     and a.jurisdiction_id == row.jurisdiction_id), None)
        if held is not None and row.delegator.active:
            out.append(Acting(held, user.id, row.id, row.delegator.display_name))
    return out


def delegates() -> frozenset[int]:
    """The users named delegate by a delegation not ended (whatever its dates), kept per
    process under the delegations generation: every write of a delegation renews it."""
    return generations.cached(generations.DELEGATIONS, "delegates", lambda: frozenset(
        db.session.execute(select(Delegation.delegate_id).where(
            Delegation.ended_at.is_(None))).scalars()))


def forget() -> None:
    """Drop the request's memo of delegations (after a change, and at each request)."""
    if has_app_context():
        g.pop(_MEMO, None)
