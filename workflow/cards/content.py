"""What a 明白卡 shows, its digest and code, printing (recorded) and checking a card.

The facts are plain values (text, amounts as text): the digest is the SHA-256 of their
canonical JSON, and the printed code is ``verify.code_for(household, "card:" + digest)``
— the same eight-character code as on the case documents, from a different input (no
event hash begins with "card:"). Only the masked ID number is ever shown; no account
number at all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from workflow import clock
from workflow.auth.models import RoleAssignment, User
from workflow.cards.models import PolicyCard
from workflow.documents import verify
from workflow.documents.content import chinese_date, places_of
from workflow.extensions import db
from workflow.housing.models import SubsidyPayment
from workflow.progress.models import HouseholdProgress
from workflow.registry.models import INCOME_KINDS, Household
from workflow.support.catalog import catalog
from workflow.support.models import SupportMeasure


def _money(value: Decimal | int | None) -> str:
    return f"{Decimal(value or 0):,.2f}"


def _measures(household: Household, year: int) -> list[SupportMeasure]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return list(db.session.execute(
        select(SupportMeasure).where(
            SupportMeasure.household_id == household.id, SupportMeasure.starts_on <= last,
            or_(SupportMeasure.ends_on.is_(None), SupportMeasure.ends_on >= first))
        .order_by(SupportMeasure.starts_on, SupportMeasure.id)).scalars())


def _helpers(measures: list[SupportMeasure], village_path: str) -> list[str]:
    """帮扶责任人: the helpers who entered this year's measures, else the village's, each
    with the work phone they gave."""
    ids = {m.entered_by_id for m in measures}
    query = (select(User.display_name, User.phone)
             .join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == "helper", User.active.is_(True)))
    named = db.session.execute(query.where(User.id.in_(ids))).all() if ids else []
    if not named:
        named = db.session.execute(query.where(
            RoleAssignment.jurisdiction.has(path=village_path))).all()
    # With the work phone each helper gave on 我的账号, if any.
    return sorted({f"{name}（{phone}）" if phone else name for name, phone in named})


def facts(household: Household, year: int) -> dict[str, Any]:
    """Everything the card shows, as plain values (what the digest covers)."""
    cat = catalog()
    measures = _measures(household, year)
    payments = db.session.execute(select(SubsidyPayment).where(
        SubsidyPayment.household_id == household.id).order_by(SubsidyPayment.paid_on)
    ).scalars().all()
    # The latest income the register holds up to the card's year (核算 is yearly).
    income = max((r for r in household.incomes if r.year <= year), key=lambda r: r.year,
                 default=None)
    members = [m for m in household.members if m.removed_on is None]
    # 帮扶进展: the helper's latest monthly entry of the year (income so far this year).
    latest = db.session.execute(select(HouseholdProgress).where(
        HouseholdProgress.household_id == household.id, HouseholdProgress.year == year)
        .order_by(HouseholdProgress.month.desc())).scalars().first()
    by_kind: dict[str, Decimal] = {}
    for m in measures:
        by_kind[cat.kinds[m.kind]] = by_kind.get(cat.kinds[m.kind], Decimal(0)) + m.amount
    policies = [[title, _money(amount)] for title, amount in by_kind.items()]
    policies += [[f"农村危房改造补助（{p.paid_on}）", _money(p.amount)] for p in payments]
    if household.dibao:
        policies.append(["农村最低生活保障（低保）", "按月发放"])
    if household.tekun:
        policies.append(["特困人员救助供养", "按月发放"])
    return {
        "household_id": household.id, "year": year, "head_name": household.head_name,
        "masked_id": household.masked_id, "size": len(members),
        "status": household.status_title, "address": household.address or "",
        "members": [[m.name, m.relation, cat.labour.get(m.labour_capacity or "", "—"),
                     cat.schooling.get(m.schooling or "", "—")] for m in members],
        "main_cause": cat.causes.get(household.main_cause or "", "未填报"),
        "other_causes": [cat.causes.get(c, c) for c in household.other_causes or []],
        "helpers": _helpers(measures, household.village.path),
        "measures": [[cat.actions[m.action], cat.kinds[m.kind],
                      m.member.name if m.member_id and m.member else "全户",
                      cat.departments.get(m.department, m.department),
                      f"{m.starts_on} 至 {m.ends_on or '今'}", _money(m.amount)]
                     for m in measures],
        "policies": policies,
        "policy_total": _money(sum((m.amount for m in measures), Decimal(0))
                               + sum((p.amount for p in payments), Decimal(0))),
        "progress": None if latest is None else {
            "month": latest.month, "income_to_date": _money(latest.income_to_date),
            "per_capita": _money(latest.per_capita)},
        "income": None if income is None else {
            "year": income.year, "total": _money(income.total),
            "per_capita": _money(income.per_capita),
            "parts": [[title, _money(getattr(income, key))]
                      for key, title in INCOME_KINDS.items()]},
    }


def digest(shown: dict[str, Any]) -> str:
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def card_code(household_id: int, card_digest: str) -> str:
    return verify.code_for(household_id, "card:" + card_digest)


def card_url(base_url: str, household_id: int, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/card/{household_id}/{code}"


def print_context(household: Household, actor: User, base_url: str,
                  year: int | None = None) -> dict[str, Any]:
    """The template's context for one card; the print is recorded in the session (the
    caller commits with the document, or a job with its result)."""
    year = year or clock.today().year
    shown = facts(household, year)
    card_digest = digest(shown)
    code = card_code(household.id, card_digest)
    db.session.add(PolicyCard(household_id=household.id,
                              jurisdiction_path=household.jurisdiction_path, year=year,
                              code=code, digest=card_digest, printed_by_id=actor.id,
                              printed_at=clock.utcnow()))
    url = card_url(base_url, household.id, code)
    return {"card": shown, "places": places_of(household.village),
            "mark": {"household_id": household.id, "code": verify.display(code), "url": url,
                     "qr": verify.qr_image(url)},
            "printed_on": chinese_date(clock.today())}


def check(household_id: int, code: str) -> dict[str, Any]:
    """current | outdated | unknown for a card showing ``household_id`` and ``code``,
    with what the public page may say (no personal data)."""
    wanted = verify.normalize(code)
    household = db.session.get(Household, household_id) if 0 < household_id < 2**62 else None
    if household is None or len(wanted) != verify.CODE_LENGTH:
        return {"status": "unknown"}
    printed = db.session.execute(select(PolicyCard).where(
        PolicyCard.household_id == household_id, PolicyCard.code == wanted)
        .order_by(PolicyCard.printed_at.desc())).scalars().first()
    if printed is None:
        return {"status": "unknown"}
    now = digest(facts(household, printed.year))
    return {"status": "current" if now == printed.digest else "outdated",
            "household_id": household_id, "village": household.village.name,
            "year": printed.year, "printed_at": printed.printed_at}
