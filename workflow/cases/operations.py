"""The only code that changes a case: ``create_case`` and ``perform``.

``perform`` checks, in this order: the action exists and is open in the current state,
the version is current, the actor holds an allowed role over the case's place and is not
barred by separation of duties, the form is valid, the guards pass; then it fires the
transition on the definition's shared machine, runs the effects, appends the audit event
and commits, all in one transaction. Any failure rolls everything back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from workflow import clock
from workflow.audit.chain import insert_events, new_event
from workflow.auth.models import ROLES, RoleAssignment, User
from workflow.cases import deadlines, step_times, substitutes, tallies
from workflow.cases.applied import event_data
from workflow.cases.context import (
    Context,
    SubjectContext,
    guard_expressions,
    load_subject,
    subject_model,
)
from workflow.cases.models import Case
from workflow.cases.preconditions import form_rules, start_refusals, subject_refusals
from workflow.engine import registry, store
from workflow.engine.definitions import Action, Definition
from workflow.engine.errors import Conflict, Forbidden, Invalid, NotFound, WorkflowError
from workflow.evidence.models import missing_evidence
from workflow.extensions import db
from workflow.jurisdictions.models import LEVEL_TITLES, LEVELS, closed_refusal
from workflow.notices import operations as notices
from workflow.settings.lookup import memo as settings_memo

MAX_OPINION = 2000
# Called with (cases, their new events' values) in the transaction that writes them, just
# before the commit: another area reacts to what happened (notifications) and its rows
# land with the sign-off or not at all. Registered from the app factory.
AFTER_EVENTS: list[Callable[[list[Case], list[dict[str, Any]]], None]] = []


def create_case(procedure: str, subject_id: int, actor: User, *, role: str | None = None) -> Case:
    """Open a case of ``procedure`` for a subject in the actor's scope (committed)."""
    return create_cases(procedure, [subject_id], actor, role=role)[0]


