"""Running the finding rules over the cases in an auditor's scope, and recording an
auditor's decision on a finding (itself an event in the case's trail)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from workflow import clock
from workflow.audit.models import AuditEvent, RegisterEvent
from workflow.auth.models import User
from workflow.cases.context import load_subject
from workflow.cases.models import Case
from workflow.cases.operations import append_event
from workflow.engine import store
from workflow.engine.errors import Forbidden, Invalid, NotFound
from workflow.evidence.models import Attachment
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import scope_filter
from workflow.notices.models import Notice
from workflow.oversight.models import OUTCOMES, Finding
from workflow.oversight.rules import JUDGED, RULES, Facts

AUDITOR_ROLES = {"auditor", "admin"}
BATCH = 500


def facts_for(cases: list[Case]) -> list[Facts]:
    """Everything the rules read about ``cases``, fetched in one query per kind."""
    ids = [c.id for c in cases]
    events: dict[int, list] = {i: [] for i in ids}
    for e in db.session.execute(select(AuditEvent).where(AuditEvent.case_id.in_(ids))
                                .order_by(AuditEvent.case_id, AuditEvent.seq)).scalars():
        events[e.case_id].append(e)
    notices: dict[int, list] = {i: [] for i in ids}
    for n in db.session.execute(select(Notice).where(Notice.case_id.in_(ids))).scalars():
        notices[n.case_id].append(n)
    files: dict[int, list] = {i: [] for i in ids}
    for a in db.session.execute(select(Attachment).where(Attachment.case_id.in_(ids))).scalars():
        files[a.case_id].append(a)
    codes = {e.jurisdiction_code for evs in events.values() for e in evs}
    paths = dict(db.session.execute(select(Jurisdiction.code, Jurisdiction.path).where(
        Jurisdiction.code.in_(codes))).all()) if codes else {}
    settings, today = current_app.config, clock.today()
    subjects = {c.id: load_subject(c.subject_type, c.subject_id) for c in cases}
    edits = _register_edits(cases, subjects)
    return [Facts(case=c, definition=store.by_version(c.definition_version),
                  events=events[c.id], notices=notices[c.id], attachments=files[c.id],
                  subject=subjects[c.id], place_paths=paths, settings=settings, today=today,
                  register_edits=edits[c.id]) for c in cases]


def _register_edits(cases: list[Case], subjects: dict) -> dict[int, list]:
    """Per case, the register edits of its household (its house's household) and house,
    from the villages' register chains, oldest first (one query)."""
    out: dict[int, list] = {c.id: [] for c in cases}
    wanted = [c for c in cases if c.subject_type in ("household", "house")
              and subjects[c.id] is not None]
    if not wanted:
        return out
    rows = db.session.execute(select(RegisterEvent).where(
        RegisterEvent.village_id.in_({c.village_id for c in wanted}),
        RegisterEvent.action.in_(list(JUDGED))).order_by(RegisterEvent.id)).scalars().all()
    for c in wanted:
        subject = subjects[c.id]
        household_id = subject.id if c.subject_type == "household" else subject.household_id
        out[c.id] = [e for e in rows if e.village_id == c.village_id and (
            (e.data or {}).get("household_id") == household_id
            and (e.action != "house_edited" or c.subject_type != "house"
                 or (e.data or {}).get("house_id") == subject.id))]
    return out


def findings_for(facts: Facts) -> list[tuple[str, str]]:
    return [(name, reason) for name, (_, rule) in RULES.items() for reason in rule(facts)]


def scan(user: User) -> int:
    """Run every rule over every case in the user's scope; store new findings."""
    if not any(a.role in AUDITOR_ROLES for a in user.assignments):
        raise Forbidden("只有审计、纪检人员可以运行审计检查")
    known = set(db.session.execute(select(Finding.case_id, Finding.rule, Finding.reason)
                                   .where(scope_filter(Finding.jurisdiction_path, user))).all())
    query = select(Case).where(scope_filter(Case.jurisdiction_path, user)).order_by(Case.id)
    added, last = 0, 0
    while True:
        cases = db.session.execute(query.where(Case.id > last).limit(BATCH)).scalars().all()
        if not cases:
            break
        last = cases[-1].id
        for facts in facts_for(cases):
            for rule, reason in findings_for(facts):
                reason = reason[:300]
                if (facts.case.id, rule, reason) not in known:
                    db.session.add(Finding(case_id=facts.case.id, rule=rule, reason=reason,
                                           jurisdiction_path=facts.case.jurisdiction_path))
                    known.add((facts.case.id, rule, reason))
                    added += 1
    db.session.commit()
    return added


def decide(finding_id: int, outcome: str, note: str, user: User) -> Finding:
    """The auditor's outcome (confirmed / dismissed, with a note), chained into the trail."""
    finding = db.session.execute(select(Finding).where(
        Finding.id == finding_id, scope_filter(Finding.jurisdiction_path, user))
    ).scalar_one_or_none()
    if finding is None:
        raise NotFound("核查事项不存在或不在您的管辖范围内")
    case = db.session.get(Case, finding.case_id)
    assignments = [a for a in user.roles_over(case.village) if a.role in AUDITOR_ROLES]
    if not assignments:
        raise Forbidden("只有审计、纪检人员可以记录核查结论")
    note = (note or "").strip()
    if outcome not in ("confirmed", "dismissed"):
        raise Invalid("核查结论有误", {"outcome": ["「核查结论」必须是：属实、不属实"]})
    if not note or len(note) > 2000:
        raise Invalid("核查结论有误", {"note": ["「核查说明」为必填项，不超过 2000 字"]})
    finding.outcome, finding.note = outcome, note
    finding.decided_by_id, finding.decided_at = user.id, clock.utcnow()
    append_event(case, user, assignments[0], action="finding",
                 action_title=f"审计核查：{RULES[finding.rule][0]}——{OUTCOMES[outcome]}",
                 data={"finding": finding.id, "rule": finding.rule, "reason": finding.reason,
                       "outcome": outcome, "note": note})
    return finding
