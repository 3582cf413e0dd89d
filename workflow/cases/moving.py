"""流程版本迁移: moving the running cases of earlier versions onto the current version.

``plan`` is the dry run: for every (old version, state) of the procedure's running cases,
how many there are, where they go, what changes for them (engine/moves.py) and why not
where they cannot; counted with one grouped query. ``move`` does it in batches: each
batch locks its cases, appends to every moved case's chain an event naming both
versions (``move_version``), updates the rows (version-guarded) and the state tallies,
and commits on its own, so officials keep signing while a large move runs and a move
killed half-way is finished by running it again (only cases still on an old version
are taken: each case moves once). Cases that cannot move stay on their version.

The background job ``procedure_move`` runs ``move`` for an administrator over their
places; ``flask procedures moves KEY [--apply]`` does the same from the server.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select, update

from workflow.audit import admin as admin_trail
from workflow.audit.chain import MOVE_ACTION, insert_events, new_event
from workflow.auth.models import User
from workflow.cases import tallies
from workflow.cases.models import Case
from workflow.engine import moves, store
from workflow.engine.definitions import Definition
from workflow.engine.errors import Conflict, Forbidden, Invalid
from workflow.extensions import db
from workflow.jobs.registry import job_kind
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import paths_filter

MOVE_TITLE = "迁移流程版本"
BLOCKED_LISTED = 200  # case numbers listed per group that cannot move
admin_trail.actions({"procedure_move": "迁移流程版本"})


@dataclass
class Group:
    """The running cases of one earlier version in one state."""

    from_version: str
    state: str
    state_title: str
    cases: int
    target: str | None = None
    target_title: str = ""
    reason: str | None = None  # why the whole group stays
    changes: list[str] = field(default_factory=list)
    blocked_ids: list[int] = field(default_factory=list)  # cases of a movable group that stay
    blocked_reason: str = ""

    @property
    def movable(self) -> int:
        return 0 if self.reason else self.cases - len(self.blocked_ids)


@dataclass
class Plan:
    procedure: str
    title: str
    to_version: str
    groups: list[Group]

    @property
    def cases(self) -> int:
        return sum(g.cases for g in self.groups)

    @property
    def movable(self) -> int:
        return sum(g.movable for g in self.groups)

    @property
    def blocked(self) -> int:
        return self.cases - self.movable


def _old_cases(key: str, current: Definition, scope_paths: list[str] | None) -> list:
    where = [Case.procedure == key, Case.definition_version != current.version]
    if scope_paths is not None:
        where.append(paths_filter(Case.jurisdiction_path, scope_paths))
    return where


def waiting(scope_paths: list[str] | None = None) -> dict[str, int]:
    """Running cases on an earlier version, per procedure (one grouped query)."""
    current = {k: d.version for k, d in store.catalog().procedures.items()}
    query = (select(Case.procedure, Case.definition_version, Case.state, func.count())
             .where(Case.procedure.in_(list(current)),
                    Case.definition_version.not_in(list(current.values())))
             .group_by(Case.procedure, Case.definition_version, Case.state))
    if scope_paths is not None:
        query = query.where(paths_filter(Case.jurisdiction_path, scope_paths))
    counts = dict.fromkeys(current, 0)
    for key, version, state, count in db.session.execute(query):
        if not store.by_version(version).is_final(state):
            counts[key] += count
    return counts


def plan(key: str, scope_paths: list[str] | None = None) -> Plan:
    """The dry run for procedure ``key`` (within ``scope_paths`` if given): nothing written."""
    current = store.current(key)
    state_map = store.catalog().moves.get(key, {})
    rows = db.session.execute(
        select(Case.definition_version, Case.state, func.count())
        .where(*_old_cases(key, current, scope_paths))
        .group_by(Case.definition_version, Case.state)
        .order_by(Case.definition_version, Case.state)).all()
    groups = []
    for version, state, count in rows:
        old = store.by_version(version)
        if old.is_final(state):
            continue  # finished cases keep the version they finished on
        group = Group(version, state, old.state_title(state), count,
                      reason=moves.refusal(old, state, current, state_map))
        if group.reason is None:
            group.target = moves.target_state(state, current, state_map)
            group.target_title = current.state_title(group.target)
            group.changes = moves.changes(old, state, current, group.target)
            group.blocked_ids = _half_cosigned(key, version, state,
                                               moves.cosign_changed(old, state, current,
                                                                    group.target),
                                               scope_paths)
            if group.blocked_ids:
                group.blocked_reason = "会签尚未完成，且新版本的会签要求不同：待会签完成后再迁移"
        groups.append(group)
    return Plan(key, current.title, current.version, groups)


def report_lines(the_plan: Plan) -> list[str]:
    """The dry run as lines of text (the command line's report)."""
    lines = [f"{the_plan.title}（{the_plan.procedure}）当前版本 {the_plan.to_version}：早期版本的"
             f"进行中案件 {the_plan.cases} 件，可迁移 {the_plan.movable} 件，"
             f"不能迁移 {the_plan.blocked} 件"]
    for g in the_plan.groups:
        head = f"  版本 {g.from_version}「{g.state_title}」{g.cases} 件："
        if g.reason:
            lines.append(head + f"不能迁移——{g.reason}")
            continue
        lines.append(head + f"迁至「{g.target_title}」{g.movable} 件"
                     + (f"；{'；'.join(g.changes)}" if g.changes else "；仅版本变化"))
        if g.blocked_ids:
            lines.append(f"    {len(g.blocked_ids)} 件暂不迁移（{g.blocked_reason}）："
                         + "、".join(str(i) for i in g.blocked_ids[:BLOCKED_LISTED]))
    return lines


def _half_cosigned(key: str, version: str, state: str, actions: list[str],
                   scope_paths: list[str] | None) -> list[int]:
    """Cases of the group holding a co-signature of one of ``actions`` (read only for
    groups where the co-signing rule changed)."""
    if not actions:
        return []
    query = select(Case.id, Case.cosigns).where(
        Case.procedure == key, Case.definition_version == version, Case.state == state)
    if scope_paths is not None:
        query = query.where(paths_filter(Case.jurisdiction_path, scope_paths))
    return [cid for cid, cosigns in db.session.execute(query.order_by(Case.id))
            if any(name in (cosigns or {}) for name in actions)]


@dataclass
class MoveResult:
    moved: int
    stayed: int
    seconds: float
    to_version: str


_MOVE_UPDATE = update(Case.__table__).where(
    Case.__table__.c.id == bindparam("_id"),
    Case.__table__.c.version == bindparam("_version")).values(
    state=bindparam("state"), definition_version=bindparam("definition_version"),
    version=bindparam("version"), event_count=bindparam("event_count"),
    trail_head=bindparam("trail_head"), updated_at=bindparam("updated_at"))


def move(key: str, actor: User, scope_paths: list[str] | None = None, *, batch: int = 1000,
         on_batch=None) -> MoveResult:
    """Move every movable running case of ``key`` onto the current version, ``batch``
    cases per transaction; ``on_batch(done, total)`` after each commit."""
    started = time.perf_counter()
    the_plan = plan(key, scope_paths)
    current = store.current(key)
    targets = {(g.from_version, g.state): g.target for g in the_plan.groups
               if g.reason is None}
    staying = {cid for g in the_plan.groups for cid in g.blocked_ids}
    store.ensure_stored(current)
    signers = _Signers(actor)
    columns = (Case.id, Case.version, Case.state, Case.definition_version, Case.trail_head,
               Case.event_count, Case.procedure, Case.jurisdiction_path, Case.year)
    where = _old_cases(key, current, scope_paths)
    moved, last_id = 0, 0
    while True:
        rows = db.session.execute(
            select(*columns).where(*where, Case.id > last_id).order_by(Case.id).limit(batch)
            .with_for_update()).all()
        if not rows:
            break
        last_id = rows[-1].id
        chosen = [(r, targets[(r.definition_version, r.state)]) for r in rows
                  if (r.definition_version, r.state) in targets and r.id not in staying]
        if chosen:
            _move_batch(chosen, current, actor, signers)
        db.session.commit()
        moved += len(chosen)
        if on_batch:
            on_batch(moved, the_plan.movable)
    db.session.commit()  # the stored version, when nothing moved
    result = MoveResult(moved, the_plan.cases - moved, round(time.perf_counter() - started, 1),
                        current.version)
    _record(the_plan, result, actor, signers)
    return result


def _move_batch(chosen: list, current: Definition, actor: User, signers: _Signers) -> None:
    events, updates, moved_states = [], [], []
    for row, target in chosen:
        signer = signers.over(row.jurisdiction_path)
        event = new_event(row, action=MOVE_ACTION, action_title=MOVE_TITLE, actor=actor,
                          assignment=signer, level=signer.jurisdiction.level,
                          from_state=row.state, to_state=target, decision="agree",
                          opinion=f"流程版本由 {row.definition_version} 迁移至 {current.version}",
                          data={"from_version": row.definition_version,
                                "to_version": current.version})
        events.append(event)
        updates.append({"_id": row.id, "_version": row.version, "state": target,
                        "definition_version": current.version, "version": row.version + 1,
                        "event_count": event["seq"], "trail_head": event["hash"],
                        "updated_at": event["at"]})
        moved_states.append((row, row.state, target, event["at"]))
    connection = db.session.connection()
    if connection.execute(_MOVE_UPDATE, updates).rowcount != len(updates):
        db.session.rollback()  # a case signed meanwhile (SQLite): run the move again
        raise Conflict("迁移期间有案件被办理，请重新执行迁移（已迁移的案件不会重复迁移）")
    insert_events(events)
    tallies.record(moved_states)


class _Signers:
    """The role and place a move's events record: the actor's admin assignment over the
    case's place, or, for the server's command line, the top place as 系统管理员."""

    def __init__(self, actor: User):
        self.admin = [a for a in actor.assignments if a.role == "admin"]
        self._top = None
        self._cache: dict[str, SimpleNamespace] = {}

    def over(self, path: str):
        for assignment in self.admin:
            if path.startswith(assignment.jurisdiction.path):
                return assignment
        if self._top is None:
            top = db.session.execute(select(Jurisdiction).where(
                Jurisdiction.parent_id.is_(None)).order_by(Jurisdiction.path)).scalars().first()
            self._top = SimpleNamespace(role="admin", jurisdiction=top)
        return self._top

    def place(self) -> Jurisdiction:
        return self.admin[0].jurisdiction if self.admin else self.over("").jurisdiction


def _record(the_plan: Plan, result: MoveResult, actor: User, signers: _Signers) -> None:
    """One administration-trail event for the whole move (the cases have theirs)."""
    summary = (f"迁移流程版本 {the_plan.title}：迁移 {result.moved} 件至版本 "
               f"{result.to_version}，未迁移 {result.stayed} 件")
    admin_trail.record(signers.place(), "procedure_move", actor, summary,
                       {"procedure": the_plan.procedure, "to_version": result.to_version,
                        "moved": result.moved, "stayed": result.stayed,
                        "from_versions": sorted({g.from_version for g in the_plan.groups})},
                       target=f"procedure:{the_plan.procedure}")
    db.session.commit()


def admin_scope(user: User) -> list[str]:
    """The places whose cases an administrator moves: those it administers."""
    paths = [a.jurisdiction.path for a in user.assignments if a.role == "admin"]
    if not paths:
        raise Forbidden("只有系统管理员可以迁移流程版本")
    return paths


def _validate_move(params: dict, user: User) -> dict:
    key = str(params.get("procedure") or "")
    if key not in store.catalog().procedures:
        raise Invalid("流程有误", {"procedure": [f"「流程」{key[:48]} 不存在"]})
    the_plan = plan(key, admin_scope(user))
    if not the_plan.movable:
        raise Invalid("没有可迁移的案件", {"procedure": ["「流程」没有可迁移到新版本的进行中案件"]})
    return {"procedure": key, "_total": the_plan.movable}


@job_kind("procedure_move", title="迁移流程版本", validate=_validate_move, max_attempts=3)
def procedure_move(ctx) -> None:
    """Move the administrator's running cases of the procedure, batch by batch."""
    key = ctx.params["procedure"]
    ctx.progress(0, None, f"正在迁移“{store.current(key).title}”进行中的案件")

    def after_batch(done: int, total: int) -> None:
        ctx.progress(done, total, f"已迁移 {done} / {total} 件")
        ctx.check_cancelled()  # a cancelled move stops here; the batches done stay done

    result = move(key, ctx.user, admin_scope(ctx.user), on_batch=after_batch)
    ctx.message = (f"迁移完成：{result.moved} 件迁移至版本 {result.to_version}，"
                   f"{result.stayed} 件未迁移（{result.seconds} 秒）")