def create_cases(procedure: str, subject_ids: list[int], actor: User, *,
                 role: str | None = None, commit: bool = True) -> list[Case]:
    """Open one case per subject (批量发起), all or none; errors name the subject.
    ``commit=False`` leaves the new cases flushed in the caller's transaction (a first
    step taken with the start, as 外业采集 does, lands with it or not at all)."""
    definition = store.current(procedure)
    proc = definition.body["procedure"]
    subject_type = proc["subject"]
    if len(set(subject_ids)) != len(subject_ids):
        raise Conflict("同一对象在一次批量发起中只能出现一次")
    model = subject_model(subject_type)
    found = {row.id: row for row in db.session.execute(
        db.select(model).where(model.id.in_(subject_ids))).scalars()}
    open_cases = dict(db.session.execute(
        db.select(Case.subject_id, Case.id).where(
            Case.procedure == procedure, Case.subject_type == subject_type,
            Case.subject_id.in_(subject_ids),
            Case.state.not_in(_final_states(definition)))).all())
    starters, contexts = [], []
    for subject_id in subject_ids:
        prefix = f"对象 {subject_id}：" if len(subject_ids) > 1 else ""
        subject = found.get(subject_id)
        if subject is None or not any(a.jurisdiction.contains(subject.village)
                                      for a in actor.assignments):
            raise NotFound(f"{prefix}该对象不存在或不在您的管辖范围内")
        if refusal := closed_refusal(subject.village):  # 撤并: no new case in the old place
            raise Invalid(f"{prefix}不能发起“{definition.title}”：{refusal}",
                          {"_guards": [prefix + refusal]})
        allowed = [a for a in actor.roles_over(subject.village)
                   if a.role in proc["start_roles"] and (role is None or a.role == role)]
        if not allowed:
            raise Forbidden(f"{prefix}您的角色不能发起“{definition.title}”")
        if subject_id in open_cases:
            raise Conflict(f"{prefix}该对象已有进行中的“{definition.title}”案件"
                           f"（编号 {open_cases[subject_id]}）")
        # The start guards and the plan year read the settings at the subject's place;
        # what they applied is recorded in the case's first event.
        ctx = SubjectContext(subject=subject, definition=definition)
        if reasons := start_refusals(definition, subject, ctx):
            raise Invalid(f"{prefix}不能发起“{definition.title}”：{'；'.join(reasons)}",
                          {"_guards": [prefix + r for r in reasons]})
        starters.append(allowed[0])
        contexts.append(ctx)
    try:
        store.ensure_stored(definition)
        now = clock.utcnow()
        cases = [Case(procedure=procedure, definition_version=definition.version,
                      subject_type=subject_type, subject_id=sid, village_id=found[sid].village_id,
                      jurisdiction_path=found[sid].jurisdiction_path,
                      title=f"{definition.title}：{found[sid].head_name}",
                      state=definition.initial,
                      year=deadlines.plan_year(definition, clock.today(), ctx.setting),
                      data={}, cosigns={}, signers={},
                      created_by_id=actor.id, created_at=now, updated_at=now,
                      state_entered_at=now, trail_head="", event_count=0)
                 for sid, ctx in zip(subject_ids, contexts, strict=True)]
        db.session.add_all(cases)
        db.session.flush()  # one multi-row INSERT; gives the ids the events hash over
        events = [new_event(case, action="create", action_title="发起", actor=actor,
                            assignment=starter, level=starter.jurisdiction.level,
                            from_state="", to_state=definition.initial, decision="agree",
                            opinion="", data=event_data({}, ctx.records()), at=now)
                  for case, starter, ctx in zip(cases, starters, contexts, strict=True)]
        insert_events(events)
        tallies.record((case, "", definition.initial, event["at"])
                       for case, event in zip(cases, events, strict=True))
        db.session.execute(TRAIL_START, [{"_id": e["case_id"], "trail_head": e["hash"]}
                                         for e in events])
        for hook in AFTER_EVENTS:
            hook(cases, events)
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    for case, event in zip(cases, events, strict=True):
        set_committed_value(case, "trail_head", event["hash"])
        set_committed_value(case, "event_count", 1)
    return cases


def _final_states(definition: Definition) -> list[str]:
    return [s for s in definition.states if definition.is_final(s)]


@dataclass
class SignOff:
    """One sign-off asked for: the case, the action and what the official entered."""

    case: Case
    action: str
    version: int | None = None
    opinion: str = ""
    data: dict[str, Any] | None = None
    role: str | None = None


def perform(case: Case, action_name: str, actor: User, *, version: int | None = None,
            opinion: str = "", data: dict[str, Any] | None = None,
            role: str | None = None) -> Case:
    """Carry out one sign-off on ``case`` (see the module docstring); returns the case."""
    perform_many([SignOff(case, action_name, version, opinion, data, role)], actor)
    return case


def perform_many(sign_offs: list[SignOff], actor: User) -> list[Case]:
    """Sign off several cases at once (批量办理), all or none, in one transaction.

    Each case passes every check of ``perform``; an error names the case it stopped at.
    The case rows and events are written with two plain statements (executemany) rather
    than the ORM's unit of work: the UPDATE carries the version check of every case.
    """
    cases = [s.case for s in sign_offs]
    if len({c.id for c in cases}) != len(cases):
        raise Conflict("同一案件在一次批量办理中只能出现一次")
    results = []
    try:
        with settings_memo():  # a batch in one village reads each setting once
            preloaded = prefetch(cases) if len(cases) > 1 else {}
            for item in sign_offs:
                try:
                    results.append(_decide(item.case, item.action, actor, item.version,
                                           (item.opinion or "").strip(), item.data,
                                           item.role, preloaded.get(item.case.id, {})))
                except WorkflowError as exc:
                    if len(sign_offs) > 1:
                        exc.message = f"案件 {item.case.id}：{exc.message}"
                    raise
    except IntegrityError as exc:  # an effect's autoflush met a concurrent writer
        db.session.rollback()
        raise Conflict(STALE) from exc
    except Exception:
        db.session.rollback()
        raise
    _write(cases, results)
    return cases


