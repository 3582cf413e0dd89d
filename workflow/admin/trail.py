"""The administration trail as readers filter it (page and API): the events in the
reader's jurisdictions, by action, place and user (the one concerned or the actor)."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, or_, select

from workflow.audit import admin
from workflow.audit.models import AdminEvent
from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.scope import place_by_code


def trail_query(reader: User, args: Mapping[str, str], problems: list[str]):
    """``admin.events_in_scope`` narrowed by ``action``, ``place`` (a code in scope) and
    ``user`` (a user name); a bad filter adds a Chinese problem and is ignored."""
    action = args.get("action", "")
    if action and action not in admin.ADMIN_ACTIONS:
        problems.append("「操作」不正确")
        action = ""
    query = admin.events_in_scope(reader, action or None)
    if code := args.get("place", ""):
        place = place_by_code(code, reader)
        if place is None:
            problems.append("「地区」不存在或不在您的管辖范围内")
        else:
            query = query.where(AdminEvent.jurisdiction_path.startswith(place.path,
                                                                        autoescape=True))
    if name := args.get("user", "").strip()[:64]:
        user_id = db.session.execute(select(User.id).where(
            func.lower(User.username) == name.lower())).scalar_one_or_none()
        if user_id is None:
            problems.append(f"用户名「{name}」不存在")
        else:
            query = query.where(or_(AdminEvent.target == f"user:{user_id}",
                                    AdminEvent.actor_id == user_id))
    return query


def event_json(e: AdminEvent) -> dict:
    from workflow.engine.fields import utc_iso

    return {"seq": e.seq, "place": e.jurisdiction_path, "action": e.action,
            "action_title": e.action_title, "actor_id": e.actor_id, "actor_name": e.actor_name,
            "role": e.role, "target": e.target, "summary": e.summary, "data": e.data,
            "at": utc_iso(e.at), "hash": e.hash}
