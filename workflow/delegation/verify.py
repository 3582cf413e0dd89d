"""`audit verify` compares each delegation with the administration events that wrote it:
dates, people or role changed in the table behind the application (to make a sign-off
look covered, say) are reported."""
from __future__ import annotations

from sqlalchemy import select

from workflow.audit.chain import Problem
from workflow.audit.models import AdminEvent
from workflow.delegation.models import Delegation
from workflow.extensions import db
from workflow.jurisdictions.scope import paths_filter

WHERE = "授权代办"


def problems(scope_paths: list[str] | None) -> list[Problem]:
    """Delegations that differ from their last event, or have none."""
    events = select(AdminEvent.target, AdminEvent.data).where(
        AdminEvent.action.in_(["delegation_created", "delegation_ended"])).order_by(AdminEvent.id)
    rows = select(Delegation)
    if scope_paths is not None:
        events = events.where(paths_filter(AdminEvent.jurisdiction_path, scope_paths))
        rows = rows.where(paths_filter(Delegation.jurisdiction_path, scope_paths))
    expected: dict[str, dict | None] = {}
    for target, data in db.session.execute(events):
        expected[target.removeprefix("delegation:")] = (data or {}).get("after")
    found: list[Problem] = []
    for row in db.session.execute(rows.execution_options(populate_existing=True)
                                  ).unique().scalars():
        recorded = expected.pop(str(row.id), None)
        if recorded is None:
            found.append(Problem(WHERE, None, f"授权 {row.id} 没有管理留痕"))
        elif recorded != row.recorded():
            found.append(Problem(WHERE, None, f"授权 {row.id} 与管理留痕不符（被改动）"))
    found += [Problem(WHERE, None, f"授权 {ident} 被删除，但管理留痕中有其记录")
              for ident in expected]
    return found