def _write(cases: list[Case], results: list[tuple[dict, dict]]) -> None:
    """Flush the session, UPDATE each case (version-guarded), INSERT the events, commit;
    all or nothing. The case objects then hold their new values."""
    # When each case entered the state it may now leave, read before the UPDATE below
    # overwrites the row (the step-time tallies measure the stay from it).
    entered = [case.state_entered_at for case in cases]
    try:
        db.session.flush()  # whatever the effects changed in the register and notices
        rows = [{**changes, "_id": case.id, "_version": case.version}
                for case, (changes, _) in zip(cases, results, strict=True)]
        # On the session's connection (the same transaction), one row as one execute:
        # the ORM session's dispatch and an executemany of one row cost more than the
        # statement itself on SQLite.
        updated = db.session.connection().execute(
            CASE_UPDATE, rows[0] if len(rows) == 1 else rows).rowcount
        if updated != len(cases):
            raise Conflict(STALE)
        insert_events([event for _, event in results])
        tallies.record((case, event["from_state"], event["to_state"], event["at"])
                       for case, (_, event) in zip(cases, results, strict=True))
        step_times.record((case, event["from_state"], event["to_state"], began, event["at"])
                          for case, began, (_, event) in zip(cases, entered, results,
                                                             strict=True))
        for hook in AFTER_EVENTS:
            hook(cases, [event for _, event in results])
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(STALE) from exc
    except Exception:
        db.session.rollback()
        raise
    for case, (changes, _) in zip(cases, results, strict=True):
        for name, value in changes.items():
            set_committed_value(case, name, value)


def append_event(case: Case, actor: User, assignment: RoleAssignment, *, action: str,
                 action_title: str, data: dict[str, Any], version: int | None = None,
                 opinion: str = "") -> Case:
    """Commit what the caller added to the session with a trail event that does not move
    the case (an upload, a 督办): the same version check and hash chain as ``perform``."""
    if version is not None and version != case.version:
        db.session.rollback()
        raise Conflict("案件已被他人处理（版本已变化），请刷新后重试")
    event = new_event(case, action=action, action_title=action_title, actor=actor,
                      assignment=assignment, level=assignment.jurisdiction.level,
                      from_state=case.state, to_state=case.state, decision="agree",
                      opinion=opinion, data=data)
    changes = {name: getattr(case, name) for name in _CHANGED}
    changes.update(updated_at=event["at"], version=case.version + 1,
                   trail_head=event["hash"], event_count=event["seq"])
    _write([case], [(changes, event)])
    return case


def prefetch(cases: list[Case]) -> dict[int, dict[str, Any]]:
    """For a batch: each case's subject and open notice, in one query per kind."""
    by_type: dict[str, list[int]] = {}
    for case in cases:
        by_type.setdefault(case.subject_type, []).append(case.subject_id)
    subjects: dict[tuple[str, int], Any] = {}
    for subject_type, ids in by_type.items():
        model = subject_model(subject_type)
        for row in db.session.execute(db.select(model).where(model.id.in_(ids))
                                      .options(*model.prefetch(), *guard_expressions(model))
                                      ).scalars():
            subjects[(subject_type, row.id)] = row
    open_notices = {n.case_id: n for n in notices.open_notices([c.id for c in cases])}
    return {case.id: {"subject": subjects.get((case.subject_type, case.subject_id)),
                      "notice": n if (n := open_notices.get(case.id)) and n.state == case.state
                      else None}
            for case in cases}


STALE = "案件已被他人处理，请刷新后重试"
_CHANGED = ("state", "state_entered_at", "data", "cosigns", "signers", "updated_at",
            "version", "trail_head", "event_count")
# Built once with bound parameters so SQLAlchemy compiles them once per process.
TRAIL_START = (Case.__table__.update().where(Case.__table__.c.id == bindparam("_id"))
               .values(trail_head=bindparam("trail_head"), event_count=1))
