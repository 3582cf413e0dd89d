"""Shared helpers of the support tests: a measure body and the register events."""
from __future__ import annotations

from workflow.audit.models import RegisterEvent
from workflow.extensions import db


def body(**over) -> dict:
    """A valid industry measure for the whole household."""
    return {"kind": "industry_award", "department": "agriculture", "starts_on": "2020-03-01",
            "ends_on": "2020-12-31", "amount": "1500.00", "note": "肉牛养殖奖补", **over}


def events(action: str | None = None) -> list[RegisterEvent]:
    db.session.expire_all()
    query = db.select(RegisterEvent).order_by(RegisterEvent.id)
    if action:
        query = query.where(RegisterEvent.action == action)
    return db.session.execute(query).scalars().all()
