"""Lists posted in public: notices (公示) on the village board and announcements (公告).

What they print about a household is deliberately short: the head's name, household
size, per-capita income when a survey recorded one, the village, the case number and
its verification code. Never an ID number (not even masked), a phone, a bank account or
anything about health: those fields are simply not read here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from workflow import clock
from workflow.audit.chain import trail
from workflow.cases.context import load_subject
from workflow.cases.models import Case
from workflow.documents import content
from workflow.documents.rows import chinese_date
from workflow.engine import store
from workflow.engine.definitions import Definition
from workflow.extensions import db
from workflow.notices.models import Notice


@dataclass
class Listed:
    """One case as a public list prints it."""

    case_id: int
    name: str
    size: int
    village: str
    township: str
    per_capita: str
    decided_on: str
    code: str
    qr: str


@dataclass
class PublicDoc:
    """One notice or announcement: who issues it, when, and the cases it lists."""

    kind: str  # notice | announcement
    title: str
    procedure: str
    issuer: str
    issued_on: str
    number: str = ""
    starts_on: str = ""
    ends_on: str = ""
    days: int = 0
    object_to: str = ""
    items: list[Listed] = field(default_factory=list)


def _per_capita(case: Case, definition: Definition) -> str:
    for block in content.assessment(case, definition):
        if block.per_capita:
            return block.per_capita
    return ""


def listed(case: Case, base_url: str, decided_on: str = "") -> Listed:
    """The public line for ``case``: nothing but name, size, income, place and codes."""
    definition = store.by_version(case.definition_version)
    subject = load_subject(case.subject_type, case.subject_id)
    places = content.places_of(case.village)
    mark = content.paper_mark(case, base_url)
    return Listed(case_id=case.id, name=subject.head_name if subject else "",
                  size=getattr(subject, "size", 0) if subject else 0, village=places.village,
                  township=places.township, per_capita=_per_capita(case, definition),
                  decided_on=decided_on, code=mark["code"], qr=mark["qr"])


def issuer_for(level: str, places: content.Places) -> str:
    """Who signs a notice posted at ``level``."""
    if level == "village":
        return f"{places.village}村民委员会"
    if level == "township":
        return f"{places.township}人民政府"
    return f"{places.county}扶贫开发领导小组办公室"


def latest_notice(case: Case) -> Notice | None:
    return db.session.execute(
        db.select(Notice).where(Notice.case_id == case.id).order_by(Notice.id.desc())
    ).scalars().first()


def notice_docs(cases: list[Case], base_url: str) -> list[PublicDoc]:
    """One notice per village, procedure and notice period, listing its cases."""
    groups: dict[tuple, list[tuple[Case, Notice]]] = defaultdict(list)
    for case in cases:
        notice = latest_notice(case)
        if notice is not None:
            key = (case.village_id, case.definition_version, notice.state, notice.title,
                   notice.starts_on, notice.ends_on)
            groups[key].append((case, notice))
    docs = []
    for members in groups.values():
        case, notice = members[0]
        definition = store.by_version(case.definition_version)
        places = content.places_of(case.village)
        levels = [a.level for a in definition.actions_in(notice.state)]
        level = levels[0] if levels else "village"
        issuer = issuer_for(level, places)
        where = {"village": places.village, "township": places.township}.get(level,
                                                                          places.county)
        docs.append(PublicDoc(
            kind="notice", title=f"{where}{definition.title}{notice.title}",
            procedure=definition.title, issuer=issuer, issued_on=chinese_date(notice.starts_on),
            starts_on=chinese_date(notice.starts_on), ends_on=chinese_date(notice.ends_on),
            days=notice.min_days, object_to=issuer,
            items=[listed(c, base_url) for c, _ in members]))
    return docs


def notice_key(case: Case, notice: Notice) -> tuple:
    """What the cases listed in one notice share (the group ``notice_docs`` makes)."""
    return (case.village_id, case.definition_version, notice.state, notice.starts_on,
            notice.ends_on)


def notice_docs_of(case: Case, base_url: str) -> list[PublicDoc]:
    """The notice (公示) the case was last listed in, with its fellow cases ([] when the
    case has had no notice)."""
    notice = latest_notice(case)
    if notice is None:
        return []
    fellows = db.session.execute(
        db.select(Case).join(Notice, Notice.case_id == Case.id)
        .where(Case.village_id == case.village_id,
               Case.definition_version == case.definition_version,
               Notice.state == notice.state, Notice.starts_on == notice.starts_on,
               Notice.ends_on == notice.ends_on).order_by(Case.id)
    ).unique().scalars().all()
    return [d for d in notice_docs(fellows, base_url)
            if any(item.case_id == case.id for item in d.items)]


def announcement_docs(cases: list[Case], base_url: str) -> list[PublicDoc]:
    """One announcement per county, procedure and announcement number (county-approved cases)."""
    groups: dict[tuple, list[tuple[Case, Any, dict]]] = defaultdict(list)
    for case in cases:
        decision = content.county_decision(trail(case))
        if decision is None:
            continue
        numbered = content.announcement_values(case)
        county = case.village.ancestor("county")
        key = (county.id if county else None, case.definition_version, numbered["number"])
        groups[key].append((case, decision, numbered))
    docs = []
    for members in groups.values():
        case, _, numbered = members[0]
        definition = store.by_version(case.definition_version)
        places = content.places_of(case.village)
        last = max(clock.to_local(d.at).date() for _, d, _ in members)
        docs.append(PublicDoc(
            kind="announcement", title=f"{places.county}{definition.title}公告",
            procedure=definition.title, issuer=issuer_for("county", places),
            issued_on=numbered["date"] or chinese_date(last), number=numbered["number"],
            items=[listed(c, base_url, chinese_date(clock.to_local(d.at).date()))
                   for c, d, _ in members]))
    return docs


def doc_context(doc: PublicDoc, base_url: str) -> dict[str, Any]:
    """Template context of one public document."""
    return {"doc": doc, "printed_on": chinese_date(clock.today()),
            "verify_at": f"{base_url.rstrip('/')}/verify"}