CASE_UPDATE = (Case.__table__.update()
               .where(Case.__table__.c.id == bindparam("_id"),
                      Case.__table__.c.version == bindparam("_version"))
               .values({name: bindparam(name) for name in _CHANGED}))


def _decide(case: Case, action_name: str, actor: User, version: int | None, opinion: str,
            data: dict[str, Any] | None, role: str | None,
            preloaded: dict[str, Any] | None = None) -> tuple[dict, dict]:
    """Run every check, the guards and the effects; return the case's new values and event."""
    definition = store.by_version(case.definition_version)
    action = definition.actions.get(action_name)
    if action is None:
        raise NotFound(f"流程“{definition.title}”没有“{action_name}”这一操作")
    if not any(a.jurisdiction.contains(case.village) for a in actor.assignments):
        raise NotFound("案件不存在或不在您的管辖范围内")
    if case.state not in action.source:
        raise Conflict(f"案件当前处于“{definition.state_title(case.state)}”，"
                       f"不能执行“{action.title}”")
    if version is not None and version != case.version:
        raise Conflict("案件已被他人处理（版本已变化），请刷新后重试")
    assignment = choose_assignment(case, action, actor, role)
    check_separation(case, action, actor, assignment)
    values, errors = action.form.validate(data, form_rules(case, definition, action)) \
        if action.form else ({}, {})
    if len(opinion) > MAX_OPINION:
        errors["opinion"] = [f"「意见」不能超过 {MAX_OPINION} 个字"]
    if action.opinion_required and not opinion:
        errors["opinion"] = ["「意见」为必填项：退回或不同意时须写明理由"]
    if errors:
        raise Invalid("表单有误，请按提示修改", errors)
    ctx = Context(case=case, definition=definition, action=action, actor=actor,
                  assignment=assignment, values=values, opinion=opinion)
    for name, value in (preloaded or {}).items():
        setattr(ctx, name, value)  # fills the cached properties (subject, notice)
    reasons = missing_evidence(case, action.evidence, definition.evidence_kinds)
    reasons += [r for g in action.guards for r in registry.GUARDS[g](ctx)]
    if reasons:
        raise Invalid("不符合办理条件", {"_guards": reasons})

    from_state = case.state
    cosigns, to_state = _collect_signature(case, action, assignment)
    if to_state != from_state:
        machine_model = SimpleNamespace(state=from_state)
        definition.machine.events[action.name].trigger(machine_model)
        to_state = machine_model.state
    for name in action.effects:
        registry.EFFECTS[name](ctx)
    signers = {level: list(ids) for level, ids in case.signers.items()}
    level = signing_level(action, assignment)
    for signer in substitutes.signer_ids(actor.id, assignment):  # 代签: both people
        if signer not in signers.setdefault(level, []):
            signers[level].append(signer)
    now = clock.utcnow()
    changes: dict[str, Any] = {
        "cosigns": cosigns, "signers": signers, "updated_at": now,
        "version": case.version + 1,
        "data": {**case.data, action.name: values} if values else case.data,
        "state": case.state, "state_entered_at": case.state_entered_at,
    }
    if to_state != from_state:
        notices.leave_state(ctx, from_state)
        notices.enter_state(case, definition, to_state, ctx)
        changes.update(state=to_state, state_entered_at=now)
    event = new_event(case, action=action.name, action_title=action.title, actor=actor,
                      assignment=assignment, level=level, from_state=from_state,
                      to_state=to_state, decision=action.decision, opinion=opinion,
                      data=event_data(values, ctx.records()),
                      at=now if to_state != from_state else None)
    changes.update(trail_head=event["hash"], event_count=event["seq"])
    return changes, event


