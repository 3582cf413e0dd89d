"""The administration trail: every change an administrator makes (users and roles,
places, rural populations, settings, archives), hash-chained like the register's.

Each event lies on the chain of the place it concerns (a user's change on the place of
the role granted or of the administrator's own assignment, a setting on the place it
applies to), written in the same transaction as the change; the place row holds the
chain's length and head (``admin_seq``/``admin_head``) and is locked while an event is
appended, so two administrators of one county queue instead of forking the chain.
Auditors read it within their jurisdictions; ``flask audit verify`` checks it and
``audit checkpoint`` anchors its heads.

An area names its actions once, at import, with ``actions({...})``; ``record`` refuses
an action nobody named, so every event on the page has a Chinese title.
"""
from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from workflow import clock
from workflow.audit import anchors
from workflow.audit.chain import Problem, chain_problems
from workflow.audit.models import GENESIS, AdminEvent, seal
from workflow.auth.models import User
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import paths_filter, scope_filter

ADMIN_ACTIONS: dict[str, str] = {}
# Checks of administered rows against the events that set them, registered by the areas
# (the working-day calendar's additions): fn(scope_paths) -> problems.
ROW_CHECKS: list = []


def actions(titles: dict[str, str]) -> None:
    """Name an area's administrative actions (key -> Chinese title, e.g. "新建用户")."""
    for key, title in titles.items():
        if ADMIN_ACTIONS.get(key, title) != title:
            raise ValueError(f"admin action {key} already titled {ADMIN_ACTIONS[key]}")
        ADMIN_ACTIONS[key] = title


def record(place: Jurisdiction | int, action: str, actor: User, summary: str,
           data: dict[str, Any], *, target: str = "", roles: set[str] | None = None,
           role: str | None = None) -> dict[str, Any]:
    """Append an event to ``place``'s administration chain (nothing committed: the
    caller's change and its event land together) and return its values.

    ``summary`` is the sentence a person reads (「新建用户 张三（zhangsan）」);
    ``data`` what changed, field by field (before/after where there was a before);
    ``target`` what it concerns ("user:12"); the actor's role is ``role`` or the first of
    ``roles`` (default: admin) the actor holds over the place, else empty (a CLI run)."""
    if action not in ADMIN_ACTIONS:
        raise KeyError(f"unknown admin action {action!r}: name it with audit.admin.actions")
    place_id = place if isinstance(place, int) else place.id
    row = db.session.execute(
        select(Jurisdiction).where(Jurisdiction.id == place_id)
        # NO KEY UPDATE, as in audit.register: compatible with inserting rows that
        # reference the place, so writers queue instead of deadlocking.
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)).scalar_one()
    if role is None:
        wanted = roles or {"admin"}
        role = next((a.role for a in actor.roles_over(row) if a.role in wanted), "")
    values = {"place_id": row.id, "jurisdiction_path": row.path, "seq": row.admin_seq + 1,
              "action": action, "action_title": ADMIN_ACTIONS[action], "actor_id": actor.id,
              "actor_name": actor.display_name, "role": role, "target": target[:96],
              "summary": summary, "data": data, "at": clock.utcnow(),
              "prev_hash": row.admin_head or GENESIS}
    seal(values, AdminEvent.HASHED)
    db.session.execute(AdminEvent.__table__.insert(), [values])
    row.admin_seq, row.admin_head = values["seq"], values["hash"]
    return values


CLI_USERNAME = "_cli"


def cli_actor() -> User:
    """The account a `flask ...` command acts as on the trail: 「服务器命令行」, inactive,
    with no password that can match, created on first use (commands run on the server by
    whoever holds it; the trail says so instead of inventing an administrator)."""
    user = db.session.execute(select(User).filter_by(username=CLI_USERNAME)).scalar_one_or_none()
    if user is None:
        user = User(username=CLI_USERNAME, display_name="服务器命令行", active=False,
                    password_hash="!")  # noqa: S106 (no hash format: never matches)
        db.session.add(user)
        db.session.flush()
    return user


def refusal(exc: WorkflowError) -> click.ClickException:
    """A refused operation as a command's error message: every field's reason."""
    details = [m for messages in exc.errors.values() for m in messages]
    return click.ClickException("；".join(details or [exc.message]))


def as_cli(change, *args, **kwargs):
    """Call an administration operation ``change(actor, ...)`` as the command line (on
    the trail as 服务器命令行); a refusal rolls back and becomes the command's error."""
    try:
        return change(cli_actor(), *args, **kwargs)
    except WorkflowError as exc:
        db.session.rollback()
        raise refusal(exc) from None


def verify(scope_paths: list[str] | None = None) -> tuple[int, list[Problem]]:
    """Check every place's administration chain (within ``scope_paths``) against its
    head and the latest checkpoint; returns (events checked, problems)."""
    places = select(Jurisdiction).order_by(Jurisdiction.id)
    events = select(AdminEvent).order_by(AdminEvent.place_id, AdminEvent.id)
    if scope_paths is not None:
        places = places.where(paths_filter(Jurisdiction.path, scope_paths))
        events = events.where(paths_filter(AdminEvent.jurisdiction_path, scope_paths))
    by_place: dict[int, list[AdminEvent]] = {}
    for event in db.session.execute(events).scalars():
        by_place.setdefault(event.place_id, []).append(event)
    checkpoint = anchors.latest()
    anchored = checkpoint.owners("admin", scope_paths) if checkpoint else {}
    problems: list[Problem] = []
    checked = 0
    for place in db.session.execute(places.execution_options(populate_existing=True)).scalars():
        chain = by_place.pop(place.id, [])
        anchored.pop(place.id, None)
        if not chain and not place.admin_seq and not (
                checkpoint and checkpoint.head("admin", place.id)):
            continue
        checked += len(chain)
        problems += chain_problems(f"{place.name} 管理留痕", chain, place.admin_head,
                                   place.admin_seq, "地区",
                                   checkpoint.head("admin", place.id) if checkpoint else None)
    for chain in by_place.values():  # events whose place row is gone
        problems.append(Problem(chain[0].jurisdiction_path, None, "地区记录缺失，但存在其管理留痕"))
    problems += [Problem(f"地区 {pid}", None, f"地区记录缺失：检查点记有其 {n} 条管理留痕")
                 for pid, n in anchored.items()]
    for check in ROW_CHECKS:
        problems += check(scope_paths)
    return checked, problems


def events_in_scope(user: User, action: str | None = None, target: str | None = None):
    """The administration events in the user's jurisdictions, newest first (a query)."""
    query = select(AdminEvent).where(scope_filter(AdminEvent.jurisdiction_path, user))
    if action:
        query = query.where(AdminEvent.action == action)
    if target:
        query = query.where(AdminEvent.target == target)
    return query.order_by(AdminEvent.id.desc())
