"""`flask audit seal`: bring a trail written before the audit key existed under it.

Run once after upgrading to migration 0012 (and again is harmless): ledger rows without
a fund-trail event are put on their sources' chains, then every chain is verified, and
only if nothing but missing seals is found are the unsealed events sealed with the key.
A tampered chain is never sealed: the problems are returned and nothing is written.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select

from workflow.audit import chain, funds, keys, register
from workflow.audit.chain import Problem
from workflow.audit.models import AuditEvent, FundEvent, RegisterEvent
from workflow.auth.models import User
from workflow.extensions import db

UNSEALED = "缺少密钥签名"


def seal(fallback: User | None = None) -> tuple[int, int, list[Problem]]:
    """(fund events added, events sealed, problems); committed only without problems."""
    try:
        added = funds.adopt_legacy(fallback)
        db.session.flush()
        problems = [p for p in [*chain.verify()[1], *register.verify()[1]]
                    if not p.reason.startswith(UNSEALED)]
        if problems:
            db.session.rollback()
            return 0, 0, problems
        sealed = 0
        for model in (AuditEvent, RegisterEvent, FundEvent):
            table = model.__table__
            rows = db.session.execute(select(table.c.id, table.c.hash)
                                      .where(table.c.mac.is_(None))).all()
            if rows:
                db.session.execute(
                    table.update().where(table.c.id == bindparam("_id"))
                    .values(mac=bindparam("_mac")),
                    [{"_id": i, "_mac": keys.mac(h)} for i, h in rows])
            sealed += len(rows)
        db.session.commit()
        return added, sealed, []
    except Exception:
        db.session.rollback()
        raise