def choose_assignment(case: Case, action: Action, actor: User,
                      role: str | None = None) -> RoleAssignment | substitutes.Acting:
    """The actor's assignment this sign-off is made under (their own, else one they hold
    on someone's behalf today), or Forbidden."""
    wanted = action.eligible_roles
    if action.cosign:
        signed = case.cosigns.get(action.name, {})
        if actor.id in signed.values():
            raise Forbidden("会签须由不同人员分别签署，您已签署过本环节")
        wanted = [r for r in wanted if r not in signed]
    candidates = [a for a in actor.roles_over(case.village) if a.role in wanted
                  and (role is None or a.role == role)]
    if not candidates:  # only now the delegations the actor holds (授权代办) are read
        candidates = [a for a in substitutes.acting_for(actor)
                      if a.role in wanted and (role is None or a.role == role)
                      and a.jurisdiction.contains(case.village)]
    if not candidates:
        titles = "、".join(ROLES.get(r, r) for r in wanted)
        raise Forbidden(f"“{action.title}”须由{titles}办理，您没有相应权限")
    return candidates[0]


def signing_level(action: Action, assignment: RoleAssignment) -> str:
    """The level a signature counts at: a joint sign-off (会签) across levels, such as the
    completion inspection of county, township and village, counts at each signer's own."""
    if action.cosign and assignment.jurisdiction.level in LEVELS:
        return assignment.jurisdiction.level
    return action.level


def check_separation(case: Case, action: Action, actor: User,
                     assignment: RoleAssignment | None = None) -> None:
    """Whoever signed at one level may not sign at the next one up; a sign-off made on
    someone's behalf counts for both people, before and after."""
    level = signing_level(action, assignment) if assignment else action.level
    index = LEVELS.index(level)
    # LEVELS runs city → village; the level below is the next one in the tuple.
    if index + 1 < len(LEVELS):
        below = LEVELS[index + 1]
        signed = case.signers.get(below, [])
        if actor.id in signed:
            raise Forbidden(f"职责分离：您已在{LEVEL_TITLES[below]}级签署本案件，"
                            f"不能再在{LEVEL_TITLES[level]}级签署")
        if any(i in signed for i in substitutes.signer_ids(actor.id, assignment)):
            name = getattr(assignment, "principal_name", "")
            raise Forbidden(f"职责分离：授权人{name}已在{LEVEL_TITLES[below]}级签署本案件，"
                            f"不能代其在{LEVEL_TITLES[level]}级签署")


def _collect_signature(case: Case, action: Action,
                       assignment: RoleAssignment) -> tuple[dict, str]:
    """The case's co-signatures after this one, and the state it moves to.

    The state moves only when every co-signing role has signed.
    """
    if not action.cosign:
        return case.cosigns, action.to or case.state
    signed = {**case.cosigns.get(action.name, {}), assignment.role: assignment.user_id}
    if all(r in signed for r in action.cosign):
        return {}, action.to
    return {**case.cosigns, action.name: signed}, case.state


def open_actions(case: Case, actor: User) -> list[dict[str, Any]]:
    """The actions of the case's state, each marked whether ``actor`` may perform it now."""
    definition = store.by_version(case.definition_version)
    out, subject = [], None
    for action in definition.actions_in(case.state):
        try:
            chosen = choose_assignment(case, action, actor)
            check_separation(case, action, actor, chosen)
            allowed, reason = True, ""
        except (Forbidden, NotFound) as exc:
            allowed, reason, chosen = False, exc.message, None
        if allowed and any(g in registry.SUBJECT_GUARDS for g in action.guards):
            # What the subject's state forbids is not offered (the guards would refuse it).
            subject = subject or load_subject(case.subject_type, case.subject_id)
            if refusals := subject_refusals(definition, subject, action.guards):
                allowed, reason = False, "；".join(refusals)
        out.append({"name": action.name, "title": action.title, "kind": action.kind,
                    "form": action.form.key if action.form else None, "allowed": allowed,
                    "reason": reason, "cosign": action.cosign,
                    "signed": list(case.cosigns.get(action.name, {})),
                    "evidence": action.evidence,
                    "on_behalf_of": getattr(chosen, "principal_name", None)})
    return out
