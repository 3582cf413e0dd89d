"""The finding rule of delegation: a sign-off made for someone (代签) outside the dates
of the delegation it names, after it was ended, or under no delegation at all."""
from __future__ import annotations

from sqlalchemy import select

from workflow import clock
from workflow.delegation.models import Delegation
from workflow.extensions import db
from workflow.oversight.rules import Facts, finding_rule


@finding_rule("delegated_outside_dates", "代签超出授权期限")
def delegated_outside_dates(f: Facts) -> list[str]:
    """Each 代签 of the case checked against its delegation (one query for the case)."""
    signed = [e for e in f.events if e.on_behalf_of_id is not None]
    if not signed:
        return []
    ids = {e.delegation_id for e in signed if e.delegation_id is not None}
    rows = {d.id: d for d in db.session.execute(
        select(Delegation).where(Delegation.id.in_(ids))).unique().scalars()} if ids else {}
    out = []
    for e in signed:
        when = clock.to_local(e.at).strftime("%Y-%m-%d %H:%M")
        row = rows.get(e.delegation_id)
        if row is None or row.delegator_id != e.on_behalf_of_id or row.delegate_id != e.actor_id:
            out.append(f"{e.signed_as} 于 {when} {e.action_title}，但没有相应的授权记录")
        elif not row.active_on(e.at):
            out.append(f"{e.signed_as} 于 {when} {e.action_title}，超出授权期限"
                       f"（{row.starts_on} 至 {row.ends_on}"
                       f"{'，已提前结束' if row.ended_at else ''}）")
    return out
